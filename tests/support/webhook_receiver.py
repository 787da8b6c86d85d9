"""A webhook receiver for the tests: a local HTTP server in a thread that checks every
request's signature with its own implementation of the Standard Webhooks scheme (written
here from the specification, https://www.standardwebhooks.com, with the standard library:
nothing of Patron's signer is imported), then answers as the test tells it.

It keeps every request (`received`), drops duplicates by `webhook-id` as an idempotent
receiver would (`unique`), and counts the messages whose signature did not verify.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def verify(secret: str, headers: dict[str, str], body: bytes) -> bool:
    """True when one of `webhook-signature`'s v1 signatures is the HMAC-SHA256, under the
    base64-decoded secret (after `whsec_`), of `{webhook-id}.{webhook-timestamp}.{body}`."""
    key = base64.b64decode(secret.split("_", 1)[1])
    signed = b".".join(
        [headers["webhook-id"].encode(), headers["webhook-timestamp"].encode(), body]
    )
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    for part in headers["webhook-signature"].split(" "):
        version, _, value = part.partition(",")
        if version == "v1" and hmac.compare_digest(value, expected):
            return True
    return False


@dataclass
class Received:
    msg_id: str
    timestamp: str
    body: dict[str, Any]
    valid: bool


@dataclass
class Receiver:
    secret: str = ""
    # the status to answer each request with (called with the request): 204 by default
    answer: Callable[[Received], int] = lambda _r: 204
    redirect_to: str | None = None
    # HTTP/1.1 with keep-alive (as most receivers): one connection carries many requests;
    # False: HTTP/1.0, a connection closed after each answer
    keep_alive: bool = False
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    url: str = ""

    @property
    def unique(self) -> dict[str, Received]:
        """The first request of each webhook-id: what an idempotent receiver keeps."""
        kept: dict[str, Received] = {}
        for r in self.received:
            kept.setdefault(r.msg_id, r)
        return kept

    @property
    def invalid(self) -> int:
        return sum(not r.valid for r in self.received)


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1" if receiver.keep_alive else "HTTP/1.0"

        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            body = self.rfile.read(int(self.headers.get("content-length", 0)))
            names = ("webhook-id", "webhook-timestamp", "webhook-signature")
            headers = {h: self.headers.get(h, "") for h in names}
            valid = all(headers.values()) and verify(receiver.secret, headers, body)
            got = Received(
                headers["webhook-id"], headers["webhook-timestamp"], json.loads(body), valid
            )
            with receiver.lock:
                receiver.received.append(got)
            if receiver.redirect_to is not None:
                self.send_response(307)
                self.send_header("location", receiver.redirect_to)
                self.send_header("content-length", "0")
                self.end_headers()
                return
            status = receiver.answer(got)
            self.send_response(status)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass

    return Handler


@contextmanager
def receiving(receiver: Receiver | None = None) -> Iterator[Receiver]:
    receiver = receiver or Receiver()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(receiver))
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
