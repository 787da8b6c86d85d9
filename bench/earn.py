"""Benchmark: earn requests per second through HTTP on PostgreSQL, against pgbench.

In one run, on the same machine and the same PostgreSQL server:

1. the ceiling: pgbench's TPC-B-like transaction, 8 clients, `-M prepared`;
2. Patron: `POST /v1/purchases` (each with its own order and Idempotency-Key, spread over
   many members) from 8 concurrent keep-alive clients against `patron serve`.

It prints both rates, their ratio and Patron's latency percentiles, and what an earn costs:
the CPU time the server's Python processes and the database's PostgreSQL backends used
over the measured run (read from /proc), divided by the earns answered, and the SQL
statements one earn sends (counted in-process afterwards, on the same database, by an
SQLAlchemy event listener). Needs PostgreSQL at 127.0.0.1:5432 (user postgres) and the
`pgbench` client; creates and drops its databases.

The load comes from `wrk` (bench/earn.lua) when it is installed: like pgbench, a load
generator in C, which leaves the two cores to the server and the database. Without it,
from Python threads (http.client), whose own CPU use lowers the figure.

    python bench/earn.py [--seconds 20] [--workers 2] [--clients 8] [--python-client]
                         [--show-statements]
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
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[1]
ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
LOG = Path(tempfile.gettempdir()) / "patron-bench-earn-server.log"


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


_TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of one process so far (0 if it is gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / _TICK


def process_tree(root: int) -> list[int]:
    """`root` and every process descended from it (the server and its workers)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            ppid = int(stat[stat.rindex(")") + 2 :].split()[1])
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += children.get(pid, [])
    return found


def postgres_pids(database: str) -> tuple[list[int], list[int]]:
    """The client backends connected to `database`, and PostgreSQL's background processes
    (WAL writer, checkpointer, background writer, autovacuum...)."""
    engine = create_engine(ADMIN_URL)
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT pid, backend_type, datname FROM pg_stat_activity"
                " WHERE pid <> pg_backend_pid()"
            )
        ).all()
    engine.dispose()
    backends = [r.pid for r in rows if r.backend_type == "client backend" and r.datname == database]
    background = [r.pid for r in rows if r.backend_type != "client backend"]
    return backends, background


@dataclass
class CpuProbe:
    """CPU seconds used between `start` and `stop` by three groups of processes: the
    server's Python processes, the bench database's PostgreSQL backends and PostgreSQL's
    background processes. A process that appears in between counts from zero; one that
    ends in between loses what it used (none do here: the pools keep their connections)."""

    server_pid: int
    database: str
    python: float = 0.0
    backends: float = 0.0
    background: float = 0.0
    load_average: tuple[float, float, float] = (0.0, 0.0, 0.0)

    def _groups(self) -> list[list[int]]:
        backends, background = postgres_pids(self.database)
        return [process_tree(self.server_pid), backends, background]

    def start(self) -> None:
        self.load_average = os.getloadavg()
        self._before = {pid: cpu_seconds(pid) for group in self._groups() for pid in group}

    def stop(self) -> None:
        used = [
            sum(cpu_seconds(pid) - self._before.get(pid, 0.0) for pid in group)
            for group in self._groups()
        ]
        self.python, self.backends, self.background = used


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
        stderr=LOG.open("w"),  # one access line per request: kept out of the bench's output
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
    raise RuntimeError(f"server did not start (its log: {LOG})")


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
    requests: int  # answered in the measured run


def python_load(
    port: int, key: str, members: list[int], seconds: int, clients: int, probe: CpuProbe
) -> Load:
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
    time.sleep(max(0.0, warmup - time.perf_counter()))
    probe.start()
    for thread in threads:
        thread.join()
    probe.stop()
    latencies.sort()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000

    return Load(
        len(latencies) / seconds, pct(0.50), pct(0.95), pct(0.99), len(errors), len(latencies)
    )


def wrk_load(
    port: int, key: str, members: list[int], seconds: int, clients: int, probe: CpuProbe
) -> Load:
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
    probe.start()
    out = run(seconds, f"run{uuid.uuid4().hex[:8]}")
    probe.stop()
    match = re.search(r"RESULT (\d+) (\d+) (\d+) ([0-9.]+) ([0-9.]+) ([0-9.]+)", out)
    assert match, out
    requests, micros, errors = (int(match.group(i)) for i in (1, 2, 3))
    p50, p95, p99 = (float(match.group(i)) for i in (4, 5, 6))
    return Load(requests / (micros / 1e6), p50, p95, p99, errors, requests)


class Statements(NamedTuple):
    per_earn: float  # statements sent to the driver (an executemany is one), the ping included
    commits: float
    listing: list[str]  # the statements of one earn, in order


