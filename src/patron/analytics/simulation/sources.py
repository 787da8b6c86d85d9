"""Where a history comes from: the store's purchases, or a file read as the import reads it.

The store's purchases and lines are read through the analytics' connection (Ibis) as
they were recorded; returns are not replayed (a simulation asks what a program would
have given for what was bought). Unit prices come back as NUMERIC, a double on SQLite:
with at most four decimals and below 10^10 they fit a double's 15 digits, so
rounding to the nearest ten-thousandth gives the stored number exactly.

A file is read by the import's own reader (the command line hands its purchases to
`history_of`), so the simulation sees the rows the import would record, rejects the
rows it would reject, and groups lines into orders the same way.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

import numpy as np

from patron.analytics.simulation.history import NO_CODE, UNIT_SCALE, History

Array = np.ndarray[Any, np.dtype[Any]]


def _fixed(values: Any) -> Array:
    """Unit amounts in ten-thousandths, -1 where missing."""
    as_float = np.array([np.nan if v is None else float(v) for v in values], dtype=np.float64)
    return np.where(np.isnan(as_float), -1, np.rint(as_float * UNIT_SCALE)).astype(np.int64)


def _coded(values: Any) -> tuple[Array, tuple[str, ...]]:
    texts = np.array([None if v is None or v != v else str(v) for v in values], dtype=object)
    present = texts != None  # noqa: E711 - elementwise
    names = tuple(sorted(set(texts[present].tolist())))
    index = {n: i for i, n in enumerate(names)}
    return np.array([index[t] if t is not None else NO_CODE for t in texts], dtype=np.int64), names


def store_history(con: Any, start: date | None = None, end: date | None = None) -> History:
    """The store's purchases from `start` to `end` (days, both included; None: all)."""
    purchases = con.table("purchases")
    lines = con.table("purchase_lines")
    if start is not None:
        purchases = purchases.filter(purchases.occurred_at >= datetime.combine(start, time()))
    if end is not None:
        limit = datetime.combine(end, time.max)
        purchases = purchases.filter(purchases.occurred_at <= limit)
    chosen = purchases.select("id", "member_id", "occurred_at", "promotion_code")
    found = chosen.order_by("id").execute()
    joined = lines.join(chosen.select(pid="id"), lines.purchase_id == chosen.id)
    got = (
        joined.select("purchase_id", "line_no", "category", "quantity", "unit_price", "unit_cost")
        .order_by(["purchase_id", "line_no"])
        .execute()
    )
    ids = found["id"].to_numpy(dtype=np.int64)
    customer_ids, customer = np.unique(
        found["member_id"].to_numpy(dtype=np.int64), return_inverse=True
    )
    code, codes = _coded(found["promotion_code"].tolist())
    category, categories = _coded(got["category"].tolist())
    quantity = got["quantity"].to_numpy(dtype=np.int64)
    unit_cost = _fixed(got["unit_cost"].tolist())
    return History(
        customer=customer.astype(np.int64),
        customer_ids=np.array([str(c) for c in customer_ids], dtype=object),
        occurred_at=found["occurred_at"].to_numpy(dtype="datetime64[us]"),
        code=code,
        codes=codes,
        line_purchase=np.searchsorted(ids, got["purchase_id"].to_numpy(dtype=np.int64)),
        line_amount=_fixed(got["unit_price"].tolist()) * quantity,
        line_cost=np.where(unit_cost < 0, -1, unit_cost * quantity),
        line_category=category,
        categories=categories,
    )


def store_purchase_count(con: Any, start: date | None = None, end: date | None = None) -> int:
    """How many of the store's purchases fall from `start` to `end` (days, included)."""
    purchases = con.table("purchases")
    if start is not None:
        purchases = purchases.filter(purchases.occurred_at >= datetime.combine(start, time()))
    if end is not None:
        purchases = purchases.filter(purchases.occurred_at <= datetime.combine(end, time.max))
    return int(purchases.count().execute())
