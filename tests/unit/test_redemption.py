"""Redemption pricing and eligibility (domain/redemption.py; docs/program.md,
"Redemption limits"). Every expected number is worked out by hand in the comment beside it."""

from __future__ import annotations

from decimal import Decimal

import pytest

from patron.domain.errors import InvalidInput, NotFound, RewardUnavailable
from patron.domain.program import RedemptionPolicy
from patron.domain.redemption import (
    CatalogReward,
    Price,
    Terms,
    max_points,
    offers,
    price,
    price_points,
    price_reward,
    same_terms,
)

# examples/program.toml: at least 100 points, 1 point = 0.01 EUR, at most half a basket
POLICY = RedemptionPolicy(
    min_points=100, point_value=Decimal("0.01"), max_basket_share=Decimal("0.5")
)


def reward(**kw: object) -> CatalogReward:
    values: dict[str, object] = {
        "id": "vip-evening",
        "name": "VIP evening",
        "kind": "event",
        "description": "",
        "points": 500,
        "cost": Decimal("12.00"),
        "value": Decimal("30.00"),
        "stock": 40,
        "tiers": ("Silver", "Gold"),
        "active": True,
    }
    values.update(kw)
    return CatalogReward(**values)  # type: ignore[arg-type]


# a discount paid in points


def test_a_discount_is_worth_its_points_times_the_point_value_and_costs_as_much() -> None:
    # 250 x 0.01 = 2.50, which is also what the business gives away
    assert price_points(POLICY, "EUR", 250, None) == Price(
        250, Decimal("2.50"), Decimal("2.50"), None
    )


def test_a_discounts_value_is_rounded_to_cents_half_up() -> None:
    policy = RedemptionPolicy(point_value=Decimal("0.015"))
    assert price_points(policy, "EUR", 333, None).value == Decimal("5.00")  # 4.995 -> 5.00
    assert price_points(policy, "EUR", 3, None).value == Decimal("0.05")  # 0.045 -> 0.05
    assert price_points(policy, "EUR", 1, None).value == Decimal("0.02")  # 0.015 -> 0.02
    assert price_points(policy, "EUR", 2, None).value == Decimal("0.03")  # 0.030


def test_a_discount_under_the_minimum_is_refused_and_the_minimum_itself_passes() -> None:
    with pytest.raises(InvalidInput, match=r"^points: at least 100 points per redemption$"):
        price_points(POLICY, "EUR", 99, None)
    assert price_points(POLICY, "EUR", 100, None).value == Decimal("1.00")


@pytest.mark.parametrize("points", [0, -5])
def test_a_discount_of_no_or_negative_points_is_refused(points: int) -> None:
    # even with no minimum: the minimum 0 would let 0 through otherwise
    with pytest.raises(InvalidInput, match="points must be a positive whole number"):
        price_points(RedemptionPolicy(min_points=0), "EUR", points, None)


def test_a_discount_may_pay_up_to_the_basket_share_and_not_a_cent_more() -> None:
    # basket 2.00 x 0.5 = 1.00 payable in points: 100 points (1.00) pass, 101 (1.01) do not
    assert price_points(POLICY, "EUR", 100, Decimal("2.00")).value == Decimal("1.00")
    with pytest.raises(InvalidInput) as refused:
        price_points(POLICY, "EUR", 101, Decimal("2.00"))
    assert refused.value.message == (
        "points: 101 points are worth 1.01 EUR, more than the 50% of the basket"
        " payable in points (1.00)"
    )


def test_the_basket_cap_is_compared_before_it_is_rounded() -> None:
    # basket 2.01 x 0.5 = 1.005: 100 points (1.00) pass; 101 points (1.01) are over 1.005
    assert price_points(POLICY, "EUR", 100, Decimal("2.01")).points == 100
    with pytest.raises(InvalidInput, match="more than the"):
        price_points(POLICY, "EUR", 101, Decimal("2.01"))


@pytest.mark.parametrize("basket", [Decimal(0), Decimal("-3.00")])
def test_a_basket_of_nothing_is_refused(basket: Decimal) -> None:
    with pytest.raises(InvalidInput, match="^basket_total must be positive$"):
        price_points(POLICY, "EUR", 100, basket)


