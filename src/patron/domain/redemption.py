"""Redemption pricing and eligibility: what a redemption costs in points, what it is worth,
and whether this member may have it now.

Design overview. A member spends points in one of two ways, never both at once: on a
catalog reward (its points and value are the catalog's), or as a discount of `points`
worth `points × point_value`. The program's `[redemption]` policy bounds a discount: at
least `min_points`, and worth at most `max_basket_share` of the basket when the till sends
`basket_total`. A reward must be in the active catalog, for the member's tier, and in
stock. The same rules refuse a quote and a redemption alike, so a quote never promises
what the redemption would refuse. Whether the member holds the points is not decided
here: the lots do that (domain/lots.py), under the member's lock.

Pure functions over plain values: the use case (services/redeem.py) reads the catalog's
`CatalogReward` and hands it over; `NewRedemption` and `Redemption` are the records of a
redemption written and read back.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_FLOOR, Decimal

from patron.domain.errors import InvalidInput, NotFound, RewardUnavailable
from patron.domain.money import quantize_money
from patron.domain.program import RedemptionPolicy
from patron.domain.records import RedemptionStatus


@dataclass(frozen=True, slots=True)
class CatalogReward:
    """A reward as the catalog holds it now (stock is what is left; None: unlimited)."""

    id: str
    name: str
    kind: str  # the program's RewardKind, as stored
    points: int
    cost: Decimal
    value: Decimal | None
    stock: int | None
    tiers: tuple[str, ...]
    description: str
    active: bool


@dataclass(frozen=True, slots=True)
class NewRedemption:
    """A redemption to record, priced and allocated: it is made `completed`."""

    member_id: int
    reward_id: str | None
    points: int
    value: Decimal
    cost: Decimal
    currency: str
    created_at: datetime
    transaction_id: str | None
    shop: str | None  # the redeeming key's shop (domain/access.py); None: no shop


@dataclass(frozen=True, slots=True)
class Redemption:
    """A recorded redemption; `entry_id` is the ledger entry that spent its points."""

    id: int
    member_id: int
    reward_id: str | None
    points: int
    value: Decimal
    cost: Decimal
    currency: str
    status: RedemptionStatus
    entry_id: int | None
    created_at: datetime
    cancelled_at: datetime | None
    transaction_id: str | None
    shop: str | None  # the redeeming key's shop: a key of another shop cannot cancel it


@dataclass(frozen=True, slots=True)
class Terms:
    """What the member asks for: a reward, or a number of points (exactly one of them),
    and the basket a discount is checked against (optional)."""

    reward_id: str | None = None
    points: int | None = None
    basket_total: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Price:
    """Points a redemption spends, its value to the member and its cost to the business,
    in the program's currency, rounded to cents."""

    points: int
    value: Decimal
    cost: Decimal
    reward_id: str | None


def check_terms(terms: Terms) -> None:
    """Refuse terms that name neither or both of a reward and a number of points."""
    if (terms.reward_id is None) == (terms.points is None):
        raise InvalidInput("give either reward_id or points, not both and not neither")


def price_reward(reward: CatalogReward | None, reward_id: str, tier: str) -> Price:
    """The catalog's price of a reward, refused if it is not in the active catalog (not
    found), not for the member's tier, or out of stock (unavailable), in that order."""
    if reward is None or not reward.active:
        raise NotFound(f"no reward {reward_id!r} in the catalog")
    if not for_tier(reward, tier):
        raise RewardUnavailable(
            f"reward {reward_id!r} is for tiers {list(reward.tiers)}; member is {tier}"
        )
    if reward.stock is not None and reward.stock <= 0:
        raise RewardUnavailable(f"reward {reward_id!r} is out of stock")
    value = quantize_money(reward.value if reward.value is not None else Decimal(0))
    return Price(reward.points, value, quantize_money(reward.cost), reward_id)


def for_tier(reward: CatalogReward, tier: str) -> bool:
    """Whether a member of `tier` may take `reward`: a reward names its tiers, or is for all."""
    return not reward.tiers or tier in reward.tiers


@dataclass(frozen=True, slots=True)
class Offer:
    """A reward of the catalog as one member sees it: `missing` points short of it (0: the
    spendable points cover it), and whether any is left (`in_stock`)."""

    reward: CatalogReward
    missing: int

    @property
    def in_stock(self) -> bool:
        return self.reward.stock is None or self.reward.stock > 0

    @property
    def within_reach(self) -> bool:
        """Whether the member can have it now: in stock and paid for by their points."""
        return self.in_stock and self.missing == 0


def offers(rewards: Iterable[CatalogReward], tier: str, spendable: int) -> list[Offer]:
    """The active rewards a member of `tier` may take, each with the points they lack,
    by the order of the catalog given (cheapest first); the same rules `price_reward`
    refuses by, so a reward offered is one the redemption takes."""
    return [
        Offer(reward, max(0, reward.points - spendable))
        for reward in rewards
        if reward.active and for_tier(reward, tier)
    ]


def price_points(
    policy: RedemptionPolicy, currency: str, points: int, basket_total: Decimal | None
) -> Price:
    """A discount of `points`: worth `points × point_value` (to cents, half up), which is
    also what it costs the business; refused under `min_points`, or worth more than
    `max_basket_share` of a given basket."""
    if points <= 0:
        raise InvalidInput("points must be a positive whole number")
    if points < policy.min_points:
        raise InvalidInput(f"points: at least {policy.min_points} points per redemption")
    value = quantize_money(points * policy.point_value)
    if basket_total is not None:
        if basket_total <= 0:
            raise InvalidInput("basket_total must be positive")
        cap = basket_total * policy.max_basket_share
        if value > cap:
            raise InvalidInput(
                f"points: {points} points are worth {value} {currency}, more than the"
                f" {policy.max_basket_share:%} of the basket payable in points"
                f" ({quantize_money(cap)})"
            )
    return Price(points, value, value, None)


def price(
    policy: RedemptionPolicy,
    currency: str,
    tier: str,
    terms: Terms,
    reward: CatalogReward | None,
) -> Price:
    """The price of `terms` for a member of `tier`; `reward` is the catalog's entry for
    `terms.reward_id` (None when the catalog has none)."""
    check_terms(terms)
    if terms.reward_id is not None:
        return price_reward(reward, terms.reward_id, tier)
    return price_points(policy, currency, int(terms.points or 0), terms.basket_total)


def same_terms(terms: Terms, reward_id: str | None, points: int) -> bool:
    """Whether `terms` ask for what a recorded redemption spent its points on: the same
    reward, or a discount of the same number of points. The basket is not compared: it
    only bounded the discount, and the discount was granted."""
    if terms.reward_id is not None:
        return terms.reward_id == reward_id
    return reward_id is None and terms.points == points


def max_points(
    policy: RedemptionPolicy, basket_total: Decimal | None, spendable: int
) -> int | None:
    """The most points a basket allows: min(spendable, ⌊basket × share / point_value⌋),
    never below 0 and not raised to `min_points`; None without a basket."""
    if basket_total is None:
        return None
    cap = basket_total * policy.max_basket_share / policy.point_value
    return max(0, min(spendable, int(cap.to_integral_value(ROUND_FLOOR))))
