"""The expiry run (services/expire.py): points burn once, on their date; members are warned
before, as many days ahead as the program says; two runs that overlap burn nothing twice.

Elsewhere: the moment a lot expires and what `--as-of` means, as docs/ledger.md states
them (tests/integration/test_documented_rules.py); the events (tests/integration/
test_outbox_events.py); `patron expire` (tests/integration/test_cli.py).
"""

from __future__ import annotations

from datetime import datetime

import pytest

from patron.bootstrap import Patron
from patron.domain.program import Program
from patron.services.commands import Expire
from patron.services.expire import expire
from patron.store.uow import UnitOfWork
from tests.conftest import Clock, load_example, use_program
from tests.integration.helpers import balance_of, member

pytestmark = pytest.mark.usefixtures("verified")

PROGRAM = """
name = "Expiry"
currency = "EUR"

[earning]
welcome_bonus = 100

[expiry]
months = 24                 # a lot expires 24 months after it was earned
warn_days = 30              # members are warned this many days before points burn
"""


@pytest.fixture(autouse=True)
def program(patron: Patron) -> Program:
    return use_program(patron, PROGRAM)


def program_with(old: str, new: str) -> str:
    assert PROGRAM.count(old) == 1, old
    return PROGRAM.replace(old, new)


def test_expiry_burns_old_points_once_and_warns_before(patron: Patron, clock: Clock) -> None:
    # PROGRAM: lots expire after 24 months, members are warned 30 days before
    mid = member(patron)  # 100 welcome points, expire 2028-01-01
    report = expire(patron.new_uow, Expire(datetime(2027, 12, 10)))
    assert (report.points_expired, report.warnings) == (0, 1)
    first = expire(patron.new_uow, Expire(datetime(2028, 1, 2)))
    again = expire(patron.new_uow, Expire(datetime(2028, 1, 2)))
    assert (first.points_expired, again.points_expired) == (100, 0)
    assert balance_of(patron, mid) == 0
    with patron.uow(readonly=True) as uow:
        types = [e.type for e in uow.outbox.for_member(mid)]
    assert types.count("points.expiring_soon") == 1 and types.count("points.expired") == 1


def test_a_one_day_notice_warns_of_points_burning_within_a_day(patron: Patron) -> None:
    # the 100 welcome points expire 2028-01-01 09:00; on 2027-12-31 12:00 that is within
    # a day
    load_example(patron, program_with("warn_days = 30", "warn_days = 1"))
    mid = member(patron)
    report = expire(patron.new_uow, Expire(datetime(2027, 12, 31, 12)))
    assert (report.points_expired, report.warnings) == (0, 1)
    with patron.uow(readonly=True) as uow:
        [event] = [e for e in uow.outbox.for_member(mid) if e.type == "points.expiring_soon"]
    assert event.payload == {"points": 100, "expires_on": "2028-01-01"}


def test_no_notice_means_no_warning(patron: Patron) -> None:
    load_example(patron, program_with("warn_days = 30", "warn_days = 0"))
    mid = member(patron)
    report = expire(patron.new_uow, Expire(datetime(2027, 12, 31, 12)))
    assert (report.points_expired, report.warnings) == (0, 0)
    with patron.uow(readonly=True) as uow:
        assert [e.type for e in uow.outbox.for_member(mid)].count("points.expiring_soon") == 0


def test_an_expiry_run_overtaken_by_another_reports_only_what_it_burned(
    patron: Patron,
) -> None:
    # the 100 welcome points expire 2028-01-01 09:00; a run for 2028-01-02 finds the
    # member, and another run burns the points before the first one reaches them
    mid = member(patron)
    as_of = datetime(2028, 1, 2)
    opened = 0

    def overtaken() -> UnitOfWork:
        nonlocal opened
        opened += 1
        if opened == 2:  # after the first run has listed the members, before its batch
            assert expire(patron.new_uow, Expire(as_of)).points_expired == 100
        return patron.uow()

    report = expire(overtaken, Expire(as_of))
    assert (report.members, report.points_expired) == (1, 0)
    assert balance_of(patron, mid) == 0
