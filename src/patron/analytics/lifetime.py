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
   row weighted by its customers: the same likelihood as on one row per customer.

A BG/NBD fit imports neither pandas (the counts arrive as NumPy arrays) nor SciPy.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import ibis
import ibis.expr.types as ir
import numpy as np

from patron.analytics.clv.base import FittedModel, PurchaseModel
from patron.analytics.clv.data import Array
from patron.analytics.clv.registry import SPEND_MODELS, purchase_model_named
from patron.analytics.summary import lifetime_columns
from patron.domain.errors import InvalidInput

if TYPE_CHECKING:
    from patron.analytics.clv.gammagamma import GammaGammaModel

PURCHASES = ("frequency", "recency", "T")
SPEND = ("frequency", "monetary_value")
HOLDOUT = (*PURCHASES, "frequency_holdout", "duration_holdout")
COUNT = "customers"  # the column of counts: how many customers have the row's values
# the column names of the CLV papers' data sets (x, t_x, T, zbar) and their meaning here
ALIASES = {"x": "frequency", "t_x": "recency", "zbar": "monetary_value", "ID": "customer_id"}


# One row per customer: customer_id, frequency, recency, T (monetary_value with
# `spend=True`; frequency_holdout, duration_holdout with a calibration end).
customers = lifetime_columns


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