def test_a_whole_basket_may_be_paid_in_points_when_the_share_is_one() -> None:
    policy = RedemptionPolicy(point_value=Decimal("0.01"), max_basket_share=Decimal(1))
    assert price_points(policy, "EUR", 1999, Decimal("19.99")).value == Decimal("19.99")
    with pytest.raises(InvalidInput):
        price_points(policy, "EUR", 2000, Decimal("19.99"))


# a catalog reward


def test_a_reward_costs_its_catalog_points_and_is_worth_its_catalog_value() -> None:
    assert price_reward(reward(), "vip-evening", "Gold") == Price(
        500, Decimal("30.00"), Decimal("12.00"), "vip-evening"
    )


def test_a_reward_without_a_value_is_worth_nothing_and_amounts_are_cents() -> None:
    found = price_reward(
        reward(value=None, cost=Decimal("0.805"), tiers=()), "vip-evening", "Bronze"
    )
    assert (found.value, found.cost) == (Decimal("0.00"), Decimal("0.81"))  # half up


@pytest.mark.parametrize("found", [None, reward(active=False)])
def test_a_reward_missing_from_the_active_catalog_is_not_found(
    found: CatalogReward | None,
) -> None:
    with pytest.raises(NotFound, match=r"^no reward 'vip-evening' in the catalog$"):
        price_reward(found, "vip-evening", "Gold")


def test_a_reward_for_other_tiers_is_unavailable_to_the_member() -> None:
    with pytest.raises(RewardUnavailable) as refused:
        price_reward(reward(), "vip-evening", "Bronze")
    assert refused.value.message == (
        "reward 'vip-evening' is for tiers ['Silver', 'Gold']; member is Bronze"
    )
    assert price_reward(reward(), "vip-evening", "Silver").points == 500


def test_a_reward_naming_no_tiers_is_for_every_tier() -> None:
    assert price_reward(reward(tiers=()), "vip-evening", "Bronze").points == 500


def test_a_reward_out_of_stock_is_unavailable_and_the_last_one_is_not() -> None:
    with pytest.raises(RewardUnavailable, match=r"^reward 'vip-evening' is out of stock$"):
        price_reward(reward(stock=0), "vip-evening", "Gold")
    assert price_reward(reward(stock=1), "vip-evening", "Gold").points == 500
    assert price_reward(reward(stock=None), "vip-evening", "Gold").points == 500  # unlimited


def test_a_reward_is_judged_on_the_catalog_then_the_tier_then_the_stock() -> None:
    empty_and_gone = reward(active=False, stock=0, tiers=("Gold",))
    with pytest.raises(NotFound):
        price_reward(empty_and_gone, "vip-evening", "Bronze")
    with pytest.raises(RewardUnavailable, match="is for tiers"):
        price_reward(reward(stock=0, tiers=("Gold",)), "vip-evening", "Bronze")


# the terms of a redemption


@pytest.mark.parametrize("terms", [Terms(), Terms(reward_id="vip-evening", points=500)])
def test_terms_name_a_reward_or_points_not_both_and_not_neither(terms: Terms) -> None:
    with pytest.raises(InvalidInput, match="give either reward_id or points"):
        price(POLICY, "EUR", "Gold", terms, reward())


def test_price_sends_points_to_the_discount_rules_and_a_reward_to_the_catalog() -> None:
    assert price(POLICY, "EUR", "Gold", Terms(points=300), None) == Price(
        300, Decimal("3.00"), Decimal("3.00"), None
    )
    assert price(POLICY, "EUR", "Gold", Terms(reward_id="vip-evening"), reward()).points == 500
    with pytest.raises(InvalidInput, match="more than the"):  # 3.00 > 4.00 x 0.5
        price(POLICY, "EUR", "Gold", Terms(points=300, basket_total=Decimal("4.00")), None)


# the most points a basket allows (a quote's max_points)


