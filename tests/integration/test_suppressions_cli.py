"""`patron suppressions` and the worker's messages from the command line, on SQLite: an
address added normalised with its reason and the CLI's user, listed, refused when it is
none (exit 2, nothing stored), removed; `patron worker` sends a queued e-mail into the
demo's mailbox with its one-click headers pointing at PATRON_PUBLIC_URL."""

from __future__ import annotations

import json
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from typer.testing import CliRunner

from patron.bootstrap import Patron
from patron.cli import app
from patron.config import get_settings
from patron.domain.consent import ConsentSource
from patron.domain.messages import Channel, Outgoing
from patron.services import messages as core
from patron.services.consents import record_consent
from patron.store.messages import StoredTemplate
from tests.conftest import load_example
from tests.integration.helpers import member

runner = CliRunner()


def test_add_list_refuse_and_remove(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'p.db'}"

    def cli(*args: str) -> object:
        return runner.invoke(app, [*args, "--database-url", db])

    assert runner.invoke(app, ["init", "--database-url", db]).exit_code == 0
    added = cli("suppressions", "add", "email", " Ana@Example.com", "--reason", "complaint")
    assert added.stdout.strip() == "suppressed"  # type: ignore[attr-defined]
    assert cli("suppressions", "add", "email", "ana@example.com").stdout.strip() == (  # type: ignore[attr-defined]
        "already suppressed"
    )
    refused = cli("suppressions", "add", "sms", "no digits")
    assert refused.exit_code != 0 and "is no phone number" in refused.output  # type: ignore[attr-defined]
    listed = json.loads(cli("suppressions", "list", "--format", "json").stdout)  # type: ignore[attr-defined]
    assert listed["count"] == 1
    (entry,) = listed["data"]
    assert (entry["address"], entry["reason"], entry["source"]) == (
        "ana@example.com",
        "complaint",
        "cli",
    )
    assert cli("suppressions", "remove", "email", "ANA@example.com").stdout.strip() == "removed"  # type: ignore[attr-defined]
    assert json.loads(cli("suppressions", "list", "--format", "json").stdout)["count"] == 0  # type: ignore[attr-defined]


def test_the_worker_sends_a_queued_email_into_the_mailbox(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = f"sqlite:///{tmp_path / 'p.db'}"
    monkeypatch.setenv("PATRON_MAILBOX", str(tmp_path / "mailbox"))
    monkeypatch.setenv("PATRON_PUBLIC_URL", "https://loyalty.shop.example")
    monkeypatch.setenv("PATRON_MAIL_FROM_MARKETING", "News <news@shop.example>")
    monkeypatch.delenv("PATRON_SMTP_URL", raising=False)
    get_settings.cache_clear()
    assert runner.invoke(app, ["init", "--database-url", db]).exit_code == 0
    patron = Patron.from_url(db)
    try:
        load_example(patron)
        ana = member(patron, "c-1", email="ana@example.com", name="Ana Pop")
        patron.run(lambda uow, m: record_consent(uow, m, True, ConsentSource.API), ana)
        stored = StoredTemplate(
            "campaign/3/A", "en", "Hi", "Hello {{ member.first_name }}", None, patron.clock(), None
        )
        patron.run(lambda uow, t: uow.message_templates.put(t), stored)
        patron.run(core.enqueue, Outgoing(ana, Channel.EMAIL, "campaign/3/A", "k-1", campaign_id=3))
    finally:
        patron.dispose()
    done = runner.invoke(app, ["worker", "--until-idle", "--database-url", db])
    get_settings.cache_clear()
    assert done.exit_code == 0, done.output
    # the campaign's message, and the welcome journey's (examples/program.toml switches
    # it on: the worker's routing pass asked for it on Ana's enrolment)
    assert json.loads(done.stdout.strip().splitlines()[-1])["messages"]["sent"] == 2
    mails = [
        message_from_bytes(eml.read_bytes(), policy=policy.default)
        for eml in (tmp_path / "mailbox").glob("*.eml")
    ]
    (mail,) = [m for m in mails if m["Subject"] == "Hi"]
    assert mail["From"] == "News <news@shop.example>"
    assert mail["List-Unsubscribe"].startswith("<https://loyalty.shop.example/u/u.1.marketing.1.")
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
