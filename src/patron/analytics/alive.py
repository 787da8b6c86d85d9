"""Every customer's P(alive) as of a day, for the win-back journey's threshold
(`[journeys.winback] p_alive_below`, docs/journeys.md).

The purchase model is the one `patron clv predict` and the member insights pick for the
same data and day (`lifetime.choose_for`), so a member the console shows at 20% is the
one win-back sees at 20%. Only the distinct (frequency, recency, T) rows are evaluated;
customers share them.
"""

from __future__ import annotations

from datetime import date, datetime, time

from patron.analytics import lifetime
from patron.analytics.clv.data import ModelNotIdentified
from patron.analytics.frames import Source


def p_alive_by_customer(source: Source, as_of: date, period: str = "week") -> dict[str, float]:
    """P(alive) by customer id (a member's external id); {} when the data identify no
    model (too few customers or repeat purchases)."""
    try:
        model = lifetime.choose_for(source, as_of, period).model
    except ModelNotIdentified:
        return {}
    end = datetime.combine(as_of, time())
    table = lifetime.customers(source, period=period, observation_end=end)
    rows = table.select("customer_id", *lifetime.PURCHASES).to_pyarrow()
    ids = [str(c) for c in rows.column("customer_id").to_pylist()]
    x, t, big_t = (rows.column(c).to_numpy().astype(float) for c in lifetime.PURCHASES)
    alive = model.probability_alive(x, t, big_t)
    return {customer: float(p) for customer, p in zip(ids, alive, strict=True)}
