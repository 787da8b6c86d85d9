"""Chaos: writes against `patron serve --workers 2` on PostgreSQL while workers die and
database connections are cut, then every unanswered write is replayed and the store is
checked for exactly-once.

Not a test of the suite (it takes a minute and kills processes); run by hand:

    python bench/chaos.py [--seconds 60] [--clients 8] [--seed N] [--faults both|kill|terminate]
                          [--timeline] [--keep-db]

1. A fresh database `patron_chaos` (dropped at the end), the example program, a `pos`
   key, `--members` members, and `patron serve --workers 2` with the per-key rate limit
   off (PATRON_KEY_RATE_LIMIT=0). The server's log goes to a temporary file.
2. For `--seconds`, `--clients` threads send a mix of writes, each with its own
   Idempotency-Key: purchases (unique order ids), refunds of their own earlier purchases
   (a part of one line, or everything left), redemptions (points or a reward, each with
   a transaction_id) and cancellations of their own earlier redemptions. Every request
   is recorded with its answer, or with no answer (connection reset, timeout).
3. Meanwhile a fault thread, every 1 to 4 seconds, either SIGKILLs one uvicorn worker
   or terminates every PostgreSQL backend of the database (`pg_terminate_backend`).
   uvicorn's supervisor starts a new worker for a dead one
   (`Multiprocess.keep_subprocess_alive`, uvicorn 0.54); the next kill waits until the
   new worker has answered a request (its first access line in the server's log, which
   carries its pid), so that one worker at most is down at a time; connections are cut
   meanwhile.
4. Then: faults stop, the server must answer /ready with both workers up, and every
   request that got no answer or a 5xx is sent again with its key and body until it gets
   a final answer (a 409 `idempotency_key_in_use` or a 5xx is retried).
5. The store against the final answers: every purchase, refund and redemption answered
   2xx exists once and nothing else does; cancelled redemptions are those whose
   cancellation was answered 2xx; each effect has its one ledger entry; each member's
   balance − debt = 100 (welcome) + earned − redeemed + cancelled − taken back, summed from
   the answers; the idempotency keys stored are those of the 2xx answers, with their
   status and id; `--resend` of the requests answered 2xx, sent once more, each get their
   stored answer (Idempotent-Replayed) and change nothing; and `patron verify` is clean.

Exit status 1 on anything lost, doubled or inconsistent, a bare 500, or a `verify`
problem. Needs PostgreSQL at 127.0.0.1:5432 (user postgres) and Linux (/proc).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from earn import ADMIN_URL, ROOT, create_db, drop_db, free_port, patron
from sqlalchemy import create_engine, text

DB = "patron_chaos"
WELCOME = 100  # examples/program.toml: welcome_bonus
REWARDS = ("coffee", "gift-wrap", "tree", "vip-evening")
TIMEOUT = 15.0  # seconds a client waits for an answer


@dataclass
class Sent:
    """One write request and what became of it."""

    kind: str  # purchase | refund | redeem | cancel
    path: str
    body: bytes
    key: str
    member: int
    during_faults: bool = True
    first: int | None = None  # status of the first answer; None: no answer
    error: str | None = None  # why there was no answer
    final: int | None = None  # status of the final answer (after replays)
    answer: dict[str, Any] = field(default_factory=dict)
    note: dict[str, Any] = field(default_factory=dict)  # the client's own bookkeeping
    at: float = 0.0  # monotonic time sent
    took: float = 0.0  # seconds until the first answer or the failure
    replays: int = 0
    replayed_stored: bool = False  # the final answer came back as Idempotent-Replayed

    @property
    def settled(self) -> bool:
        return self.final is not None and self.final < 500 and not _in_use(self)


def _in_use(sent: Sent) -> bool:
    return sent.final == 409 and sent.answer.get("code") == "idempotency_key_in_use"


class Client:
    """An HTTP/1.1 keep-alive connection that reconnects after a failure."""

    def __init__(self, port: int, key: str) -> None:
        self.port, self.key = port, key
        self.conn: http.client.HTTPConnection | None = None
        self.retry_after: str | None = None  # the last answer's Retry-After header

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def send(self, sent: Sent) -> tuple[int, dict[str, Any], bool]:
        """(status, body, replayed); raises OSError/HTTPException when there is no answer."""
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=TIMEOUT)
        headers = {
            "Authorization": f"Bearer {self.key}",
            "Idempotency-Key": sent.key,
            "Content-Type": "application/json",
        }
        try:
            self.conn.request("POST", sent.path, sent.body, headers)
            response = self.conn.getresponse()
            raw = response.read()
        except (OSError, http.client.HTTPException):
            self.conn.close()
            self.conn = None
            raise
        self.retry_after = response.getheader("Retry-After")
        if response.getheader("Connection", "").lower() == "close":
            self.conn.close()
            self.conn = None
        try:
            body = json.loads(raw) if raw else {}
        except ValueError:
            body = {"raw": raw.decode(errors="replace")}
        return response.status, body, response.getheader("Idempotent-Replayed") == "true"


# -- the server ----------------------------------------------------------------------------


def start_server(url: str, port: int, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "PATRON_DATABASE_URL": url,
        "PATRON_POOL_SIZE": "8",
        "PATRON_KEY_RATE_LIMIT": "0",
        "PATRON_LOG_LEVEL": "info",  # one access line per request, with the worker's pid
    }
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "patron", "serve", "--host", "127.0.0.1", "--port", str(port)]
            + ["--workers", "2"],
            env=env,
            stdout=out,
            stderr=out,
        )
    if not wait_ready(port, proc, 60):
        proc.kill()
        raise RuntimeError(f"the server did not start; see {log}")
    return proc


def workers(server: subprocess.Popen[bytes]) -> list[int]:
    """The uvicorn worker processes of `server`: its children started by multiprocessing's
    spawn (not its resource tracker)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == server.pid and b"spawn_main" in cmdline:
            found.append(int(entry.name))
    return found


