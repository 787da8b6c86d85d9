"""`patron events list|show|rsvp|cancel|checkin` and `patron early-access check`
(cli/events.py) on both stores, over examples/program.toml: the wine tasting (20 seats,
500 points, free for Gold) and the autumn collection's early access (from 1 September 2027
to Silver and Gold). The CLI runs on the real clock (before both)."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from patron.bootstrap import Patron
from patron.cli import app
from patron.services.adjust import adjust
from patron.services.commands import Adjust
from tests.integration.helpers import assert_verified, balance_of, member

runner = CliRunner()


def _cli(patron: Patron, *args: str):  # type: ignore[no-untyped-def]
    url = patron.engine.url.render_as_string(hide_password=False)
    return runner.invoke(app, [*args, "--database-url", url])


def test_rsvp_show_check_in_and_cancel_from_the_command_line(patron: Patron) -> None:
    # given two members with 1000 points each
    a, b = member(patron, "c-1"), member(patron, "c-2")
    for mid in (a, b):
        patron.run(adjust, Adjust(mid, 900, "setup", "tests"))
    # when both RSVP to the tasting (b by external id)
    first = _cli(patron, "events", "rsvp", "wine-tasting", str(a))
    second = _cli(patron, "events", "rsvp", "wine-tasting", "c-2", "--by", "external_id")
    assert first.exit_code == 0, first.output
    assert "attending at 'wine-tasting', 500 points" in first.stdout
    assert second.exit_code == 0 and balance_of(patron, b) == 500
    # then the list shows 2 seats taken of 20, and show lists both in RSVP order (JSON)
    listed = json.loads(_cli(patron, "events", "list", "--format", "json").stdout)
    assert [(e["reward_id"], e["taken"], e["capacity"]) for e in listed["data"]] == [
        ("wine-tasting", 2, 20)
    ]
    shown = json.loads(_cli(patron, "events", "show", "wine-tasting", "--format", "json").stdout)
    rows = shown["data"]
    assert [(r["member_id"], r["state"], r["points"]) for r in rows] == [
        (a, "attending", 500),
        (b, "attending", 500),
    ]
    # when a is checked in and b cancels, b's points are back; checking in b is refused
    checked = _cli(patron, "events", "checkin", str(rows[0]["id"]))
    assert checked.exit_code == 0 and "attended" in checked.stdout
    cancelled = _cli(patron, "events", "cancel", str(rows[1]["id"]), "--reason", "ill")
    assert cancelled.exit_code == 0 and "cancelled" in cancelled.stdout
    assert balance_of(patron, b) == 1000
    again = _cli(patron, "events", "checkin", str(rows[1]["id"]))
    assert again.exit_code == 2 and "only an attending member is checked in" in again.output
    unknown = _cli(patron, "events", "show", "nope")
    assert unknown.exit_code == 2 and "no event 'nope'" in unknown.output
    assert_verified(patron)


def test_early_access_check_before_the_window(patron: Patron) -> None:
    mid = member(patron)
    done = _cli(patron, "early-access", "check", str(mid), "autumn-collection", "--json")
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout) == {
        "offer_id": "autumn-collection",
        "member_id": mid,
        "allowed": False,
        "reason": "not_open_yet",
        "opens_at": "2027-09-01 08:00:00",
        "opens_to_all_at": "2027-09-08 08:00:00",
    }
    words = _cli(patron, "early-access", "check", str(mid), "autumn-collection")
    assert "not allowed (not_open_yet)" in words.stdout
