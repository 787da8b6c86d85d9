"""E-mail out: one small interface, `MailSender.send(message)`, and its two senders.

Design overview. `SmtpSender` hands each message to a real mail server over SMTP
(`PATRON_SMTP_URL`: `smtp://` in clear or upgraded with `?starttls=true`, `smtps://` in
TLS from the first byte; a user and password in the URL log in), each message over its
own connection or, for the worker, over one kept open from message to message, with a
timeout on every network step; `wire` writes the message's bytes. `MailboxSender`, the
demo's sender when no server is set, writes each message to the log and to an .eml file
in a local folder, so a person can open it and follow its link. Either raises
`MailNotSent`, saying why, when the message did not leave: the caller tells the person
to try again.

Every message carries From, To, Subject, Date and a Message-ID, and
`Auto-Submitted: auto-generated` (RFC 3834), so that no vacation reply answers it. The
sender is synchronous (smtplib): the use cases and the pages that send are synchronous
too, and one message per request needs no event loop.
"""

from __future__ import annotations

import binascii
import email.policy
import logging
import os
import secrets
import smtplib
import ssl
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.errors import HeaderParseError
from email.header import Header
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from pathlib import Path
from typing import Literal, Protocol
from urllib.parse import parse_qsl, unquote, urlsplit

from patron.domain.clock import utcnow

log = logging.getLogger("patron.mail")

DEFAULT_TIMEOUT = 10.0  # seconds for each step: connect, TLS, each command
_PORTS = {"smtp": 25, "starttls": 587, "smtps": 465}
_TRUE = {"true", "1", "yes"}
_FALSE = {"false", "0", "no"}
MAX_LINE = 900  # characters of a line sent as it is (SMTP allows 998)
MAX_HEADER = 900


class MailNotSent(Exception):
    """The message did not leave: the server could not be reached, refused it, or the
    mailbox folder could not be written. The message says which, without a password.

    `code` is the server's SMTP reply code when it answered with a refusal (None: no
    answer, as a refused connection or a timeout). A 5xx is permanent (the address does
    not exist, the message is refused: sending again changes nothing); anything else may
    work later (a 4xx, a server down)."""

    def __init__(self, message: str, code: int | None = None) -> None:
        super().__init__(message)
        self.code = code

    @property
    def permanent(self) -> bool:
        return self.code is not None and 500 <= self.code < 600


@dataclass(frozen=True)
class Message:
    """What to send: a text part always, an HTML alternative when given. `headers` are
    added as they are (a marketing message's List-Unsubscribe: engage/delivery.py), and
    `sender` replaces the sender's From (marketing mail may go out from its own address)."""

    to: str
    subject: str
    text: str
    html: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    sender: str | None = None


class MailSender(Protocol):
    def send(self, message: Message) -> None:
        """Send `message` now, or raise MailNotSent."""


def compose(message: Message, sender: str, now: datetime) -> EmailMessage:
    """The message as it goes on the wire. A header that would hold a line break (an
    injected header) is refused, by the standard library's policy, as MailNotSent."""
    mail = EmailMessage()
    sender = message.sender or sender
    try:
        mail["From"] = sender
        mail["To"] = message.to
        mail["Subject"] = message.subject
        mail["Date"] = format_datetime(now.replace(tzinfo=UTC))
        mail["Message-ID"] = make_msgid(domain=_domain(sender))
        mail["Auto-Submitted"] = "auto-generated"
        for name, value in message.headers.items():
            mail[name] = value
    except (ValueError, IndexError, HeaderParseError) as exc:
        # the address is not quoted: the message of a failure is logged (docs/privacy.md)
        raise MailNotSent(f"cannot address the message: {exc}") from exc
    mail.set_content(message.text)
    if message.html is not None:
        mail.add_alternative(message.html, subtype="html")
    return mail


def wire(message: Message, sender: str, now: datetime) -> tuple[str, str, bytes]:
    """The message as `compose` makes it, straight to the bytes on the wire: (envelope
    sender, recipient, data). The standard library's `EmailMessage` parses and folds every
    header through its policy, which costs ~2 ms a message, more than the SMTP exchange
    with a local server; a campaign sends the same shape thousands of times. So the
    common case is written here directly: ASCII addresses, any subject (RFC 2047 when
    not ASCII), the text part and the HTML one in UTF-8, quoted-printable when not plain
    7-bit lines. Anything else (an address that is not ASCII) goes through `compose`.
    A line break in any header is refused, as the policy refuses it, with MailNotSent."""
    sender = message.sender or sender
    values = [sender, message.to, message.subject, *message.headers.values()]
    if any("\r" in v or "\n" in v for v in values):
        raise MailNotSent("cannot address the message: a header may not hold a line break")
    if not (sender.isascii() and message.to.isascii()):
        mail = compose(message, sender, now)
        return parseaddr(sender)[1], message.to, mail.as_bytes(policy=_SMTP_POLICY)
    lines = [
        f"From: {sender}",
        f"To: {message.to}",
        f"Subject: {_header(message.subject)}",
        f"Date: {format_datetime(now.replace(tzinfo=UTC))}",
        f"Message-ID: {make_msgid(domain=_domain(sender))}",
        "Auto-Submitted: auto-generated",
        *(f"{name}: {_header(value)}" for name, value in message.headers.items()),
        "MIME-Version: 1.0",
    ]
    text = _part("plain", message.text)
    if message.html is None:
        body = text
    else:
        html = _part("html", message.html)
        boundary = f"=_{secrets.token_hex(16)}"
        while boundary.encode() in text or boundary.encode() in html:
            boundary = f"=_{secrets.token_hex(16)}"
        lines.append(f'Content-Type: multipart/alternative; boundary="{boundary}"')
        mark = f"--{boundary}".encode()
        body = b"\r\n" + b"\r\n".join([mark, text, mark, html, mark + b"--", b""])
    data = "\r\n".join(lines).encode("ascii") + b"\r\n" + body
    return parseaddr(sender)[1], message.to, data


