"""The audit trail, read through the API and the CLI: every manual change with its actor,
filters and pages, and a log that neither the code nor a hand-typed statement can rewrite."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner

from patron.bootstrap import Patron
from patron.cli import app
from patron.services.apikeys import revoke_key
from patron.store.migrate import alembic_config, upgrade
from tests.conftest import EXAMPLE_PROGRAM, Clock, make_patron
from tests.e2e.conftest import Api

runner = CliRunner()


def _enrol(api: Api, external_id: str) -> int:
    answer = api.post("/v1/members", {"external_id": external_id})
    assert answer.status_code == 201, answer.text
    return int(answer.json()["id"])


def _adjust(api: Api, member_id: int, points: int, reason: str) -> None:
    answer = api.post(f"/v1/members/{member_id}/adjustments", {"points": points, "reason": reason})
    assert answer.status_code == 201, answer.text


def test_every_manual_change_is_listed_with_its_actor_oldest_first(
    admin: Api, pos: Api, patron: Patron, clock: Clock
) -> None:
    # the fixtures loaded the program (actor "cli") and created two keys (actor "cli")
    ann = _enrol(pos, "ann")
    clock.advance(hours=1)
    _adjust(admin, ann, 50, "goodwill: late delivery")
    prefix = pos.key.split("_")[1]
    patron.run(lambda uow, p: revoke_key(uow, p, "cli:alice"), prefix)

    answer = admin.get("/v1/audit")
    assert answer.status_code == 200
    body = answer.json()
    rows = [(r["actor"], r["action"], r["member_id"], r["reason"]) for r in body["data"]]
    assert rows == [
        ("cli", "program.loaded", None, None),
        ("cli", "apikey.created", None, None),
        ("cli", "apikey.created", None, None),
        ("apikey:test-admin", "points.adjusted", ann, "goodwill: late delivery"),
        ("cli:alice", "apikey.revoked", None, None),
    ]
    assert body["count"] == 5 and body["next_after"] is None
    ids = [r["id"] for r in body["data"]]
    assert ids == sorted(ids)
    loaded, _, _, adjusted, revoked = body["data"]
    assert loaded["details"]["version"] == 1 and len(loaded["details"]["sha256"]) == 64
    assert adjusted["details"]["points"] == 50 and adjusted["at"] == "2026-01-01T10:00:00Z"
    assert revoked["details"]["scope"] == "pos" and revoked["details"]["name"] == "test-pos"
    # the key itself is never written to the log, only its prefix
    assert pos.key not in answer.text and admin.key not in answer.text


def test_filters_select_by_actor_action_member_and_time(admin: Api, pos: Api, clock: Clock) -> None:
    ann, bob = _enrol(pos, "ann"), _enrol(pos, "bob")
    _adjust(admin, ann, 10, "first")  # 09:00
    clock.advance(days=1)
    _adjust(admin, bob, 20, "second")  # next day 09:00
    clock.advance(days=1)
    _adjust(admin, ann, -5, "third")  # day after 09:00

    def reasons(query: str) -> list[str | None]:
        answer = admin.get(f"/v1/audit?{query}")
        assert answer.status_code == 200, answer.text
        return [r["reason"] for r in answer.json()["data"]]

    assert reasons("action=points.adjusted") == ["first", "second", "third"]
    assert reasons(f"member_id={ann}") == ["first", "third"]
    assert reasons("actor=apikey:test-admin") == ["first", "second", "third"]
    assert reasons("actor=apikey:nobody") == []
    # since is inclusive, until exclusive: exactly the middle day
    assert reasons("since=2026-01-02T09:00:00&until=2026-01-03T09:00:00") == ["second"]
    # an aware time is converted to UTC: 10:00+01:00 is 09:00Z
    assert reasons("since=2026-01-03T10:00:00%2B01:00&action=points.adjusted") == ["third"]


def test_pages_continue_after_the_last_id_without_repeating_or_skipping(
    admin: Api, pos: Api
) -> None:
    ann = _enrol(pos, "ann")
    for i in range(5):
        _adjust(admin, ann, i + 1, f"r{i}")
    seen: list[str] = []
    after = 0
    pages = 0
    while True:
        body = admin.get(f"/v1/audit?action=points.adjusted&limit=2&after={after}").json()
        seen += [r["reason"] for r in body["data"]]
        pages += 1
        if body["next_after"] is None:
            break
        after = body["next_after"]
    assert seen == ["r0", "r1", "r2", "r3", "r4"] and pages == 3
    # exactly one page's worth: no further page announced
    last = admin.get("/v1/audit?action=points.adjusted&limit=5").json()
    assert last["count"] == 5 and last["next_after"] is None


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("action=points.deleted", "action"),
        ("limit=0", "limit"),
        ("limit=501", "limit"),
        ("after=-1", "after"),
        ("member_id=0", "member_id"),
        ("since=yesterday", "since"),
    ],
)
def test_a_bad_filter_is_refused_naming_it(admin: Api, query: str, field: str) -> None:
    answer = admin.get(f"/v1/audit?{query}")
    assert answer.status_code == 422
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert field in answer.text


def test_a_period_ending_before_it_starts_is_refused(admin: Api) -> None:
    answer = admin.get("/v1/audit?since=2026-02-01&until=2026-01-01")
    assert answer.status_code == 422 and "since" in answer.json()["detail"]


def test_only_admin_keys_read_the_audit_trail(pos: Api, client) -> None:  # type: ignore[no-untyped-def]
    assert pos.get("/v1/audit").status_code == 403
    assert client.get("/v1/audit").status_code == 401


def test_the_log_refuses_updates_and_deletes_on_both_stores(
    admin: Api, pos: Api, patron: Patron
) -> None:
    _adjust(admin, _enrol(pos, "ann"), 10, "kept as written")
    for statement in (
        "UPDATE audit_log SET reason = 'rewritten' WHERE action = 'points.adjusted'",
        "UPDATE audit_log SET actor = 'someone else'",
        "DELETE FROM audit_log WHERE action = 'points.adjusted'",
    ):
        with pytest.raises(DBAPIError, match="append-only"):
            with patron.engine.begin() as conn:
                conn.execute(text(statement))
    with patron.engine.connect() as conn:
        rows = conn.execute(
            text("SELECT actor, reason FROM audit_log WHERE action = 'points.adjusted'")
        )
        assert [tuple(r) for r in rows] == [("apikey:test-admin", "kept as written")]


def test_the_cli_lists_what_the_cli_did_under_the_operating_system_user(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    assert runner.invoke(app, ["init", "--database-url", db]).exit_code == 0
    monkeypatch.setenv("PATRON_ACTOR", "alice")
    assert (
        runner.invoke(
            app, ["program", "load", str(EXAMPLE_PROGRAM), "--database-url", db]
        ).exit_code
        == 0
    )
    created = runner.invoke(app, ["apikey", "create", "--name", "till-1", "--database-url", db])
    prefix = created.stdout.strip().split("_")[1]
    monkeypatch.setenv("PATRON_ACTOR", "bob")
    assert runner.invoke(app, ["apikey", "revoke", prefix, "--database-url", db]).exit_code == 0

    listed = runner.invoke(app, ["audit", "--json", "--database-url", db])
    assert listed.exit_code == 0, listed.output
    rows = [json.loads(line) for line in listed.stdout.splitlines()]
    assert [(r["actor"], r["action"]) for r in rows] == [
        ("cli:alice", "program.loaded"),
        ("cli:alice", "apikey.created"),
        ("cli:bob", "apikey.revoked"),
    ]
    assert rows[1]["details"]["name"] == "till-1" and rows[2]["details"]["prefix"] == prefix

    paged = runner.invoke(app, ["audit", "--limit", "2", "--database-url", db])
    assert paged.exit_code == 0 and f"patron audit --after {rows[1]['id']}" in paged.stdout
    only_bob = runner.invoke(app, ["audit", "--json", "--actor", "cli:bob", "--database-url", db])
    assert [json.loads(line)["action"] for line in only_bob.stdout.splitlines()] == [
        "apikey.revoked"
    ]

    bad = runner.invoke(app, ["audit", "--action", "apikey.stolen", "--database-url", db])
    assert bad.exit_code == 2 and "action" in bad.output
    bad_date = runner.invoke(app, ["audit", "--since", "last week", "--database-url", db])
    assert bad_date.exit_code == 2 and "--since" in bad_date.output


def test_upgrading_renames_the_revocations_written_before(
    store_kind: str, tmp_path: Path, clock: Clock, request: pytest.FixtureRequest
) -> None:
    """Revocations were audited as `apikey_revoked` before 0004 named actions like events."""
    patron = make_patron(store_kind, tmp_path, clock, request)
    try:
        command.downgrade(alembic_config(patron.engine), "0003")
        with patron.engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO audit_log (at, actor, action, details)"
                    " VALUES (:at, 'cli', 'apikey_revoked', '{}')"
                ),
                {"at": datetime(2026, 1, 1)},
            )
        upgrade(patron.engine)
        with patron.engine.connect() as conn:
            actions = conn.execute(text("SELECT action FROM audit_log")).scalars().all()
        assert actions == ["apikey.revoked"]
    finally:
        patron.dispose()


def test_a_cancelled_redemption_is_audited_with_the_key_that_cancelled_it(
    admin: Api, pos: Api
) -> None:
    ann = _enrol(pos, "ann")
    _adjust(admin, ann, 500, "setup")
    done = pos.post("/v1/redemptions", {"member_id": ann, "points": 300})
    assert done.status_code == 201, done.text
    redemption_id = done.json()["id"]
    cancelled = pos.post(f"/v1/redemptions/{redemption_id}/cancel", {"reason": "wrong basket"})
    assert cancelled.status_code == 201, cancelled.text

    body = admin.get("/v1/audit?action=redemption.cancelled").json()
    assert [(r["actor"], r["member_id"], r["reason"]) for r in body["data"]] == [
        ("apikey:test-pos", ann, "wrong basket")
    ]
    assert body["data"][0]["details"] == {
        "redemption_id": redemption_id,
        "points": 300,
        "reward_id": None,
    }
