"""Manual adjustments (services/adjust.py): goodwill credits in lots of their own,
corrections that never take more than is live, each one audited under who and why.

Elsewhere: the events (tests/integration/test_outbox_events.py); the member row written
once (tests/integration/test_member_row_writes.py); POST /v1/members/{id}/adjustments and
its audit (tests/e2e/test_api.py, tests/e2e/test_audit.py).
"""

from __future__ import annotations

from datetime import datetime

import pytest

from patron.bootstrap import Patron
from patron.domain.errors import InsufficientPoints, InvalidInput
from patron.domain.program import Program
from patron.services.adjust import adjust
from patron.services.commands import Adjust
from tests.conftest import Clock, use_program
from tests.integration.helpers import balance_of, member

pytestmark = pytest.mark.usefixtures("verified")

PROGRAM = """
name = "Adjustments"
currency = "EUR"

[earning]
welcome_bonus = 100

[expiry]
months = 24                 # a lot expires 24 months after it was credited
"""


@pytest.fixture(autouse=True)
def program(patron: Patron) -> Program:
    return use_program(patron, PROGRAM)


def test_adjustments_are_audited_and_cannot_go_below_zero(patron: Patron) -> None:
    mid = member(patron)  # PROGRAM's 100 welcome points
    patron.run(adjust, Adjust(mid, 500, "goodwill", "alice"))
    patron.run(adjust, Adjust(mid, -550, "correction", "bob"))
    assert balance_of(patron, mid) == 50
    with pytest.raises(InsufficientPoints):
        patron.run(adjust, Adjust(mid, -51, "too much", "bob"))
    with pytest.raises(InvalidInput, match="reason"):
        patron.run(adjust, Adjust(mid, 5, " ", "bob"))
    with patron.uow(readonly=True) as uow:
        audit = uow.audit.for_member(mid)
    assert [(a.actor, a.reason, a.details["points"]) for a in audit] == [
        ("alice", "goodwill", 500),
        ("bob", "correction", -550),
    ]


def lots_of(patron: Patron, mid: int) -> list[tuple[int, datetime | None]]:
    with patron.uow(readonly=True) as uow:
        return [(lot.remaining, lot.expires_at) for lot in uow.ledger.open_lots(mid)]


def test_a_goodwill_point_is_a_lot_of_its_own(patron: Patron, clock: Clock) -> None:
    # 100 welcome points (expire 2028-01-01 09:00); a year later, +1 point of goodwill:
    # a new lot of 1 that expires 24 months after the adjustment
    mid = member(patron)
    clock.now = datetime(2027, 1, 1, 9)
    done = patron.run(adjust, Adjust(mid, 1, "goodwill", "alice"))
    assert (done.points, done.balance) == (1, 101)
    assert lots_of(patron, mid) == [(100, datetime(2028, 1, 1, 9)), (1, datetime(2029, 1, 1, 9))]


def test_the_whole_balance_can_be_corrected_away_and_is_audited(patron: Patron) -> None:
    # -100 on 100 live points (pending ones included) leaves 0
    mid = member(patron)
    done = patron.run(adjust, Adjust(mid, -100, "duplicate account", "bob"))
    assert (done.points, done.balance, lots_of(patron, mid)) == (-100, 0, [])
    with patron.uow(readonly=True) as uow:
        [audit] = uow.audit.for_member(mid)
    assert (audit.action, audit.actor, audit.reason, audit.details) == (
        "points.adjusted",
        "bob",
        "duplicate account",
        {"points": -100, "entry_id": done.entry_id},
    )


def test_taking_back_more_than_is_live_names_both_amounts(patron: Patron) -> None:
    mid = member(patron)  # PROGRAM's 100 welcome points
    with pytest.raises(InsufficientPoints) as refused:
        patron.run(adjust, Adjust(mid, -130, "correction", "alice"))
    assert (refused.value.requested, refused.value.available) == (130, 100)
    assert balance_of(patron, mid) == 100
