"""The lifetime page's plain readings of a fitted model, in the shop's language: the
facts of analytics/clv/reading.py (the same ones `patron clv fit` writes in English),
each a catalog message over numbers written the locale's way."""

from __future__ import annotations

from collections.abc import Callable

from patron.analytics.clv.base import FittedModel
from patron.analytics.clv.reading import reading_facts
from patron.web.i18n import N_, _, number, percent, word

MESSAGES = {
    "rate": N_("While active, a customer buys on average %(rate)s times a %(period)s (r/α),"
               " about %(per_year)s times a year."),
    "spread_wide": N_("Purchase rates differ widely between customers (r = %(r)s < 1): most"
                      " buy less often than that average, a few much more."),
    "spread_alike": N_("Purchase rates are fairly alike across customers (r = %(r)s ≥ 1)."),
    "dropout_any": N_("About %(share)s of customers drop out for good after any purchase"
                      " (a/(a+b)), the first included: that many new customers are lost"
                      " right after their first purchase."),
    "dropout_repeat": N_("About %(share)s of customers drop out for good after each repeat"
                         " purchase (a/(a+b)); a customer who never came back is never"
                         " counted as lost by this model (see mbgnbd)."),
    "still_active": N_("About %(still)s of customers are still active a year after their"
                       " first purchase ((β/(β+one year))^s)."),
    "still_active_for": N_("About %(still)s of customers are still active a year after their"
                           " first purchase ((β/(β+one year))^s); a customer stays active"
                           " %(lifetime)s %(periods)s on average."),
    "worth": N_("A purchase is worth %(worth)s on average across customers (p·v/(q−1), in"
                " the amounts' currency)."),
    "vary": N_("A customer's purchases vary around their own mean by about %(spread)s"
               " (1/√p); with few purchases their expected spend stays close to the"
               " average."),
}  # fmt: skip

# how each number is written
WRITTEN: dict[str, Callable[[float], str]] = {
    "rate": lambda v: number(v, 3),
    "per_year": lambda v: number(v, 1),
    "r": lambda v: number(v, 2),
    "share": lambda v: percent(v, 0),
    "still": lambda v: percent(v, 0),
    "lifetime": lambda v: number(v, 1),
    "worth": lambda v: number(v, 2),
    "spread": lambda v: percent(v, 0),
}


def readings(model: FittedModel, period: str, period_days: float) -> list[str]:
    """The model's plain reading, one sentence a fact, in the current language."""
    said = []
    for key, values in reading_facts(model, period, period_days):
        written = {name: WRITTEN[name](value) for name, value in values.items()}
        written |= {"period": word(period), "periods": word(f"{period}s")}
        said.append(_(MESSAGES[key]) % written)
    return said
