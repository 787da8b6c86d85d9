"""Serving the API with uvicorn in several worker processes.

With `--workers N`, uvicorn binds the listening socket itself and leaves its protocol at 0.
The connections the workers accept inherit that, and asyncio turns TCP_NODELAY on only for
sockets that say IPPROTO_TCP; Nagle's algorithm then holds the end of every answer on a
keep-alive connection back until the client's delayed ACK, about 40 ms on Linux (uvicorn
issue 3149). Measured with bench/earn.py: 155 instead of 460 earn requests per second,
p50 latency 50 ms instead of 17. So Patron binds the socket and hands uvicorn one that says
IPPROTO_TCP; everything else is uvicorn's own multi-process supervisor.

Each worker counts its own requests; for /metrics to add them up, the workers write their
values to files in PROMETHEUS_MULTIPROC_DIR (api/metrics.py), which `metrics_directory`
prepares before the workers start. Logging is Patron's (api/logs.py, set up by each
worker's app factory): uvicorn's own configuration and access lines are turned off, since
Patron writes one line per request itself, without the client's address or the path.
"""

from __future__ import annotations

import os
import socket
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import uvicorn
from uvicorn.supervisors import Multiprocess

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
# the files prometheus-client writes there; nothing else in the directory is touched
_METRIC_FILES = ("counter_*.db", "gauge_*.db", "histogram_*.db", "summary_*.db")


def serve_workers(
    app: str, *, host: str, port: int, workers: int, log_level: str, factory: bool = False
) -> None:
    """Serve the ASGI app named by `app` ("module:attribute") from `workers` processes;
    with `factory`, the attribute is a function each worker calls to build its app."""
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        workers=workers,
        log_level=log_level,
        factory=factory,
        log_config=None,
        access_log=False,
    )
    try:
        Multiprocess(config, sockets=[tcp_listener(config)]).run()
    except KeyboardInterrupt:
        pass


def tcp_listener(config: uvicorn.Config) -> socket.socket:
    """uvicorn's listening socket, relabelled IPPROTO_TCP when it is a TCP socket (the
    kernel's socket is the same; only what asyncio reads off accepted sockets changes)."""
    sock = config.bind_socket()
    if sock.family in (socket.AF_INET, socket.AF_INET6) and sock.proto == 0:
        return socket.socket(sock.family, sock.type, socket.IPPROTO_TCP, fileno=sock.detach())
    return sock


@contextmanager
def metrics_directory() -> Iterator[str]:
    """A PROMETHEUS_MULTIPROC_DIR for the workers to share: the operator's when set, emptied
    of a previous run's metric files (the client requires it: stale files would add a dead
    run's gauges to this one's), else a temporary directory removed when serving ends."""
    given = os.environ.get(MULTIPROC_ENV)
    if given:
        path = Path(given)
        path.mkdir(parents=True, exist_ok=True)
        for pattern in _METRIC_FILES:
            for stale in path.glob(pattern):
                stale.unlink()
        yield given
        return
    with tempfile.TemporaryDirectory(prefix="patron-metrics-") as tmp:
        os.environ[MULTIPROC_ENV] = tmp
        try:
            yield tmp
        finally:
            os.environ.pop(MULTIPROC_ENV, None)