def count_statements(url: str, key: str, members: list[int], earns: int = 50) -> Statements:
    """Run earns in this process through the app (no HTTP server; the same routes, use case
    and store code) and count what reaches the driver: every psycopg `execute` and
    `executemany` (the pool's pre-ping included) and every commit. psycopg sends BEGIN
    itself before the first statement of a transaction: one more round trip per earn."""
    os.environ["PATRON_DATABASE_URL"] = url
    os.environ["PATRON_KEY_RATE_LIMIT"] = "0"
    import psycopg
    from fastapi.testclient import TestClient

    from patron.api.app import create_app
    from patron.bootstrap import Patron

    seen: list[str] = []
    commits = [0]
    execute, executemany, commit = (
        psycopg.Cursor.execute,
        psycopg.Cursor.executemany,
        psycopg.Connection.commit,
    )

    def counted(method: Callable[..., Any]) -> Callable[..., Any]:
        def run(self: Any, query: Any, *args: Any, **kwargs: Any) -> Any:
            sql = query if isinstance(query, str) else getattr(query, "as_string", str)(None)
            text_ = " ".join(str(sql).split())[:110]
            seen.append(text_ if text_ != ";" else "; (the pool's pre-ping: an empty query)")
            return method(self, query, *args, **kwargs)

        return run

    def counted_commit(self: Any) -> None:
        commits[0] += 1
        commit(self)

    patron_ = Patron.from_url(url, pool_size=2)
    with TestClient(create_app(patron_)) as http:

        def one(i: int) -> None:
            response = http.post(
                "/v1/purchases",
                json={
                    "member_id": members[i % len(members)],
                    "order_id": f"count-{uuid.uuid4()}",
                    "occurred_at": "2026-01-05T10:00:00Z",
                    "currency": "EUR",
                    "lines": [
                        {"sku": "A1", "category": "books", "quantity": 2, "unit_price": "10.00"},
                        {"sku": "B7", "category": "home", "quantity": 1, "unit_price": "24.90"},
                    ],
                },
                headers={"Authorization": f"Bearer {key}", "Idempotency-Key": str(uuid.uuid4())},
            )
            assert response.status_code == 201, response.text

        for i in range(5):  # caches filled: the key, the program
            one(i)
        psycopg.Cursor.execute = counted(execute)  # type: ignore[method-assign]
        psycopg.Cursor.executemany = counted(executemany)  # type: ignore[method-assign]
        psycopg.Connection.commit = counted_commit  # type: ignore[method-assign]
        try:
            one(5)
            listing = list(seen)
            seen.clear()
            commits[0] = 0
            for i in range(earns):
                one(6 + i)
        finally:
            psycopg.Cursor.execute = execute  # type: ignore[method-assign]
            psycopg.Cursor.executemany = executemany  # type: ignore[method-assign]
            psycopg.Connection.commit = commit  # type: ignore[method-assign]
    patron_.dispose()
    return Statements(len(seen) / earns, commits[0] / earns, listing)


@dataclass
class EarnRun:
    load: Load
    cpu: CpuProbe
    statements: Statements


def earn(seconds: int, clients: int, workers: int, use_wrk: bool) -> EarnRun:
    database = "patron_bench_earn"
    url = create_db(database)
    port = free_port()
    try:
        patron(["program", "load", str(ROOT / "examples" / "program.toml")], url)
        key = patron(["apikey", "create", "--scope", "pos"], url)
        server = start_server(url, port, workers)
        try:
            members = enroll_members(port, key, 2000)
            load = wrk_load if use_wrk else python_load
            probe = CpuProbe(server.pid, database)
            result = load(port, key, members, seconds, clients, probe)
        finally:
            server.terminate()
            server.wait()
        statements = count_statements(url, key, members)
        return EarnRun(result, probe, statements)
    finally:
        drop_db(database)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--python-client", action="store_true", help="load from Python threads even if wrk is here"
    )
    parser.add_argument(
        "--show-statements", action="store_true", help="list the statements of one earn"
    )
    args = parser.parse_args()
    use_wrk = shutil.which("wrk") is not None and not args.python_client
    before = os.getloadavg()
    ceiling = pgbench(args.seconds, args.clients)
    run = earn(args.seconds, args.clients, args.workers, use_wrk)
    load, cpu, statements = run.load, run.cpu, run.statements
    print(f"load average before: {before[0]:.2f}, before the earn run: {cpu.load_average[0]:.2f}")
    print(f"pgbench TPC-B-like, {args.clients} clients, -M prepared: {ceiling:8.0f} TPS")
    print(
        f"patron earn via HTTP, {args.clients} clients, {args.workers} workers,"
        f" load from {'wrk' if use_wrk else 'Python threads'}:"
        f" {load.rate:8.0f} req/s  (errors: {load.errors})"
    )
    print(f"latency ms: p50 {load.p50:.1f}  p95 {load.p95:.1f}  p99 {load.p99:.1f}")
    print(f"ratio earn / pgbench: {load.rate / ceiling:.3f} (target >= 0.2, p99 <= 50 ms)")
    n = max(1, load.requests)
    py, pg, bg = (1000 * x / n for x in (cpu.python, cpu.backends, cpu.background))
    print(
        f"CPU per earn ({load.requests} earns): Python {py:.2f} ms + PostgreSQL backends"
        f" {pg:.2f} ms = {py + pg:.2f} ms (target <= 2 ms);"
        f" PostgreSQL background processes {bg:.2f} ms more"
    )
    print(
        f"statements per earn: {statements.per_earn:.1f}, the pool's pre-ping included"
        f" (+ {statements.commits:.1f} COMMIT and the BEGIN psycopg sends before the first)"
    )
    if args.show_statements:
        for line in statements.listing:
            print(f"  {line}")


if __name__ == "__main__":
    main()
