"""A campaign to N members end to end (audience query and enqueue, then the worker's
rendering and hand-over to a local SMTP sink), against a bare `smtplib` loop sending
the same number of pre-rendered messages to the same sink in the same run (issue 16).

Prints the two phases of the campaign (run: audience query, holdout draw and enqueue;
delivery: the worker's claim, prepare, render, send and record), the campaign's
end-to-end rate, the bare loop's rate and the ratio (target ≥ 0.5). Fails (exit 1) when
the sink did not count every message or a message is not `sent`.

    python bench/campaign.py -n 5000                 # SQLite in a temporary folder
    python bench/campaign.py                         # 100,000 members
    python bench/campaign.py --postgres              # PostgreSQL at 127.0.0.1 (a fresh database)

The sink is aiosmtpd in a process of its own: it counts the messages and drops them.
The members are written in bulk (one e-mail address and a granted e-mail marketing
consent each), the example program loaded so that their fields (balance, tier, the
recommended reward) can be read; the template uses those fields and inlined CSS.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import smtplib
import socket
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, insert, select  # noqa: E402

from patron.bootstrap import Patron  # noqa: E402
from patron.delivery import DeliveryOptions, MessageDelivery, Senders  # noqa: E402
from patron.domain.messages import CONSENT_PURPOSE, Channel  # noqa: E402
from patron.engage.channels.mail import Message, SmtpSender, SmtpServer, wire  # noqa: E402
from patron.engage.render import choose, render  # noqa: E402
from patron.services import campaigns as camp  # noqa: E402
from patron.services.program import load_program  # noqa: E402
from patron.store import tables as t  # noqa: E402

FROM = "Shop <no-reply@shop.example>"
BASE = "https://loyalty.shop.example"
CONTENT = {
    "A": {
        "subject": "{{ member.first_name }}, {{ member.balance }} points are waiting",
        "text": (
            "Hello {{ member.first_name }},\n\nyou have {{ member.balance }} points"
            " ({{ member.tier }}).\n{% if reward %}Enough for: {{ reward.name }}.{% endif %}\n"
            "Unsubscribe: {{ unsubscribe_url }}\n"
        ),
        "html": (
            "<html><head><style>h1 { color: #1f5f8b; font-size: 20px }"
            " p.points { font-weight: bold } a.out { color: #888 }</style></head><body>"
            "<h1>Hello {{ member.first_name }}</h1>"
            '<p class="points">{{ member.balance }} points, {{ member.tier }}</p>'
            "{% if reward %}<p>Enough for: {{ reward.name }}</p>{% endif %}"
            '<p><a href="{{ portal_url }}">Your account</a></p>'
            '<p><a class="out" href="{{ unsubscribe_url }}">Unsubscribe</a></p>'
            "</body></html>"
        ),
    }
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _sink(port: int, count: Any, ready: Any) -> None:
    """aiosmtpd on `port`: counts each message, keeps nothing."""
    from aiosmtpd.controller import Controller

    class Counter:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
            with count.get_lock():
                count.value += 1
            return "250 OK"

    controller = Controller(Counter(), hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    try:
        while True:
            time.sleep(3600)
    finally:
        controller.stop()


def members(patron: Patron, n: int) -> None:
    """`n` members in bulk, each with an address and a granted e-mail marketing consent."""
    with patron.uow() as uow:
        now = uow.now
        conn = uow.connection
        first = int(conn.execute(select(func.coalesce(func.max(t.members.c.id), 0))).scalar())
        purpose = CONSENT_PURPOSE[Channel.EMAIL]
        for start in range(0, n, 10_000):
            ids = range(first + 1 + start, first + 1 + min(n, start + 10_000))
            conn.execute(
                insert(t.members),
                [
                    {
                        "id": i,
                        "external_id": f"m-{i}",
                        "email": f"m{i}@shop.example",
                        "name": f"Member{i} Pop",
                        "tier": "Bronze",
                        "tier_since": now,
                        "enrolled_at": now - timedelta(days=i % 700),
                        "referral_code": f"R{i:09d}",
                        "balance": 0,
                        "debt": 0,
                        "purchase_count": 0,
                        "lifetime_spend": 0,
                    }  # fmt: skip
                    for i in ids
                ],
            )
            conn.execute(
                insert(t.consents),
                [
                    {
                        "member_id": i,
                        "purpose": purpose,
                        "granted": True,
                        "recorded_at": now,
                        "source": "api",
                    }  # fmt: skip
                    for i in ids
                ],
            )
        uow.commit()


def bare_loop(port: int, messages: list[tuple[str, str, bytes]]) -> float:
    """The baseline: one connection, `sendmail` per pre-rendered message; seconds."""
    started = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
        for sender, to, data in messages:
            smtp.sendmail(sender, [to], data)
    return time.perf_counter() - started


def prerendered(patron: Patron, n: int) -> list[tuple[str, str, bytes]]:
    """`n` messages as the campaign's template renders them (fixed fields), as the bytes
    the worker's sender writes (untimed: the loop sends them ready)."""
    with patron.uow() as uow:
        stored = uow.deliveries.templates("campaign/1/A")
    template = choose("campaign/1/A", "en", stored)
    out = []
    for i in range(n):
        fields = {
            "member": {"first_name": f"Member{i}", "name": f"Member{i} Pop", "balance": 0,
                       "tier": "Bronze"},
            "reward": None, "portal_url": f"{BASE}/portal",
            "unsubscribe_url": f"{BASE}/u/u.{i}.marketing.{i}.0.abcdefabcdef",
        }  # fmt: skip
        done = render("campaign/1/A", template, fields)
        message = Message(f"m{i}@shop.example", done.subject, done.text, done.html)
        _, _, data = wire(message, FROM, patron.clock())
        out.append((FROM, f"m{i}@shop.example", data))
    return out


