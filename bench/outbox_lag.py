"""Benchmark: outbox lag (an event written → delivered to a webhook receiver) while earns
are driven at a fixed rate (200 a second by default) through HTTP.

`patron serve --workers 2` takes `POST /v1/purchases` from paced clients (open loop: each
request has its moment, `--rate` a second in all; a late one goes at once), every earn
writes its events to the outbox, and one `patron worker` (or `--workers-out N`) delivers
them to a local receiver that checks every signature and notes when each `webhook-id`
first arrived. The lag of an event is that moment minus the event's `created_at` (the
earn's transaction time, the same clock). Events of the first `--warmup` seconds are left
out. Prints the rate reached, the events, their lag's p50/p95/p99/max and what was left
undelivered when the load stopped. Target (issue 16): p99 ≤ 2 s at 200 earns a second.

    python bench/outbox_lag.py [--seconds 30] [--rate 200] [--poll 1.0] [--batch 20]
                               [--workers-out 1] [--sqlite]

PostgreSQL at 127.0.0.1:5432 (user postgres; the database is made and dropped), or with
`--sqlite` a store file in a temporary folder (one writer: the server's and the worker's
transactions take turns).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC
from pathlib import Path

from sqlalchemy import create_engine, select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.earn import create_db, drop_db, enroll_members, free_port, patron, start_server  # noqa: E402
from tests.support.webhook_receiver import Received, Receiver, receiving  # noqa: E402

from patron.bootstrap import Patron  # noqa: E402
from patron.services import webhooks as uc  # noqa: E402
from patron.store.tables import outbox  # noqa: E402

DATABASE = "patron_bench_outbox_lag"
CLIENTS = 8


def paced_client(
    port: int, key: str, members: list[int], start: float, stop: float, step: float, n: int
) -> tuple[int, list[int]]:
    """Requests at start + (n + CLIENTS·k)·step until `stop`: how many, the statuses
    not 201."""
    conn = http.client.HTTPConnection("127.0.0.1", port)
    errors: list[int] = []
    k = 0
    while (due := start + (n + CLIENTS * k) * step) < stop:
        k += 1
        wait = due - time.perf_counter()
        if wait > 0:
            time.sleep(wait)
        body = {
            "member_id": members[(n + CLIENTS * k) % len(members)],
            "order_id": f"o-{uuid.uuid4()}",
            "occurred_at": "2026-01-05T10:00:00Z",
            "currency": "EUR",
            "lines": [{"sku": "A1", "category": "books", "quantity": 2, "unit_price": "10.00"}],
        }
        headers = {
            "Authorization": f"Bearer {key}",
            "Idempotency-Key": str(uuid.uuid4()),
            "Content-Type": "application/json",
        }
        conn.request("POST", "/v1/purchases", json.dumps(body), headers)
        answer = conn.getresponse()
        answer.read()
        if answer.status != 201:
            errors.append(answer.status)
    return k, errors


def drive(port: int, key: str, members: list[int], seconds: float, rate: float) -> tuple[int, int]:
    """`rate` earns a second for `seconds`: (requests sent, errors)."""
    start = time.perf_counter() + 0.2
    stop = start + seconds
    results: list[tuple[int, list[int]]] = [(0, []) for _ in range(CLIENTS)]

    def run(n: int) -> None:
        results[n] = paced_client(port, key, members, start, stop, 1 / rate, n)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(r[0] for r in results), sum(len(r[1]) for r in results)


def start_worker(
    url: str, poll: float, batch: int, concurrency: int | None
) -> subprocess.Popen[bytes]:
    """`patron worker`, returned once it says it delivers (its start-up is not lag)."""
    env = {**os.environ, "PATRON_DATABASE_URL": url}
    command = [sys.executable, "-m", "patron", "worker", "--poll", str(poll), "--batch", str(batch)]
    if concurrency is not None:
        command += ["--concurrency", str(concurrency)]
    proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert proc.stderr is not None
    assert proc.stderr.readline().startswith(b"worker: delivering")
    return proc


def receive(out: Path, keep_alive: bool) -> None:
    """The receiver's own process (the load's threads would hold it back in the bench's):
    it prints its URL, reads the subscription's secret from stdin, notes when each
    webhook-id first arrived and whether every signature verified, and writes them to
    `out` on SIGTERM."""
    arrived: dict[str, float] = {}

    def note(r: Received) -> int:
        arrived.setdefault(r.msg_id, time.time())
        return 204

    with receiving(Receiver(answer=note, keep_alive=keep_alive)) as receiver:

        def done(*_: object) -> None:
            out.write_text(json.dumps({"arrived": arrived, "invalid": receiver.invalid}))
            os._exit(0)

        signal.signal(signal.SIGTERM, done)
        print(receiver.url, flush=True)
        receiver.secret = sys.stdin.readline().strip()
        while True:
            time.sleep(1)


def start_receiver(out: Path, *, keep_alive: bool) -> tuple[subprocess.Popen[str], str]:
    command = [sys.executable, __file__, "--receive", str(out)]
    if not keep_alive:
        command.append("--close")
    proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    return proc, proc.stdout.readline().strip()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--warmup", type=float, default=5)
    parser.add_argument("--rate", type=float, default=200)
    parser.add_argument("--poll", type=float, default=1.0, help="the worker's idle wait")
    parser.add_argument("--batch", type=int, default=200, help="the worker's deliveries a claim")
    parser.add_argument("--workers-out", type=int, default=1, help="patron worker processes")
    parser.add_argument("--members", type=int, default=500)
    parser.add_argument("--sqlite", action="store_true")
    parser.add_argument(
        "--close", action="store_true", help="the receiver closes each connection (HTTP/1.0)"
    )
    parser.add_argument("--concurrency", type=int, help="the worker's requests at once")
    parser.add_argument("--receive", type=Path, help=argparse.SUPPRESS)  # the receiver's role
    args = parser.parse_args()
    if args.receive:
        receive(args.receive, keep_alive=not args.close)
    folder = tempfile.mkdtemp(prefix="patron-bench-lag-")
    url = f"sqlite:///{folder}/patron.db" if args.sqlite else create_db(DATABASE)
    arrivals = Path(folder) / "arrived.json"
    port = free_port()
    try:
        if args.sqlite:
            patron(["init"], url)
        patron(["program", "load", str(ROOT / "examples" / "program.toml")], url)
        key = patron(["apikey", "create", "--scope", "pos"], url)
        server = start_server(url, port, 2)
        workers: list[subprocess.Popen[bytes]] = []
        receiver: subprocess.Popen[str] | None = None
        try:
            members = enroll_members(port, key, args.members)
            patron(["worker", "--until-idle"], url)  # the enrolments: no subscriber yet
            receiver, receiver_url = start_receiver(arrivals, keep_alive=not args.close)
            secret = patron(["webhooks", "add", receiver_url, "--event", "*"], url)
            assert receiver.stdin is not None
            receiver.stdin.write(secret.splitlines()[-1] + "\n")
            receiver.stdin.flush()
            workers = [
                start_worker(url, args.poll, args.batch, args.concurrency)
                for _ in range(args.workers_out)
            ]
            began = time.time()
            sent, errors = drive(port, key, members, args.seconds, args.rate)
            ended = time.time()
            store = Patron.from_url(url)
            waiting_at_stop = store.read(uc.backlog).events
            deadline = time.monotonic() + 180
            while store.read(uc.backlog).events and time.monotonic() < deadline:
                time.sleep(0.2)
            store.dispose()
        finally:
            for proc in [*workers, server, *([receiver] if receiver else [])]:
                proc.terminate()
                proc.wait()
        engine = create_engine(url)
        with engine.connect() as conn:
            rows = conn.execute(select(outbox.c.id, outbox.c.created_at)).all()
        engine.dispose()
    finally:
        if not args.sqlite:
            drop_db(DATABASE)
    got = json.loads(arrivals.read_text())
    arrived: dict[str, float] = got["arrived"]
    invalid = int(got["invalid"])
    written = {
        f"evt_{i}": at.replace(tzinfo=UTC).timestamp()
        for i, at in rows
        if began + args.warmup <= at.replace(tzinfo=UTC).timestamp() <= ended
    }
    lags = [arrived[i] - at for i, at in written.items() if i in arrived]
    missing = [i for i in written if i not in arrived]
    kind = "SQLite" if args.sqlite else "PostgreSQL"
    print(
        f"{kind}: {sent} earns in {args.seconds:.0f} s ({sent / args.seconds:.0f}/s, asked"
        f" {args.rate:.0f}/s), errors {errors}; worker(s) {args.workers_out}, poll"
        f" {args.poll} s, batch {args.batch}"
    )
    print(
        f"events measured {len(written)} (after {args.warmup:.0f} s of warm-up), delivered"
        f" {len(lags)}, missing {len(missing)}, bad signatures {invalid};"
        f" events waiting when the load stopped {waiting_at_stop}"
    )
    if lags:
        p50, p95, p99 = (percentile(lags, q) for q in (0.5, 0.95, 0.99))
        print(
            f"lag: p50 {p50:.3f} s  p95 {p95:.3f} s  p99 {p99:.3f} s  max {max(lags):.3f} s"
            "  (target p99 <= 2 s)"
        )
    ok = bool(lags) and not missing and invalid == 0 and percentile(lags, 0.99) <= 2.0
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
