"""The mail sender's pure parts (engage/channels/mail.py): the headers every message carries,
a header line break refused, PATRON_SMTP_URL read with its defaults and refused clearly
when wrong; and the login link's message (engage/transactional.py). Sending over a real
SMTP conversation and into the mailbox folder: tests/integration/test_mail_sender.py."""

from __future__ import annotations

from datetime import datetime, timedelta
from email import message_from_bytes
from email import policy as email_policy
from email.message import EmailMessage

import pytest

from patron.engage.channels.mail import MailNotSent, Message, SmtpServer, compose, wire
from patron.engage.transactional import login_link

SENDER = "Loyalty <no-reply@shop.example>"
NOW = datetime(2026, 3, 1, 12, 30, 5)


def test_a_message_carries_from_to_subject_date_message_id_and_auto_submitted() -> None:
    mail = compose(Message("ana@shop.example", "Hello", "Hi Ana\n"), SENDER, NOW)
    assert mail["From"] == SENDER
    assert mail["To"] == "ana@shop.example"
    assert mail["Subject"] == "Hello"
    assert mail["Date"] == "Sun, 01 Mar 2026 12:30:05 +0000"  # 1 March 2026: a Sunday
    assert mail["Message-ID"].startswith("<") and mail["Message-ID"].endswith("@shop.example>")
    assert mail["Auto-Submitted"] == "auto-generated"
    assert mail.get_content_type() == "text/plain"
    assert mail.get_content() == "Hi Ana\n"


def test_an_html_part_goes_beside_the_text() -> None:
    mail = compose(Message("ana@shop.example", "Hello", "Hi\n", "<p>Hi</p>"), SENDER, NOW)
    assert mail.get_content_type() == "multipart/alternative"
    parts = [(p.get_content_type(), p.get_content()) for p in mail.iter_parts()]
    assert parts == [("text/plain", "Hi\n"), ("text/html", "<p>Hi</p>\n")]


def test_an_address_that_would_inject_a_header_is_refused() -> None:
    with pytest.raises(MailNotSent, match="^cannot address the message: "):
        compose(Message("ana@shop.example\r\nBcc: all@x.example", "Hi", "Hi"), SENDER, NOW)


@pytest.mark.parametrize(
    ("url", "host", "port", "security", "user", "password"),
    [
        ("smtp://mail.shop.example", "mail.shop.example", 25, "none", None, None),
        ("smtp://mail.shop.example:2525", "mail.shop.example", 2525, "none", None, None),
        (
            "smtp://u:p@mail.shop.example?starttls=true",
            "mail.shop.example",
            587,
            "starttls",
            "u",
            "p",
        ),
        ("smtps://mail.shop.example", "mail.shop.example", 465, "tls", None, None),
        # a user and password are percent-decoded: an @ or : in a password is written %40, %3A
        (
            "smtps://shop%40x.example:p%3Aw%40d@mail.x.example:4650",
            "mail.x.example",
            4650,
            "tls",
            "shop@x.example",
            "p:w@d",
        ),
    ],
)
def test_the_smtp_url_names_server_security_and_login(
    url: str, host: str, port: int, security: str, user: str | None, password: str | None
) -> None:
    server = SmtpServer.parse(url)
    assert (server.host, server.port, server.security) == (host, port, security)
    assert (server.user, server.password) == (user, password)


def test_the_password_never_shows_in_the_servers_repr() -> None:
    assert "secret" not in repr(SmtpServer.parse("smtps://u:secret@mail.x.example"))


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://mail.x.example", "the scheme must be smtp:// or smtps://, not 'http'://"),
        ("smtp://", "name the mail server"),
        ("smtp://mail.x.example?tls=1", "unknown option tls"),
        ("smtp://mail.x.example?starttls=maybe", "starttls must be true or false, not 'maybe'"),
        ("smtps://mail.x.example?starttls=true", "smtps:// is TLS already"),
        ("smtp://mail.x.example:99999", "PATRON_SMTP_URL: Port out of range"),
    ],
)
def test_a_wrong_smtp_url_is_refused_saying_what_is_wrong(url: str, message: str) -> None:
    with pytest.raises(ValueError, match="PATRON_SMTP_URL") as raised:
        SmtpServer.parse(url)
    assert message in str(raised.value)


def test_the_login_message_holds_the_link_its_life_and_what_to_do_if_unasked() -> None:
    link = "http://127.0.0.1:8000/portal/login/confirm?token=abc"
    message = login_link("ana@shop.example", "Ana", link, timedelta(minutes=15))
    assert (message.to, message.subject, message.html) == (
        "ana@shop.example",
        "Your login link",
        None,
    )
    assert message.text == (
        "Hello Ana,\n\n"
        "Somebody, we hope you, asked to log in to your loyalty account with this address.\n"
        "To log in, open this link within 15 minutes:\n\n"
        "http://127.0.0.1:8000/portal/login/confirm?token=abc\n\n"
        "The link works once. If you did not ask for it, ignore this message: nobody can\n"
        "log in without the link.\n"
    )
    assert login_link("ana@shop.example", None, link, timedelta(minutes=15)).text.startswith(
        "Hello,\n\n"
    )


