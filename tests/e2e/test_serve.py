"""`patron serve --workers N`: the accepted connections have TCP_NODELAY set.

uvicorn's own multi-worker socket leaves Nagle's algorithm on, and every answer after the
first on a keep-alive connection then waits ~40 ms for the client's delayed ACK
(serving.py, uvicorn issue 3149). A latency threshold would test that on the machine's
load; this test reads the cause instead: the option on the socket a worker accepted.
"""

from __future__ import annotations

import http.client
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.e2e.nodelay_probe import HEADER
from tests.e2e.server import free_port

pytestmark = pytest.mark.skipif(
    not Path("/proc/self/fd").is_dir(), reason="the probe lists sockets under /proc"
)


def test_the_workers_accepted_connections_have_tcp_nodelay(tmp_path: Path) -> None:
    # given `patron serve --workers 2`, its workers probed (tests/e2e/nodelay_probe.py)
    port = free_port()
    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)
    env = {
        **os.environ,
        "PATRON_DATABASE_URL": f"sqlite:///{tmp_path / 'patron.db'}",
        "PYTHONPATH": path,
    }
    # `patron serve` serves an existing store only: `patron init` makes the empty one
    assert subprocess.run([sys.executable, "-m", "patron", "init"], env=env).returncode == 0
    command = [sys.executable, "-m", "tests.e2e.nodelay_probe", "serve", "--workers", "2"]
    server = subprocess.Popen(
        [*command, "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )
    try:
        # when a keep-alive connection asks three times
        conn = _connect(port)
        answers = []
        for _ in range(3):
            conn.request("GET", "/health")
            response = conn.getresponse()
            response.read()
            answers.append((response.status, response.getheader(HEADER)))
        conn.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
    # then the worker's socket for that connection has TCP_NODELAY on each time
    assert answers == [(200, "1")] * 3, "header None: the probe did not load in the worker"


def _connect(port: int) -> http.client.HTTPConnection:
    deadline = time.monotonic() + 180  # the workers import slowly on a loaded machine
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
