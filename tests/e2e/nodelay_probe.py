"""`patron serve`, with a probe in every worker: each answer carries `X-TCP-NoDelay`, the
TCP_NODELAY option of the accepted socket that carried the request (test_serve.py).

Run as `python -m tests.e2e.nodelay_probe serve --workers 2 ...`: Patron's own command
line and `serve_workers`, with only the module of the app string changed from
`patron.api.asgi` to this one: the same app (or app factory) behind the probe. uvicorn's
spawned workers import this module before they answer its health pings, so it imports
nothing heavy at the top. If
`patron serve` stops going through `serve_workers`, the answers come without the header,
and the test says so instead of passing.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
HEADER = "X-TCP-NoDelay"


def nodelay_of_connection(client: tuple[str, int]) -> str:
    """TCP_NODELAY ("0"/"1") of this process's socket whose peer is `client`, found
    among the open file descriptors; "not found" when there is none."""
    for name in os.listdir("/proc/self/fd"):
        try:
            sock = socket.socket(fileno=os.dup(int(name)))
        except OSError:  # not a socket (or already closed)
            continue
        with sock:
            try:
                peer = sock.getpeername()
            except OSError:  # a listening or unconnected socket
                continue
            if sock.family == socket.AF_INET and tuple(peer) == tuple(client):
                return str(int(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0))
    return "not found"


class NoDelayHeader:
    """ASGI middleware: adds the header to every HTTP answer."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope.get("client"):
            await self.app(scope, receive, send)
            return
        value = nodelay_of_connection(scope["client"]).encode()

        async def send_with_header(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [*message.get("headers", []), (HEADER.lower().encode(), value)]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_header)


def create_app() -> Any:
    """Patron's app factory (what `patron serve --workers N` names) behind the probe."""
    from patron.api.asgi import create_app as patron_app

    return NoDelayHeader(patron_app())


def __getattr__(name: str) -> Any:
    """`app`: Patron's own ASGI app behind the probe, built when a worker asks for it."""
    if name != "app":
        raise AttributeError(name)
    from patron.api.asgi import app

    return NoDelayHeader(app)


def _serve_probed() -> None:
    """Run the `patron` command line, its workers serving the probed app."""
    from patron.api import serving
    from patron.cli import app

    serve_workers = serving.serve_workers

    def probed(app: str, **options: Any) -> None:
        module, attribute = app.split(":")
        assert module == "patron.api.asgi", f"patron serve now serves {app!r}"
        serve_workers(f"{__spec__.name}:{attribute}", **options)

    serving.serve_workers = probed  # type: ignore[assignment]
    app()


if __name__ == "__main__":
    _serve_probed()
