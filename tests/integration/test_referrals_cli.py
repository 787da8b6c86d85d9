"""`patron referrals funnel|leaders|show` on a store with one referral paid in January
2026 (examples/program.toml: 200 points each on a first purchase of at least 20.00)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from typer.testing import CliRunner

from patron.bootstrap import Patron
from patron.cli import app
from tests.conftest import EXAMPLE_PROGRAM
from tests.integration.helpers import buy, member

runner = CliRunner()


def test_the_funnel_the_leaders_and_a_members_friends(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'p.db'}"
    assert runner.invoke(app, ["init", "--database-url", db]).exit_code == 0
    loaded = runner.invoke(app, ["program", "load", str(EXAMPLE_PROGRAM), "--database-url", db])
    assert loaded.exit_code == 0, loaded.output
    # given Ana, and Bob who joined with her code on 2 January and bought 30.00 on the 5th
    patron = Patron.from_url(db)
    ana = member(patron, "ana", enrolled_at=datetime(2026, 1, 1, 9))
    code = patron.read(lambda uow: uow.members.get(ana)).referral_code  # type: ignore[union-attr]
    bob = member(patron, "bob", referral_code=code, enrolled_at=datetime(2026, 1, 2, 9))
    buy(patron, bob, "o-1", ("A", None, 1, "30.00"), at=datetime(2026, 1, 5, 9))
    patron.dispose()

    def cli(*args: str) -> str:
        done = runner.invoke(app, ["referrals", *args, "--database-url", db])
        assert done.exit_code == 0, done.output
        return done.output

    january = ["--from", "2026-01-01", "--to", "2026-02-01"]
    funnel = json.loads(cli("funnel", *january, "--format", "json"))
    assert funnel == {
        "count": 1,
        "data": [
            {
                "from": "2026-01-01",
                "to": "2026-02-01",
                "codes_shared": 1,
                "enrolled": 1,
                "qualified": 1,
                "rewarded": 1,  # its window ended on 19 January
                "taken_back": 0,
                "refused": 0,
            }
        ],
    }
    leaders = json.loads(cli("leaders", *january, "--format", "json"))
    assert leaders["data"] == [
        {"member_id": ana, "external_id": "ana", "friends": 1, "customers": 1, "revenue": "30.00"}
    ]
    shown = json.loads(cli("show", "ana", "--json"))
    assert (shown["referral_code"], shown["points_earned"]) == (code, 200)
    assert [(f["friend_id"], f["state"]) for f in shown["friends"]] == [(bob, "rewarded")]
    backwards = runner.invoke(
        app,
        ["referrals", "funnel", "--from", "2026-02-01", "--to", "2026-01-01", "--database-url", db],
    )
    assert backwards.exit_code == 2 and "must come after" in backwards.output
