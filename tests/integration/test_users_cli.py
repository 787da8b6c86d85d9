"""`patron user …` as an operator types it, on SQLite and PostgreSQL: a generated password
alone on stdout, a chosen one read from stdin, clear refusals (exit code 2) that change
nothing, and the audit log naming who ran the command.

The use cases' own tests: tests/usecases/test_staff_users.py."""

from __future__ import annotations

import json

import pytest
from argon2 import PasswordHasher, profiles
from typer.testing import CliRunner

from patron.bootstrap import Patron
from patron.cli import app
from patron.domain.audit import AuditQuery
from patron.services import staff
from patron.services.audit import audit_trail
from patron.services.staff import Login, LoginOutcome, log_in

runner = CliRunner()


@pytest.fixture(autouse=True)
def cheap_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(staff, "_hasher", PasswordHasher.from_parameters(profiles.CHEAPEST))
    monkeypatch.setenv("PATRON_ACTOR", "alice")


def _cli(patron: Patron, *args: str, stdin: str | None = None):  # type: ignore[no-untyped-def]
    url = patron.engine.url.render_as_string(hide_password=False)
    return runner.invoke(app, [*args, "--database-url", url], input=stdin)


def _login(patron: Patron, email: str, password: str) -> LoginOutcome:
    return patron.run(log_in, Login(email, password)).outcome


def test_a_generated_password_is_printed_alone_and_once(patron: Patron) -> None:
    made = _cli(patron, "user", "create", "Ana@Shop.ro", "--role", "owner", "--name", "Ana Pop")
    assert made.exit_code == 0, made.output
    password = made.stdout.strip()
    assert len(password) == 20 and "\n" not in password
    assert "created ana@shop.ro (owner); the password above is shown once" in made.stderr
    assert _login(patron, "ana@shop.ro", password) is LoginOutcome.OK
    listed = _cli(patron, "user", "list", "--json")
    rows = [json.loads(line) for line in listed.stdout.splitlines()]
    assert [(r["email"], r["name"], r["role"], r["state"]) for r in rows] == [
        ("ana@shop.ro", "Ana Pop", "owner", "active")
    ]
    assert password not in listed.stdout
    [entry] = patron.read(audit_trail, AuditQuery(action="user.created")).entries
    assert entry.actor == "cli:alice"


def test_a_chosen_password_comes_from_stdin(patron: Patron) -> None:
    made = _cli(
        patron, "user", "create", "bo@shop.ro", "--role", "analyst", "--password-stdin",
        stdin="correct horse battery\n",
    )  # fmt: skip
    assert made.exit_code == 0, made.output
    assert made.stdout == ""
    assert _login(patron, "bo@shop.ro", "correct horse battery") is LoginOutcome.OK
    reset = _cli(patron, "user", "password", "bo@shop.ro", "--password-stdin", stdin="")
    assert reset.exit_code == 2 and "stdin is empty" in reset.stderr


def test_refusals_exit_2_and_change_nothing(patron: Patron) -> None:
    assert _cli(patron, "user", "create", "ana@shop.ro", "--role", "owner").exit_code == 0
    taken = _cli(patron, "user", "create", "ANA@shop.ro", "--role", "analyst")
    assert taken.exit_code == 2 and "a staff user ana@shop.ro exists" in taken.stderr
    bad = _cli(patron, "user", "create", "bo@shop.ro", "--role", "boss")
    assert (
        bad.exit_code == 2 and "role: 'boss' is not one of owner, marketer, analyst" in bad.stderr
    )
    last = _cli(patron, "user", "role", "ana@shop.ro", "analyst")
    assert last.exit_code == 2 and "last active owner" in last.stderr
    ghost = _cli(patron, "user", "disable", "ghost@shop.ro")
    assert ghost.exit_code == 2 and "no staff user ghost@shop.ro" in ghost.stderr
    rows = [json.loads(x) for x in _cli(patron, "user", "list", "--json").stdout.splitlines()]
    assert [(r["email"], r["role"], r["state"]) for r in rows] == [
        ("ana@shop.ro", "owner", "active")
    ]


def test_roles_change_and_users_are_disabled_and_enabled(patron: Patron) -> None:
    _cli(patron, "user", "create", "ana@shop.ro", "--role", "owner")
    _cli(patron, "user", "create", "bo@shop.ro", "--role", "owner")
    assert _cli(patron, "user", "role", "ana@shop.ro", "marketer").stdout.strip() == (
        "ana@shop.ro is now marketer"
    )
    assert (
        _cli(patron, "user", "disable", "ana@shop.ro").stdout.strip() == "ana@shop.ro is disabled"
    )
    table = _cli(patron, "user", "list").stdout
    assert "disabled" in table and "marketer" in table
    assert _cli(patron, "user", "enable", "ana@shop.ro").stdout.strip() == "ana@shop.ro is enabled"
    actions = [
        e.action
        for e in patron.read(audit_trail, AuditQuery()).entries
        if e.action.startswith("user.")
    ]
    assert actions == [
        "user.created", "user.created", "user.role_changed", "user.disabled", "user.enabled",
    ]  # fmt: skip
