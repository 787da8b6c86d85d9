"""`patron serve --workers N`: several processes, answering keep-alive requests promptly."""

from __future__ import annotations

import http.client
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from tests.e2e.server import free_port


def test_workers_answer_keep_alive_requests_without_the_delayed_ack_stall(
    tmp_path: Path,
) -> None:
    """uvicorn's own multi-worker socket leaves Nagle's algorithm on, and every answer
    after the first on a connection then waits ~40 ms for the client's delayed ACK
    (serving.py). Here the median answer must come well before that."""
    port = free_port()
    env = {**os.environ, "PATRON_DATABASE_URL": f"sqlite:///{tmp_path / 'patron.db'}"}
    command = [sys.executable, "-m", "patron", "serve", "--workers", "2"]
    server = subprocess.Popen(
        [*command, "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
    )
    try:
        conn = _connect(port)
        times = []
        for _ in range(15):
            start = time.perf_counter()
            conn.request("GET", "/health")
            response = conn.getresponse()
            assert response.status == 200
            response.read()
            times.append(time.perf_counter() - start)
        assert statistics.median(times[1:]) < 0.02, [round(t * 1000, 1) for t in times]
    finally:
        server.terminate()
        server.wait(timeout=30)


def _connect(port: int) -> http.client.HTTPConnection:
    deadline = time.monotonic() + 60
    while True:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        try:
            conn.request("GET", "/health")
            conn.getresponse().read()
            return conn
        except OSError:
            conn.close()
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
