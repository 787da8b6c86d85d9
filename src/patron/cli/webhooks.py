"""`patron webhooks …` and `patron worker`: subscriptions for other systems, their delivery
log and replays; the outbox consumer and its backlog (docs/webhooks.md).

`patron webhooks add` prints the subscription's secret once, alone on stdout, so a script
can capture it; it is never shown again.
"""

from __future__ import annotations

import json
import signal
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

import typer

from patron.cli.cards import FormatOpt, _emit
from patron.cli.common import DbOption, cli_actor, fail, guard, load_settings, open_patron

webhooks_app = typer.Typer(
    help="Webhooks: subscribe other systems to events, the delivery log, replays.",
    no_args_is_help=True,
)
# a claim's size by default: webhooks go out concurrently, recorded a batch at a time
# (bench/README.md, outbox lag); the message core sends one at a time (delivery.py)
WEBHOOK_BATCH, MESSAGE_BATCH = 200, 20

worker_app = typer.Typer(
    help="The outbox consumer: deliver events to the webhook subscriptions; run the journeys.",
    invoke_without_command=True,
)


def _plain(value: Any) -> Any:
    return value.isoformat(sep=" ") if hasattr(value, "isoformat") else value


@webhooks_app.command("add")
def add(
    url: Annotated[str, typer.Argument(help="the receiver's http(s) URL")],
    event: Annotated[
        list[str], typer.Option("--event", help="an event type (repeat), or * for every one")
    ],
    description: Annotated[str, typer.Option(help="what the receiver is")] = "",
    database_url: DbOption = None,
) -> None:
    """Subscribe a URL to event types; prints the signing secret once (stdout). Audited."""
    from patron.services.webhooks import AddWebhook, add_webhook

    command = AddWebhook(url, event, cli_actor(), description)
    with open_patron(database_url) as patron:
        new = guard(lambda: patron.run(add_webhook, command))
    sub = new.subscription
    types = ", ".join(sub.event_types)
    print(f"webhook {sub.id}: {sub.url} for {types}; its secret (shown once):", file=sys.stderr)
    typer.echo(new.secret)


@webhooks_app.command("list")
def list_(fmt: FormatOpt = "table", database_url: DbOption = None) -> None:
    """The active subscriptions (without their secrets)."""
    from patron.services.webhooks import webhooks

    with open_patron(database_url) as patron:
        subs = patron.read(webhooks)
    rows = [
        {
            "id": s.id,
            "url": s.url,
            "event_types": " ".join(s.event_types),
            "description": s.description,
            "created_at": _plain(s.created_at),
            "created_by": s.created_by,
        }
        for s in subs
    ]
    _emit(rows, fmt, "Webhook subscriptions")


@webhooks_app.command("remove")
def remove(
    subscription: Annotated[int, typer.Argument(help="the subscription's id")],
    database_url: DbOption = None,
) -> None:
    """Switch a subscription off; its waiting deliveries become dead letters. Audited."""
    from patron.services.webhooks import RemoveWebhook, remove_webhook

    with open_patron(database_url) as patron:
        dead = guard(lambda: patron.run(remove_webhook, RemoveWebhook(subscription, cli_actor())))
    typer.echo(f"webhook {subscription} removed; {dead} waiting deliveries dead-lettered")


@webhooks_app.command("deliveries")
def deliveries_cmd(
    state: Annotated[str | None, typer.Option(help="pending, sending, delivered or dead")] = None,
    subscription: Annotated[int | None, typer.Option(help="one subscription's")] = None,
    delivery: Annotated[
        int | None, typer.Option(help="one delivery's attempts (the delivery log)")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000)] = 50,
    fmt: FormatOpt = "table",
    database_url: DbOption = None,
) -> None:
    """The latest deliveries (newest first), or with --delivery the attempts of one."""
    from patron.services.webhooks import ListDeliveries, attempts, deliveries

    with open_patron(database_url) as patron:
        if delivery is not None:
            rows = [
                {k: _plain(v) for k, v in asdict(a).items()}
                for a in patron.read(attempts, delivery)
            ]
            _emit(rows, fmt, f"Attempts of delivery {delivery}")
            return
        query = ListDeliveries(state, subscription, limit)
        found = guard(lambda: patron.read(deliveries, query))
    _emit([{k: _plain(v) for k, v in asdict(d).items()} for d in found], fmt, "Deliveries")


@webhooks_app.command("replay")
def replay_cmd(
    delivery: Annotated[
        list[int] | None, typer.Argument(help="delivery ids (none: give --dead)")
    ] = None,
    dead: Annotated[bool, typer.Option("--dead", help="every dead letter")] = False,
    database_url: DbOption = None,
) -> None:
    """Send deliveries again from a first attempt (same webhook-id). Audited."""
    from patron.services.webhooks import Replay, replay

    if bool(delivery) == dead:
        fail("replay: name delivery ids, or give --dead for every dead letter (not both)")
    command = Replay(None if dead else list(delivery or []), cli_actor())
    with open_patron(database_url) as patron:
        count = guard(lambda: patron.run(replay, command))
    typer.echo(f"{count} deliveries pending again")


