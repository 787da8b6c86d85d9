"""`patron webhooks` and `patron worker` from the command line, on SQLite: the secret
alone on stdout, once; a refused URL with exit code 2 and nothing stored; the worker's
status; a replay of the dead letters (docs/webhooks.md)."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from patron.bootstrap import Patron
from patron.cli import app
from patron.domain.events import Event
from tests.support.webhook_receiver import Receiver, receiving

runner = CliRunner()


def test_subscribe_deliver_fail_and_replay_from_the_command_line(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'p.db'}"

    def cli(*args: str) -> object:
        return runner.invoke(app, [*args, "--database-url", db])

    assert runner.invoke(app, ["init", "--database-url", db]).exit_code == 0
    refused = cli("webhooks", "add", "ftp://crm.example.com/in", "--event", "*")
    assert refused.exit_code == 2  # type: ignore[attr-defined]
    assert "is not an http(s) URL" in refused.output  # type: ignore[attr-defined]
    answers = [503]
    with receiving(Receiver(answer=lambda _r: answers[0])) as receiver:
        added = runner.invoke(
            app, ["webhooks", "add", receiver.url, "--event", "*", "--database-url", db]
        )
        assert added.exit_code == 0, added.output
        receiver.secret = added.stdout.strip()
        assert receiver.secret.startswith("whsec_")
        listed = json.loads(cli("webhooks", "list", "--format", "json").stdout)  # type: ignore[attr-defined]
        assert listed["count"] == 1
        assert "secret" not in listed["data"][0]
        store = Patron.from_url(db)
        with store.uow() as uow:
            uow.outbox.add([Event("points.adjusted", m, uow.now, {}) for m in (1, 2)], uow.now)
            uow.commit()
        store.dispose()
        waiting = 2
        status = json.loads(cli("worker", "status", "--json").stdout)  # type: ignore[attr-defined]
        assert status["events_waiting"] == waiting
        ran = runner.invoke(
            app,
            ["worker", "--until-idle", "--backoff", "0", "--max-attempts", "2",
             "--database-url", db],
        )  # fmt: skip
        assert ran.exit_code == 0, ran.output
        status = json.loads(cli("worker", "status", "--json").stdout)  # type: ignore[attr-defined]
        assert status == {"events_waiting": 0, "oldest_age_seconds": 0.0, "pending": 0,
                          "sending": 0, "dead": waiting, "messages_due": 0,
                          "messages_oldest_due_age_seconds": 0.0, "messages_later": 0,
                          "messages_stuck": 0}  # fmt: skip
        answers[0] = 204
        replayed = cli("webhooks", "replay", "--dead")
        assert replayed.stdout.strip() == f"{waiting} deliveries pending again"  # type: ignore[attr-defined]
        assert runner.invoke(app, ["worker", "--until-idle", "--database-url", db]).exit_code == 0
    assert receiver.invalid == 0
    assert len(receiver.unique) == waiting
    assert len(receiver.received) == 3 * waiting  # two failed attempts each, then one
