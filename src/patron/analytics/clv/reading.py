"""What a fitted model says about a shop's customers, in words: the parameters' units
and a plain reading derived from them (`patron clv fit`).

Four numbers such as r = 0.24, α = 4.41, a = 0.79, b = 2.43 mean nothing to a shop
manager until they are turned into what they imply: how often an active customer buys,
how many drop out, what a purchase is worth. Every figure below is a closed form of the
parameters (means of the mixing distributions), so reading a model needs no SciPy.
"""

from __future__ import annotations

from patron.analytics.clv.base import FittedModel

DAYS_PER_YEAR = 365.25
SHAPE = "none (shape)"


def units(model: FittedModel, period: str) -> dict[str, str]:
    """Each parameter's unit: α and β are in the model's time unit (purchase and
    drop-out rates are per `period`), Gamma-Gamma's v in money, the rest are shapes."""
    per = {"alpha": f"{period}s", "beta": f"{period}s", "v": "money (the amounts' currency)"}
    return {name: per.get(name, SHAPE) for name in model.param_names}


def plain_reading(model: FittedModel, period: str, period_days: float) -> list[str]:
    """Sentences for the shop, in English (`patron clv fit`); the console writes the same
    facts (`reading_facts`) in the shop's language."""
    return [ENGLISH[key].format(period=period, **values) for key, values in
            reading_facts(model, period, period_days)]  # fmt: skip


# each fact's English sentence, over the fact's values (and the model's time unit)
ENGLISH = {
    "rate": "While active, a customer buys on average {rate:.3g} times a {period} (r/α),"
    " about {per_year:.1f} times a year.",
    "spread_wide": "Purchase rates differ widely between customers (r = {r:.2f} < 1): most"
    " buy less often than that average, a few much more.",
    "spread_alike": "Purchase rates are fairly alike across customers (r = {r:.2f} ≥ 1).",
    "dropout_any": "About {share:.0%} of customers drop out for good after any purchase"
    " (a/(a+b)), the first included: that many new customers are lost right after their"
    " first purchase.",
    "dropout_repeat": "About {share:.0%} of customers drop out for good after each repeat"
    " purchase (a/(a+b)); a customer who never came back is never counted as lost by this"
    " model (see mbgnbd).",
    "still_active": "About {still:.0%} of customers are still active a year after their"
    " first purchase ((β/(β+one year))^s).",
    "still_active_for": "About {still:.0%} of customers are still active a year after their"
    " first purchase ((β/(β+one year))^s); a customer stays active {lifetime:.1f} {period}s"
    " on average.",
    "worth": "A purchase is worth {worth:,.2f} on average across customers (p·v/(q−1), in"
    " the amounts' currency).",
    "vary": "A customer's purchases vary around their own mean by about {spread:.0%} (1/√p);"
    " with few purchases their expected spend stays close to the average.",
}


def reading_facts(
    model: FittedModel, period: str, period_days: float
) -> list[tuple[str, dict[str, float]]]:
    """What the model says, as facts (a key of ENGLISH and its numbers): the mean
    purchase rate per period and per year, how much customers differ, how many drop out
    (BG/NBD, MBG/NBD: the mean drop-out chance a/(a+b); Pareto/NBD: the share still
    active a year after the first purchase, E[e^(−μ·year)] = (β/(β+year))^s), and what
    a purchase is worth (Gamma-Gamma: E[M] = p·v/(q−1))."""
    p = model.params_
    year = DAYS_PER_YEAR / period_days  # periods in a year
    if model.name == "gamma-gamma":
        return _spend(p["p"], p["q"], p["v"])
    facts = _buying(p["r"], p["alpha"], year)
    if model.name in ("bgnbd", "mbgnbd"):
        share = p["a"] / (p["a"] + p["b"])
        facts.append(("dropout_any" if model.name == "mbgnbd" else "dropout_repeat",
                      {"share": share}))  # fmt: skip
    elif model.name == "pareto-nbd":
        s, beta = p["s"], p["beta"]
        still = (beta / (beta + year)) ** s
        if s > 1:
            facts.append(("still_active_for", {"still": still, "lifetime": beta / (s - 1)}))
        else:
            facts.append(("still_active", {"still": still}))
    return facts


def _buying(r: float, alpha: float, year: float) -> list[tuple[str, dict[str, float]]]:
    rate = r / alpha
    return [
        ("rate", {"rate": rate, "per_year": rate * year}),
        ("spread_wide" if r < 1 else "spread_alike", {"r": r}),
    ]


def _spend(p: float, q: float, v: float) -> list[tuple[str, dict[str, float]]]:
    facts: list[tuple[str, dict[str, float]]] = []
    if q > 1:
        facts.append(("worth", {"worth": p * v / (q - 1)}))
    facts.append(("vary", {"spread": p**-0.5}))
    return facts
