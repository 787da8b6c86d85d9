"""The mail sender (engage/channels/mail.py) against a real SMTP server (aiosmtpd, on a
loopback port) and into the demo's mailbox folder: the message arrives whole with its
headers, a login is made when the URL names one, and every way a send fails is the one
error the portal turns into "try again"."""

from __future__ import annotations

import logging
import time
from datetime import datetime
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from patron.engage.channels.mail import (
    MailboxSender,
    MailNotSent,
    Message,
    SmtpSender,
    SmtpServer,
    mail_sender,
)
from tests.e2e.server import free_port
from tests.support.smtp import smtp_inbox

SENDER = "Loyalty <no-reply@shop.example>"
NOW = datetime(2026, 3, 1, 12, 30, 5)
MESSAGE = Message("ana@shop.example", "Your login link", "Hello Ana,\nthe link.\n")


def _smtp(url: str) -> SmtpSender:
    return SmtpSender(SmtpServer.parse(url), SENDER, timeout=5, clock=lambda: NOW)


def test_a_message_goes_over_a_real_smtp_conversation() -> None:
    with smtp_inbox() as inbox:
        _smtp(inbox.url).send(MESSAGE)
    got = inbox.only()
    assert (got.mail_from, got.rcpt_tos) == ("no-reply@shop.example", ["ana@shop.example"])
    assert got.message["From"] == SENDER and got.message["To"] == "ana@shop.example"
    assert got.message["Subject"] == "Your login link"
    assert got.message["Date"] == "Sun, 01 Mar 2026 12:30:05 +0000"
    assert got.message["Message-ID"].endswith("@shop.example>")
    assert (
        got.message.get_content() == "Hello Ana,\r\nthe link.\r\n"
    )  # lines end in CRLF on the wire
    assert got.logged_in_as is None


def test_the_user_and_password_of_the_url_log_in() -> None:
    with smtp_inbox(login=("shop@x.example", "p:w@d")) as inbox:
        port = inbox.url.rsplit(":", 1)[1]
        _smtp(f"smtp://shop%40x.example:p%3Aw%40d@127.0.0.1:{port}").send(MESSAGE)
    assert inbox.only().logged_in_as == "shop@x.example"


def test_a_wrong_password_is_not_sent_and_says_so() -> None:
    with smtp_inbox(login=("shop", "right")) as inbox:
        port = inbox.url.rsplit(":", 1)[1]
        with pytest.raises(MailNotSent, match=f"the mail server at 127.0.0.1:{port} did not"):
            _smtp(f"smtp://shop:wrong@127.0.0.1:{port}").send(MESSAGE)
    assert inbox.received == []


def test_a_refused_recipient_is_not_sent() -> None:
    with smtp_inbox() as inbox:
        inbox.refuse.add("ana@shop.example")
        with pytest.raises(MailNotSent) as refused:
            _smtp(inbox.url).send(MESSAGE)
    assert inbox.received == []
    # in the server's words, without the address: the failure is logged (docs/privacy.md)
    assert str(refused.value).endswith(
        "did not take the message: the recipient was refused: 550 5.1.1 no such mailbox here"
    )


def test_starttls_asked_of_a_server_without_it_is_not_sent_in_clear() -> None:
    with smtp_inbox() as inbox:
        with pytest.raises(MailNotSent, match="STARTTLS extension not supported"):
            _smtp(inbox.url + "?starttls=true").send(MESSAGE)
    assert inbox.received == []


def test_a_server_nobody_listens_at_is_not_sent() -> None:
    port = free_port()  # bound and closed again: nothing listens there
    with pytest.raises(MailNotSent, match=f"the mail server at 127.0.0.1:{port} did not"):
        _smtp(f"smtp://127.0.0.1:{port}").send(MESSAGE)


def test_without_a_server_the_message_is_logged_and_kept_as_an_eml_file(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = tmp_path / "mailbox"
    sender = mail_sender(None, sender=SENDER, mailbox=folder, clock=lambda: NOW)
    assert isinstance(sender, MailboxSender)
    with caplog.at_level(logging.INFO, logger="patron.mail"):
        sender.send(MESSAGE)
    [kept] = list(folder.iterdir())
    assert kept.name.startswith("20260301T123005-") and kept.suffix == ".eml"
    mail = message_from_bytes(kept.read_bytes(), policy=policy.default)
    assert (mail["To"], mail["Subject"]) == ("ana@shop.example", "Your login link")
    assert mail.get_content() == "Hello Ana,\nthe link.\n"
    [line] = [r.getMessage() for r in caplog.records if r.name == "patron.mail"]
    assert line.startswith(f"mail to ana@shop.example (no PATRON_SMTP_URL: kept in {kept})")
    assert line.endswith("Subject: Your login link\n\nHello Ana,\nthe link.\n")


def test_a_mailbox_that_cannot_be_written_is_not_sent(tmp_path: Path) -> None:
    blocker = tmp_path / "mailbox"
    blocker.write_text("a file where the folder should be")
    with pytest.raises(MailNotSent, match="cannot write the message to"):
        MailboxSender(blocker, SENDER, clock=lambda: NOW).send(MESSAGE)


def test_a_server_url_makes_the_smtp_sender() -> None:
    sender = mail_sender("smtps://mail.x.example", sender=SENDER, mailbox=Path("unused"))
    assert isinstance(sender, SmtpSender) and sender.server.security == "tls"


def test_a_kept_connection_carries_many_messages_and_is_opened_again_after_a_drop() -> None:
    # the server drops a connection idle for 0.3 s (421, then closes it)
    with smtp_inbox(idle_timeout=0.3) as inbox:
        sender = SmtpSender(
            SmtpServer.parse(inbox.url), SENDER, timeout=5, clock=lambda: NOW, keep=True
        )
        for n in range(3):
            sender.send(Message(f"m{n}@shop.example", f"n{n}", "x\n"))
        assert inbox.sessions == 1 and sender.connections == 1
        time.sleep(0.8)  # meanwhile the server closed the kept connection
        sender.send(Message("m3@shop.example", "n3", "x\n"))
        sender.close()
    # the fourth went on a second connection, once: four messages, none twice
    assert [r.message["Subject"] for r in inbox.received] == ["n0", "n1", "n2", "n3"]
    assert inbox.sessions == 2 and sender.connections == 2


def test_without_keep_each_message_has_its_own_connection() -> None:
    with smtp_inbox() as inbox:
        sender = _smtp(inbox.url)
        sender.send(MESSAGE)
        sender.send(MESSAGE)
    assert len(inbox.received) == 2 and inbox.sessions == 2


def test_a_kept_connection_is_closed_after_a_refusal_and_the_next_message_still_goes() -> None:
    with smtp_inbox() as inbox:
        inbox.refuse.add("gone@shop.example")
        sender = SmtpSender(SmtpServer.parse(inbox.url), SENDER, timeout=5, keep=True)
        sender.send(Message("a@shop.example", "a", "x\n"))
        with pytest.raises(MailNotSent) as refused:
            sender.send(Message("gone@shop.example", "gone", "x\n"))
        sender.send(Message("b@shop.example", "b", "x\n"))
        sender.close()
    assert refused.value.permanent
    assert [r.message["Subject"] for r in inbox.received] == ["a", "b"]
    assert inbox.sessions == 2
