"""`patron worker` loses nothing: SIGKILLed at drawn points of its work and restarted, it
ends with every event delivered, and an idempotent receiver sees none twice; a receiver
that keeps duplicates sees exactly one per kill between a send and its record. Two
workers at once on PostgreSQL deliver each event once. (The 5,000-event version is
bench/worker.py.)"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from patron.bootstrap import Patron
from patron.domain.events import Event
from patron.engage.channels.webhooks import HttpSender
from patron.services import webhooks as uc
from patron.worker import Worker, WorkerOptions
from tests.conftest import Clock
from tests.support.webhook_receiver import Receiver, receiving

ROOT = Path(__file__).resolve().parents[2]
PHASES = ("route", "claim", "send", "finish")
LEASE = 1.0  # seconds: on PostgreSQL a killed worker's claim is taken back after it


def write_events(patron: Patron, count: int, members: int) -> list[int]:
    with patron.uow() as uow:
        uow.outbox.add(
            [Event("points.adjusted", 1 + n % members, uow.now, {"n": n}) for n in range(count)],
            uow.now,
        )
        uow.commit()
    with patron.uow(readonly=True) as uow:
        return [e.id for m in range(1, members + 1) for e in uow.outbox.for_member(m)]


def subscribe(patron: Patron, receiver: Receiver) -> None:
    new = patron.run(uc.add_webhook, uc.AddWebhook(receiver.url, ["*"], "test"))
    receiver.secret = new.secret


def run_worker(url: str, phase: str = "", at: int = 0) -> int:
    env = {
        **os.environ,
        "PATRON_DATABASE_URL": url,
        "PATRON_KILL_PHASE": phase,
        "PATRON_KILL_AT": str(at),
    }
    arguments = ["worker", "--until-idle", "--backoff", "0", "--batch", "5", "--lease", str(LEASE)]
    command = [sys.executable, "-m", "tests.integration.killed_worker", *arguments]
    quiet = subprocess.DEVNULL
    done = subprocess.run(command, env=env, cwd=ROOT, stdout=quiet, stderr=quiet, timeout=300)
    return done.returncode


def test_a_worker_killed_at_drawn_points_and_restarted_delivers_every_event_once(
    patron: Patron, store_kind: str
) -> None:
    # the store's real clock: the subprocesses read it, and a lease runs out in real time
    url = patron.engine.url.render_as_string(hide_password=False)
    real = Patron.from_url(url)
    draw = random.Random(16)
    try:
        with receiving() as receiver:
            subscribe(real, receiver)
            ids = write_events(real, count=240, members=24)
            # given: six runs, each killed at a drawn step's drawn call
            plan = [(draw.choice(PHASES), draw.randint(1, 30)) for _ in range(6)]
            codes = [run_worker(url, phase, at) for phase, at in plan]
            # when: runs without a kill until nothing is left (after a kill on PostgreSQL,
            # the claim is taken back once its lease has run out)
            for _ in range(20):
                if real.read(uc.backlog).events == 0:
                    break
                time.sleep(LEASE if store_kind == "postgres" else 0)
                assert run_worker(url) == 0
        # then: every event was delivered, with a valid signature, first in order per member
        assert receiver.invalid == 0
        assert sorted(int(i.removeprefix("evt_")) for i in receiver.unique) == sorted(ids)
        firsts = [int(r.msg_id.removeprefix("evt_")) for r in receiver.unique.values()]
        for m in range(1, 25):
            mine = [i for i in firsts if i in set(ids[(m - 1) * 10 : m * 10])]
            assert mine == sorted(mine)
        # a duplicate only for each kill between a send and its record, and exactly one
        killed = [p for (p, _), code in zip(plan, codes, strict=True) if code == -signal.SIGKILL]
        assert len(killed) >= 3  # the draw does kill (a call past the last one would not)
        in_flight = sum(p in ("send", "finish") for p in killed)
        assert len(receiver.received) - len(receiver.unique) == in_flight
        facts = real.read(uc.backlog)
        assert (facts.events, facts.pending, facts.sending, facts.dead) == (0, 0, 0, 0)
    finally:
        real.dispose()


@pytest.mark.postgres
@pytest.mark.parametrize("store_kind", ["postgres"], indirect=True)
def test_two_workers_at_once_on_postgresql_deliver_each_event_once(
    patron: Patron, clock: Clock
) -> None:
    url = patron.engine.url.render_as_string(hide_password=False)
    other = Patron.from_url(url, clock=clock)
    try:
        with receiving() as receiver:
            subscribe(patron, receiver)
            ids = write_events(patron, count=300, members=60)
            workers = [
                Worker(p, HttpSender(), WorkerOptions(batch=5), single=False)
                for p in (patron, other)
            ]
            threads = [threading.Thread(target=w.run, kwargs={"until_idle": True}) for w in workers]
            for t in threads:
                t.start()
            for t in threads:
                t.join(timeout=120)
        assert receiver.invalid == 0
        assert len(receiver.received) == 300
        assert sorted(int(r.msg_id.removeprefix("evt_")) for r in receiver.received) == sorted(ids)
        # both took a share of the work
        assert all(w.counts.delivered > 0 for w in workers)
        assert sum(w.counts.delivered for w in workers) == 300
        assert patron.read(uc.backlog).events == 0
    finally:
        other.dispose()


def test_a_second_worker_on_one_sqlite_store_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'patron.db'}"
    store = Patron.from_url(url)
    store.migrate()
    store.dispose()
    env = {**os.environ, "PATRON_DATABASE_URL": url}
    first = subprocess.Popen(
        [sys.executable, "-m", "patron", "worker", "--poll", "0.05"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert first.stderr is not None
        assert first.stderr.readline().startswith("worker: delivering")
        second = subprocess.run(
            [sys.executable, "-m", "patron", "worker", "--until-idle"],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert second.returncode == 2
        assert "another `patron worker` runs on" in second.stderr
        assert "SQLite takes one worker per store" in second.stderr
    finally:
        # SIGTERM: the first stops gracefully and says what it did
        first.send_signal(signal.SIGTERM)
        assert first.wait(timeout=30) == 0
