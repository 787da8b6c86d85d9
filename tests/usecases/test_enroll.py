"""Enrolling a member (services/enroll.py): the welcome bonus, a referral linked (paid
later, on the friend's qualifying purchase) and its cap.

Elsewhere: the referral rules in full (tests/integration/test_referrals.py); the
enrollment date and a referral paying a debt first, as docs/ledger.md
states them (tests/integration/test_documented_rules.py); the events an enrollment writes
(tests/integration/test_outbox_events.py); the member row written once
(tests/integration/test_member_row_writes.py); POST /v1/members (tests/e2e/test_api.py).
"""

from __future__ import annotations

import pytest

from patron.bootstrap import Patron
from patron.domain.errors import Conflict, InvalidInput
from patron.domain.program import Program
from patron.services.commands import Enroll
from patron.services.enroll import enroll
from tests.conftest import load_example, use_program
from tests.integration.helpers import assert_verified, balance_of, member, record

pytestmark = pytest.mark.usefixtures("verified")

PROGRAM = """
name = "Enrollment"
currency = "EUR"

[earning]
welcome_bonus = 100         # points on enrollment
referral_bonus = 200        # points to both the referrer and the new member
"""


@pytest.fixture(autouse=True)
def program(patron: Patron) -> Program:
    return use_program(patron, PROGRAM)


def test_enroll_credits_the_welcome_bonus_and_records_the_event(patron: Patron) -> None:
    mid = member(patron, "c-1", email="ana@example.com", name="Ana")
    assert balance_of(patron, mid) == 100  # PROGRAM's welcome_bonus
    with patron.uow(readonly=True) as uow:
        assert [e.type for e in uow.outbox.for_member(mid)] == ["member.enrolled", "points.earned"]
    with pytest.raises(Conflict, match="c-1"):
        member(patron, "c-1")


def test_a_referral_links_both_members_and_pays_them_on_the_friends_first_purchase(
    patron: Patron,
) -> None:
    referrer = patron.run(enroll, Enroll("c-1")).member
    done = patron.run(enroll, Enroll("c-2", referral_code=referrer.referral_code))
    newcomer = done.member
    # at the enrolment: PROGRAM's welcome_bonus each, no referral points yet
    assert (done.referral_points, newcomer.referred_by) == (0, referrer.id)
    assert balance_of(patron, referrer.id) == 100
    assert balance_of(patron, newcomer.id) == 100
    # the friend's first purchase (no minimum, no return window here) pays both 200
    record(patron, newcomer.id, "o-1")
    assert balance_of(patron, referrer.id) == 100 + 200
    assert balance_of(patron, newcomer.id) == 100 + 50 + 200
    with pytest.raises(InvalidInput, match="referral_code"):
        patron.run(enroll, Enroll("c-3", referral_code="NOPE"))


def test_a_referral_code_pays_its_bonus_to_at_most_the_capped_number_of_friends(
    patron: Patron,
) -> None:
    # PROGRAM (welcome 100, referral 200) with at most 2 friends paid per code (the old key)
    source = PROGRAM + "referral_max_per_code = 2\n"
    assert "referral_max_per_code = 2" in source
    load_example(patron, source)
    referrer = patron.run(enroll, Enroll("ref")).member
    got = [
        patron.run(enroll, Enroll(f"new-{i}", referral_code=referrer.referral_code))
        for i in range(3)
    ]
    assert all(e.member.referred_by == referrer.id for e in got)  # all three are linked
    for i, e in enumerate(got):
        record(patron, e.member.id, f"o-{i}")  # 50 points each
    assert [balance_of(patron, e.member.id) for e in got] == [350, 350, 150]
    assert balance_of(patron, referrer.id) == 100 + 2 * 200
    assert_verified(patron)
