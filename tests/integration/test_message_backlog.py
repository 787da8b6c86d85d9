"""What waits to be sent, as `patron worker status` and /metrics show it, on both stores:
messages due (queued, or deferred to a time now past), waiting for later, left `sending`
by a worker that died, and the age of the oldest that should have gone by now, counted
from when it was asked (so that it grows while SMTP is down)."""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine

from patron.api.app import create_app
from patron.bootstrap import Patron
from patron.domain.consent import ConsentSource
from patron.domain.messages import Channel, Kind, Outgoing
from patron.services import messages as core
from patron.services.consents import record_consent
from patron.services.health import DeliveryLag, delivery_lag
from tests.conftest import Clock, make_patron
from tests.e2e.test_observability import scrape, value
from tests.integration.helpers import member


def _ask(patron: Patron, member_id: int, key: str, minutes_later: int = 0) -> None:
    when = patron.clock() + timedelta(minutes=minutes_later)
    outgoing = Outgoing(
        member_id, Channel.EMAIL, "campaign/1/A", key, Kind.MARKETING, not_before=when
    )
    assert patron.run(core.enqueue, outgoing).refused is None


def test_the_backlog_counts_due_later_and_stuck_messages_and_the_oldest_wait(
    patron: Patron, clock: Clock
) -> None:
    # given Ana, who said yes to e-mail; nothing asked yet: nothing waits
    ana = member(patron, "ana", email="ana@example.com")
    patron.run(lambda uow, m: record_consent(uow, m, True, ConsentSource.API), ana)
    assert patron.read(delivery_lag, clock()) == DeliveryLag(0.0, 0, 0, 0.0, 0, 0)
    # when three messages are asked at 09:00 (one for 09:30), and a worker claims the
    # first at 09:05 with a lease of 2 minutes and dies; at 09:10 two more are asked
    start = clock()
    _ask(patron, ana, "a")
    _ask(patron, ana, "b")
    _ask(patron, ana, "c", minutes_later=30)
    clock.advance(minutes=5)
    with patron.uow() as uow:
        [claimed] = uow.deliveries.claim(clock(), clock() + timedelta(minutes=2), 1)
        uow.commit()
    clock.advance(minutes=5)
    _ask(patron, ana, "d")
    # then at 09:10: b (due since 09:00) and d (since 09:10) are due, the soonest-due
    # waiting 600 s; c waits for 09:30; a is stuck (its lease ran out at 09:07)
    lag = patron.read(delivery_lag, clock())
    assert claimed.template == "campaign/1/A" and clock() - start == timedelta(minutes=10)
    assert (lag.messages_due, lag.oldest_message_age) == (2, 600.0)
    assert (lag.messages_later, lag.messages_stuck) == (1, 1)
    # and at 09:30 c is due too, and the oldest wait is 30 minutes
    clock.advance(minutes=20)
    lag = patron.read(delivery_lag, clock())
    assert (lag.messages_due, lag.oldest_message_age, lag.messages_later) == (3, 1800.0, 0)
    # when SMTP is down: every due message is tried, fails and is deferred an hour
    with patron.uow() as uow:
        for failed in uow.deliveries.claim(clock(), clock() + timedelta(minutes=2), 10):
            later = clock() + timedelta(hours=1)
            uow.deliveries.finish(failed, "deferred", not_before=later, error="421 busy")
        uow.commit()
    clock.advance(minutes=1)
    # then none is due, all four wait for later, and the oldest has waited since 09:00:
    # the age keeps growing while SMTP stays down (31 minutes at 09:31)
    lag = patron.read(delivery_lag, clock())
    assert (lag.messages_due, lag.messages_later, lag.messages_stuck) == (0, 4, 0)
    assert lag.oldest_message_age == 31 * 60
    # and /metrics says the same
    with TestClient(create_app(patron)) as client:
        samples = scrape(client)
    assert value(samples, "patron_messages_due") == 0
    assert value(samples, "patron_messages_later") == 4
    assert value(samples, "patron_messages_oldest_due_age_seconds") == 1860
    assert value(samples, "patron_messages_stuck") == 0


@pytest.mark.postgres
def test_a_table_locked_by_a_migration_makes_metrics_say_down_not_hang(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """A migration (or VACUUM FULL) holds the messages' table: the scrape's queries give
    up after PROBE_SECONDS and /metrics answers patron_store_up 0, instead of waiting
    for the lock with a pool connection and a thread each scrape."""
    pg = make_patron("postgres", tmp_path, Clock(), request)
    locker = create_engine(pg.engine.url)
    try:
        found: list[dict] = []  # type: ignore[type-arg]

        def scrape_once() -> None:
            with TestClient(create_app(pg)) as client:
                found.append(scrape(client))

        with locker.connect() as conn:
            conn.exec_driver_sql("LOCK TABLE messages IN ACCESS EXCLUSIVE MODE")
            scraping = threading.Thread(target=scrape_once, daemon=True)
            scraping.start()
            scraping.join(60)  # a scrape that waits for the lock is freed just below
            answered_under_lock = bool(found)
            conn.rollback()
        scraping.join(60)
        assert answered_under_lock, "the scrape waited for the lock"
        assert value(found[0], "patron_store_up") == 0
        with TestClient(create_app(pg)) as client:
            assert value(scrape(client), "patron_store_up") == 1
    finally:
        locker.dispose()
        pg.dispose()
