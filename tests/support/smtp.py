"""A real SMTP server for the tests: aiosmtpd on a free loopback port, keeping what it is
sent in an `Inbox` (the envelope and the message as parsed), refusing whom it is told
to refuse (550) and deferring whom it is told to defer (451, a number of times).

`smtp_inbox(...)` starts it and yields the inbox; `inbox.url` is what PATRON_SMTP_URL
names. With `login=(user, password)` the server asks for that login (AUTH LOGIN/PLAIN,
over plain text: the test sends nothing worth reading). `inbox.sessions` counts the
connections it greeted."""

from __future__ import annotations

import email
import email.policy
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from tests.e2e.server import free_port


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    logged_in_as: str | None


@dataclass
class Inbox:
    url: str
    refuse: set[str] = field(default_factory=set)  # recipients answered 550
    defer: dict[str, int] = field(default_factory=dict)  # recipients answered 451, n times
    received: list[Received] = field(default_factory=list)
    sessions: int = 0  # connections greeted (EHLO or HELO)
    arrived: threading.Event = field(default_factory=threading.Event)

    def only(self) -> Received:
        """The one message received (fails when none or several came)."""
        assert len(self.received) == 1, [r.message["Subject"] for r in self.received]
        return self.received[0]

    def wait(self, timeout: float = 30) -> Received:
        """The last message, once one has arrived."""
        assert self.arrived.wait(timeout), "no message reached the SMTP server"
        return self.received[-1]


class _Handler:
    def __init__(self, inbox: Inbox) -> None:
        self.inbox = inbox

    async def handle_RCPT(  # noqa: N802 - aiosmtpd's hook name
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if address in self.inbox.refuse:
            return "550 5.1.1 no such mailbox here"
        if self.inbox.defer.get(address, 0) > 0:
            self.inbox.defer[address] -= 1
            return "451 4.7.1 greylisted, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_EHLO(  # noqa: N802 - aiosmtpd's hook name
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        self.inbox.sessions += 1
        session.host_name = hostname
        return responses

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        user = session.auth_data.login.decode() if session.auth_data is not None else None
        received = Received(envelope.mail_from, list(envelope.rcpt_tos), parsed, user)
        self.inbox.received.append(received)
        self.inbox.arrived.set()
        return "250 Message accepted for delivery"


def _authenticator(login: tuple[str, str]) -> Any:
    def check(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        ok = (
            isinstance(data, LoginPassword)
            and (
                data.login.decode(),
                data.password.decode(),
            )
            == login
        )
        return AuthResult(success=ok, handled=False, auth_data=data if ok else None)

    return check


@contextmanager
def smtp_inbox(
    login: tuple[str, str] | None = None, idle_timeout: float | None = None
) -> Iterator[Inbox]:
    """`idle_timeout`: seconds after which the server drops a connection that says
    nothing (aiosmtpd answers 421 and closes it)."""
    port = free_port()
    credentials = "" if login is None else f"{login[0]}:{login[1]}@"
    inbox = Inbox(url=f"smtp://{credentials}127.0.0.1:{port}")
    options: dict[str, Any] = {}
    if login is not None:
        options = {
            "authenticator": _authenticator(login),
            "auth_require_tls": False,
            "auth_required": True,
        }
    if idle_timeout is not None:
        options["timeout"] = idle_timeout
    controller = Controller(_Handler(inbox), hostname="127.0.0.1", port=port, **options)
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()