# headers folded at 998, not 78: a long List-Unsubscribe link must stay one plain word
# (RFC 2369 and 8058 allow no RFC 2047 encoded-words in it; the 78 fold made them)
_SMTP_POLICY = email.policy.SMTP.clone(max_line_length=998)


def _header(value: str) -> str:
    """A header's value: as it is when ASCII and short, else RFC 2047 words in UTF-8."""
    if value.isascii() and len(value) < MAX_HEADER:
        return value
    return Header(value, "utf-8", header_name="Subject").encode(linesep="\r\n")


def _part(subtype: str, content: str) -> bytes:
    """One text part with its headers: 7-bit when every line is short ASCII, else
    quoted-printable UTF-8 (line breaks as CRLF either way)."""
    lines = content.splitlines()
    if content.isascii() and all(len(line) <= MAX_LINE for line in lines):
        encoding, payload = "7bit", "\r\n".join(lines).encode("ascii")
    else:
        # encoded on LF lines, then every break (hard and soft) made CRLF: a bare LF
        # in the encoding is a line break, a CR in the text is encoded (=0D)
        raw = "\n".join(lines).encode("utf-8")
        encoding = "quoted-printable"
        payload = binascii.b2a_qp(raw, istext=True).replace(b"\n", b"\r\n")
    head = (
        f'Content-Type: text/{subtype}; charset="utf-8"\r\n'
        f"Content-Transfer-Encoding: {encoding}\r\n\r\n"
    )
    return head.encode("ascii") + payload + b"\r\n"


def _domain(sender: str) -> str:
    """The From address's domain, for the Message-ID (without it the standard library
    asks the DNS for this machine's name, which can take seconds)."""
    return parseaddr(sender)[1].rpartition("@")[2] or "localhost"


@dataclass(frozen=True)
class SmtpServer:
    """Where `PATRON_SMTP_URL` points, read once at start: a wrong URL stops the server
    from starting, rather than the first login mail from leaving."""

    host: str
    port: int
    security: Literal["none", "starttls", "tls"]
    user: str | None = None
    password: str | None = field(default=None, repr=False)

    @classmethod
    def parse(cls, url: str) -> SmtpServer:
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme not in ("smtp", "smtps"):
            raise ValueError(
                f"PATRON_SMTP_URL: the scheme must be smtp:// or smtps://, not {scheme!r}://"
            )
        if not parts.hostname:
            raise ValueError("PATRON_SMTP_URL: name the mail server, as in smtp://host:587")
        starttls = _starttls(parts.query, scheme)
        try:
            port = parts.port
        except ValueError as exc:
            raise ValueError(f"PATRON_SMTP_URL: {exc}") from None
        security: Literal["none", "starttls", "tls"] = (
            "tls" if scheme == "smtps" else "starttls" if starttls else "none"
        )
        default = _PORTS["smtps" if scheme == "smtps" else "starttls" if starttls else "smtp"]
        user = unquote(parts.username) if parts.username else None
        password = unquote(parts.password) if parts.password is not None else None
        return cls(parts.hostname, port or default, security, user, password)


def _starttls(query: str, scheme: str) -> bool:
    options = dict(parse_qsl(query, keep_blank_values=True))
    unknown = options.keys() - {"starttls"}
    if unknown:
        raise ValueError(f"PATRON_SMTP_URL: unknown option {', '.join(sorted(unknown))}")
    value = options.get("starttls", "false").lower()
    if value not in _TRUE | _FALSE:
        raise ValueError(f"PATRON_SMTP_URL: starttls must be true or false, not {value!r}")
    if value in _TRUE and scheme == "smtps":
        raise ValueError("PATRON_SMTP_URL: smtps:// is TLS already; starttls is for smtp://")
    return value in _TRUE


