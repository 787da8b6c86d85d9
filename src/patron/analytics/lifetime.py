"""From purchases to a fitted lifetime model: the one pipeline behind `patron clv` and
the API's member insights.

1. `customers`: per customer the columns the models read (frequency, recency, T, and
   the mean repeat spend or the holdout when asked), an Ibis expression over the source
   with the definitions of the customer summary (analytics/summary.py); or a summary
   file that already holds them (`summary_file`).
2. `counts`: the distinct rows of those columns with the number of customers of each,
   grouped by the engine that holds the purchases (DuckDB, SQLite, PostgreSQL, Spark).
   Only these rows leave it: a few hundred thousand for a million customers at daily
   resolution, a few thousand at weekly.
3. `fit`: the model of that name (analytics/clv/registry.py) fitted on the counts, each
   row weighted by its customers: the same likelihood as on one row per customer; or
   `choose_purchase_model`: the purchase model that predicts a holdout best.

Every figure is measured to one explicit day, `as_of` (`AsOf`): today for the store,
which serves a live shop (what a member's P(alive) is now), and the day of the last
purchase for a file, a snapshot whose day of export is unknown (measured to today,
every customer would age by the time the file spent on a disk). Either can be given
instead, and every result says which day and rule it used.

A BG/NBD fit imports neither pandas (the counts arrive as NumPy arrays) nor SciPy.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import ibis
import ibis.expr.types as ir
import numpy as np

from patron.analytics.clv.base import FittedModel, PurchaseModel
from patron.analytics.clv.data import Array, ModelNotIdentified
from patron.analytics.clv.registry import PURCHASE_MODELS, SPEND_MODELS, purchase_model_named
from patron.analytics.frames import Source, days_between
from patron.analytics.summary import lifetime_columns, period_days
from patron.domain.errors import InvalidInput

if TYPE_CHECKING:
    from patron.analytics.clv.gammagamma import GammaGammaModel
    from patron.analytics.clv.validation import HoldoutReport, HoldoutScore

PURCHASES = ("frequency", "recency", "T")
SPEND = ("frequency", "monetary_value")
HOLDOUT = (*PURCHASES, "frequency_holdout", "duration_holdout")
COUNT = "customers"  # the column of counts: how many customers have the row's values
# the column names of the CLV papers' data sets (x, t_x, T, zbar) and their meaning here
ALIASES = {"x": "frequency", "t_x": "recency", "zbar": "monetary_value", "ID": "customer_id"}


def customers(
    source: Source,
    *,
    period: str = "week",
    observation_end: datetime | None = None,
    calibration_end: datetime | None = None,
    spend: bool = False,
) -> ir.Table:
    """One row per customer: customer_id, frequency, recency, T (monetary_value with
    `spend=True`; frequency_holdout, duration_holdout with a calibration end), by
    `summary.lifetime_columns`.

    With both ends given, the holdout's length is computed in the engine: as a bare
    float literal (summary.py) PostgreSQL types it numeric and returns a Decimal, which
    Arrow refuses as a double.
    """
    table = lifetime_columns(
        source,
        period=period,
        observation_end=observation_end,
        calibration_end=calibration_end,
        spend=spend,
    )
    if observation_end is not None and calibration_end is not None:
        length = days_between(ibis.literal(observation_end), ibis.literal(calibration_end))
        table = table.mutate(duration_holdout=length / period_days(period))
    return table


HOLDOUT_SHARE = 1 / 3  # the last third of the data's span is the holdout of the ranking
TODAY = "today"
END_OF_DATA = "the day of the last purchase in the data"
GIVEN = "as asked"


@dataclass(frozen=True)
class AsOf:
    """The day every figure is measured to (purchases on it count, T ends on it), and
    the rule that chose it, for the output to say."""

    day: date
    rule: str

    @property
    def end(self) -> datetime:
        """The day as the observation end the summaries take (the start of the day:
        they compare dates, so any time of the day gives the same figures)."""
        return datetime.combine(self.day, time())

    def __str__(self) -> str:
        return f"{self.day.isoformat()} ({self.rule})"


def store_as_of(given: date | None, today: date) -> AsOf:
    """The store's day: today unless given; a day after today is refused, since the
    store knows nothing of it (P(alive) 'as of next year' would only age everyone)."""
    if given is None:
        return AsOf(today, TODAY)
    if given > today:
        raise InvalidInput(
            f"as_of {given.isoformat()} is after today ({today.isoformat()}):"
            " the store has no purchases from days to come"
        )
    return AsOf(given, GIVEN)


def file_as_of(source: Source, given: date | None) -> AsOf:
    """A file's day: the day of its last purchase unless given (a later day is the
    day the file was exported, which only its owner knows)."""
    if given is not None:
        return AsOf(given, GIVEN)
    return AsOf(_last_day(source), END_OF_DATA)


def _last_day(source: Source) -> date:
    _, last = purchase_days(source)
    if last is None:
        raise InvalidInput("the source has no purchases")
    return last


def purchase_days(source: Source) -> tuple[date | None, date | None]:
    """The days of the first and the last purchase (None, None without purchases), in
    one query. DuckDB answers through its own cursor: Ibis's `to_pyarrow` would convert
    through pandas (see `fetch`), which `patron clv fit` does not import."""
    day = source.purchases.occurred_at.date()
    table = source.purchases.aggregate(first=day.min(), last=day.max())
    backend = ibis.get_backend(table)
    if backend.name == "duckdb":
        row = backend.raw_sql(backend.compile(table)).fetchone()
    else:
        row = tuple(table.to_pyarrow().to_pylist()[0].values())
    return _day(row[0]), _day(row[1])


def _day(value: object) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])  # SQLite gives dates as text


def holdout_cut(source: Source, as_of: date) -> date | None:
    """The calibration end of the model ranking: two thirds of the way from the first
    purchase to `as_of`, so the holdout is the last third; None when the data spans
    fewer than three days (no holdout to speak of)."""
    first, _ = purchase_days(source)
    if first is None:
        return None
    span = (as_of - first).days
    if span < 3:
        return None
    return first + timedelta(days=int(span * (1 - HOLDOUT_SHARE)))


def summary_file(path: str) -> ir.Table | None:
    """A CSV file of customers (frequency, recency, T[, monetary_value, customer_id], or
    the papers' x, t_x, T, zbar, ID) as a DuckDB table; None for any other file (a file
    of purchases, which `customers` summarizes)."""
    file = Path(path)
    if file.suffix.lower() != ".csv" or not file.is_file():
        return None
    # a purchases file in any encoding reaches the purchases reader, which reads it
    with file.open(newline="", encoding="utf-8-sig", errors="replace") as f:
        header = next(csv.reader(f), [])
    names = {column: ALIASES.get(column, column) for column in header}
    if not set(PURCHASES) <= set(names.values()):
        return None
    raw = ibis.duckdb.connect().read_csv(file)
    table = raw.rename({new: old for old, new in names.items() if new != old})
    if "customer_id" not in table.columns:
        table = table.mutate(customer_id=ibis.row_number().cast("string"))
    # a value that is not a number becomes null, which the models refuse naming the column
    numbers = [c for c in (*PURCHASES, "monetary_value") if c in table.columns]
    return table.mutate(
        customer_id=table.customer_id.cast("string"),
        **{c: table[c].try_cast("float64") for c in numbers},
    )


def counts(table: ir.Table, columns: Sequence[str]) -> dict[str, Array]:
    """The distinct rows of `columns` with their number of customers (`customers`),
    grouped in the engine that holds `table`."""
    grouped = table.group_by(list(columns)).aggregate(**{COUNT: table.count()})
    return fetch(grouped)


def fetch(table: ir.Table) -> dict[str, Array]:
    """A (small) table of numbers as float arrays, nulls as NaN (which the models refuse
    with the column's name).

    DuckDB hands its result over as NumPy arrays: its Ibis `to_pyarrow` converts
    through ibis.formats.pandas, which imports pandas (a quarter of a second), and
    `to_pyarrow_batches` does not run on DuckDB 2. (The DuckDB tables here are files
    it reads, nothing Ibis would have to register first.) Other engines go through Arrow.
    """
    backend = ibis.get_backend(table)
    if backend.name == "duckdb":
        columns = backend.raw_sql(backend.compile(table)).fetchnumpy()
    else:
        arrow = table.to_pyarrow()
        columns = {name: arrow.column(name).to_numpy() for name in arrow.column_names}
    return {name: _floats(values) for name, values in columns.items()}


def _floats(values: object) -> Array:
    masked = np.ma.asarray(values).astype(np.float64)
    return np.asarray(np.ma.filled(masked, np.nan), dtype=np.float64)


def needs_spend(model: str) -> bool:
    """Whether the model reads the customers' spend (`customers(spend=True)`)."""
    return model in SPEND_MODELS


def fit(model: str, table: ir.Table) -> FittedModel:
    """The model named `model` (bgnbd, pareto-nbd, gamma-gamma) fitted on the counts of
    the customers of `table` (from `customers` or `summary_file`)."""
    if needs_spend(model):
        return fit_spend(table)
    return fit_purchases(model, table)


def fit_purchases(model: str, table: ir.Table) -> PurchaseModel:
    """A purchase model fitted on the counts of (frequency, recency, T)."""
    return fit_counts(purchase_model_named(model), counts(table, PURCHASES))


def fit_counts(model: PurchaseModel, rows: dict[str, Array]) -> PurchaseModel:
    """`model` fitted on counted rows (any columns beyond frequency, recency, T, such
    as a holdout, only split the counts; the model adds them up again)."""
    return model.fit(rows["frequency"], rows["recency"], rows["T"], rows[COUNT])


def fit_spend(table: ir.Table) -> GammaGammaModel:
    """Gamma-Gamma fitted on the counts of (frequency, monetary_value)."""
    from patron.analytics.clv.gammagamma import GammaGammaModel

    if "monetary_value" not in table.columns:
        raise InvalidInput(
            "gamma-gamma needs each customer's mean repeat spend: a purchases file,"
            " the store, or a summary with a monetary_value (zbar) column"
        )
    rows = counts(table.mutate(monetary_value=table.monetary_value.fill_null(0.0)), SPEND)
    return GammaGammaModel().fit(rows["frequency"], rows["monetary_value"], rows[COUNT])


@dataclass(frozen=True)
class Choice:
    """The purchase model the analytics use, fitted on the whole window, and why:
    `basis` is "holdout" (best prediction of the holdout, `scores` best first),
    "log-likelihood" (no holdout to rank on: the best fit, the models having four
    parameters each) or "asked" (named by the user)."""

    model: PurchaseModel
    basis: str
    scores: list[HoldoutScore] = field(default_factory=list)
    calibration_end: date | None = None
    log_likelihoods: dict[str, float] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.model.name

    def explanation(self) -> str:
        """One line for people: which model, and on what grounds."""
        if self.basis == "asked":
            return f"model: {self.name} (as asked)"
        if self.basis == "holdout":
            ranked = ", ".join(
                f"{s.model} {s.rmse:.4f}" if s.rmse is not None else f"{s.model} not fitted"
                for s in self.scores
            )
            cut = self.calibration_end.isoformat() if self.calibration_end else "?"
            return (
                f"model: {self.name}, the best prediction of the purchases after {cut}"
                f" by models fitted on those before (RMSE per customer: {ranked})"
            )
        ranked = ", ".join(f"{n} {v:.1f}" for n, v in self.log_likelihoods.items())
        return f"model: {self.name}, the best fit (no holdout to rank on; log-likelihood: {ranked})"


def choose_purchase_model(
    table: ir.Table,
    holdout: ir.Table | None,
    names: Sequence[str] = PURCHASE_MODELS,
    calibration_end: date | None = None,
) -> Choice:
    """The purchase model of `names` that the holdout validation ranks best, fitted on
    the customers of `table` (the whole window).

    `holdout` is the same customers cut at `calibration_end` (`customers(...,
    calibration_end=...)`): each model is fitted on the calibration part and scored on
    the holdout (clv/validation.py, `rank_on_holdout`). Without a holdout (a summary
    file), or when no model can be fitted on the calibration part, the models are
    fitted on the whole window and the best log-likelihood wins. A model the whole
    window cannot identify gives way to the next; when none can be fitted,
    ModelNotIdentified says why.
    """
    from patron.analytics.clv.validation import rank_on_holdout

    rows = counts(table, PURCHASES)
    if holdout is not None:
        scores = rank_on_holdout(names, counts(holdout, HOLDOUT))
        for score in scores:
            if score.rmse is None:
                continue
            try:
                model = fit_counts(purchase_model_named(score.model), rows)
            except ModelNotIdentified:
                continue
            return Choice(model, "holdout", scores, calibration_end)
    fitted: list[PurchaseModel] = []
    reasons: list[str] = []
    for name in names:
        try:
            fitted.append(fit_counts(purchase_model_named(name), rows))
        except ModelNotIdentified as exc:
            reasons.append(f"{name}: {exc.message}")
    if not fitted:
        raise ModelNotIdentified("no purchase model could be fitted (" + "; ".join(reasons) + ")")
    best = max(fitted, key=lambda m: m.log_likelihood_)  # the first of equals
    return Choice(
        best,
        "log-likelihood",
        log_likelihoods={m.name: m.log_likelihood_ for m in fitted},
    )


def choose_for(
    source: Source, as_of: date, period: str = "week", names: Sequence[str] = PURCHASE_MODELS
) -> Choice:
    """`choose_purchase_model` on the purchases of `source` up to `as_of`, the holdout
    being the last third of the span (`holdout_cut`): the one rule by which `patron clv
    predict` and the member insights of the API pick their model, so that the same
    data and day give the same model, and the same P(alive), in both."""
    end = datetime.combine(as_of, time())
    table = customers(source, period=period, observation_end=end)
    cut = holdout_cut(source, as_of)
    holdout = None
    if cut is not None:
        calibration_end = datetime.combine(cut, time())
        holdout = customers(
            source, period=period, observation_end=end, calibration_end=calibration_end
        )
    return choose_purchase_model(table, holdout, names, cut)


def validation_for(
    source: Source, as_of: date, name: str, period: str = "week"
) -> HoldoutReport | None:
    """How the purchase model `name`, fitted on the calibration part of `choose_for`'s
    split, predicted the holdout: clv/validation.HoldoutReport (predicted against actual
    purchases by calibration frequency), or None without a holdout to predict."""
    from patron.analytics.clv.validation import holdout_report

    cut = holdout_cut(source, as_of)
    if cut is None:
        return None
    end = datetime.combine(as_of, time())
    holdout = customers(
        source, period=period, observation_end=end, calibration_end=datetime.combine(cut, time())
    )
    rows = counts(holdout, HOLDOUT)
    model = fit_counts(purchase_model_named(name), rows)
    duration = float(rows["duration_holdout"][0])
    return holdout_report(
        model,
        rows["frequency"],
        rows["recency"],
        rows["T"],
        rows["frequency_holdout"],
        duration,
        weights=rows[COUNT],
    )
