"""`patron worker` under SIGKILL: 5,000 events, a worker killed at random moments while it
delivers them and restarted each time, until every event is delivered (docs/webhooks.md).

Prints the events delivered (an idempotent receiver: distinct `webhook-id`s), the
requests received (a receiver that keeps duplicates), the re-sends, the kills and the
time. Fails (exit 1) when an event is missing, a signature does not verify, or a
member's events first arrived out of order.

    python bench/worker.py                                   # SQLite in a temporary folder
    python bench/worker.py --database-url postgresql+psycopg://postgres@127.0.0.1/bench
    python bench/worker.py --events 5000 --kills 40 --seed 16

Unlike the test (tests/integration/test_worker_crash.py, which kills at chosen steps),
the kills here land wherever the worker is, a random moment after its first delivery.

On PostgreSQL a second part follows (skip it with `--two-workers 0`): another
`--two-workers` events (5,000 by default), routed first, then two `patron worker
--until-idle` processes started at once, which share the claims (`FOR UPDATE SKIP
LOCKED`); it prints what each delivered and fails when an event is missing or any was
received twice (no kill there: not even one re-send is allowed).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.webhook_receiver import Receiver, receiving  # noqa: E402

from patron.bootstrap import Patron  # noqa: E402
from patron.domain.events import Event  # noqa: E402
from patron.services import webhooks as uc  # noqa: E402

LEASE = 2.0


def worker(url: str, *, until_idle: bool, counts: bool = False) -> subprocess.Popen[bytes]:
    """`patron worker` in a process of its own; `counts`: its stdout (the counts' JSON)."""
    command = [sys.executable, "-m", "patron", "worker", "--backoff", "0", "--lease", str(LEASE)]
    if until_idle:
        command.append("--until-idle")
    env = {**os.environ, "PATRON_DATABASE_URL": url}
    quiet = subprocess.DEVNULL
    out = subprocess.PIPE if counts else quiet
    return subprocess.Popen(command, env=env, cwd=ROOT, stdout=out, stderr=quiet)


def write_events(patron: Patron, first: int, count: int, members: int) -> None:
    """`count` events numbered from `first` (`data.n`), member 1 + n % members each."""
    with patron.uow() as uow:
        events = [
            Event("points.adjusted", 1 + n % members, uow.now, {"n": n})
            for n in range(first, first + count)
        ]
        uow.outbox.add(events, uow.now)
        uow.commit()


def two_workers(patron: Patron, url: str, receiver: Receiver, first: int, count: int) -> bool:
    """Two workers at once on `count` new events: each delivered exactly once."""
    before = len(receiver.received)
    write_events(patron, first, count, 500)
    while patron.run(uc.route_events, 1000):  # routed beforehand: both start by claiming
        pass
    started = time.perf_counter()
    workers = [worker(url, until_idle=True, counts=True) for _ in range(2)]
    counts = [json.loads(w.communicate()[0].decode().strip().splitlines()[-1]) for w in workers]
    seconds = time.perf_counter() - started
    new = receiver.received[before:]
    ids = [r.msg_id for r in new]
    ns = sorted(r.body["data"]["n"] for r in new)
    each = ", ".join(str(c["delivered"]) for c in counts)
    print(
        f"two workers at once: {count} events, requests {len(new)}, distinct {len(set(ids))},"
        f" delivered by each {each}, {seconds:.1f} s"
    )
    return ns == list(range(first, first + count)) and sum(c["delivered"] for c in counts) == count


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url")
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--members", type=int, default=500)
    parser.add_argument("--kills", type=int, default=40)
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--two-workers", type=int, default=5000, help="PostgreSQL: events")
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="patron-worker-bench-")
    url = args.database_url or f"sqlite:///{folder}/patron.db"
    postgres = url.startswith("postgresql")
    patron = Patron.from_url(url)
    patron.migrate()
    draw = random.Random(args.seed)
    started = time.perf_counter()
    with receiving() as receiver:
        new = patron.run(uc.add_webhook, uc.AddWebhook(receiver.url, ["*"], "bench"))
        receiver.secret = new.secret
        write_events(patron, 0, args.events, args.members)
        kills = 0
        while kills < args.kills and patron.read(uc.backlog).events:
            running = worker(url, until_idle=False)
            seen = len(receiver.received)
            deadline = time.monotonic() + 60
            while len(receiver.received) == seen and time.monotonic() < deadline:
                time.sleep(0.01)  # past the start-up: into the deliveries
            time.sleep(draw.uniform(0, 0.3))
            running.send_signal(signal.SIGKILL)
            running.wait()
            kills += 1
        for _ in range(100):
            if patron.read(uc.backlog).events == 0:
                break
            if postgres:
                time.sleep(LEASE)
            worker(url, until_idle=True).wait()
        seconds = time.perf_counter() - started
        delivered = len(receiver.unique)
        received = len(receiver.received)
        invalid = receiver.invalid
        firsts: dict[int, list[int]] = {}
        for r in receiver.unique.values():
            firsts.setdefault(r.body["data"]["member_id"], []).append(r.body["data"]["n"])
        shared = True
        if postgres and args.two_workers:
            shared = two_workers(patron, url, receiver, args.events, args.two_workers)
    print(f"events {args.events}, kills {kills}, {seconds:.1f} s")
    print(
        f"delivered (distinct webhook-id) {delivered}; requests {received};"
        f" re-sends {received - delivered}; bad signatures {invalid}"
    )
    in_order = all(ns == sorted(ns) for ns in firsts.values())
    print(f"every member's events first arrived in order: {in_order}")
    patron.dispose()
    ok = delivered == args.events and invalid == 0 and in_order and shared and not receiver.invalid
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
