"""Synthetic customer bases that behave like real ones, for the demo, tests and benchmarks.

Each customer follows the BG/NBD story (Fader, Hardie & Lee 2005): while alive they buy
as a Poisson process with their own rate λ ~ Gamma(r, α) (per week), and after each
purchase they drop out with their own probability p ~ Beta(a, b). Spend per purchase
varies around a personal mean as in the Gamma-Gamma model (Fader, Hardie & Lee 2005b):
z ~ Gamma(p_gg, ν) with ν ~ Gamma(q, γ). Purchases and first purchases are seasonal: the
rate is λ·(1 + A·cos(2π(d − peak_day)/365.25)) on day of the year d, highest before
Christmas, drawn by thinning (Lewis & Shedler 1979) so that each customer's yearly mean
stays λ. Baskets are split over categories the customer prefers, with per-category
margins; channels and payment methods follow personal habits; B2B customers pay invoices
(due 30 days after the purchase) early or late by their own habit, never before the
purchase day; an invoice whose payment would fall after the end of the history is still
unpaid. The CSV carries the due and paid dates, so the payment-speed criterion of the
A/B/C classes has data in the demo. Seeded: the same seed gives the same base.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import numpy as np

from patron.domain.purchase_columns import COLUMNS

CATEGORIES = ("books", "music", "electronics", "home", "garden", "toys", "food", "gift-cards")
MARGINS = (0.35, 0.30, 0.15, 0.40, 0.38, 0.42, 0.25, 0.02)
CHANNELS = ("store", "online", "phone")
PAYMENTS = ("card", "cash", "paypal")


@dataclass(frozen=True)
class SynthParams:
    customers: int = 5000
    start: datetime = datetime(2024, 11, 1)
    weeks: int = 104
    r: float = 0.243
    alpha: float = 4.414
    a: float = 0.793
    b: float = 2.426
    p_gg: float = 6.25
    q_gg: float = 3.74
    gamma_gg: float = 15.44
    b2b_share: float = 0.08
    acquisition_weeks: int = 78
    seasonality: float = 0.4  # A: the rate swings ±40% around its yearly mean
    peak_day: int = 350  # day of the year the rate is highest (16 December)
    seed: int = 42

    def __post_init__(self) -> None:
        if not 0 <= self.seasonality < 1:
            raise ValueError(f"seasonality must be in [0, 1), not {self.seasonality}")


@dataclass(frozen=True)
class SynthLine:
    sku: str
    category: str
    quantity: int
    unit_price: Decimal
    unit_cost: Decimal


@dataclass(frozen=True)
class SynthPurchase:
    customer_id: str
    order_id: str
    occurred_at: datetime
    channel: str
    payment_method: str
    lines: list[SynthLine] = field(default_factory=list)
    invoice_due_at: datetime | None = None
    paid_at: datetime | None = None

    @property
    def amount(self) -> Decimal:
        return sum((x.unit_price * x.quantity for x in self.lines), Decimal(0))


def seasonal_factor(params: SynthParams, weeks: float) -> float:
    """How much the buying rate `weeks` after the start differs from its yearly mean."""
    day = params.start.timetuple().tm_yday + 7 * weeks
    return 1 + params.seasonality * float(np.cos(2 * np.pi * (day - params.peak_day) / 365.25))


def purchase_times(params: SynthParams, rng: np.random.Generator) -> list[np.ndarray]:
    """Weeks since the start of each customer's purchases (first purchase included)."""
    n = params.customers
    lam = rng.gamma(params.r, 1 / params.alpha, n)
    p = rng.beta(params.a, params.b, n)
    top = 1 + params.seasonality  # candidates at the peak rate, kept in proportion
    birth = _first_purchases(params, rng, n, top)
    result = []
    for i in range(n):
        times = [birth[i]]
        t = birth[i]
        while rng.random() >= p[i]:  # alive after this purchase
            t = _next_purchase(params, rng, t, lam[i] * top, top)
            if t >= params.weeks:
                break
            times.append(t)
        result.append(np.array(times))
    return result


def _first_purchases(
    params: SynthParams, rng: np.random.Generator, n: int, top: float
) -> np.ndarray:
    """When each customer first buys: within the acquisition weeks, more in high season."""
    births: list[float] = []
    while len(births) < n:
        for t in rng.uniform(0, params.acquisition_weeks, n).tolist():
            if len(births) < n and rng.random() * top < seasonal_factor(params, t):
                births.append(t)
    return np.array(births)


