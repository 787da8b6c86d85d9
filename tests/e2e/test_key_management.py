"""Managing API keys over HTTP (admins only) and on the command line, on both stores:
create, list, revoke and rotate, each audited with the person who did it; bad requests
change nothing; keys made on the command line bind a till to its shop."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from typer.testing import CliRunner

from patron.bootstrap import Patron
from patron.cli import app
from patron.services.apikeys import create_key, hash_key
from patron.store import tables
from tests.conftest import Clock
from tests.e2e.conftest import Api

runner = CliRunner()
PURCHASE = {
    "occurred_at": "2026-01-01T08:00:00Z",
    "currency": "EUR",
    "lines": [{"sku": "A1", "quantity": 1, "unit_price": "10.00"}],
}


def rows(patron: Patron, table: Any) -> int:
    query = select(func.count()).select_from(table)
    return int(patron.read(lambda uow: uow.connection.execute(query).scalar_one()))


def test_an_admin_creates_lists_and_revokes_keys_and_each_change_is_audited(
    client: TestClient, patron: Patron, admin: Api
) -> None:
    # when an admin creates a key for a till of shop A that may earn and refund
    created = admin.post(
        "/v1/api-keys",
        {"name": "till-7", "shop": "A", "operations": ["refund", "earn"]},
        idem=None,
    )
    # then the answer shows the key once, with what it may do
    assert created.status_code == 201, created.text
    body = created.json()
    key, prefix = body.pop("key"), body["prefix"]
    assert key.startswith(f"ptr_{prefix}_")
    assert body == {
        "prefix": prefix,
        "name": "till-7",
        "scope": "pos",
        "shop": "A",
        "operations": ["earn", "refund"],
        "created_at": "2026-01-01T09:00:00Z",
        "expires_at": None,
        "revoked_at": None,
        "status": "active",
    }
    till = Api(client, key)
    assert till.get("/v1/rewards").status_code == 200
    enrolling = till.post("/v1/members", {"external_id": "c-1"})
    assert enrolling.json()["code"] == "forbidden_operation"
    # the list shows it, never the key nor its hash
    listed = admin.get("/v1/api-keys")
    assert listed.status_code == 200
    assert key not in listed.text and hash_key(key) not in listed.text
    mine = [k for k in listed.json()["data"] if k["prefix"] == prefix]
    assert mine == [body]
    assert listed.json()["count"] == 2  # and the fixture's admin key
    # when it is revoked, it stops at once on this server, though it was in its cache
    revoked = admin.post(f"/v1/api-keys/{prefix}/revoke", None, idem=None)
    assert revoked.status_code == 200, revoked.text
    assert (revoked.json()["status"], revoked.json()["revoked_at"]) == (
        "revoked",
        "2026-01-01T09:00:00Z",
    )
    assert till.get("/v1/rewards").status_code == 401
    again = admin.post(f"/v1/api-keys/{prefix}/revoke", None, idem=None)
    assert (again.status_code, again.json()["code"]) == (404, "not_found")
    # and both changes are in the audit trail under the admin key's name
    trail = admin.get("/v1/audit?actor=apikey:test-admin").json()["data"]
    assert [(e["action"], e["details"]) for e in trail] == [
        (
            action,
            {
                "key_id": trail[0]["details"]["key_id"],
                "name": "till-7",
                "prefix": prefix,
                "scope": "pos",
                "shop": "A",
                "operations": ["earn", "refund"],
            },
        )
        for action in ("apikey.created", "apikey.revoked")
    ]


def test_key_management_is_for_admin_keys_only(
    client: TestClient, patron: Patron, pos: Api
) -> None:
    before = rows(patron, tables.api_keys)
    prefix = pos.key.split("_")[1]
    for answer in (
        pos.post("/v1/api-keys", {"name": "mine", "scope": "admin"}, idem=None),
        pos.get("/v1/api-keys"),
        pos.post(f"/v1/api-keys/{prefix}/rotate", {}, idem=None),
        pos.post(f"/v1/api-keys/{prefix}/revoke", None, idem=None),
    ):
        assert (answer.status_code, answer.json()["code"]) == (403, "forbidden")
    assert rows(patron, tables.api_keys) == before
    assert pos.get("/v1/rewards").status_code == 200  # not revoked


def test_bad_key_requests_are_refused_naming_the_field_and_change_nothing(
    patron: Patron, admin: Api
) -> None:
    keys, trail = rows(patron, tables.api_keys), rows(patron, tables.audit_log)
    cases = [
        ({"scope": "admin"}, "invalid_request", "body.name: Field required"),
        (
            {"name": "ann", "scope": "admin", "shop": "A"},
            "invalid_input",
            "shop, operations: an admin key",
        ),
        ({"name": "t", "operations": []}, "invalid_request", "body.operations"),
        ({"name": "t", "operations": ["fly"]}, "invalid_request", "body.operations.0"),
        ({"name": "t", "shop": ""}, "invalid_request", "body.shop"),
        ({"name": "t", "shop": " A"}, "invalid_input", "shop: must be a non-empty name"),
        ({"name": "   "}, "invalid_input", "name: must not be empty"),
        ({"name": "x" * 94}, "invalid_request", "body.name"),
        ({"name": "t", "scope": "root"}, "invalid_request", "body.scope"),
    ]
    for body, code, says in cases:
        answer = admin.post("/v1/api-keys", body, idem=None)
        assert (answer.status_code, answer.json()["code"]) == (422, code), body
        assert says in answer.json()["detail"], (body, answer.json()["detail"])
    prefix = admin.key.split("_")[1]
    for overlap in (-1, 30 * 86400 + 1):
        answer = admin.post(
            f"/v1/api-keys/{prefix}/rotate", {"overlap_seconds": overlap}, idem=None
        )
        assert (answer.status_code, answer.json()["code"]) == (422, "invalid_request")
    unknown = admin.post("/v1/api-keys/00000000/rotate", {}, idem=None)
    assert (unknown.status_code, unknown.json()["code"]) == (404, "not_found")
    assert (rows(patron, tables.api_keys), rows(patron, tables.audit_log)) == (keys, trail)
    assert admin.get("/v1/api-keys").json()["data"][0]["expires_at"] is None


def test_an_admin_key_names_the_person_whose_actions_it_records(
    client: TestClient, patron: Patron, pos: Api
) -> None:
    url = patron.engine.url.render_as_string(hide_password=False)
    nameless = runner.invoke(app, ["apikey", "create", "--scope", "admin", "--database-url", url])
    assert nameless.exit_code == 2
    assert "an admin key is for a person: name them" in " ".join(nameless.output.split())
    made = runner.invoke(
        app, ["apikey", "create", "--scope", "admin", "--name", "alice", "--database-url", url]
    )
    assert made.exit_code == 0, made.output
    alice = Api(client, made.stdout.strip())
    member = pos.post("/v1/members", {"external_id": "c-1"}).json()["id"]
    adjusted = alice.post(f"/v1/members/{member}/adjustments", {"points": 5, "reason": "goodwill"})
    assert adjusted.status_code == 201
    trail = alice.get("/v1/audit?action=points.adjusted").json()["data"]
    assert [e["actor"] for e in trail] == ["apikey:alice"]
    with_shop = runner.invoke(
        app,
        ["apikey", "create", "--scope", "admin", "--name", "bob", "--shop", "A"]
        + ["--database-url", url],
    )
    assert with_shop.exit_code == 2 and "admin key acts for every shop" in with_shop.output


def test_keys_made_on_the_command_line_keep_each_till_to_its_shop(
    client: TestClient, patron: Patron, admin: Api, clock: Clock, monkeypatch: Any
) -> None:
    url = patron.engine.url.render_as_string(hide_password=False)
    monkeypatch.setenv("PATRON_ACTOR", "alice")

    def cli(*args: str) -> Any:
        result = runner.invoke(app, ["apikey", *args, "--database-url", url])
        assert result.exit_code == 0, result.output
        return result

    ops = "earn,refund,read_member"
    till_a = Api(
        client, cli("create", "--name", "till-a", "--shop", "A", "--operations", ops).stdout.strip()
    )
    till_b = Api(
        client, cli("create", "--name", "till-b", "--shop", "B", "--operations", ops).stdout.strip()
    )
    member = admin.post("/v1/members", {"external_id": "c-1"}).json()["id"]
    bought = till_b.post("/v1/purchases", {**PURCHASE, "member_id": member, "order_id": "o-b"})
    assert bought.status_code == 201, bought.text
    purchase = bought.json()["id"]
    # shop A's till cannot refund shop B's purchase; shop B's can
    refused = till_a.post(f"/v1/purchases/{purchase}/refunds", {})
    assert (refused.status_code, refused.json()["code"]) == (403, "forbidden_shop")
    assert rows(patron, tables.refunds) == 0
    assert till_b.post(f"/v1/purchases/{purchase}/refunds", {}).status_code == 201
    assert (
        till_a.post("/v1/members", {"external_id": "c-2"}).json()["code"] == "forbidden_operation"
    )
    # the list says which shop and operations each key has
    listed = [json.loads(line) for line in cli("list", "--json").stdout.splitlines()]
    assert [(k["name"], k["shop"], k["operations"], k["status"]) for k in listed] == [
        ("test-admin", None, None, "active"),
        ("till-a", "A", ["earn", "refund", "read_member"], "active"),
        ("till-b", "B", ["earn", "refund", "read_member"], "active"),
    ]
    table = cli("list").stdout  # 80 columns here: names and prefixes are never cut
    assert all(k["prefix"] in table and k["name"] in table for k in listed)
    # a rotation prints the new key alone; the old one works until the overlap ends
    fresh = cli("create", "--name", "till-c", "--shop", "C").stdout.strip()
    prefix = fresh.split("_")[1]
    rotated = runner.invoke(
        app, ["apikey", "rotate", prefix, "--overlap", "10m", "--database-url", url]
    )
    assert rotated.exit_code == 0, rotated.output
    new_key = rotated.stdout.strip()
    assert new_key.startswith("ptr_") and len(new_key.split()) == 1
    listed = {
        k["prefix"]: k for k in (json.loads(x) for x in cli("list", "--json").stdout.splitlines())
    }
    old, new = listed[prefix], listed[new_key.split("_")[1]]
    assert (old["status"], new["status"], new["shop"], new["name"]) == (
        "expiring",
        "active",
        "C",
        "till-c",
    )
    deadline = datetime.fromisoformat(old["expires_at"])
    created = datetime.fromisoformat(new["created_at"])
    assert deadline - created == timedelta(minutes=10)
    clock.now = deadline - timedelta(seconds=1)  # the server's clock, a second before it
    assert Api(client, fresh).get("/v1/rewards").status_code == 200
    clock.now = deadline
    assert Api(client, fresh).get("/v1/rewards").status_code == 401
    assert Api(client, new_key).get("/v1/rewards").status_code == 200
    # the CLI's changes are audited under the person who ran it
    trail = runner.invoke(
        app, ["audit", "--json", "--action", "apikey.rotated", "--database-url", url]
    )
    entries = [json.loads(line) for line in trail.stdout.splitlines()]
    assert [(e["actor"], e["details"]["replaces"]) for e in entries] == [("cli:alice", prefix)]
    bad = runner.invoke(
        app, ["apikey", "rotate", prefix, "--overlap", "soon", "--database-url", url]
    )
    assert bad.exit_code == 2 and "is not a duration" in bad.output


def test_a_pos_key_of_every_shop_and_operation_behaves_as_before(
    client: TestClient, patron: Patron
) -> None:
    """Keys made as before (no shop, no operations) do everything a pos key did."""
    key = patron.run(lambda uow, s: create_key(uow, s, "till-1"), "pos")
    till = Api(client, key)
    member = till.post("/v1/members", {"external_id": "c-1"}).json()["id"]
    bought = till.post("/v1/purchases", {**PURCHASE, "member_id": member, "order_id": "o-1"})
    assert till.post(f"/v1/purchases/{bought.json()['id']}/refunds", {}).status_code == 201
    redeemed = till.post("/v1/redemptions", {"member_id": member, "points": 100})
    assert redeemed.status_code == 201, redeemed.text
    assert till.post(f"/v1/redemptions/{redeemed.json()['id']}/cancel", {}).status_code == 201
