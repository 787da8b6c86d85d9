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
"""

from __future__ import annotations

import argparse
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

from tests.support.webhook_receiver import receiving  # noqa: E402

from patron.bootstrap import Patron  # noqa: E402
from patron.domain.events import Event  # noqa: E402
from patron.services import webhooks as uc  # noqa: E402

LEASE = 2.0


def worker(url: str, *, until_idle: bool) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "patron", "worker", "--backoff", "0", "--lease", str(LEASE)]
    if until_idle:
        command.append("--until-idle")
    env = {**os.environ, "PATRON_DATABASE_URL": url}
    quiet = subprocess.DEVNULL
    return subprocess.Popen(command, env=env, cwd=ROOT, stdout=quiet, stderr=quiet)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url")
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--members", type=int, default=500)
    parser.add_argument("--kills", type=int, default=40)
    parser.add_argument("--seed", type=int, default=16)
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
        with patron.uow() as uow:
            events = [
                Event("points.adjusted", 1 + n % args.members, uow.now, {"n": n})
                for n in range(args.events)
            ]
            uow.outbox.add(events, uow.now)
            uow.commit()
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
    print(f"events {args.events}, kills {kills}, {seconds:.1f} s")
    print(
        f"delivered (distinct webhook-id) {delivered}; requests {received};"
        f" re-sends {received - delivered}; bad signatures {receiver.invalid}"
    )
    firsts: dict[int, list[int]] = {}
    for r in receiver.unique.values():
        firsts.setdefault(r.body["data"]["member_id"], []).append(r.body["data"]["n"])
    in_order = all(ns == sorted(ns) for ns in firsts.values())
    print(f"every member's events first arrived in order: {in_order}")
    patron.dispose()
    ok = delivered == args.events and receiver.invalid == 0 and in_order
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
