"""Redemptions (services/redeem.py: `quote` and `redeem`): the minimum, the basket's
share, tier-only and out-of-stock rewards, what a reward is quoted and redeemed for.

Elsewhere: cancelling a redemption (tests/usecases/test_cancel.py); the pricing rules
without a store (tests/unit/test_redemption.py); the limits as docs/program.md states them
(tests/integration/test_documented_rules.py); a till's transaction id sent again
(tests/e2e/test_redemption_transactions.py); two redemptions at once
(tests/e2e/test_concurrency.py, tests/e2e/test_refund_race.py).
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from patron.bootstrap import Patron
from patron.domain.errors import InsufficientPoints, InvalidInput, NotFound, RewardUnavailable
from patron.domain.program import Program, Reward
from patron.services.adjust import adjust
from patron.services.commands import Adjust, CancelRedemption, Redeem
from patron.services.redeem import cancel, quote, redeem
from tests.conftest import Clock, load_example, use_program
from tests.integration.helpers import balance_of, buy, member

pytestmark = pytest.mark.usefixtures("verified")

PROGRAM = """
name = "Redemptions"
currency = "EUR"

[earning]
points_per_unit = 1         # 1 point per EUR
welcome_bonus = 100
pending_days = 14           # points are spendable 14 days after the purchase

[tiers]
basis = "spend"
window_months = 12

  [[tiers.levels]]
  name = "Bronze"
  threshold = 0

  [[tiers.levels]]
  name = "Silver"
  threshold = 500           # 500 EUR spent over the last 12 months
  multiplier = 1.25

  [[tiers.levels]]
  name = "Gold"
  threshold = 1500
  multiplier = 1.5

[redemption]
min_points = 100            # smallest redemption
point_value = 0.01          # 1 point = 0.01 EUR as a discount
max_basket_share = 0.5      # at most half of a basket can be paid with points

[[rewards]]
id = "coffee"
name = "Free coffee"
kind = "gift"
points = 150
cost = 0.80                 # what the reward costs the business
value = 3.00                # what it is worth to the member

[[rewards]]
id = "vip-evening"
name = "VIP shopping evening"
kind = "event"
points = 500
cost = 12.00
tiers = ["Silver", "Gold"]  # no value to the member is given