@worker_app.callback()
def worker(
    ctx: typer.Context,
    batch: Annotated[
        int | None,
        typer.Option(
            min=1, max=1000, help="deliveries per claim (default: 200 webhooks, 20 messages)"
        ),
    ] = None,
    concurrency: Annotated[
        int, typer.Option(min=1, max=64, help="webhook requests on the wire at once")
    ] = 8,
    max_attempts: Annotated[int, typer.Option(min=1, max=100)] = 8,
    backoff: Annotated[float, typer.Option(min=0, help="first retry's delay, seconds")] = 10.0,
    backoff_cap: Annotated[float, typer.Option(min=0, help="longest delay, seconds")] = 3600.0,
    timeout: Annotated[float, typer.Option(min=0.1, help="HTTP timeout, seconds")] = 10.0,
    poll: Annotated[float, typer.Option(min=0.01, help="idle wait, seconds")] = 1.0,
    lease: Annotated[
        float | None,
        typer.Option(
            min=0.1, help="seconds a claim is held (default: 2×timeout×(batch/concurrency+1)+30)"
        ),
    ] = None,
    until_idle: Annotated[
        bool, typer.Option("--until-idle", help="stop when nothing is left to do now")
    ] = False,
    database_url: DbOption = None,
) -> None:
    """Deliver the outbox's events to the webhook subscriptions and send the queued
    messages (e-mail, SMS, push: docs/messages.md) until SIGTERM or Ctrl-C. Several
    workers may run on PostgreSQL; on SQLite one per store."""
    if ctx.invoked_subcommand is not None:
        return
    from datetime import timedelta

    from patron.domain.webhooks import RetryPolicy
    from patron.engage.channels.webhooks import HttpSender
    from patron.worker import Worker, WorkerOptions

    policy = RetryPolicy(max_attempts, timedelta(seconds=backoff), timedelta(seconds=backoff_cap))
    options = WorkerOptions(
        batch or WEBHOOK_BATCH,
        poll_seconds=poll,
        timeout_seconds=timeout,
        policy=policy,
        lease_seconds=lease,
        concurrency=concurrency,
    )
    settings = load_settings()
    url = database_url or settings.database_url
    with open_patron(url) as patron:
        single = patron.engine.dialect.name == "sqlite"
        lock = _single_worker_lock(url) if single else None
        sender = HttpSender(timeout, connections=concurrency)
        messages = message_delivery(patron, settings, batch or MESSAGE_BATCH)
        running = Worker(patron, sender, options, single=single, messages=messages)
        signal.signal(signal.SIGTERM, lambda *_: running.stop())
        signal.signal(signal.SIGINT, lambda *_: running.stop())
        print("worker: delivering (SIGTERM stops it after the messages in flight)", file=sys.stderr)
        counts = running.run(until_idle=until_idle)
        sender.close()
        for text in (messages.senders.sms, messages.senders.push):
            if text is not None:
                text.close()
        if lock is not None:
            lock.close()
    typer.echo(json.dumps({**asdict(counts), "messages": asdict(messages.counts)}))


def message_delivery(patron: Any, settings: Any, batch: int) -> Any:
    """The worker's message delivery from the settings: the mail sender of the portal,
    SMS and push providers when configured, links to PATRON_PUBLIC_URL (without it, to
    this machine's `patron serve`: the demo's case)."""
    from patron.delivery import DeliveryOptions, MessageDelivery, Senders
    from patron.engage.channels.mail import mail_sender
    from patron.engage.channels.text import HttpTextSender

    smtp = settings.smtp_url.get_secret_value() if settings.smtp_url is not None else None
    try:
        mail = mail_sender(
            smtp,
            sender=settings.mail_from,
            mailbox=settings.mailbox,
            timeout=settings.smtp_timeout,
            clock=patron.clock,
            keep=True,
        )
    except ValueError as exc:
        fail(str(exc))

    def text(url: str | None, token: Any) -> HttpTextSender | None:
        if not url:
            return None
        secret = token.get_secret_value() if token is not None else None
        return HttpTextSender(url, secret, timeout=settings.text_timeout)

    senders = Senders(
        mail,
        text(settings.sms_url, settings.sms_token),
        text(settings.push_url, settings.push_token),
    )
    options = DeliveryOptions(
        base_url=settings.public_url or f"http://127.0.0.1:{settings.port}",
        default_locale=settings.locale,
        marketing_from=settings.mail_from_marketing,
        unsubscribe_mailto=settings.unsubscribe_mailto,
        batch=batch,
    )
    return MessageDelivery(patron, senders, options)


def _single_worker_lock(url: str) -> Any:
    """SQLite takes one writer at a time: a second worker on the same store is refused.
    An exclusive lock on a file beside the store, which the system frees with the process
    (even killed)."""
    import fcntl

    from sqlalchemy import make_url

    database = make_url(url).database or ""
    path = Path(f"{database}.worker.lock") if database and database != ":memory:" else None
    if path is None:
        return None
    handle = path.open("a")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        fail(
            f"another `patron worker` runs on {database}: SQLite takes one worker per store"
            " (PostgreSQL takes several); stop it first"
        )
    return handle


@worker_app.command("status")
def status(
    as_json: Annotated[bool, typer.Option("--json")] = False, database_url: DbOption = None
) -> None:
    """The backlog: events not yet published, the oldest one's age, webhook deliveries by
    state, and messages due, deferred to later and left sending by a worker that died."""
    from patron.services.health import delivery_lag
    from patron.services.webhooks import backlog

    with open_patron(database_url) as patron:
        facts = patron.read(backlog)
        lag = patron.read(delivery_lag, patron.clock())
    document = {
        "events_waiting": facts.events,
        "oldest_age_seconds": round(lag.oldest_event_age, 1),
        "pending": facts.pending,
        "sending": facts.sending,
        "dead": facts.dead,
        "messages_due": lag.messages_due,
        "messages_oldest_due_age_seconds": round(lag.oldest_message_age, 1),
        "messages_later": lag.messages_later,
        "messages_stuck": lag.messages_stuck,
    }
    if as_json:
        typer.echo(json.dumps(document))
        return
    for name, value in document.items():
        typer.echo(f"{name.replace('_', ' ')}: {value}")
