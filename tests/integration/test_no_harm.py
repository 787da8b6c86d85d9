"""Commands that do no harm by accident (issue 11, section 5).

- Only `patron init` and `patron demo` create a store: every other command run where
  there is none says where it looked and what to run, exits 2 and leaves no file (SQLite
  creates any file it opens, so `patron verify` in the wrong folder used to leave an empty
  `patron.db` behind and report "ok: 0 members"). A PostgreSQL database that does not
  exist is one clear line too, not a traceback.
- `patron expire --as-of` a moment later than now is refused unless `--force`: it burns
  points before they expire, and a burn is not undone; `patron tiers reevaluate --as-of`
  a later moment likewise (its window would drop purchases that still count today).
- Every `patron demo` (`make run`) prints a new admin key and revokes the demo key(s)
  printed before, so repeated runs leave one working demo key, not one more each time.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import make_url, text
from typer.testing import CliRunner

from patron.api.app import create_app
from patron.bootstrap import Patron
from patron.cli import app
from patron.config import get_settings
from patron.domain.clock import utcnow
from patron.services.commands import Enroll
from patron.services.enroll import enroll
from tests.conftest import EXAMPLE_PROGRAM, Clock
from tests.integration.helpers import buy

runner = CliRunner()
KEY = re.compile(r"export KEY=(ptr_\S+)")

# every command that opens the store, with what it needs to get that far
STORE_COMMANDS = [
    ["verify"],
    ["expire"],
    ["tiers", "reevaluate"],
    ["purge-idempotency-keys"],
    ["birthdays"],
    ["adjust", "1", "200", "--reason", "bonus", "--valid-days", "14"],
    ["member", "birthday", "1", "04-17"],
    ["audit"],
    ["program", "load", str(EXAMPLE_PROGRAM)],
    ["apikey", "create", "--scope", "pos"],
    ["apikey", "list"],
    ["apikey", "revoke", "abcd1234"],
    ["apikey", "rotate", "abcd1234"],
    ["member", "export", "1"],
    ["member", "erase", "1", "--reason", "ticket 1", "--yes"],
    ["import", "purchases", "IMPORT_FILE"],
    ["economics", "spend", "list"],
    ["economics", "report"],
    ["serve"],
]


@pytest.fixture
def empty_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The current folder, empty, with no store named anywhere: the default store is
    `./patron.db`."""
    folder = tmp_path / "here"
    folder.mkdir()
    monkeypatch.chdir(folder)
    monkeypatch.delenv("PATRON_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    # `patron serve` must stop before serving; if it got that far the test fails, not hangs
    import uvicorn

    def _served(*_: object, **__: object) -> None:
        raise AssertionError("patron serve started serving")

    monkeypatch.setattr(uvicorn, "run", _served)
    yield folder
    get_settings.cache_clear()


def _args(command: list[str], tmp_path: Path) -> list[str]:
    csv = tmp_path / "purchases.csv"
    csv.write_text("customer_id,date,amount\nc1,2025-01-01,10.00\n")
    return [str(csv) if a == "IMPORT_FILE" else a for a in command]


def _error_line(stderr: str) -> str:
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr  # one line, never wrapped, no traceback
    return lines[0]


@pytest.mark.parametrize("command", STORE_COMMANDS, ids=lambda c: " ".join(c[:2]))
def test_a_command_where_there_is_no_store_says_where_it_looked_and_creates_nothing(
    command: list[str], empty_folder: Path, tmp_path: Path
) -> None:
    # when: run in a folder without a store, no store named
    result = runner.invoke(app, _args(command, tmp_path))
    # then: refused with the path it looked at and the two commands that make a store
    assert result.exit_code == 2, result.output
    line = _error_line(result.stderr)
    assert line == (
        f"error: no store at {empty_folder / 'patron.db'} (sqlite:///patron.db, the default;"
        " --database-url or PATRON_DATABASE_URL names another): run `patron init` to create"
        " an empty store there, or `patron demo` for one filled with demo data"
    )
    assert list(empty_folder.iterdir()) == []


@pytest.mark.parametrize("how", ["option", "environment"])
def test_a_named_sqlite_store_that_is_missing_is_refused_and_not_created(
    how: str, empty_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = empty_folder / "data" / "shop.db"
    url = f"sqlite:///{store}"
    if how == "option":
        result = runner.invoke(app, ["verify", "--database-url", url])
    else:
        monkeypatch.setenv("PATRON_DATABASE_URL", url)
        result = runner.invoke(app, ["verify"])
    assert result.exit_code == 2, result.output
    assert _error_line(result.stderr) == (
        f"error: no store at {store} ({url}, named by --database-url or PATRON_DATABASE_URL):"
        " run `patron init` to create an empty store there, or `patron demo` for one filled"
        " with demo data"
    )
    assert list(empty_folder.iterdir()) == []  # not even the folder `data`


def test_init_creates_the_store_and_then_the_other_commands_use_it(empty_folder: Path) -> None:
    made = runner.invoke(app, ["init"])
    assert made.exit_code == 0, made.output
    assert made.stdout == "database ready: sqlite:///patron.db\n"
    assert (empty_folder / "patron.db").is_file()
    checked = runner.invoke(app, ["verify"])
    assert checked.exit_code == 0, checked.output
    assert checked.stdout == "ok: 0 members, ledger consistent\n"


def test_the_api_server_built_by_name_refuses_a_missing_store(
    empty_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`uvicorn --factory patron.api.asgi:create_app` (and `patron serve --workers N`):
    no store, no server, and no empty file left for the next start to serve."""
    from patron.api.asgi import create_app as asgi_app

    monkeypatch.setenv("PATRON_DATABASE_URL", "sqlite:///patron.db")
    get_settings.cache_clear()
    with pytest.raises(RuntimeError, match=r"no store at .*patron\.db .*run `patron init`"):
        asgi_app()
    assert list(empty_folder.iterdir()) == []


@pytest.mark.postgres
@pytest.mark.parametrize("command", [["verify"], ["init"], ["apikey", "list"]])
def test_a_postgresql_database_that_does_not_exist_is_one_clear_line(
    command: list[str], pg_database: str
) -> None:
    # given: the test server, and a database name it does not hold
    name = f"patron_absent_{uuid.uuid4().hex[:8]}"
    url = make_url(pg_database).set(database=name)
    shown = url.render_as_string(hide_password=True)
    parsed = make_url(pg_database)
    server = f"{parsed.host}:{parsed.port or 5432}"
    # when
    result = runner.invoke(
        app, [*command, "--database-url", url.render_as_string(hide_password=False)]
    )
    # then: even `init` does not create a PostgreSQL database; it says how
    assert result.exit_code == 2, result.output
    assert _error_line(result.stderr) == (
        f"error: the PostgreSQL server at {server} has no database '{name}' ({shown}, from"
        f" --database-url or PATRON_DATABASE_URL): create it (`createdb {name}`), then run"
        " `patron init`"
    )


# -- patron expire --as-of a later day ---------------------------------------------------


def _expiring_member(patron: Patron, clock: Clock) -> date:
    """A member whose 100 welcome points expire at 00:00 UTC on a day after today: the
    day returned. The example program expires a lot 24 months after it was earned, at the
    same time of day; a day that exists two years earlier is not clipped (program.md)."""
    clock.now = utcnow()  # enroll bounds enrolled_at by the store's clock
    day = clock.now.date() + timedelta(days=1)
    while True:
        try:
            earned = datetime(day.year - 2, day.month, day.day)
            break
        except ValueError:  # 29 February: take the next day
            day += timedelta(days=1)
    patron.run(enroll, Enroll("c-1", enrolled_at=earned))
    return day


def _points(patron: Patron) -> tuple[int, int]:
    """The member's balance and the points burned by expiry runs."""
    with patron.engine.connect() as conn:
        balance = conn.execute(text("SELECT balance FROM members")).scalar_one()
        burned = conn.execute(
            text("SELECT coalesce(sum(points), 0) FROM ledger_entries WHERE kind = 'expire'")
        ).scalar_one()
    return int(balance), int(burned)


def test_expire_as_of_a_later_day_is_refused_unless_forced(patron: Patron, clock: Clock) -> None:
    day = _expiring_member(patron, clock)
    url = patron.engine.url.render_as_string(hide_password=False)
    assert _points(patron) == (100, 0)
    # when: as of the day the points expire, which has not come yet
    refused = runner.invoke(app, ["expire", "--as-of", day.isoformat(), "--database-url", url])
    # then: refused with the reason, and nothing burned
    assert refused.exit_code == 2, refused.output
    line = _error_line(refused.stderr)
    assert line.startswith(f"error: --as-of {day.isoformat()} is later than now (")
    assert line.endswith(
        " UTC): it would burn points before they expire; give today or an earlier day, or"
        " pass --force to do it on purpose"
    )
    assert _points(patron) == (100, 0)
    # today still works: the points expire after today 00:00, so none burn
    today = runner.invoke(
        app, ["expire", "--as-of", utcnow().date().isoformat(), "--database-url", url]
    )
    assert today.exit_code == 0, today.output
    assert today.stdout.startswith("0 points expired for 0 members;")
    assert _points(patron) == (100, 0)
    # and --force does what was asked: the 100 welcome points burn
    forced = runner.invoke(
        app, ["expire", "--as-of", day.isoformat(), "--force", "--database-url", url]
    )
    assert forced.exit_code == 0, forced.output
    assert forced.stdout.startswith("100 points expired for 1 members;")
    assert _points(patron) == (0, -100)


def _tier(patron: Patron) -> str:
    with patron.engine.connect() as conn:
        return str(conn.execute(text("SELECT tier FROM members")).scalar_one())


def test_tiers_reevaluate_as_of_a_later_day_is_refused_unless_forced(
    patron: Patron, clock: Clock
) -> None:
    # given: a member who bought 600 EUR 330 days ago, Silver (500 EUR over the example
    # program's 12-month window) until that purchase leaves the window, 35 days from now
    clock.now = utcnow()
    patron.run(enroll, Enroll("c-1", enrolled_at=clock.now - timedelta(days=331)))
    buy(patron, 1, "o-1", ("A", None, 1, "600.00"), at=clock.now - timedelta(days=330))
    url = patron.engine.url.render_as_string(hide_password=False)
    assert _tier(patron) == "Silver"
    later = (clock.now + timedelta(days=60)).date().isoformat()
    # when: re-qualified as of a day 60 days ahead
    refused = runner.invoke(app, ["tiers", "reevaluate", "--as-of", later, "--database-url", url])
    # then: refused, and the member keeps the tier they hold today
    assert refused.exit_code == 2, refused.output
    line = _error_line(refused.stderr)
    assert line.startswith(f"error: --as-of {later} is later than now (")
    assert line.endswith(
        " UTC): purchases still in the tier window would no longer count; give today or an"
        " earlier day, or pass --force to do it on purpose"
    )
    assert _tier(patron) == "Silver"
    today = runner.invoke(app, ["tiers", "reevaluate", "--database-url", url])
    assert today.exit_code == 0 and today.stdout.strip() == "1 members: 0 up, 0 down"
    forced = runner.invoke(
        app, ["tiers", "reevaluate", "--as-of", later, "--force", "--database-url", url]
    )
    assert forced.exit_code == 0 and forced.stdout.strip() == "1 members: 0 up, 1 down"
    assert _tier(patron) == "Bronze"


# -- patron demo, run again ------------------------------------------------------------------


def _demo(url: str) -> str:
    result = runner.invoke(
        app, ["demo", "--customers", "20", "--seed", "3", "--no-serve", "--database-url", url]
    )
    assert result.exit_code == 0, result.output
    return result.stdout


def _status(patron: Patron, key: str) -> int:
    with TestClient(create_app(patron)) as client:  # a new app: no key remembered
        answer = client.get("/v1/api-keys", headers={"Authorization": f"Bearer {key}"})
    return int(answer.status_code)


def test_a_second_demo_revokes_the_key_the_first_printed(patron: Patron) -> None:
    url = patron.engine.url.render_as_string(hide_password=False)
    first = _demo(url)
    assert "revoked" not in first  # nothing to revoke on a fresh store
    first_key = KEY.search(first)
    assert first_key is not None, first
    assert _status(patron, first_key[1]) == 200
    # when: the demo runs again on the populated store
    again = _demo(url)
    second_key = KEY.search(again)
    assert second_key is not None and second_key[1] != first_key[1], again
    # then: it says so, the first key no longer works and the second does
    assert "the previous demo key was revoked\n" in again
    assert _status(patron, first_key[1]) == 401
    assert _status(patron, second_key[1]) == 200
    # and `patron apikey list` shows one active demo key, the one printed last
    listed = runner.invoke(app, ["apikey", "list", "--json", "--database-url", url])
    assert listed.exit_code == 0, listed.output
    demo_keys = [json.loads(line) for line in listed.stdout.splitlines()]
    demo_keys = [k for k in demo_keys if k["name"] == "demo"]
    assert [(k["prefix"], k["scope"], k["status"]) for k in demo_keys] == [
        (first_key[1].split("_")[1], "admin", "revoked"),
        (second_key[1].split("_")[1], "admin", "active"),
    ]


CONSOLE = re.compile(r"the console: \S+/console \(log in as (\S+), password (\S+)\)")


def test_each_demo_prints_a_console_login_and_only_the_last_one_works(patron: Patron) -> None:
    from patron.services.staff import Login, LoginOutcome, log_in

    url = patron.engine.url.render_as_string(hide_password=False)
    first = CONSOLE.search(_demo(url))
    assert first is not None
    again = CONSOLE.search(_demo(url))
    assert again is not None and again[1] == first[1] == "owner@shop.example"
    assert again[2] != first[2]
    assert patron.run(log_in, Login(first[1], first[2])).outcome is LoginOutcome.REFUSED
    logged = patron.run(log_in, Login(again[1], again[2]))
    assert logged.outcome is LoginOutcome.OK and logged.user is not None
    assert logged.user.role.value == "owner"


def test_the_demo_has_a_member_who_can_log_in_to_the_portal(patron: Patron) -> None:
    from patron.services.commands import MemberRef
    from patron.services.members import find_member

    url = patron.engine.url.render_as_string(hide_password=False)
    shown = _demo(url)
    assert "the members' portal: " in shown and "customer@shop.example" in shown
    _demo(url)  # a second run enrols nobody more
    member = patron.read(find_member, MemberRef(external_id="demo-customer"))
    assert (member.email, member.name) == ("customer@shop.example", "Demo Customer")
