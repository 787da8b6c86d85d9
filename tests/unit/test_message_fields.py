"""The fields of a message (domain/message_fields.py): the recommended reward is the
dearest the balance affords, else the cheapest, among those the member may take."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from patron.domain.message_fields import first_name, recommended, soonest
from patron.domain.redemption import CatalogReward


def _reward(
    id: str, points: int, *, tiers: tuple[str, ...] = (), stock: int | None = None
) -> CatalogReward:
    return CatalogReward(id, id.title(), "gift", points, Decimal(0), None, stock, tiers, "", True)


REWARDS = [
    _reward("mug", 300),
    _reward("bag", 800),
    _reward("lounge", 500, tiers=("gold",)),
    _reward("pen", 700, stock=0),
]


def test_the_dearest_reward_the_balance_affords() -> None:
    assert recommended(REWARDS, 799, "base").id == "mug"  # type: ignore[union-attr]
    assert recommended(REWARDS, 800, "base").id == "bag"  # type: ignore[union-attr]
    # gold may take the lounge (500 ≤ 600); the pen has no stock left
    assert recommended(REWARDS, 750, "gold").id == "lounge"  # type: ignore[union-attr]


def test_else_the_cheapest_and_none_without_rewards() -> None:
    assert recommended(REWARDS, 10, "base").id == "mug"  # type: ignore[union-attr]
    assert recommended([], 10, "base") is None


def test_first_name_and_the_soonest_expiry() -> None:
    assert first_name("  Ana Maria Pop ") == "Ana"
    assert first_name(None) is None and first_name(" ") is None
    assert soonest([(date(2026, 3, 1), 40), (date(2026, 2, 1), 15)]) == (date(2026, 2, 1), 15)
    assert soonest([]) is None
