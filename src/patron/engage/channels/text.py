"""SMS and push out: one small interface, `TextSender.send(to, text, message_id)`, and one
implementation over a provider's HTTP API (no vendor SDK in the core).

Design overview. An SMS gateway and a push service are both "post this short text for
this recipient": `HttpTextSender` posts `{"to", "text", "message_id"}` as JSON to the
provider's URL (PATRON_SMS_URL, PATRON_PUSH_URL) with `Authorization: Bearer <token>`,
and answers the provider's id of the message (its JSON `id`, else none). `message_id` is
Patron's own id: the provider can drop a duplicate sent again after a crash (the worker
records before it sends, so at most the message in flight is sent twice).

A failure is one of two errors: `TextNotSent` with `permanent=False` (a timeout, a refused
connection, a 429 or a 5xx: the worker tries again later) or `permanent=True` (a 4xx: the
number or the token is refused, sending again changes nothing). A redirect is never
followed. For push, `to` is the member's external id: the push service knows the devices.
"""

from __future__ import annotations

from typing import Protocol

import httpx

DEFAULT_TIMEOUT = 10.0  # seconds for each step: connect, write, read, pool
USER_AGENT = "Patron-Messages/1"


class TextNotSent(Exception):
    """The provider did not take the message; `permanent` says whether trying again may
    help (False) or not (True)."""

    def __init__(self, message: str, *, permanent: bool) -> None:
        super().__init__(message)
        self.permanent = permanent


class TextSender(Protocol):
    def send(self, to: str, text: str, message_id: int) -> str | None:
        """Hand the text to the provider; its id of the message, or raise TextNotSent."""


class HttpTextSender:
    """One JSON POST a message to `url`, authorised by `token`."""

    def __init__(self, url: str, token: str | None, *, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.url = url
        headers = {"user-agent": USER_AGENT}
        if token:
            headers["authorization"] = f"Bearer {token}"
        # no proxy from the environment, no redirect: the provider is reached as configured
        self._client = httpx.Client(
            timeout=timeout, follow_redirects=False, trust_env=False, headers=headers
        )

    def send(self, to: str, text: str, message_id: int) -> str | None:
        body = {"to": to, "text": text, "message_id": message_id}
        try:
            answer = self._client.post(self.url, json=body)
        except (httpx.HTTPError, httpx.InvalidURL, ValueError) as exc:
            reason = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            raise TextNotSent(
                f"the provider at {self.url} was not reached: {reason}", permanent=False
            ) from exc
        status = answer.status_code
        if answer.is_success:
            return _provider_id(answer)
        permanent = 300 <= status < 500 and status not in (408, 425, 429)
        raise TextNotSent(
            f"the provider at {self.url} answered HTTP {status}: {answer.text[:200]}",
            permanent=permanent,
        )

    def close(self) -> None:
        self._client.close()


def _provider_id(answer: httpx.Response) -> str | None:
    try:
        found = answer.json()
    except ValueError:
        return None
    value = found.get("id") if isinstance(found, dict) else None
    return None if value is None else str(value)
