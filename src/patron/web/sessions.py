"""The console's sessions: a signed cookie naming the staff user, and the token every form
must send back (CSRF). The portal's member sessions (web/portal.py) are the same cookie
under another name, path and salt, naming the member.

Design overview. The cookie holds the user's e-mail, a random CSRF token and the time it
was issued, signed with the server's secret (itsdangerous, HMAC-SHA1 over a key derived
for this purpose only). A signed cookie cannot be recalled, so the store keeps, per user,
the moment before which their sessions are over (`sessions_after`: a logout, a new
password, a disable or enable set it), checked on every page. It is `HttpOnly` (no script reads
it), `SameSite=Lax` (another site's form cannot post with it) and `Secure` when the page
was served over HTTPS, and it lasts `MAX_AGE` from the login, measured against the
server's clock, not the browser's. A new login always issues a new cookie (no session
fixation). Because the user is read again on every page, disabling them ends their
session at their next click.

A form posted without the session's token is refused: a page of another site can make a
logged-in browser post a form, but it cannot read the token that the console's pages
carry. The login form, before there is a session, gets its token from a cookie of its own
(the double-submit pattern), so a site cannot log a browser in under another account.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from itsdangerous import BadSignature, URLSafeSerializer
from starlette.responses import Response

COOKIE = "patron_session"
LOGIN_COOKIE = "patron_login_csrf"
MAX_AGE = timedelta(hours=12)
PATH = "/console"


@dataclass(frozen=True)
class Session:
    subject: str  # whom the session is for: a staff user's e-mail, a member's id
    csrf: str
    issued_at: datetime  # UTC, naive like every time in the store

    @property
    def email(self) -> str:
        """The staff user's e-mail, in a console session."""
        return self.subject


class Sessions:
    def __init__(
        self,
        secret: str,
        *,
        salt: str = "patron.console.session",
        cookie: str = COOKIE,
        path: str = PATH,
    ) -> None:
        # a cookie signed under one salt does not open a session under another
        self._signer = URLSafeSerializer(secret, salt=salt)
        self.cookie = cookie
        self.path = path

    def issue(self, subject: str, now: datetime) -> Session:
        return Session(subject, secrets.token_urlsafe(32), now)

    def encode(self, session: Session) -> str:
        payload = [session.subject, session.csrf, session.issued_at.isoformat()]
        return str(self._signer.dumps(payload))

    def decode(self, cookie: str | None, now: datetime) -> Session | None:
        """The session a cookie holds; None when it is missing, forged or expired."""
        if not cookie:
            return None
        try:
            subject, csrf, issued = self._signer.loads(cookie)
            session = Session(str(subject), str(csrf), datetime.fromisoformat(str(issued)))
        except (BadSignature, ValueError, TypeError):
            return None
        if not session.issued_at <= now < session.issued_at + MAX_AGE:
            return None
        return session

    def set_cookie(self, response: Response, session: Session, *, secure: bool) -> None:
        response.set_cookie(
            self.cookie,
            self.encode(session),
            max_age=int(MAX_AGE.total_seconds()),
            path=self.path,
            httponly=True,
            samesite="lax",
            secure=secure,
        )

    def clear_cookie(self, response: Response, *, secure: bool) -> None:
        clear_cookie(response, secure=secure, name=self.cookie, path=self.path)


def clear_cookie(response: Response, *, secure: bool, name: str = COOKIE, path: str = PATH) -> None:
    response.delete_cookie(name, path=path, httponly=True, samesite="lax", secure=secure)


def login_token() -> str:
    return secrets.token_urlsafe(32)


def set_login_cookie(
    response: Response, token: str, *, secure: bool, name: str = LOGIN_COOKIE, path: str = PATH
) -> None:
    """The login form's token, in a cookie of its own (the double submit)."""
    response.set_cookie(
        name,
        token,
        max_age=3600,
        path=path,
        httponly=True,
        samesite="strict",
        secure=secure,
    )


def same_token(sent: str | None, expected: str | None) -> bool:
    """Whether a form's token is the expected one (compared in constant time)."""
    if not sent or not expected:
        return False
    return hmac.compare_digest(sent.encode(), expected.encode())
