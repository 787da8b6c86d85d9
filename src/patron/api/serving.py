"""Serving the API with uvicorn in several worker processes.

With `--workers N`, uvicorn binds the listening socket itself and leaves its protocol at 0.
The connections the workers accept inherit that, and asyncio turns TCP_NODELAY on only for
sockets that say IPPROTO_TCP; Nagle's algorithm then holds the end of every answer on a
keep-alive connection back until the client's delayed ACK, about 40 ms on Linux (uvicorn
issue 3149). Measured with bench/earn.py: 155 instead of 460 earn requests per second,
p50 latency 50 ms instead of 17. So Patron binds the socket and hands uvicorn one that says
IPPROTO_TCP; everything else is uvicorn's own multi-process supervisor.
"""

from __future__ import annotations

import socket

import uvicorn
from uvicorn.supervisors import Multiprocess


def serve_workers(
    app: str, *, host: str, port: int, workers: int, log_level: str, factory: bool = False
) -> None:
    """Serve the ASGI app named by `app` ("module:attribute") from `workers` processes;
    with `factory`, the attribute is a function each worker calls to build its app."""
    config = uvicorn.Config(
        app, host=host, port=port, workers=workers, log_level=log_level, factory=factory
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
