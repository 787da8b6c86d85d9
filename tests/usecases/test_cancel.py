"""Cancelling a redemption (services/redeem.py: `cancel`): the points go back to the very
lots they came from, with their expiry dates; the answer, the entry and the audit name the
redemption, who and why.

Elsewhere: points given back that settle a debt first (tests/integration/
test_documented_rules.py); the stock a cancellation restores (tests/usecases/
test_verify.py); the events (tests/integration/test_outbox_events.py); the member row
written once (tests/integration/test_member_row_writes.py).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest

from patron.bootstrap import Patron
from patron.domain.errors import Conflict
from patron.domain.program import Program
from patron.domain.records import RedemptionStatus
from patron.services.commands import CancelRedemption, Expire, Redeem
from patron.services.expire import expire
from patron.services.redeem import cancel, quote, redeem
from tests.conftest import Clock, use_program
from tests.integration.helpers import buy, lots_of, member

pytestmark = pytest.mark.usefixtures("verified")

PROGRAM = """
name = "Cancellations"
currency = "EUR"

[earning]
points_per_unit = 1         # 1 point per EUR
welcome_bonus = 100
pending_days = 14           # points are spendable 14 days after the purchase

[expiry]
months = 24                 # a lot expires 24 months after it was earned

[[rewards]]
id = "coffee"
name = "Free coffee"
kind = "gift"
points = 150
cost = 0.80
value = 3.00
"""


@pytest.fixture(autouse=True)
def program(patron: Patron) -> Program:
    return use_program(patron, PROGRAM)


def test_redeem_a_reward_and_cancel_it_back_into_the_original_lots(
    patron: Patron, clock: Clock
) -> None:
    # given (PROGRAM: lots expire after 24 months, 14 days pending, 1 point per EUR) 100
    # welcome points (1 Jan 2026, expiring 1 Jan 2028) and 200 points earned
    # on 10 Feb 2026 (expiring 10 Feb 2028), both spendable by 25 Feb
    mid = member(patron)
    clock.advance(days=40)
    buy(patron, mid, "o-1", ("A", None, 1, "200.00"))
    clock.advance(days=15)
    [(welcome, _, _), (earned, _, _)] = lots_of(patron, mid)
    q = patron.read(quote, Redeem(mid, reward_id="coffee"))
    assert (q.points, q.spendable) == (150, 300)
    # when a coffee (150 points) is redeemed: the welcome lot expires first, so it gives
    # all its 100 points and the purchase's lot the other 50
    done = patron.run(redeem, Redeem(mid, reward_id="coffee"))
    assert done.balance == 150
    assert lots_of(patron, mid) == [(earned, 150, datetime(2028, 2, 10, 9, 0))]
    # and the redemption is cancelled a year later
    clock.advance(days=365)
    cancelled = patron.run(cancel, CancelRedemption(done.redemption_id))
    # then the points are back in the very lots they came from, with the original expiry
    # dates (not in a new lot expiring 24 months after the cancellation)
    assert (cancelled.status, cancelled.balance) == ("cancelled", 300)
    assert lots_of(patron, mid) == [
        (welcome, 100, datetime(2028, 1, 1, 9, 0)),
        (earned, 200, datetime(2028, 2, 10, 9, 0)),
    ]
    with pytest.raises(Conflict, match="already cancelled"):
        patron.run(cancel, CancelRedemption(done.redemption_id))
    # and the restored welcome points burn on their own date
    assert expire(patron.new_uow, Expire(datetime(2028, 1, 2))).points_expired == 100


def test_a_cancellation_answers_names_its_entry_and_is_audited_under_who_and_why(
    patron: Patron, clock: Clock, program: Program
) -> None:
    # given 300 points (100 welcome + 200 on o-1) and a coffee (150) redeemed for sale till-1
    [coffee] = [r.points for r in program.rewards if r.id == "coffee"]
    mid = member(patron)
    buy(patron, mid, "o-1", ("A", None, 1, "200.00"))
    had = program.earning.welcome_bonus + int(Decimal("200.00") * program.earning.points_per_unit)
    clock.advance(days=program.earning.pending_days + 1)
    done = patron.run(redeem, Redeem(mid, reward_id="coffee", transaction_id="till-1"))
    assert (done.transaction_id, done.balance, done.repeated) == ("till-1", had - coffee, False)
    # when the redemption is cancelled by the till's key
    back = patron.run(
        cancel, CancelRedemption(done.redemption_id, reason="wrong item", actor="apikey:till")
    )
    # then the answer is the cancelled redemption of till-1, the 150 points back
    assert (
        back.redemption_id,
        back.member_id,
        back.reward_id,
        back.points,
        back.status,
        back.transaction_id,
        back.balance,
    ) == (done.redemption_id, mid, "coffee", coffee, RedemptionStatus.CANCELLED, "till-1", had)
    # and the ledger's newest entry names the redemption and why; the audit log who and why
    with patron.uow(readonly=True) as uow:
        [entry] = uow.ledger.entries(mid, 1, None)
        row = uow.redemptions.get(done.redemption_id)
        audits = [a for a in uow.audit.for_member(mid) if a.action == "redemption.cancelled"]
    assert (entry.kind, entry.points, entry.redemption_id, entry.reason) == (
        "redeem_cancel",
        coffee,
        done.redemption_id,
        "wrong item",
    )
    assert row is not None and (row.transaction_id, row.status) == ("till-1", "cancelled")
    assert [(a.actor, a.member_id, a.reason, a.details) for a in audits] == [
        (
            "apikey:till",
            mid,
            "wrong item",
            {"redemption_id": done.redemption_id, "points": coffee, "reward_id": "coffee"},
        )
    ]