def test_extra_headers_and_a_marketing_from_are_added_and_an_injected_one_refused() -> None:
    headers = {
        "List-Unsubscribe": "<https://x.example/u/t>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
    message = Message(
        "ana@shop.example", "News", "Hi\n", "<p>Hi</p>", headers, "News <news@shop.example>"
    )
    mail = compose(message, SENDER, NOW)
    assert mail["From"] == "News <news@shop.example>"
    assert mail["Message-ID"].endswith("@shop.example>")
    assert mail["List-Unsubscribe"] == "<https://x.example/u/t>"
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert mail.get_content_type() == "multipart/alternative"
    with pytest.raises(MailNotSent, match="cannot address the message"):
        compose(Message("a@x.example", "s", "t", headers={"X-A": "b\r\nBcc: c@x"}), SENDER, NOW)


@pytest.mark.parametrize(
    ("code", "permanent"), [(550, True), (554, True), (451, False), (None, False)]
)
def test_a_5xx_refusal_is_permanent_anything_else_may_work_later(
    code: int | None, permanent: bool
) -> None:
    assert MailNotSent("refused", code).permanent is permanent


def _received(data: bytes) -> EmailMessage:
    """The message as a server's parser reads the bytes on the wire."""
    parsed = message_from_bytes(data, policy=email_policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


@pytest.mark.parametrize(
    ("subject", "text", "html"),
    [
        ("Hello", "Hi Ana\n", None),
        ("Noutăți pentru Ana, " * 5, "Bună ziua Ana,\n\n.a dot\n  trailing  \n", "<p>Ă</p>"),
        ("Your points", "x" * 1200 + "\n", "<p>" + "y" * 1500 + "</p>"),
    ],
)
def test_wire_bytes_read_as_the_composed_message_reads(
    subject: str, text: str, html: str | None
) -> None:
    """The fast writer against the standard library's: the same headers and parts, as
    a server reads each from the wire (lines end in CRLF there)."""
    headers = {"List-Unsubscribe": "<https://x.example/u/t>", "List-Unsubscribe-Post": "One"}
    message = Message("ana@shop.example", subject, text, html, headers, "News <n@shop.example>")
    envelope, to, data = wire(message, SENDER, NOW)
    assert (envelope, to) == ("n@shop.example", "ana@shop.example")
    assert all(len(line) <= 998 for line in data.split(b"\r\n"))
    fast = _received(data)
    slow = _received(compose(message, SENDER, NOW).as_bytes(policy=email_policy.SMTP))
    for name in ("From", "To", "Subject", "Date", "Auto-Submitted", *headers):
        assert fast[name] == slow[name], name
    assert fast.get_content_type() == slow.get_content_type()
    for kind in ("plain", "html"):
        a, b = fast.get_body((kind,)), slow.get_body((kind,))
        assert (a is None) == (b is None)
        if a is not None and b is not None:
            assert a.get_content() == b.get_content()


def test_wire_refuses_a_header_line_break_and_sends_a_non_ascii_address_the_slow_way() -> None:
    with pytest.raises(MailNotSent, match="^cannot address the message: "):
        wire(Message("a@x.example", "s\r\nBcc: c@x", "t"), SENDER, NOW)
    with pytest.raises(MailNotSent, match="^cannot address the message: "):
        wire(Message("a@x.example", "s", "t", headers={"X-A": "b\nBcc: c@x"}), SENDER, NOW)
    _, _, data = wire(Message("a@x.example", "s", "t"), "Magazinul Ăla <n@x.example>", NOW)
    assert _received(data)["From"] == "Magazinul Ăla <n@x.example>"


LINK = "https://loyalty.shop.example/u/u.42.marketing.1017.1795723201.NlHhwoqSxytn_ZJk_ZQtYA"


@pytest.mark.parametrize("to", ["ana@example.com", "ana@exämple.com"])
def test_a_long_list_unsubscribe_goes_on_the_wire_as_one_plain_line(to: str) -> None:
    # RFC 2369 and 8058: the header is `<URL>`; a mail program does not decode RFC 2047
    # words in it, so a link folded into `=?utf-8?q?...?=` is no one-click link (the
    # non-ASCII recipient goes through `compose`, the ASCII one straight to bytes)
    headers = {
        "List-Unsubscribe": f"<{LINK}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
    message = Message(to, "News", "Hello", headers=headers)
    _, _, data = wire(message, "Shop <no-reply@shop.example>", datetime(2026, 11, 26, 9))
    raw = data.decode("utf-8").split("\r\n\r\n")[0].split("\r\n")
    assert f"List-Unsubscribe: <{LINK}>" in raw
    assert "List-Unsubscribe-Post: List-Unsubscribe=One-Click" in raw
