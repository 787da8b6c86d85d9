"""Early access around its window's edges and by tier (domain/early_access.py), and the
program file's events and offers refused with the field named (domain/program.py)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from patron.domain.early_access import Reason, decide
from patron.domain.errors import InvalidProgram
from patron.domain.program import EarlyAccess, parse_program

OPENS = datetime(2027, 3, 1, 8, 0)
TO_ALL = datetime(2027, 3, 8, 8, 0)
SECOND = timedelta(seconds=1)
OFFER = EarlyAccess(
    id="spring",
    name="Spring collection",
    opens_at=OPENS,
    opens_to_all_at=TO_ALL,
    tiers=["Gold"],
    clubs=["kids"],
)


@pytest.mark.parametrize(
    ("now", "tier", "clubs", "allowed", "reason"),
    [
        (OPENS - SECOND, "Gold", (), False, Reason.NOT_OPEN_YET),
        (OPENS - SECOND, "Member", (), False, Reason.NOT_OPEN_YET),
        (OPENS, "Gold", (), True, Reason.TIER),  # the early window's first second
        (OPENS, "Member", (), False, Reason.NOT_ELIGIBLE),
        (TO_ALL - SECOND, "Gold", (), True, Reason.TIER),  # its last second
        (TO_ALL - SECOND, "Member", (), False, Reason.NOT_ELIGIBLE),
        (TO_ALL - SECOND, "Member", ("kids",), True, Reason.CLUB),
        (TO_ALL - SECOND, "Member", ("sports",), False, Reason.NOT_ELIGIBLE),
        (TO_ALL, "Member", (), True, Reason.OPEN_TO_ALL),  # open to all from then on
        (TO_ALL, "Gold", (), True, Reason.OPEN_TO_ALL),
    ],
)
def test_early_access_opens_to_the_tiers_then_to_all(
    now: datetime, tier: str, clubs: tuple[str, ...], allowed: bool, reason: Reason
) -> None:
    found = decide(OFFER, 7, tier, clubs, now)
    assert (found.allowed, found.reason) == (allowed, reason)
    assert (found.offer_id, found.member_id, found.opens_at, found.opens_to_all_at) == (
        "spring",
        7,
        OPENS,
        TO_ALL,
    )


BASE = """
name = "P"
currency = "EUR"

[[tiers.levels]]
name = "Member"

[[tiers.levels]]
name = "Gold"
threshold = 100
"""


def refused(text: str) -> str:
    with pytest.raises(InvalidProgram) as caught:
        parse_program(BASE + text, "p.toml")
    return caught.value.message


def test_an_event_time_with_an_offset_is_read_as_utc() -> None:
    program = parse_program(
        BASE
        + """
[[rewards]]
id = "tasting"
name = "Tasting"
kind = "event"
points = 100
starts_at = 2026-12-10T19:00:00+02:00
capacity = 20
free_for = ["Gold"]
""",
        "p.toml",
    )
    reward = program.reward("tasting")
    assert reward is not None and reward.scheduled
    assert (reward.starts_at, reward.capacity, reward.free_for) == (
        datetime(2026, 12, 10, 17, 0),
        20,
        ["Gold"],
    )


EVENT = """
[[rewards]]
id = "tasting"
name = "Tasting"
kind = "{kind}"
points = 100
{more}
"""


@pytest.mark.parametrize(
    ("kind", "more", "message"),
    [
        (
            "gift",
            "capacity = 5",
            "rewards.0: Value error, reward 'tasting': capacity is for events",
        ),
        ("event", "capacity = 5", "needs both starts_at and capacity"),
        ("event", "starts_at = 2026-12-10T19:00:00Z", "needs both starts_at and capacity"),
        (
            "event",
            "starts_at = 2026-12-10T19:00:00Z\ncapacity = 5\nstock = 5",
            "an event with a capacity has no stock",
        ),
        ("event", "starts_at = 2026-12-10T19:00:00Z\ncapacity = 0", "rewards.0.capacity"),
        (
            "event",
            'starts_at = 2026-12-10T19:00:00Z\ncapacity = 5\nfree_for = ["Platinum"]',
            "free_for names unknown tiers ['Platinum']",
        ),
    ],
)
def test_an_event_is_refused_with_the_field_named(kind: str, more: str, message: str) -> None:
    assert message in refused(EVENT.format(kind=kind, more=more))


OFFER_TEXT = """
[[early_access]]
id = "spring"
name = "Spring"
opens_at = 2027-03-01T08:00:00Z
opens_to_all_at = {to_all}
tiers = {tiers}
"""


@pytest.mark.parametrize(
    ("to_all", "tiers", "message"),
    [
        ("2027-03-01T08:00:00Z", '["Gold"]', "opens_to_all_at must be after opens_at"),
        ("2027-03-08T08:00:00Z", "[]", "name the tiers (or clubs) it is for"),
        ("2027-03-08T08:00:00Z", '["Platinum"]', "names unknown tiers ['Platinum']"),
        ('"next week"', '["Gold"]', "early_access.0.opens_to_all_at"),
    ],
)
def test_an_early_access_offer_is_refused_with_the_field_named(
    to_all: str, tiers: str, message: str
) -> None:
    assert message in refused(OFFER_TEXT.format(to_all=to_all, tiers=tiers))


def test_early_access_ids_are_unique() -> None:
    twice = OFFER_TEXT.format(to_all="2027-03-08T08:00:00Z", tiers='["Gold"]')
    assert "early access ids must be unique" in refused(twice + twice)