[[rewards]]
id = "preview"
name = "Early access to the new collection"
kind = "early_access"
points = 300
tiers = ["Gold"]
"""


@pytest.fixture(autouse=True)
def program(patron: Patron) -> Program:
    return use_program(patron, PROGRAM)


def reward(program: Program, reward_id: str) -> Reward:
    """The reward of that id in the loaded program."""
    [found] = [r for r in program.rewards if r.id == reward_id]
    return found


# --- the rules a redemption must meet ---------------------------------------------------


def test_redemption_rules_are_enforced(patron: Patron, clock: Clock) -> None:
    # PROGRAM: 100 welcome points; at least 100 points a redemption, at most half a basket
    # at 0.01 EUR a point; the preview is for Gold members only
    mid = member(patron)
    clock.advance(days=1)
    with pytest.raises(InsufficientPoints):
        patron.run(redeem, Redeem(mid, points=101))
    with pytest.raises(InvalidInput, match="at least 100"):
        patron.run(redeem, Redeem(mid, points=50))
    with pytest.raises(InvalidInput, match="basket"):
        patron.run(redeem, Redeem(mid, points=100, basket_total=Decimal("1")))
    with pytest.raises(RewardUnavailable, match="tiers"):
        patron.run(redeem, Redeem(mid, reward_id="preview"))
    with pytest.raises(NotFound):
        patron.run(redeem, Redeem(mid, reward_id="nope"))
    with pytest.raises(InvalidInput):
        patron.run(redeem, Redeem(mid))
    assert balance_of(patron, mid) == 100


def test_a_quote_offers_no_point_of_a_basket_too_small_or_of_a_spent_balance(
    patron: Patron,
) -> None:
    # half of a 0.01 basket is half a cent: not one point (a coffee is quoted all the
    # same); of a 10.00 basket, 500 points' worth, nothing once the 100 welcome points
    # are corrected away
    mid = member(patron)
    tiny = patron.read(quote, Redeem(mid, reward_id="coffee", basket_total=Decimal("0.01")))
    assert (tiny.spendable, tiny.max_points) == (100, 0)
    patron.run(adjust, Adjust(mid, -100, "duplicate account", "bob"))
    spent = patron.read(quote, Redeem(mid, points=100, basket_total=Decimal("10.00")))
    assert (spent.spendable, spent.max_points) == (0, 0)


SMALL_SPENDS = """
name = "Small spends"
currency = "EUR"
[earning]
welcome_bonus = 100
[redemption]
point_value = 0.01
max_basket_share = 0.5
"""


def test_a_single_point_can_be_redeemed_when_there_is_no_minimum(patron: Patron) -> None:
    # no min_points: 1 point (0.01 EUR) is a redemption; 0 points is none
    load_example(patron, SMALL_SPENDS)
    mid = member(patron)
    with pytest.raises(InvalidInput, match=r"^points must be a positive whole number$"):
        patron.run(redeem, Redeem(mid, points=0))
    assert balance_of(patron, mid) == 100
    done = patron.run(redeem, Redeem(mid, points=1))
    assert (done.points, done.value, done.balance) == (1, Decimal("0.01"), 99)


def test_a_basket_of_one_euro_pays_half_in_points_and_a_basket_of_nothing_is_refused(
    patron: Patron,
) -> None:
    # half of 1.00 is 0.50: 50 points exactly
    load_example(patron, SMALL_SPENDS)
    mid = member(patron)
    done = patron.run(redeem, Redeem(mid, points=50, basket_total=Decimal("1.00")))
    assert (done.value, done.balance) == (Decimal("0.50"), 50)
    with pytest.raises(InvalidInput, match=r"^basket_total must be positive$"):
        patron.run(redeem, Redeem(mid, points=50, basket_total=Decimal("0")))
    assert balance_of(patron, mid) == 50


def test_a_discount_over_half_the_basket_is_refused_naming_its_value_in_the_programs_currency(
    patron: Patron,
) -> None:
    # the 100 welcome points are 1.00 EUR, more than half of a 1.50 basket (0.75)
    load_example(patron, SMALL_SPENDS)
    mid = member(patron)
    with pytest.raises(
        InvalidInput,
        match=r"^points: 100 points are worth 1\.00 EUR, more than the 50% of the basket"
        r" payable in points \(0\.75\)$",
    ):
        patron.run(redeem, Redeem(mid, points=100, basket_total=Decimal("1.50")))
    assert balance_of(patron, mid) == 100


# --- rewards ----------------------------------------------------------------------------


def test_a_reward_is_quoted_redeemed_and_cancelled_under_its_id_value_and_cost(
    patron: Patron, clock: Clock, program: Program
) -> None:
    # coffee: 150 points, worth 3.00 to the member, costs the business 0.80
    coffee = reward(program, "coffee")
    mid = member(patron)
    buy(patron, mid, "o-1", ("A", None, 1, "200.00"))
    had = program.earning.welcome_bonus + int(Decimal("200.00") * program.earning.points_per_unit)
    clock.advance(days=program.earning.pending_days + 1)
    q = patron.read(quote, Redeem(mid, reward_id="coffee"))
    assert (q.reward_id, q.points, q.value, q.spendable) == (
        "coffee",
        coffee.points,
        coffee.value,
        had,
    )
    done = patron.run(redeem, Redeem(mid, reward_id="coffee"))
    assert (done.reward_id, done.points, done.value, done.balance) == (
        "coffee",
        coffee.points,
        coffee.value,
        had - coffee.points,
    )
    with patron.uow(readonly=True) as uow:
        row = uow.redemptions.get(done.redemption_id)
    assert row is not None and (row.reward_id, row.cost) == ("coffee", coffee.cost)
    back = patron.run(cancel, CancelRedemption(done.redemption_id))
    assert (back.reward_id, back.points, back.balance) == ("coffee", coffee.points, had)


def test_a_tier_reward_without_a_value_is_quoted_for_a_member_of_its_tier(
    patron: Patron, clock: Clock, program: Program
) -> None:
    # VIP evening: Silver and Gold only, 500 points, no value to the member: 0.00
    mid = member(patron)
    buy(patron, mid, "o-1", ("A", None, 1, "600.00"))  # Silver, 700 points by day 15
    clock.advance(days=program.earning.pending_days + 1)
    q = patron.read(quote, Redeem(mid, reward_id="vip-evening"))
    evening = reward(program, "vip-evening")
    assert (q.reward_id, q.points, q.value) == ("vip-evening", evening.points, Decimal("0.00"))


def _with_coffee_stock(stock: int) -> str:
    marker = "value = 3.00                # what it is worth to the member\n"
    assert marker in PROGRAM
    return PROGRAM.replace(marker, marker + f"stock = {stock}\n")


def test_a_quote_for_an_out_of_stock_reward_is_refused_like_the_redemption(
    patron: Patron,
) -> None:
    load_example(patron, _with_coffee_stock(1))
    mid = member(patron)  # 100 welcome points
    patron.run(adjust, Adjust(mid, 200, "test setup", "tests"))
    assert patron.read(quote, Redeem(mid, reward_id="coffee")).points == 150  # PROGRAM's coffee
    patron.run(redeem, Redeem(mid, reward_id="coffee"))  # the last one
    with pytest.raises(RewardUnavailable, match="'coffee' is out of stock"):
        patron.read(quote, Redeem(mid, reward_id="coffee"))
    with pytest.raises(RewardUnavailable, match="'coffee' is out of stock"):
        patron.run(redeem, Redeem(mid, reward_id="coffee"))
