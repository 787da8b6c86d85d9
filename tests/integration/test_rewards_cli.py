"""`patron vouchers show|use`, `patron rewards stock|queue|fulfil`, `patron causes`
(cli/rewards.py) on both stores, over examples/program.toml. The CLI runs on the real
clock, so the vouchers used here are gifts (no expiry) redeemed on the fixture's clock."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from patron.bootstrap import Patron
from patron.cli import app
from patron.services.adjust import adjust
from patron.services.commands import Adjust, Redeem
from patron.services.redeem import redeem
from tests.integration.helpers import assert_verified, member

runner = CliRunner()


def _cli(patron: Patron, *args: str):  # type: ignore[no-untyped-def]
    url = patron.engine.url.render_as_string(hide_password=False)
    return runner.invoke(app, [*args, "--database-url", url])


def test_a_gift_is_shown_queued_handed_over_once_and_causes_totalled(patron: Patron) -> None:
    # given a member who redeems two coffees (gifts) and plants two trees (250, cost 2.50)
    mid = member(patron)
    patron.run(adjust, Adjust(mid, 1000, "setup", "tests"))
    one = patron.run(redeem, Redeem(mid, reward_id="coffee"))
    two = patron.run(redeem, Redeem(mid, reward_id="coffee"))
    for _ in range(2):
        patron.run(redeem, Redeem(mid, reward_id="tree"))
    assert one.voucher is not None
    code = one.voucher.code
    # show: the voucher as JSON, typed in lower case
    shown = _cli(patron, "vouchers", "show", code.lower(), "--format", "json")
    assert shown.exit_code == 0, shown.output
    [row] = json.loads(shown.stdout)["data"]
    assert (row["code"], row["state"], row["kind"], row["expires_at"]) == (
        code,
        "issued",
        "gift",
        None,
    )
    # the queue lists both coffees, oldest first (CSV)
    queue = _cli(patron, "rewards", "queue", "--format", "csv")
    lines = queue.stdout.splitlines()
    assert lines[0].startswith("code,redemption_id,member_id,reward_id,kind,state")
    assert [line.split(",")[1] for line in lines[1:]] == [
        str(one.redemption_id),
        str(two.redemption_id),
    ]
    # use the first by code at the desk, fulfil the second by redemption id
    used = _cli(patron, "vouchers", "use", code, "--transaction", "desk-1")
    assert used.exit_code == 0 and "handed over" in used.stdout
    again = _cli(patron, "vouchers", "use", code, "--transaction", "desk-2")
    assert again.exit_code == 2 and "was handed over at" in again.output
    done = _cli(patron, "rewards", "fulfil", str(two.redemption_id), "--reason", "desk")
    assert done.exit_code == 0, done.output
    assert json.loads(_cli(patron, "rewards", "queue", "--format", "json").stdout)["count"] == 0
    unknown = _cli(patron, "vouchers", "show", "K7QM4XT9PR2W")
    assert unknown.exit_code == 2 and "no voucher with code" in unknown.output
    # causes: 2 donations, 500 points, 1 member, 5.00
    causes = json.loads(_cli(patron, "causes", "--format", "json").stdout)["data"]
    assert causes == [
        {
            "reward_id": "tree",
            "name": "Plant a tree",
            "donations": 2,
            "points": 500,
            "members": 1,
            "cost": "5.00",
        }
    ]
    stock = json.loads(_cli(patron, "rewards", "stock", "--format", "json").stdout)["data"]
    assert {r["reward_id"]: r["stock"] for r in stock}["vip-evening"] == 40
    assert_verified(patron)
