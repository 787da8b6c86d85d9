"""`patron surveys` from the command line, on SQLite: make, invite (the same link twice),
results worked by hand, close; refusals with exit code 2 and nothing stored."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from patron.bootstrap import Patron
from patron.cli import app
from patron.services import surveys as uc
from tests.conftest import EXAMPLE_PROGRAM
from tests.integration.helpers import member

runner = CliRunner()


def test_make_invite_read_results_and_close_from_the_command_line(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'p.db'}"

    def cli(*args: str) -> object:
        return runner.invoke(app, [*args, "--database-url", db])

    assert cli("init").exit_code == 0  # type: ignore[attr-defined]
    assert cli("program", "load", str(EXAMPLE_PROGRAM)).exit_code == 0  # type: ignore[attr-defined]
    refused = cli("surveys", "add", "x", "--kind", "ces", "--question", "How?")
    assert refused.exit_code == 2  # type: ignore[attr-defined]
    assert "kind: 'ces' is not one of nps, csat" in refused.output  # type: ignore[attr-defined]
    made = cli(
        "surveys", "add", "delivery", "--kind", "csat", "--question", "How satisfied are you?",
        "--question-ro", "Cât de mulțumit sunteți?", "--comment", "Why?",
    )  # fmt: skip
    assert made.exit_code == 0, made.output  # type: ignore[attr-defined]
    assert made.stdout.strip() == "survey 1: delivery (csat), open"  # type: ignore[attr-defined]
    patron = Patron.from_url(db)
    try:
        mids = [member(patron, f"c-{i}") for i in (1, 2, 3)]
        links = [cli("surveys", "invite", "1", str(m)).stdout.strip() for m in mids]  # type: ignore[attr-defined]
        assert links[0] == cli("surveys", "invite", "1", str(mids[0])).stdout.strip()  # type: ignore[attr-defined]
        assert all(link.startswith("/portal/survey/1.") for link in links)  # no public URL set
        # 5, 4 and 2: satisfied 2 of 3 = 66.7 %
        for link, score in zip(links, (5, 4, 2), strict=True):
            token = link.rsplit("/", 1)[1]
            assert patron.run(uc.respond, uc.Respond(token, score)).refusal is None
    finally:
        patron.dispose()
    found = json.loads(cli("surveys", "results", "1", "--format", "json").stdout)  # type: ignore[attr-defined]
    assert found["data"] == [
        {"group": "all", "answers": 3, "top": 2, "middle": 0, "bottom": 1, "csat": 66.7}
    ]
    answers = json.loads(cli("surveys", "responses", "1", "--format", "json").stdout)  # type: ignore[attr-defined]
    assert sorted(a["score"] for a in answers["data"]) == [2, 4, 5]
    assert cli("surveys", "close", "1").stdout.strip() == "survey 1: closed"  # type: ignore[attr-defined]
    listed = json.loads(cli("surveys", "list", "--format", "json").stdout)  # type: ignore[attr-defined]
    assert [(s["name"], s["active"]) for s in listed["data"]] == [("delivery", False)]
    closed = cli("surveys", "invite", "1", str(mids[0]))
    assert closed.exit_code == 2  # type: ignore[attr-defined]
    assert "is closed" in closed.output  # type: ignore[attr-defined]
    unknown = cli("surveys", "results", "9")
    assert (unknown.exit_code, "no survey 9" in unknown.output) == (2, True)  # type: ignore[attr-defined]
