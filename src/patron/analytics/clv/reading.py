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
    """Sentences for the shop: the mean purchase rate per period and per year, how much
    customers differ, how many drop out (BG/NBD, MBG/NBD: the mean drop-out chance
    a/(a+b); Pareto/NBD: the share still active a year after the first purchase,
    E[e^(−μ·year)] = (β/(β+year))^s), and what a purchase is worth (Gamma-Gamma:
    E[M] = p·v/(q−1))."""
    p = model.params_
    year = DAYS_PER_YEAR / period_days  # periods in a year
    if model.name == "gamma-gamma":
        return _spend(p["p"], p["q"], p["v"])
    lines = _buying(p["r"], p["alpha"], period, year)
    if model.name in ("bgnbd", "mbgnbd"):
        share = p["a"] / (p["a"] + p["b"])
        if model.name == "mbgnbd":
            lines.append(
                f"About {share:.0%} of customers drop out for good after any purchase"
                " (a/(a+b)), the first included: that many new customers are lost"
                " right after their first purchase."
            )
        else:
            lines.append(
                f"About {share:.0%} of customers drop out for good after each repeat"
                " purchase (a/(a+b)); a customer who never came back is never counted as"
                " lost by this model (see mbgnbd)."
            )
    elif model.name == "pareto-nbd":
        s, beta = p["s"], p["beta"]
        still = (beta / (beta + year)) ** s
        line = (
            f"About {still:.0%} of customers are still active a year after their first"
            " purchase ((β/(β+one year))^s)"
        )
        if s > 1:
            line += f"; a customer stays active {beta / (s - 1):.1f} {period}s on average"
        lines.append(line + ".")
    return lines


def _buying(r: float, alpha: float, period: str, year: float) -> list[str]:
    rate = r / alpha
    spread = (
        f"Purchase rates differ widely between customers (r = {r:.2f} < 1): most buy"
        " less often than that average, a few much more."
        if r < 1
        else f"Purchase rates are fairly alike across customers (r = {r:.2f} ≥ 1)."
    )
    return [
        f"While active, a customer buys on average {rate:.3g} times a {period} (r/α),"
        f" about {rate * year:.1f} times a year.",
        spread,
    ]


def _spend(p: float, q: float, v: float) -> list[str]:
    lines = []
    if q > 1:
        lines.append(
            f"A purchase is worth {p * v / (q - 1):,.2f} on average across customers"
            " (p·v/(q−1), in the amounts' currency)."
        )
    lines.append(
        f"A customer's purchases vary around their own mean by about {p**-0.5:.0%}"
        " (1/√p); with few purchases their expected spend stays close to the average."
    )
    return lines