def test_max_points_is_the_basket_share_in_points_floored() -> None:
    # 10.00 x 0.5 / 0.01 = 500
    assert max_points(POLICY, Decimal("10.00"), 10_000) == 500
    # 1.99 x 0.5 / 0.01 = 99.5 -> 99, under the minimum of 100 and not raised to it
    assert max_points(POLICY, Decimal("1.99"), 10_000) == 99
    # 10.00 x 1 / 0.03 = 333.33 -> 333
    policy = RedemptionPolicy(point_value=Decimal("0.03"), max_basket_share=Decimal(1))
    assert max_points(policy, Decimal("10.00"), 10_000) == 333


def test_max_points_is_at_most_what_the_member_can_spend() -> None:
    assert max_points(POLICY, Decimal("10.00"), 140) == 140
    assert max_points(POLICY, Decimal("10.00"), 500) == 500
    assert max_points(POLICY, Decimal("10.00"), 0) == 0


def test_max_points_of_a_tiny_basket_is_zero_and_no_basket_has_no_cap() -> None:
    assert max_points(POLICY, Decimal("0.01"), 100) == 0  # 0.005 points -> 0
    assert max_points(POLICY, None, 100) is None


def test_max_points_is_never_below_zero() -> None:
    # a basket of -2.00 (the quote of a reward does not judge the basket) would allow
    # -2.00 x 0.5 / 0.01 = -100 points: none, rather
    assert max_points(POLICY, Decimal("-2.00"), 100) == 0


# a transaction id sent again (services/redeem.py: the same sale is not spent twice)


def test_a_sale_sent_again_is_the_same_redemption_when_it_asks_for_the_same_thing() -> None:
    # the same reward (the catalog's points then are what it spent), or the same points
    assert same_terms(Terms(reward_id="coffee"), "coffee", 150)
    assert same_terms(Terms(points=300), None, 300)
    # the basket only bounded the discount: another basket is the same sale
    assert same_terms(Terms(points=300, basket_total=Decimal("9.00")), None, 300)


def test_a_sale_sent_again_asking_for_something_else_is_not_the_same_redemption() -> None:
    assert not same_terms(Terms(reward_id="coffee"), "tree", 150)
    assert not same_terms(Terms(reward_id="coffee"), None, 150)  # 150 points as a discount
    assert not same_terms(Terms(points=150), "coffee", 150)  # the coffee's 150 points
    assert not same_terms(Terms(points=400), None, 300)


def test_terms_naming_both_or_neither_are_refused_saying_so() -> None:
    message = r"^give either reward_id or points, not both and not neither$"
    for terms in (Terms(None, None), Terms("coffee", 100)):
        with pytest.raises(InvalidInput, match=message):
            price(POLICY, "EUR", "Bronze", terms, None)


def test_a_discount_over_the_basket_share_names_its_value_in_the_programs_currency() -> None:
    # 600 points are 6.00 EUR, more than half of a 10.00 basket (5.00)
    with pytest.raises(
        InvalidInput,
        match=r"^points: 600 points are worth 6\.00 EUR, more than the 50% of the basket"
        r" payable in points \(5\.00\)$",
    ):
        price(POLICY, "EUR", "Bronze", Terms(None, 600, Decimal("10.00")), None)


# the catalog as a member sees it


def test_a_member_is_offered_the_active_rewards_of_their_tier_with_the_points_they_lack() -> None:
    catalog = [
        reward(id="coffee", points=150, tiers=(), stock=None),
        reward(id="wrap", points=80, tiers=(), stock=0),
        reward(id="vip", points=500, tiers=("Silver", "Gold")),
        reward(id="old", points=10, tiers=(), active=False),
        reward(id="lamp", points=400, tiers=("Bronze",), stock=3),
    ]
    seen = offers(catalog, "Bronze", 300)
    assert [(o.reward.id, o.missing, o.in_stock, o.within_reach) for o in seen] == [
        ("coffee", 0, True, True),
        ("wrap", 0, False, False),  # out of stock: not to be had, whatever the points
        ("lamp", 100, True, False),
    ]
    assert [o.reward.id for o in offers(catalog, "Gold", 500)] == ["coffee", "wrap", "vip"]
    assert offers(catalog, "Gold", 500)[2].missing == 0  # exactly enough