class SmtpSender:
    """Messages to the configured server: each over its own connection, or with `keep`
    (the worker's, one thread) over one connection opened at the first message and kept
    for the next ones (a campaign's thousands of messages would otherwise each pay for a
    connection, a greeting, TLS and a login). A kept connection the server dropped while
    it was idle is opened again once, for the same message; any failure closes it, so
    the next message starts on a fresh one. `close()` ends it (the worker: when a pass
    finds nothing to send, and at its end). Without `keep` the sender holds no state and
    serves the web server's threads at once."""

    def __init__(
        self,
        server: SmtpServer,
        sender: str,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        clock: Callable[[], datetime] = utcnow,
        keep: bool = False,
    ) -> None:
        self.server = server
        self.sender = sender
        self.timeout = timeout
        self.keep = keep
        self._clock = clock
        self._smtp: smtplib.SMTP | None = None
        self.connections = 0  # opened so far (the tests and the benchmark read it)

    def send(self, message: Message) -> None:
        envelope, to, data = wire(message, self.sender, self._clock())
        where = f"{self.server.host}:{self.server.port}"
        if not self.keep:
            try:
                with self._open() as smtp:
                    smtp.sendmail(envelope, [to], data)
            except (smtplib.SMTPException, OSError) as exc:
                raise MailNotSent(
                    f"the mail server at {where} did not take the message: {_reason(exc)}",
                    _code(exc),
                ) from exc
            log.info("mail sent to the server at %s: %s", where, message.subject)
            return
        try:
            try:
                reused = self._smtp is not None
                self._session().sendmail(envelope, [to], data)
            except smtplib.SMTPServerDisconnected as exc:
                # a kept connection the server closed meanwhile: once more on a new one
                # (it answered nothing to this message). Not after a timeout: the server
                # may have taken the message and be slow to say so
                self.close()
                if not reused or isinstance(exc.__context__, TimeoutError):
                    raise
                self._session().sendmail(envelope, [to], data)
        except (smtplib.SMTPException, OSError) as exc:
            self.close()
            reason = _reason(exc)
            raise MailNotSent(
                f"the mail server at {where} did not take the message: {reason}", _code(exc)
            ) from exc
        log.info("mail sent to the server at %s: %s", where, message.subject)

    def close(self) -> None:
        """End the kept connection, if any (QUIT, or just the socket if that fails)."""
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()

    def _session(self) -> smtplib.SMTP:
        if self._smtp is None:
            self._smtp = self._open()
        return self._smtp

    def _open(self) -> smtplib.SMTP:
        """A new connection, secured and logged in as the URL says."""
        smtp = self._connect()
        try:
            if self.server.security == "starttls":
                smtp.starttls(context=ssl.create_default_context())
            if self.server.user is not None:
                smtp.login(self.server.user, self.server.password or "")
        except BaseException:
            smtp.close()
            raise
        self.connections += 1
        return smtp

    def _connect(self) -> smtplib.SMTP:
        host, port = self.server.host, self.server.port
        if self.server.security == "tls":
            context = ssl.create_default_context()
            return smtplib.SMTP_SSL(host, port, timeout=self.timeout, context=context)
        return smtplib.SMTP(host, port, timeout=self.timeout)


def _code(exc: BaseException) -> int | None:
    """The server's reply code of a refusal (the worst of a refused recipient's)."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return max((code for code, _text in exc.recipients.values()), default=None)
    if isinstance(exc, smtplib.SMTPResponseException):
        return int(exc.smtp_code)
    return None


def _reason(exc: BaseException) -> str:
    """Why a send failed, in the server's words, without the recipient's address (the
    standard library's refusal quotes it, and failures are logged: docs/privacy.md)."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        answers = [
            f"{code} {text.decode(errors='replace')}" for code, text in exc.recipients.values()
        ]
        return "the recipient was refused: " + "; ".join(answers)
    return str(exc) or exc.__class__.__name__


class MailboxSender:
    """The demo's mail: each message logged whole and kept as an .eml file in `folder`
    (made on the first message), which any mail program opens."""

    def __init__(
        self, folder: Path, sender: str, *, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self.folder = folder
        self.sender = sender
        self._clock = clock

    def send(self, message: Message) -> None:
        now = self._clock()
        mail = compose(message, self.sender, now)
        path = self.folder / f"{now:%Y%m%dT%H%M%S}-{secrets.token_hex(4)}.eml"
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            partial = path.with_suffix(".part")  # a mail program never sees half a file
            partial.write_bytes(mail.as_bytes())
            os.replace(partial, path)
        except OSError as exc:
            raise MailNotSent(f"cannot write the message to {self.folder}: {exc}") from exc
        log.info(
            "mail to %s (no PATRON_SMTP_URL: kept in %s)\nSubject: %s\n\n%s",
            message.to,
            path,
            message.subject,
            message.text,
        )


def mail_sender(
    smtp_url: str | None,
    *,
    sender: str,
    mailbox: Path,
    timeout: float = DEFAULT_TIMEOUT,
    clock: Callable[[], datetime] = utcnow,
    keep: bool = False,
) -> MailSender:
    """The sender the settings ask for: SMTP when a server is named, the mailbox folder
    otherwise. `keep`: one connection kept from message to message (one thread only: the
    worker's). A malformed URL raises ValueError naming what is wrong."""
    if smtp_url:
        return SmtpSender(
            SmtpServer.parse(smtp_url), sender, timeout=timeout, clock=clock, keep=keep
        )
    return MailboxSender(mailbox, sender, clock=clock)