def database(postgres: bool, folder: str) -> str:
    if not postgres:
        return f"sqlite:///{folder}/patron.db"
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1/postgres", autocommit=True) as c:
        c.execute("DROP DATABASE IF EXISTS bench_campaign")
        c.execute("CREATE DATABASE bench_campaign")
    return "postgresql+psycopg://postgres@127.0.0.1/bench_campaign"


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("-n", "--members", type=int, default=100_000)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--batch", type=int, default=200, help="the worker's batch")
    args = parser.parse_args()
    n = args.members
    folder = tempfile.mkdtemp(prefix="patron-campaign-bench-")
    url = database(args.postgres, folder)
    print(f"store {url.split(':')[0]}, {n} members, batch {args.batch}, load {os.getloadavg()}")
    patron = Patron.from_url(url)
    patron.migrate()
    program = (ROOT / "examples" / "program.toml").read_text()
    patron.run(lambda uow, s: load_program(uow, s, "bench"), program)
    started = time.perf_counter()
    members(patron, n)
    print(f"members written: {time.perf_counter() - started:.1f} s")
    spec = camp.CampaignSpec("bench", audience={}, holdout_share="0", salt="bench")
    created = patron.run(camp.create_campaign, camp.CreateCampaign(spec, "bench", CONTENT))
    ref = str(created.campaign.id)

    count = mp.Value("q", 0)
    ready = mp.Event()
    port = free_port()
    sink = mp.Process(target=_sink, args=(port, count, ready), daemon=True)
    sink.start()
    ready.wait(30)
    try:
        # the campaign: run (audience query, draw, enqueue), then the worker's delivery
        started = time.perf_counter()
        patron.run(camp.launch_campaign, camp.LaunchCampaign(ref, "bench"))
        record = patron.run(camp.run_campaign, camp.RunCampaign(ref, "bench"))
        ran = time.perf_counter() - started
        sender = SmtpSender(SmtpServer.parse(f"smtp://127.0.0.1:{port}"), FROM, keep=True)
        options = DeliveryOptions(base_url=BASE, batch=args.batch)
        delivery = MessageDelivery(patron, Senders(sender), options)
        begun = time.perf_counter()
        while delivery.step():
            pass
        close = getattr(sender, "close", None)
        if close is not None:
            close()
        delivered = time.perf_counter() - begun
        campaign_count = count.value
        total = ran + delivered
        rate = n / total
        print(
            f"campaign: run (audience, draw, enqueue {record.queued}) {ran:.2f} s;"
            f" delivery {delivered:.2f} s ({n / delivered:,.0f} msg/s);"
            f" end to end {total:.2f} s, {rate:,.0f} msg/s; counts {delivery.counts};"
            f" SMTP connections {sender.connections}"
        )
        # the baseline: the same number of messages, pre-rendered, one connection
        messages = prerendered(patron, n)
        before = count.value
        seconds = bare_loop(port, messages)
        bare = n / seconds
        print(f"bare smtplib loop: {seconds:.2f} s, {bare:,.0f} msg/s")
        print(f"ratio (campaign end to end / bare loop): {rate / bare:.2f}")
        print(f"load after: {os.getloadavg()}")
        sent = patron.read(lambda uow, c: uow.messages.counts(c), int(ref))
        print(f"sink counted {campaign_count} (campaign), {count.value - before} (bare); {sent}")
        ok = campaign_count == n and count.value - before == n and sent.get("sent") == n
    finally:
        sink.terminate()
        patron.dispose()
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
