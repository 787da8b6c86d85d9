"""Webhooks out: one signed HTTP POST per attempt, over httpx, with a timeout on every
network step and no redirect followed.

Design overview. `HttpSender.send(job)` builds the body (the same bytes on every attempt),
signs it for this attempt's timestamp (domain/webhooks.py: Standard Webhooks) and posts
it. A 2xx answer is a delivery; anything else (another status, a redirect, a timeout, a
refused connection) is a failed attempt with its reason, which the worker records and
retries. A redirect is never followed: a receiver could otherwise send a signed payload on
to another host; the attempt fails saying where it pointed, and the subscription's URL is
what to fix.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from patron.domain.webhooks import body, headers, message_id
from patron.store.webhooks import Job

DEFAULT_TIMEOUT = 10.0  # seconds for each step: connect, write, read, pool
USER_AGENT = "Patron-Webhooks/1"


@dataclass(frozen=True, slots=True)
class Sent:
    """The receiver's status code (None when none came) and the reason of a failure."""

    status: int | None
    error: str | None


class HttpSender:
    """One httpx client for every request, from any thread (the worker sends a batch
    concurrently): its pool keeps connections alive between requests (up to 4 × `connections`
    idle ones in all, `connections` being how many requests go at once), so a delivery to a
    receiver that keeps them (HTTP/1.1) costs no new TCP connection."""

    def __init__(
        self,
        timeout: float = DEFAULT_TIMEOUT,
        clock: Callable[[], float] = time.time,
        *,
        connections: int = 8,
    ) -> None:
        # no proxy from the environment: a subscription's URL is reached as it is written
        self._client = httpx.Client(
            timeout=timeout,
            follow_redirects=False,
            trust_env=False,
            limits=httpx.Limits(
                max_connections=None,  # a receiver's slow answer never holds up another's
                max_keepalive_connections=max(connections, 1) * 4,
            ),
        )
        self._clock = clock

    def send(self, job: Job) -> Sent:
        msg_id = message_id(job.event_id)
        payload = body(job.event_type, job.occurred_at, job.member_id, job.payload)
        signed = headers(job.secret, msg_id, int(self._clock()), payload)
        try:
            answer = self._client.post(
                job.url, content=payload, headers={**signed, "user-agent": USER_AGENT}
            )
        except (httpx.HTTPError, httpx.InvalidURL, ValueError) as exc:
            # a URL httpx cannot send to is a failed attempt like a refused connection,
            # never a crash of the worker (it would stop every other delivery)
            return Sent(None, f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__)
        status = answer.status_code
        if answer.is_redirect:
            where = answer.headers.get("location", "?")
            return Sent(status, f"HTTP {status}: redirect to {where} not followed")
        if not answer.is_success:
            return Sent(status, f"HTTP {status}: {answer.text[:200]}")
        return Sent(status, None)

    def close(self) -> None:
        self._client.close()