def _next_purchase(
    params: SynthParams, rng: np.random.Generator, t: float, rate: float, top: float
) -> float:
    """The week of the purchase after week `t`: candidates come at the peak `rate`, and
    each is kept with probability seasonal factor / `top` (thinning)."""
    while rate > 0:
        t += rng.exponential(1 / rate)
        if t >= params.weeks or rng.random() * top < seasonal_factor(params, t):
            return t
    return np.inf


def generate(params: SynthParams = SynthParams()) -> Iterator[SynthPurchase]:
    rng = np.random.default_rng(params.seed)
    times = purchase_times(params, rng)
    nu = rng.gamma(params.q_gg, 1 / params.gamma_gg, params.customers)
    prefs = rng.dirichlet(np.full(len(CATEGORIES), 0.6), params.customers)
    channel_prefs = rng.dirichlet(np.array([3.0, 2.0, 0.5]), params.customers)
    b2b = rng.random(params.customers) < params.b2b_share
    pay_habit = rng.normal(0, 12, params.customers)
    end = params.start + timedelta(weeks=params.weeks)
    for i, weeks in enumerate(times):
        cid = f"C{i + 1:06d}"
        for k, w in enumerate(sorted(weeks)):
            at = params.start + timedelta(weeks=float(w))
            at = at.replace(microsecond=0)
            spend = rng.gamma(params.p_gg, 1 / nu[i]) * (8 if b2b[i] else 1)
            lines = _basket(rng, spend, prefs[i])
            channel = CHANNELS[int(rng.choice(3, p=channel_prefs[i]))]
            if b2b[i]:
                due = at + timedelta(days=30)
                paid = max(at, due + timedelta(days=float(rng.normal(pay_habit[i], 4))))
                # an invoice paid after the history ends is still unpaid at its end
                settled = paid.replace(microsecond=0) if paid <= end else None
                yield SynthPurchase(
                    cid,
                    f"{cid}-{k + 1}",
                    at,
                    channel,
                    "invoice",
                    lines,
                    due.replace(microsecond=0),
                    settled,
                )
            else:
                payment = PAYMENTS[int(rng.integers(0, 3))]
                yield SynthPurchase(cid, f"{cid}-{k + 1}", at, channel, payment, lines)


def _basket(rng: np.random.Generator, spend: float, prefs: np.ndarray) -> list[SynthLine]:
    n_lines = 1 + int(rng.poisson(0.8))
    cats = rng.choice(len(CATEGORIES), size=n_lines, p=prefs)
    shares = rng.dirichlet(np.ones(n_lines))
    lines = []
    for cat, share in zip(cats, shares, strict=True):
        quantity = 1 + int(rng.poisson(0.3))
        price = max(0.5, spend * share / quantity)
        unit = Decimal(f"{price:.2f}")
        cost = Decimal(f"{price * (1 - MARGINS[cat]):.2f}")
        sku = f"{CATEGORIES[cat][:3].upper()}-{int(rng.integers(1, 200)):03d}"
        lines.append(SynthLine(sku, CATEGORIES[cat], quantity, unit, cost))
    return lines


# The file columns synth draws (it gives no promotions and no acquisition channels).
CSV_COLUMNS = tuple(c for c in COLUMNS if c not in ("promotion", "acquisition_channel"))


def write_csv(path: Path, purchases: Iterator[SynthPurchase]) -> int:
    """Write in `patron import purchases` format, one row per line; returns rows written."""
    rows = 0
    with path.open("w", newline="") as out:
        writer = csv.DictWriter(out, CSV_COLUMNS)
        writer.writeheader()
        for p in purchases:
            for x in p.lines:
                writer.writerow(
                    {
                        "customer_id": p.customer_id,
                        "order_id": p.order_id,
                        "date": p.occurred_at.isoformat(),
                        "amount": x.unit_price * x.quantity,
                        "sku": x.sku,
                        "category": x.category,
                        "quantity": x.quantity,
                        "unit_price": x.unit_price,
                        "unit_cost": x.unit_cost,
                        "channel": p.channel,
                        "payment_method": p.payment_method,
                        "due_at": _iso(p.invoice_due_at),
                        "paid_at": _iso(p.paid_at),
                    }
                )
                rows += 1
    return rows


def _iso(moment: datetime | None) -> str:
    return moment.isoformat() if moment is not None else ""
