"""Benchmark: earn requests per second through HTTP on PostgreSQL, against pgbench.

In one run, on the same machine and the same PostgreSQL server:

1. the ceiling: pgbench's TPC-B-like transaction, 8 clients, `-M prepared`;
2. Patron: `POST /v1/purchases` (each with its own order and Idempotency-Key, spread over
   many members) from 8 concurrent keep-alive clients against `patron serve`.

It prints both rates, their ratio and Patron's latency percentiles. Needs PostgreSQL at
127.0.0.1:5432 (user postgres) and the `pgbench` client; creates and drops its databases.

The load comes from `wrk` (bench/earn.lua) when it is installed: like pgbench, a load
generator in C, which leaves the two cores to the server and the database. Without it,
from Python threads (http.client), whose own CPU use lowers the figure.

    python bench/earn.py [--seconds 20] [--workers 2] [--clients 8] [--python-client]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import NamedTuple

from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[1]
ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def create_db(name: str) -> str:
    engine = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"


def drop_db(name: str) -> None:
    engine = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def pgbench(seconds: int, clients: int) -> float:
    create_db("patron_pgbench")
    try:
        base = ["-h", "127.0.0.1", "-U", "postgres"]
        subprocess.run(
            ["pgbench", *base, "-i", "-q", "-s", "10", "patron_pgbench"],
            check=True,
            capture_output=True,
        )
        out = subprocess.run(
            [
                "pgbench",
                *base,
                "-c",
                str(clients),
                "-j",
                "2",
                "-M",
                "prepared",
                "-T",
                str(seconds),
                "patron_pgbench",
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    finally:
        drop_db("patron_pgbench")
    match = re.search(r"tps = ([0-9.]+) \(without initial connection time\)", out)
    assert match, out
    return float(match.group(1))


def patron(args: list[str], url: str) -> str:
    env = {**os.environ, "PATRON_DATABASE_URL": url}
    return subprocess.run(
        [sys.executable, "-m", "patron", *args], env=env, check=True, capture_output=True, text=True
    ).stdout.strip()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(url: str, port: int, workers: int) -> subprocess.Popen[bytes]:
    # one key sends everything, as fast as it can: the per-key rate limit (100 a second per
    # worker by default) would measure itself, not the server
    env = {
        **os.environ,
        "PATRON_DATABASE_URL": url,
        "PATRON_POOL_SIZE": "8",
        "PATRON_KEY_RATE_LIMIT": "0",
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "patron",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/health")
            if conn.getresponse().status == 200:
                return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("server did not start")


def enroll_members(port: int, key: str, count: int) -> list[int]:
    conn = http.client.HTTPConnection("127.0.0.1", port)
    ids = []
    for i in range(count):
        body = json.dumps({"external_id": f"bench-{i}"})
        conn.request(
            "POST",
            "/v1/members",
            body,
            {
                "Authorization": f"Bearer {key}",
                "Idempotency-Key": str(uuid.uuid4()),
                "Content-Type": "application/json",
            },
        )
        response = conn.getresponse()
        ids.append(json.loads(response.read())["id"])
    return ids


def client(
    port: int,
    key: str,
    members: list[int],
    stop: float,
    warmup: float,
    latencies: list[float],
    errors: list[int],
    offset: int,
) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port)
    i = offset
    while (now := time.perf_counter()) < stop:
        i += 1
        body = json.dumps(
            {
                "member_id": members[i % len(members)],
                "order_id": f"o-{uuid.uuid4()}",
                "occurred_at": "2026-01-05T10:00:00Z",
                "currency": "EUR",
                "lines": [
                    {"sku": "A1", "category": "books", "quantity": 2, "unit_price": "10.00"},
                    {"sku": "B7", "category": "home", "quantity": 1, "unit_price": "24.90"},
                ],
            }
        )
        conn.request(
            "POST",
            "/v1/purchases",
            body,
            {
                "Authorization": f"Bearer {key}",
                "Idempotency-Key": str(uuid.uuid4()),
                "Content-Type": "application/json",
            },
        )
        response = conn.getresponse()
        response.read()
        done = time.perf_counter()
        if response.status != 201:
            errors.append(response.status)
        if now >= warmup:
            latencies.append(done - now)


class Load(NamedTuple):
    rate: float  # requests per second
    p50: float  # latency, ms
    p95: float
    p99: float
    errors: int


def python_load(port: int, key: str, members: list[int], seconds: int, clients: int) -> Load:
    latencies: list[float] = []
    errors: list[int] = []
    warmup = time.perf_counter() + 3
    stop = warmup + seconds
    threads = [
        threading.Thread(
            target=client,
            args=(port, key, members, stop, warmup, latencies, errors, n * 997),
        )
        for n in range(clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    latencies.sort()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000

    return Load(len(latencies) / seconds, pct(0.50), pct(0.95), pct(0.99), len(errors))


def wrk_load(port: int, key: str, members: list[int], seconds: int, clients: int) -> Load:
    ids = ",".join(map(str, members))

    def run(duration: int, label: str) -> str:
        return subprocess.run(
            [
                "wrk",
                "-t",
                "2",
                "-c",
                str(clients),
                "-d",
                f"{duration}s",
                "-s",
                str(ROOT / "bench" / "earn.lua"),
                f"http://127.0.0.1:{port}",
                "--",
                key,
                ids,
                label,
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout

    run(3, f"warmup{uuid.uuid4().hex[:8]}")
    out = run(seconds, f"run{uuid.uuid4().hex[:8]}")
    match = re.search(r"RESULT (\d+) (\d+) (\d+) ([0-9.]+) ([0-9.]+) ([0-9.]+)", out)
    assert match, out
    requests, micros, errors = (int(match.group(i)) for i in (1, 2, 3))
    p50, p95, p99 = (float(match.group(i)) for i in (4, 5, 6))
    return Load(requests / (micros / 1e6), p50, p95, p99, errors)


def earn(seconds: int, clients: int, workers: int, use_wrk: bool) -> Load:
    url = create_db("patron_bench_earn")
    port = free_port()
    try:
        patron(["program", "load", str(ROOT / "examples" / "program.toml")], url)
        key = patron(["apikey", "create", "--scope", "pos"], url)
        server = start_server(url, port, workers)
        try:
            members = enroll_members(port, key, 2000)
            load = wrk_load if use_wrk else python_load
            return load(port, key, members, seconds, clients)
        finally:
            server.terminate()
            server.wait()
    finally:
        drop_db("patron_bench_earn")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--python-client", action="store_true", help="load from Python threads even if wrk is here"
    )
    args = parser.parse_args()
    use_wrk = shutil.which("wrk") is not None and not args.python_client
    ceiling = pgbench(args.seconds, args.clients)
    load = earn(args.seconds, args.clients, args.workers, use_wrk)
    print(f"pgbench TPC-B-like, {args.clients} clients, -M prepared: {ceiling:8.0f} TPS")
    print(
        f"patron earn via HTTP, {args.clients} clients, {args.workers} workers,"
        f" load from {'wrk' if use_wrk else 'Python threads'}:"
        f" {load.rate:8.0f} req/s  (errors: {load.errors})"
    )
    print(f"latency ms: p50 {load.p50:.1f}  p95 {load.p95:.1f}  p99 {load.p99:.1f}")
    print(f"ratio earn / pgbench: {load.rate / ceiling:.3f} (target >= 0.3, p99 <= 50 ms)")


if __name__ == "__main__":
    main()
