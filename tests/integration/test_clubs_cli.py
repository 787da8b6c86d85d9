"""`patron clubs`: the example program's clubs through the command line: an invitation
accepted, a rule club evaluated twice, the history, and a refused step's message."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from typer.testing import CliRunner

from patron.bootstrap import Patron
from patron.cli import app
from patron.cli.common import cli_actor
from patron.domain.clubs import Step
from patron.services.clubs import ClubStep, step
from patron.services.commands import MemberRef
from tests.conftest import EXAMPLE_PROGRAM
from tests.integration.helpers import buy, member

runner = CliRunner()


def test_invite_evaluate_history_and_a_refused_step(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'p.db'}"
    assert runner.invoke(app, ["init", "--database-url", db]).exit_code == 0
    loaded = runner.invoke(app, ["program", "load", str(EXAMPLE_PROGRAM), "--database-url", db])
    assert loaded.exit_code == 0, loaded.output

    def clubs(*args: str) -> tuple[int, str]:
        done = runner.invoke(app, ["clubs", *args, "--database-url", db])
        return done.exit_code, done.stdout

    # given Ana, who bought 250 EUR of kids this month (the example's kids club: 200 in 12
    # months), and Bogdan, who bought none
    patron = Patron.from_url(db)
    ana, bogdan = member(patron, "ana"), member(patron, "bo")
    this_month = datetime.now().replace(day=1, microsecond=0)
    buy(patron, ana, "a1", ("K", "kids", 5, "50.00"), at=this_month)
    patron.dispose()
    # a rule club: evaluated, then evaluated again, admits Ana once
    assert clubs("evaluate") == (0, "club kids: 1 admitted, 0 removed\n")
    assert clubs("evaluate", "kids") == (0, "club kids: 0 admitted, 0 removed\n")
    # an invitation club: staff invite Bogdan, he accepts in the portal (the use case)
    code, said = clubs("invite", "wine", "bo", "--reason", "a regular")
    assert (code, said) == (0, f"club wine: member {bogdan} invited (now invited)\n")
    patron = Patron.from_url(db)
    patron.run(step, ClubStep("wine", MemberRef(id=bogdan), Step.ACCEPT, f"member:{bogdan}"))
    patron.dispose()
    code, listed = clubs("list", "--json")
    counts = {c["id"]: (c["members"], c["invited"]) for c in json.loads(listed)["data"]}
    assert counts == {"kids": (1, 0), "wine": (1, 0)}
    code, history = clubs("members", "wine", "--history", "--json")
    assert [
        (c["member_id"], c["change"], c["by"], c["reason"]) for c in json.loads(history)["data"]
    ] == [
        (bogdan, "invited", cli_actor(), "a regular"),
        (bogdan, "joined", f"member:{bogdan}", None),
    ]
    # a step the club does not take: a message and exit 2, nothing changed
    refused = runner.invoke(app, ["clubs", "add", "kids", "bo", "--database-url", db])
    assert refused.exit_code == 2
    assert "club 'kids' is joined by rule: it takes no add" in refused.output
    assert json.loads(clubs("members", "kids", "--json")[1])["data"][0]["member_id"] == ana