def health(port: int) -> None:
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        conn.request("GET", "/health")
        conn.getresponse().read()
        conn.close()
    except (OSError, http.client.HTTPException):
        pass


def ready(port: int) -> bool:
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        conn.request("GET", "/ready")
        ok = conn.getresponse().status == 200
        conn.close()
        return ok
    except (OSError, http.client.HTTPException):
        return False


def wait_ready(port: int, server: subprocess.Popen[bytes], seconds: float) -> bool:
    """Ready: /ready answers 200 and both workers run."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            return False
        if len(workers(server)) == 2 and ready(port):
            return True
        time.sleep(0.2)
    return False


class ServerLog:
    """The server's log file, read as it grows: when each worker first answered a request
    (its first access line, which carries the worker's pid)."""

    def __init__(self, path: Path) -> None:
        self.path, self.offset = path, 0
        self.first: dict[int, float] = {}  # pid -> wall time of its first answer
        self.errors = 0

    def read(self) -> None:
        with self.path.open("rb") as f:
            f.seek(self.offset)
            chunk = f.read()
        end = chunk.rfind(b"\n") + 1
        self.offset += end
        for line in chunk[:end].decode(errors="replace").splitlines():
            if not line.startswith("{"):
                continue
            record = json.loads(line)
            if record.get("level") == "error":
                self.errors += 1
            if record.get("logger") == "patron.access" and record["pid"] not in self.first:
                self.first[record["pid"]] = datetime.fromisoformat(record["time"]).timestamp()

    def first_served_after(
        self, victim: int, server: subprocess.Popen[bytes], port: int, after: float, seconds: float
    ) -> tuple[int, float] | None:
        """(pid, when) of a worker other than `victim` that first answered after `after`,
        waiting up to `seconds`; a GET /health on a new connection now and then gives it a
        request to answer when the clients have stopped."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if served := self.served_since(victim, server, after):
                return served
            health(port)
            time.sleep(0.1)
        return None

    def served_since(
        self, victim: int, server: subprocess.Popen[bytes], after: float
    ) -> tuple[int, float] | None:
        """(pid, when) of a worker other than `victim` that first answered after `after`."""
        self.read()
        for pid in workers(server):
            if pid != victim and self.first.get(pid, 0.0) > after:
                return pid, self.first[pid]
        return None


# -- faults --------------------------------------------------------------------------------


@dataclass
class Faults:
    kills: int = 0
    terminations: int = 0  # pg_terminate_backend calls
    backends: int = 0  # backends terminated by them
    restarts: list[float] = field(default_factory=list)  # seconds until a new worker served
    not_restarted: int = 0
    events: list[tuple[float, str]] = field(default_factory=list)  # (monotonic time, what)


def inject(
    server: subprocess.Popen[bytes],
    stop: threading.Event,
    rng: random.Random,
    faults: Faults,
    kinds: str,
    log: ServerLog,
    port: int,
) -> None:
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    terminate = text(
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
        " WHERE datname = :db AND pid <> pg_backend_pid()"
    )
    # The supervisor checks its workers every 0.5 s and starts a new one for a dead one. A
    # worker is killed only when both have answered requests since the last kill: on a
    # loaded machine a new worker needs seconds to start, and killing at every fault killed
    # new workers before they ever served, leaving the server without one for half a
    # minute (a test of capacity, not of crash safety). Connections are cut meanwhile.
    down: tuple[int, float] | None = None  # the last victim and when, until its successor serves
    next_fault = time.monotonic() + rng.uniform(1.0, 4.0)
    try:
        while not stop.wait(0.2):
            if down is not None:
                health(port)  # on a new connection: the clients' stay with the old worker
                if served := log.served_since(down[0], server, down[1]):
                    faults.restarts.append(served[1] - down[1])
                    faults.events.append((time.monotonic(), f"worker {served[0]} serves"))
                    down = None
            if time.monotonic() < next_fault:
                continue
            next_fault = time.monotonic() + rng.uniform(1.0, 4.0)
            kill = rng.random() < 0.5 if kinds == "both" else kinds == "kill"
            if kill and down is None:
                alive = workers(server)
                if not alive:
                    continue
                victim = rng.choice(alive)
                os.kill(victim, signal.SIGKILL)
                faults.kills += 1
                down = (victim, time.time())
                faults.events.append((time.monotonic(), f"SIGKILL worker {victim}"))
            elif not kill:
                with admin.connect() as conn:
                    cut = int(conn.execute(terminate, {"db": DB}).scalar_one())
                faults.backends += cut
                faults.terminations += 1
                faults.events.append((time.monotonic(), f"pg_terminate_backend: {cut}"))
        if down is not None:
            served = log.first_served_after(down[0], server, port, down[1], 90)
            if served is None:
                faults.not_restarted += 1
            else:
                faults.restarts.append(served[1] - down[1])
    finally:
        admin.dispose()


# -- the load ------------------------------------------------------------------------------


class Load:
    """What the clients sent, and what each client knows from its answers."""

    def __init__(self, port: int, key: str, seed: int) -> None:
        self.port, self.key, self.seed = port, key, seed
        self.sent: list[Sent] = []
        self.lock = threading.Lock()
        self.occurred_at = (datetime.now(UTC) - timedelta(days=20)).strftime(
            "%Y-%m-%dT%H:%M:%SZ"
        )  # past the 14-day return window: the points are spendable at once

    def run_client(self, n: int, members: list[int], stop: float) -> None:
        rng = random.Random(self.seed * 1000 + n)
        client = Client(self.port, self.key)
        # purchase id -> quantity left per line, for purchases whose answers we have
        refundable: dict[int, dict[int, int]] = {}
        redeemed: list[int] = []  # completed redemptions we may cancel
        while time.monotonic() < stop:
            member = rng.choice(members)
            if rng.random() < 0.02:
                client.close()  # now and then a new connection, which either worker may take
            roll = rng.random()
            if roll < 0.2 and refundable:
                sent, target = self._refund(rng, member, refundable)
            elif roll < 0.3 and redeemed:
                sent, target = self._cancel(rng, member, redeemed)
            elif roll < 0.55:
                sent, target = self._redeem(rng, member), None
            else:
                sent, target = self._purchase(rng, member), None
            with self.lock:
                self.sent.append(sent)
            sent.at = time.monotonic()
            try:
                status, body, _ = client.send(sent)
            except (OSError, http.client.HTTPException) as exc:
                sent.took = time.monotonic() - sent.at
                sent.error = type(exc).__name__
                time.sleep(0.05)
                continue
            sent.took = time.monotonic() - sent.at
            sent.first, sent.answer = status, body
            if status >= 500:
                sent.note["retry_after"] = client.retry_after
                sent.note["code"] = body.get("code")
                time.sleep(0.05)
                continue
            sent.final = status
            if sent.kind == "purchase" and status == 201:
                refundable[int(body["id"])] = dict(sent.note["lines"])
            elif sent.kind == "refund" and status == 201 and target is not None:
                self._returned(sent, refundable, target)
            elif sent.kind == "redeem" and status == 201:
                redeemed.append(int(body["id"]))

    def _purchase(self, rng: random.Random, member: int) -> Sent:
        q1, q2 = rng.randint(1, 3), rng.randint(1, 2)
        body = {
            "member_id": member,
            "order_id": f"chaos-{uuid.uuid4()}",
            "occurred_at": self.occurred_at,
            "currency": "EUR",
            "lines": [
                {"sku": "A1", "category": "books", "quantity": q1, "unit_price": _price(rng)},
                {"sku": "B7", "category": "home", "quantity": q2, "unit_price": _price(rng)},
            ],
        }
        sent = Sent("purchase", "/v1/purchases", json.dumps(body).encode(), _key(), member)
        sent.note = {"lines": {1: q1, 2: q2}}
        return sent

    def _refund(
        self, rng: random.Random, member: int, refundable: dict[int, dict[int, int]]
    ) -> tuple[Sent, int]:
        purchase = rng.choice(list(refundable))
        left = refundable[purchase]
        lines = [n for n, q in left.items() if q > 0]
        if rng.random() < 0.5 and lines:
            line = rng.choice(lines)
            body: dict[str, Any] = {"lines": [{"line_no": line, "quantity": 1}]}
        else:
            body = {}
        body["reason"] = "chaos"
        sent = Sent(
            "refund", f"/v1/purchases/{purchase}/refunds", json.dumps(body).encode(), _key(), 0
        )
        # until its answer is known, what is left of this purchase is not: refund it no more
        sent.note = {"left": refundable.pop(purchase)}
        return sent, purchase

    @staticmethod
    def _returned(sent: Sent, refundable: dict[int, dict[int, int]], purchase: int) -> None:
        left = dict(sent.note["left"])
        asked = json.loads(sent.body).get("lines")
        if asked is None:
            return  # everything returned
        for line in asked:
            left[line["line_no"]] -= line["quantity"]
        if any(q > 0 for q in left.values()):
            refundable[purchase] = left

    def _redeem(self, rng: random.Random, member: int) -> Sent:
        body: dict[str, Any] = {"member_id": member, "transaction_id": f"t-{uuid.uuid4()}"}
        if rng.random() < 0.6:
            body["points"] = rng.randint(100, 400)
        else:
            body["reward_id"] = rng.choice(REWARDS)
        return Sent("redeem", "/v1/redemptions", json.dumps(body).encode(), _key(), member)

    def _cancel(self, rng: random.Random, member: int, redeemed: list[int]) -> tuple[Sent, int]:
        redemption = redeemed.pop(rng.randrange(len(redeemed)))
        body = json.dumps({"reason": "chaos"}).encode()
        return (
            Sent("cancel", f"/v1/redemptions/{redemption}/cancel", body, _key(), member),
            redemption,
        )


def _key() -> str:
    return str(uuid.uuid4())


def _price(rng: random.Random) -> str:
    return f"{rng.randint(500, 4000) / 100:.2f}"


def enroll(port: int, key: str, count: int) -> tuple[list[int], set[str]]:
    """The members' ids, and the idempotency keys their enrollments used."""
    client = Client(port, key)
    ids, keys = [], set()
    for i in range(count):
        body = json.dumps({"external_id": f"chaos-{i}"}).encode()
        sent = Sent("enroll", "/v1/members", body, _key(), 0)
        status, answer, _ = client.send(sent)
        assert status == 201, (status, answer)
        ids.append(int(answer["id"]))
        keys.add(sent.key)
    return ids, keys


def replay(port: int, key: str, pending: list[Sent], seconds: float) -> int:
    """Send each request again with its key and body until it gets a final answer; the
    number of requests still without one."""
    client = Client(port, key)
    unsettled = 0
    for sent in pending:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            sent.replays += 1
            try:
                status, body, stored = client.send(sent)
            except (OSError, http.client.HTTPException):
                time.sleep(0.5)
                continue
            sent.final, sent.answer, sent.replayed_stored = status, body, stored
            if sent.settled:
                break
            time.sleep(0.5)
        else:
            unsettled += 1
    return unsettled


def resend(port: int, key: str, answered: list[Sent]) -> list[str]:
    """Send requests already answered 2xx once more: each must come back as the stored
    answer (Idempotent-Replayed, the same status and body) and change nothing."""
    client = Client(port, key)
    problems = []
    for sent in answered:
        status, body, stored = client.send(sent)
        if (status, body, stored) != (sent.final, sent.answer, True):
            problems.append(
                f"idempotency key {sent.key} sent again: {status} {body} (replayed: {stored}),"
                f" first {sent.final} {sent.answer}"
            )
    return problems


# -- the checks ----------------------------------------------------------------------------


@dataclass
class Check:
    lost: list[str] = field(default_factory=list)
    doubled: list[str] = field(default_factory=list)
    other: list[str] = field(default_factory=list)


def check_store(url: str, sent: list[Sent], members: list[int], enrolled: set[str]) -> Check:
    result = Check()
    ok = [s for s in sent if s.final is not None and 200 <= s.final < 300]
    engine = create_engine(url)
    with engine.connect() as conn:

        def rows(sql: str) -> list[Any]:
            return list(conn.execute(text(sql)))

        purchases = {r.order_id: r for r in rows("SELECT id, order_id FROM purchases")}
        refunds = {r.id: r for r in rows("SELECT id, points_taken_back FROM refunds")}
        redemptions = {r.id: r for r in rows("SELECT id, status FROM redemptions")}
        balances = {r.id: r for r in rows("SELECT id, balance, debt FROM members")}
        entries = Counter(
            (r.kind, r.purchase_id, r.refund_id, r.redemption_id)
            for r in rows(
                "SELECT kind, purchase_id, refund_id, redemption_id FROM ledger_entries"
                " WHERE kind IN ('earn', 'refund', 'redeem', 'redeem_cancel')"
            )
        )
        stored = {
            r.key: r
            for r in rows("SELECT key, response_status, response_body FROM idempotency_keys")
            if r.key not in enrolled
        }
    engine.dispose()

    def compare(what: str, answered: set[Any], found: set[Any]) -> None:
        for missing in sorted(answered - found, key=str):
            result.lost.append(f"{what} {missing}: answered 2xx, not in the store")
        for extra in sorted(found - answered, key=str):
            result.doubled.append(f"{what} {extra}: in the store, never answered 2xx")

    by_kind: dict[str, list[Sent]] = defaultdict(list)
    for s in ok:
        by_kind[s.kind].append(s)
    order_ids = {json.loads(s.body)["order_id"]: s for s in by_kind["purchase"]}
    compare("order", set(order_ids), set(purchases))
    for order, s in order_ids.items():
        if order in purchases and purchases[order].id != s.answer["id"]:
            result.other.append(
                f"order {order}: answered id {s.answer['id']}, stored id {purchases[order].id}"
            )
    compare("refund", {s.answer["id"] for s in by_kind["refund"]}, set(refunds))
    new_redemptions = [s for s in by_kind["redeem"] if s.final == 201]
    compare("redemption", {s.answer["id"] for s in new_redemptions}, set(redemptions))
    repeated = [s for s in by_kind["redeem"] if s.final == 200]
    for s in repeated:
        result.other.append(f"redemption {s.answer['id']}: answered 200 (an earlier one)")
    compare(
        "cancellation of redemption",
        {s.answer["id"] for s in by_kind["cancel"]},
        {i for i, r in redemptions.items() if r.status == "cancelled"},
    )

    # one ledger entry per effect
    expected: Counter[tuple[Any, ...]] = Counter()
    for s in by_kind["purchase"]:
        if s.answer["points_earned"] > 0:
            expected[("earn", s.answer["id"], None, None)] += 1
    for s in by_kind["refund"]:
        if s.answer["points_taken_back"] - s.answer["debt"] > 0:
            expected[("refund", s.answer["purchase_id"], s.answer["id"], None)] += 1
    for s in new_redemptions:
        expected[("redeem", None, None, s.answer["id"])] += 1
    for s in by_kind["cancel"]:
        expected[("redeem_cancel", None, None, s.answer["id"])] += 1
    for entry in set(expected) | set(entries):
        want, got = expected[entry], entries[entry]
        if got < want:
            result.lost.append(f"ledger entry {entry}: {got} in the store, {want} answered")
        elif got > want:
            result.doubled.append(f"ledger entry {entry}: {got} in the store, {want} answered")

    # each member's points from the answers: balance - debt
    net = dict.fromkeys(members, WELCOME)
    for s in by_kind["purchase"]:
        net[s.answer["member_id"]] += s.answer["points_earned"]
    for s in by_kind["refund"]:
        net[s.answer["member_id"]] -= s.answer["points_taken_back"]
    for s in new_redemptions:
        net[s.answer["member_id"]] -= s.answer["points"]
    for s in by_kind["cancel"]:
        net[s.answer["member_id"]] += s.answer["points"]
    for m, points in net.items():
        row = balances[m]
        if int(row.balance) - int(row.debt) != points:
            result.other.append(
                f"member {m}: balance {row.balance} - debt {row.debt} in the store,"
                f" {points} from the answers"
            )

    # idempotency keys: exactly those of the 2xx answers, each with its answer
    answered_keys = {s.key: s for s in ok}
    compare("idempotency key", set(answered_keys), set(stored))
    for k, s in answered_keys.items():
        if k in stored:
            row = stored[k]
            body = json.loads(row.response_body)
            if int(row.response_status) != s.final or body.get("id") != s.answer.get("id"):
                result.other.append(
                    f"idempotency key {k}: stored {row.response_status} id {body.get('id')},"
                    f" answered {s.final} id {s.answer.get('id')}"
                )
    refused = {s.key for s in sent if s.settled and s.final is not None and s.final >= 400}
    for k in refused & set(stored):
        result.doubled.append(f"idempotency key {k}: answered 4xx but stored")
    return result


# -- main ----------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--members", type=int, default=200)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument(
        "--resend", type=int, default=300, help="answered requests to send once more at the end"
    )
    parser.add_argument(
        "--faults", choices=("both", "kill", "terminate"), default="both", help="which faults"
    )
    parser.add_argument(
        "--timeline", action="store_true", help="print the faults and the failed requests in time"
    )
    parser.add_argument("--keep-db", action="store_true", help="leave the database for a look")
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.randrange(1_000_000)
    url = create_db(DB)
    log = Path(tempfile.gettempdir()) / f"patron-chaos-{seed}.log"
    log.unlink(missing_ok=True)
    port = free_port()
    started = datetime.now(UTC)
    load_before = os.getloadavg()
    try:
        patron(["program", "load", str(ROOT / "examples" / "program.toml")], url)
        key = patron(["apikey", "create", "--scope", "pos", "--name", "chaos"], url)
        server = start_server(url, port, log)
        try:
            members, enrolled = enroll(port, key, args.members)
            load = Load(port, key, seed)
            faults = Faults()
            server_log = ServerLog(log)
            stop_faults = threading.Event()
            fault_thread = threading.Thread(
                target=inject,
                args=(
                    server,
                    stop_faults,
                    random.Random(seed),
                    faults,
                    args.faults,
                    server_log,
                    port,
                ),
            )
            stop = time.monotonic() + args.seconds
            faults.events.append((time.monotonic(), "start"))
            clients = [
                threading.Thread(target=load.run_client, args=(n, members[n :: args.clients], stop))
                for n in range(args.clients)
            ]
            fault_thread.start()
            for thread in clients:
                thread.start()
            for thread in clients:
                thread.join()
            stop_faults.set()
            fault_thread.join()
            load_during = os.getloadavg()
            if not wait_ready(port, server, 60):
                print(f"the server is not ready 60 s after the faults; see {log}")
                return 1
            pending = [s for s in load.sent if not s.settled]
            unsettled = replay(port, key, pending, 60)
            answered = [s for s in load.sent if s.final is not None and 200 <= s.final < 300]
            again = random.Random(seed).sample(answered, min(args.resend, len(answered)))
            resent = resend(port, key, again)
        finally:
            server.terminate()
            server.wait(30)
        check = check_store(url, load.sent, members, enrolled)
        check.doubled += resent
        resent_figures = (len(again), len(resent))
        verify = subprocess.run(
            [sys.executable, "-m", "patron", "verify"],
            env={**os.environ, "PATRON_DATABASE_URL": url},
            capture_output=True,
            text=True,
        )
    finally:
        if not args.keep_db:
            drop_db(DB)
    return report(
        args,
        seed,
        started,
        load_before,
        load_during,
        load.sent,
        faults,
        pending,
        unsettled,
        check,
        verify,
        log,
        resent_figures,
    )


