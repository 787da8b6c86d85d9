"""`patron serve` as an operator runs it: a real process whose /metrics parses with the
Prometheus text parser and whose stderr is one JSON object a line, and with --workers 2
a /metrics that adds up the requests every worker answered, whichever worker is scraped.
"""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import ROOT
from tests.e2e.server import free_port

pytestmark = pytest.mark.slow


class Server:
    """A `patron serve` process; its stderr lines are collected as they come."""

    def __init__(self, process: subprocess.Popen[str], port: int) -> None:
        self.process, self.port, self.lines = process, port, list[str]()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.lines.append(line)

    def access_pids(self, route: str) -> set[int]:
        parsed = [json.loads(line) for line in list(self.lines) if line.strip()]
        return {p["pid"] for p in parsed if p["logger"] == "patron.access" and p["route"] == route}

    def stop(self) -> list[dict]:  # type: ignore[type-arg]
        """Stop the server; every line it wrote, parsed as JSON (or the test fails)."""
        self.process.terminate()
        self.process.wait(timeout=60)
        self._reader.join(timeout=30)
        return [json.loads(line) for line in self.lines if line.strip()]


def start(tmp_path: Path, *args: str) -> Server:
    port = free_port()
    path = os.pathsep.join(p for p in (str(ROOT / "src"), os.environ.get("PYTHONPATH")) if p)
    env = {
        **os.environ,
        "PATRON_DATABASE_URL": f"sqlite:///{tmp_path / 'patron.db'}",
        "PATRON_LOG_FORMAT": "json",
        "PYTHONPATH": path,
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    # `patron serve` serves an existing store only: `patron init` makes the empty one
    made = subprocess.run([sys.executable, "-m", "patron", "init"], env=env, cwd=tmp_path)
    assert made.returncode == 0
    server = subprocess.Popen(
        [sys.executable, "-m", "patron", "serve", "--host", "127.0.0.1", "--port", str(port),
         *args],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    wait_until_up(port)
    return Server(server, port)


def wait_until_up(port: int) -> None:
    deadline = time.monotonic() + 180  # workers import slowly on a loaded machine
    while True:
        try:
            get(port, "/ready")
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def get(port: int, path: str, **headers: str) -> http.client.HTTPResponse:
    """One request on a new connection (so that several workers share the requests)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    response.body = response.read()  # type: ignore[attr-defined]
    conn.close()
    return response


def health_count(port: int) -> float:
    response = get(port, "/metrics")
    assert response.status == 200
    text = response.body.decode()  # type: ignore[attr-defined]
    samples = [s for f in text_string_to_metric_families(text) for s in f.samples]
    return sum(
        s.value
        for s in samples
        if s.name == "patron_http_requests_total" and s.labels["route"] == "/health"
    )


def test_patron_serve_exposes_metrics_and_writes_json_lines(tmp_path: Path) -> None:
    server = start(tmp_path)
    port = server.port
    try:
        for n in range(3):
            answer = get(port, "/health", **{"X-Request-ID": f"op-{n}"})
            assert answer.status == 200 and answer.getheader("X-Request-ID") == f"op-{n}"
        assert health_count(port) == 3
        assert get(port, "/v1/members/17").status == 401
    finally:
        lines = server.stop()
    access = [line for line in lines if line["logger"] == "patron.access"]
    assert [(a["route"], a["status"], a["request_id"]) for a in access[:4]] == [
        ("/ready", 200, access[0]["request_id"]),
        ("/health", 200, "op-0"),
        ("/health", 200, "op-1"),
        ("/health", 200, "op-2"),
    ]
    assert ("/v1/members/{id}", 401) in [(a["route"], a["status"]) for a in access]
    assert "/v1/members/17" not in json.dumps(lines)
    assert all("127.0.0.1" not in json.dumps(a) for a in access)  # no client address


def test_patron_serve_with_two_workers_adds_up_every_workers_requests(tmp_path: Path) -> None:
    server = start(tmp_path, "--workers", "2")
    try:
        # given health checks sent until both workers have answered some (the access
        # lines name the process), so that each worker alone holds only part of them
        sent, deadline = 0, time.monotonic() + 180
        while len(server.access_pids("/health")) < 2 or sent < 20:
            assert time.monotonic() < deadline, "one worker answered every request"
            assert get(server.port, "/health").status == 200
            sent += 1
        # when /metrics is scraped several times, by whichever worker takes each scrape
        counts = [health_count(server.port) for _ in range(8)]
    finally:
        server.stop()
    # then every scrape reports the requests of both workers
    assert counts == [sent] * 8
