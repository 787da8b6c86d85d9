"""One simulation request from a history to its figures and their JSON document: the
pipeline the command line and the API share (neither assembles it itself).

The adapters bring the history (a file read by the import's reader, or the store's
purchases) and the redemption rate (given, or measured on the store's ledger); this
module replays one program or two on it and words the result.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import Any

from patron.analytics.columns import encode
from patron.analytics.simulation.calibration import measured_rate
from patron.analytics.simulation.engine import Assumptions, simulate
from patron.analytics.simulation.history import History
from patron.analytics.simulation.report import SUMMARY_KINDS, Figures, comparison, figures
from patron.analytics.simulation.sources import store_history, store_purchase_count
from patron.domain.errors import InvalidInput
from patron.domain.program import Program


@dataclass(frozen=True)
class Request:
    program: Program
    other: Program | None = None
    start: date | None = None  # default: the first purchase's day
    end: date | None = None  # default: the last purchase's day
    redeem_rate: Decimal = Decimal(0)
    point_cost: Decimal | None = None
    margin_rate: Decimal | None = None
    reevaluate_months: int = 1


@dataclass(frozen=True)
class Outcome:
    mine: Figures
    theirs: Figures | None
    compared: list[dict[str, Any]] | None
    currency: str
    notes: list[str] = field(default_factory=list)


def run(history: History, request: Request, notes: list[str]) -> Outcome:
    """Replay the history under the request's program (and the other one)."""
    other = request.other
    if other is not None and other.currency != request.program.currency:
        raise InvalidInput(
            f"the programs are in {request.program.currency} and {other.currency}:"
            " compare programs of one currency"
        )
    if not len(history):
        raise InvalidInput("no purchases to replay")
    days = history.occurred_at.astype("datetime64[D]")
    assumptions = Assumptions(
        request.start or days.min().astype(date),
        request.end or days.max().astype(date),
        request.redeem_rate,
        request.point_cost,
        request.margin_rate,
        request.reevaluate_months,
    )
    mine = figures(simulate(request.program, history, assumptions), request.point_cost)
    if other is None:
        return Outcome(mine, None, None, request.program.currency, notes + mine.notes)
    theirs = figures(simulate(other, history, assumptions), request.point_cost)
    return Outcome(
        mine, theirs, comparison(mine, theirs), request.program.currency, notes + mine.notes
    )


def summary_rows(f: Figures) -> list[dict[str, Any]]:
    """The summary as (measure, value, kind) rows."""
    return [{"measure": m, "value": f.summary[m], "kind": k} for m, k in SUMMARY_KINDS.items()]


def encoded_months(f: Figures) -> list[dict[str, Any]]:
    return [{c: encode(r.get(c), f.kinds[c]) for c in f.kinds} for r in f.months]


def encoded_comparison(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "month": r["month"],
            "measure": r["measure"],
            **{c: encode(r[c], r["kind"]) for c in ("program", "other", "difference")},
        }
        for r in rows
    ]


def figures_document(f: Figures) -> dict[str, Any]:
    return {
        "summary": {r["measure"]: encode(r["value"], r["kind"]) for r in summary_rows(f)},
        "months": encoded_months(f),
    }


def document(outcome: Outcome) -> dict[str, Any]:
    """The outcome as JSON carries it: money as decimal strings, shares as fractions."""
    found: dict[str, Any] = {"currency": outcome.currency, **figures_document(outcome.mine)}
    if outcome.theirs is not None and outcome.compared is not None:
        found["other"] = figures_document(outcome.theirs)
        found["comparison"] = encoded_comparison(outcome.compared)
    found["notes"] = outcome.notes
    return found


MAX_STORE_PURCHASES = 1_000_000  # a request's bound (API, console): tens of seconds


def run_on_store(con: Any, request: Request, rate_given: bool) -> Outcome:
    """The store's purchases of the request's period replayed, at most
    `MAX_STORE_PURCHASES` (the command line has no bound); the redemption rate measured
    on the store's ledger unless `rate_given`."""
    count = store_purchase_count(con, request.start, request.end)
    if count > MAX_STORE_PURCHASES:
        raise InvalidInput(
            f"the period holds {count} purchases, more than a request replays"
            f" ({MAX_STORE_PURCHASES:,}): choose a shorter period (from, to) or run"
            " `patron simulate` on the command line"
        )
    history = store_history(con, request.start, request.end)
    if rate_given:
        notes = [f"redemption rate {request.redeem_rate} a month (given)"]
    else:
        measured = measured_rate(con)
        request = replace(request, redeem_rate=measured.rate)
        notes = [f"redemption rate {measured.rate} a month, {measured.describe()}"]
    return run(history, request, notes)