def report(
    args: argparse.Namespace,
    seed: int,
    started: datetime,
    load_before: tuple[float, float, float],
    load_during: tuple[float, float, float],
    sent: list[Sent],
    faults: Faults,
    pending: list[Sent],
    unsettled: int,
    check: Check,
    verify: subprocess.CompletedProcess[str],
    log: Path,
    resent: tuple[int, int],
) -> int:
    kinds = Counter(s.kind for s in sent)
    first = Counter(s.first for s in sent if s.first is not None)
    five = Counter(s.first for s in sent if s.first is not None and s.first >= 500)
    errors = Counter(s.error for s in sent if s.error is not None)
    final = Counter(s.final for s in sent)
    stored = sum(1 for s in pending if s.replayed_stored)
    applied_now = sum(
        1 for s in pending if s.settled and not s.replayed_stored and (s.final or 500) < 300
    )
    restarts = sorted(faults.restarts)
    median = restarts[len(restarts) // 2] if restarts else float("nan")
    bare_500 = sum(1 for s in sent if s.first == 500 or s.final == 500)
    log_errors = sum(
        1 for line in log.read_text(errors="replace").splitlines() if '"level": "error"' in line
    )
    print(
        f"chaos: {args.seconds} s, {args.clients} clients, {args.members} members, seed {seed},"
        f" started {started:%Y-%m-%d %H:%M} UTC, load {load_before[0]:.1f} -> {load_during[0]:.1f}"
    )
    print(f"requests sent: {len(sent)} ({', '.join(f'{k} {v}' for k, v in sorted(kinds.items()))})")
    print(f"first answers by status: {dict(sorted(first.items()))}")
    print(
        f"faults: {faults.kills} worker kills (SIGKILL; uvicorn's new worker answered"
        f" {median:.1f} s after the kill (median), {max(restarts, default=0):.1f} s at most,"
        f" {faults.not_restarted} times not within 90 s),"
        f" {faults.terminations} pg_terminate_backend rounds ({faults.backends} backends)"
    )
    advised = sum(
        1
        for s in sent
        if s.first == 503
        and s.note.get("code") == "store_unavailable"
        and s.note.get("retry_after") is not None
    )
    print(
        f"5xx during faults: {sum(five.values())} {dict(sorted(five.items()))};"
        f" {advised} of them 503 store_unavailable with Retry-After"
    )
    print(f"no answer: {sum(errors.values())} {dict(sorted(errors.items()))}")
    print(
        f"replayed: {len(pending)} requests, {sum(s.replays for s in pending)} sends;"
        f" {stored} answered from the stored answer (applied the first time),"
        f" {applied_now} applied at the replay, {unsettled} without a final answer"
    )
    print(
        f"sent once more: {resent[0]} requests answered 2xx, {resent[0] - resent[1]} of them"
        " answered again from their stored answer"
    )
    print(f"final answers by status: {dict(sorted(final.items(), key=lambda kv: str(kv[0])))}")
    if args.timeline:
        timeline(sent, faults)
    print(f"lost: {len(check.lost)}")
    print(f"doubled: {len(check.doubled)}")
    print(f"other mismatches: {len(check.other)}")
    print(f"bare 500s: {bare_500}; server log error lines: {log_errors} ({log})")
    clean = verify.returncode == 0
    print(f"verify: {'clean' if clean else 'PROBLEMS'} ({verify.stdout.strip().splitlines()[-1:]})")
    for line in (check.lost + check.doubled + check.other)[:30]:
        print("  " + line)
    if not clean:
        print(verify.stdout + verify.stderr)
    failed = check.lost or check.doubled or check.other or not clean or unsettled or bare_500
    return 1 if failed or faults.not_restarted else 0


def timeline(sent: list[Sent], faults: Faults) -> None:
    """The faults and the requests that failed or took over a second, in time."""
    start = faults.events[0][0]
    rows = list(faults.events[1:])
    for s in sent:
        if s.error is not None or (s.first or 0) >= 500 or s.took > 1:
            what = s.error or str(s.first)
            rows.append((s.at, f"  {s.kind} {what} after {s.took:.2f} s"))
    for at, what in sorted(rows):
        print(f"{at - start:7.2f} {what}")


if __name__ == "__main__":
    sys.exit(main())
