"""Benchmark: one `patron worker` alone on a backlog (no earn load): how many deliveries a
second it makes, routing included, to a local receiver in a process of its own.

    python bench/worker_drain.py [--events 2000] [--members 500] [--batch 20]
                                 [--concurrency 8] [--close] [--sqlite] [--profile FILE]

`--events` events (`points.adjusted`, member 1 + n % members) are written to the outbox
of a fresh store with one subscription to every event type, then `patron worker
--until-idle` is timed from its start (its start-up included: under a second) to its
exit. `--close`: the receiver closes the connection after every answer (HTTP/1.0), as the
tests' receiver did; by default it keeps connections alive (HTTP/1.1). `--profile FILE`:
the worker runs in this process under cProfile instead (the stats written to FILE, the top
printed). PostgreSQL at 127.0.0.1:5432 (user postgres; the database is made and dropped),
or `--sqlite`.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.earn import create_db, drop_db  # noqa: E402
from bench.outbox_lag import start_receiver  # noqa: E402

from patron.bootstrap import Patron  # noqa: E402
from patron.domain.events import Event  # noqa: E402
from patron.services import webhooks as uc  # noqa: E402

DATABASE = "patron_bench_worker_drain"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--members", type=int, default=500)
    parser.add_argument("--batch", type=int, default=None, help="default: the worker's")
    parser.add_argument("--concurrency", type=int, default=None, help="default: the worker's")
    parser.add_argument("--close", action="store_true", help="receiver: HTTP/1.0")
    parser.add_argument("--sqlite", action="store_true")
    parser.add_argument("--profile", type=Path)
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="patron-bench-drain-")
    url = f"sqlite:///{folder}/patron.db" if args.sqlite else create_db(DATABASE)
    arrivals = Path(folder) / "arrived.json"
    receiver, receiver_url = start_receiver(arrivals, keep_alive=not args.close)
    try:
        patron = Patron.from_url(url)
        patron.migrate()
        new = patron.run(uc.add_webhook, uc.AddWebhook(receiver_url, ["*"], "bench"))
        assert receiver.stdin is not None
        receiver.stdin.write(new.secret + "\n")
        receiver.stdin.flush()
        with patron.uow() as uow:
            events = [
                Event("points.adjusted", 1 + n % args.members, uow.now, {"n": n})
                for n in range(args.events)
            ]
            uow.outbox.add(events, uow.now)
            uow.commit()
        options = []
        if args.batch is not None:
            options += ["--batch", str(args.batch)]
        if args.concurrency is not None:
            options += ["--concurrency", str(args.concurrency)]
        started = time.perf_counter()
        if args.profile:
            profile_worker(url, options, args.profile)
        else:
            env = {**os.environ, "PATRON_DATABASE_URL": url}
            command = [sys.executable, "-m", "patron", "worker", "--until-idle", *options]
            subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL)
        seconds = time.perf_counter() - started
        left = patron.read(uc.backlog).events
        patron.dispose()
    finally:
        receiver.terminate()
        receiver.wait()
        if not args.sqlite:
            drop_db(DATABASE)
    got = json.loads(arrivals.read_text())
    kind = "SQLite" if args.sqlite else "PostgreSQL"
    print(
        f"{kind}: {args.events} events in {seconds:.2f} s = {args.events / seconds:.0f}/s;"
        f" received {len(got['arrived'])} distinct, bad signatures {got['invalid']},"
        f" left {left}; options {' '.join(options) or '(defaults)'},"
        f" receiver {'HTTP/1.0 close' if args.close else 'HTTP/1.1 keep-alive'}"
    )
    return 0 if left == 0 and len(got["arrived"]) == args.events else 1


def profile_worker(url: str, options: list[str], out: Path) -> None:
    from patron.cli import app

    os.environ["PATRON_DATABASE_URL"] = url
    profiler = cProfile.Profile()
    profiler.enable()
    try:
        app(["worker", "--until-idle", *options], standalone_mode=False)
    finally:
        profiler.disable()
        profiler.dump_stats(out)
    pstats.Stats(str(out)).sort_stats("cumulative").print_stats(25)


if __name__ == "__main__":
    raise SystemExit(main())
