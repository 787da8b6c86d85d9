from decimal import Decimal

from patron.domain.program import Tier, TierBasis, TierPolicy
from patron.domain.tiers import (
    QUALIFYING,
    PurchaseMeasure,
    Qualifying,
    on_activity,
    progress,
    qualify,
)

POLICY = TierPolicy(
    levels=[
        Tier(name="Bronze"),
        Tier(name="Silver", threshold=Decimal(500)),
        Tier(name="Gold", threshold=Decimal(1500)),
    ]
)


def test_qualify_picks_the_highest_level_reached() -> None:
    assert qualify(POLICY, Decimal(0)).name == "Bronze"
    assert qualify(POLICY, Decimal(500)).name == "Silver"
    assert qualify(POLICY, Decimal(99999)).name == "Gold"


def test_activity_upgrades_at_once_but_never_downgrades() -> None:
    assert on_activity(POLICY, "Bronze", Decimal(600)) == "Silver"
    assert on_activity(POLICY, "Gold", Decimal(10)) == "Gold"


def test_progress_says_how_much_is_missing_for_the_next_tier() -> None:
    step = progress(POLICY, "Bronze", Decimal(120))
    assert (step.next_tier, step.needed) == ("Silver", Decimal(380))
    assert progress(POLICY, "Gold", Decimal(2000)).next_tier is None


def test_activity_at_a_lower_level_than_the_members_keeps_the_higher_tier() -> None:
    # a Gold member whose window holds only Silver's 600: a purchase never downgrades
    assert on_activity(POLICY, "Gold", Decimal(600)) == "Gold"
    assert on_activity(POLICY, "Silver", Decimal(600)) == "Silver"


def test_spend_qualifies_net_of_refunds_and_points_net_of_every_point_taken_back() -> None:
    # program.md, Tiers: what a purchase qualifies for, by the program's basis
    assert QUALIFYING[TierBasis.SPEND] == Qualifying(
        PurchaseMeasure.TOTAL, PurchaseMeasure.REFUNDED_TOTAL
    )
    assert QUALIFYING[TierBasis.POINTS] == Qualifying(
        PurchaseMeasure.POINTS_EARNED, PurchaseMeasure.POINTS_TAKEN_BACK
    )
    assert set(QUALIFYING) == set(TierBasis)  # a new basis must say what qualifies
