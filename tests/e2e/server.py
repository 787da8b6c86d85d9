"""A real uvicorn server on a free loopback port, in a background thread, for tests."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn

from patron.api.app import create_app
from patron.bootstrap import Patron

# the seconds a request to a test's server may take: httpx's default of 5 is a timing
# assertion, and on a loaded two-core machine a first request can take longer
LOADED = 60.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def running_server(patron: Patron) -> Iterator[str]:
    port = free_port()
    config = uvicorn.Config(create_app(patron), host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=20)
