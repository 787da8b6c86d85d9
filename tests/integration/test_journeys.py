"""Triggered journeys on both stores (services/journeys.py; docs/journeys.md): each
enqueues exactly the messages a hand-made fixture calls for, through the consent and the
frequency cap; a rerun adds nothing; a journey switched off enqueues nothing.

The clock starts 2026-01-01 09:00 (tests/conftest.py). Event-driven journeys react when
the worker's routing pass (`route_events`) reads the events; time-driven ones when
`run_journeys` scans. Expected keys and numbers are written out by hand below."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from patron.bootstrap import Patron
from patron.domain.birthdays import Birthday
from patron.domain.consent import ConsentSource
from patron.services.commands import Enroll, Expire, ReevaluateTiers
from patron.services.consents import record_consent
from patron.services.enroll import enroll
from patron.services.expire import expire
from patron.services.journey_scan import RunJourneys, run_journeys
from patron.services.journeys import journeys
from patron.services.tiers import reevaluate_tiers
from patron.services.webhooks import route_events
from patron.store import tables as t
from tests.conftest import Clock, use_program
from tests.integration.helpers import buy

PROGRAM = """
name = "Shop"
currency = "EUR"

[tiers]
[[tiers.levels]]
name = "Member"
threshold = 0
[[tiers.levels]]
name = "Silver"
threshold = 100

[expiry]
months = 12
warn_days = 30

[journeys.welcome]
[journeys.expiry]
[journeys.tier_up]
[journeys.tier_down]
[journeys.birthday]
[journeys.winback]
multiple = 2
default_interval_days = 60
"""


def _member(patron: Patron, external_id: str, consent: bool = True, **kw: Any) -> int:
    email = f"{external_id}@shop.ro"
    found = patron.run(enroll, Enroll(external_id, email=email, **kw)).member.id
    if consent:
        patron.run(lambda uow, m: record_consent(uow, m, True, ConsentSource.API), found)
    return found


def _route(patron: Patron) -> int:
    return patron.run(route_events, 500)


def _messages(patron: Patron, journey: str | None = None) -> list[dict[str, Any]]:
    m = t.messages
    query = select(
        m.c.member_id, m.c.journey, m.c.key, m.c.status, m.c.refusal, m.c.context, m.c.template
    ).order_by(m.c.id)
    if journey is not None:
        query = query.where(m.c.journey == journey)
    with patron.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(query)]


def _keys(patron: Patron, journey: str) -> list[tuple[str, str, str | None]]:
    return [(r["key"], r["status"], r["refusal"]) for r in _messages(patron, journey)]


def _sale(patron: Patron, member_id: int, order: str, amount: str) -> None:
    buy(patron, member_id, order, ("A", None, 1, amount))


def test_welcome_once_per_member_and_refused_without_consent(patron: Patron) -> None:
    # given Ana, who consents to marketing, and Bob, who never said yes
    use_program(patron, PROGRAM)
    ana = _member(patron, "ana")
    bob = _member(patron, "bob", consent=False)
    # when the worker routes their enrollments
    _route(patron)
    # then Ana's welcome is queued and Bob's kept as refused for want of consent
    assert _keys(patron, "welcome") == [
        (f"journey:welcome:member:{ana}", "queued", None),
        (f"journey:welcome:member:{bob}", "refused", "no_consent"),
    ]
    assert _messages(patron, "welcome")[0]["template"] == "journey/welcome"
    # and a second enrollment event of Ana's (an import that names her again) adds nothing
    with patron.uow() as uow:
        from patron.domain.events import member_enrolled

        uow.outbox.add([member_enrolled(ana, uow.now, "Member")], uow.now)
        uow.commit()
    assert _route(patron) == 1
    assert len(_messages(patron, "welcome")) == 2


def test_the_messages_are_enqueued_in_the_routing_transaction(patron: Patron) -> None:
    use_program(patron, PROGRAM)
    ana = _member(patron, "ana")
    # a routing pass that never commits (the worker killed before it) leaves nothing
    with patron.uow() as uow:
        assert route_events(uow, 500) == 1
        assert list(uow.messages.keys([f"journey:welcome:member:{ana}"])) == [
            f"journey:welcome:member:{ana}"
        ]  # in this transaction, the message is there
    assert _messages(patron) == []
    # the next pass routes the event again: one message
    assert _route(patron) == 1
    assert _keys(patron, "welcome") == [(f"journey:welcome:member:{ana}", "queued", None)]


def test_tier_up_then_tier_down(patron: Patron, clock: Clock) -> None:
    use_program(patron, PROGRAM)
    ana = _member(patron, "ana")
    # a purchase of 150.00 lifts Ana from Member to Silver (threshold 100)
    _sale(patron, ana, "o-1", "150.00")
    _route(patron)
    [up] = _messages(patron, "tier_up")
    assert (up["status"], up["context"]) == ("queued", {"from": "Member", "to": "Silver"})
    assert up["key"].startswith("journey:tier_up:event:")
    assert _messages(patron, "tier_down") == []
    # 13 months later the 12-month window holds nothing: the re-evaluation takes her down
    clock.now = datetime(2027, 2, 1, 9, 0)
    patron_uow = patron.new_uow
    reevaluate_tiers(patron_uow, ReevaluateTiers(clock.now))
    _route(patron)
    [down] = _messages(patron, "tier_down")
    assert (down["status"], down["context"]) == ("queued", {"from": "Silver", "to": "Member"})
    assert len(_messages(patron, "tier_up")) == 1


def test_the_expiry_warning_becomes_a_message_with_the_points_and_the_date(
    patron: Patron, clock: Clock
) -> None:
    use_program(patron, PROGRAM)
    ana = _member(patron, "ana")
    _sale(patron, ana, "o-1", "50.00")  # 50 points, expiring 12 months on: 2027-01-01 09:00
    _route(patron)
    # on 15 December 2026 the lot is within the 30 days of warning
    clock.now = datetime(2026, 12, 15, 9, 0)
    expire(patron.new_uow, Expire(clock.now))
    _route(patron)
    [warned] = _messages(patron, "expiry")
    assert warned["member_id"] == ana
    assert warned["context"] == {"points": 50, "expires_on": "2027-01-01"}
    assert warned["key"].startswith("journey:expiry:event:")
    # the next day's run warns no lot twice, so nothing more is enqueued
    clock.now = datetime(2026, 12, 16, 9, 0)
    expire(patron.new_uow, Expire(clock.now))
    _route(patron)
    assert len(_messages(patron, "expiry")) == 1


def test_win_back_at_twice_the_usual_interval_and_a_rerun_adds_nothing(
    patron: Patron, clock: Clock
) -> None:
    use_program(patron, PROGRAM)
    bob, carl = _member(patron, "bob"), _member(patron, "carl")
    # Bob buys on 1 March, 31 March and 30 April 2026: 60 days over 2 intervals = 30 days;
    # twice that is 60 days after 30 April: 29 June
    for order, day in (("b-1", datetime(2026, 3, 1, 12)), ("b-2", datetime(2026, 3, 31, 12))):
        clock.now = day
        _sale(patron, bob, order, "10.00")
    clock.now = datetime(2026, 4, 30, 12)
    _sale(patron, bob, "b-3", "10.00")
    # Carl buys once, on 1 April: the default 60 days, twice: 120 days, 30 July
    clock.now = datetime(2026, 4, 1, 12)
    _sale(patron, carl, "c-1", "10.00")

    def run(day: datetime) -> None:
        clock.now = day
        run_journeys(patron.new_uow, RunJourneys(day, batch_size=1))

    run(datetime(2026, 6, 28, 8))  # day 59 for Bob, 88 for Carl
    assert _messages(patron, "winback") == []
    run(datetime(2026, 6, 29, 8))  # day 60 for Bob
    [bob_back] = _messages(patron, "winback")
    assert (bob_back["member_id"], bob_back["key"]) == (
        bob,
        f"journey:winback:member:{bob}:since:2026-04-30",
    )
    assert bob_back["context"] == {
        "last_purchase": "2026-04-30",
        "days_since": 60,
        "usual_interval_days": 30.0,
    }
    run(datetime(2026, 6, 29, 20))  # the same day again
    run(datetime(2026, 7, 29, 8))  # day 119 for Carl
    assert len(_messages(patron, "winback")) == 1
    run(datetime(2026, 7, 30, 8))  # day 120 for Carl; Bob's lapse has its message
    assert _keys(patron, "winback") == [
        (f"journey:winback:member:{bob}:since:2026-04-30", "queued", None),
        (f"journey:winback:member:{carl}:since:2026-04-01", "queued", None),
    ]


def test_birthday_on_the_day_once_a_year(patron: Patron, clock: Clock) -> None:
    # Ana's birthday is today, 29 June; Carl's was yesterday, Bob's is tomorrow
    use_program(patron, PROGRAM)
    ana = _member(patron, "ana", birthday=Birthday(6, 29))
    _member(patron, "carl", birthday=Birthday(6, 28))
    _member(patron, "bob", birthday=Birthday(6, 30))
    for day in (datetime(2026, 6, 29, 8), datetime(2026, 6, 29, 18)):  # run twice today
        clock.now = day
        run_journeys(patron.new_uow, RunJourneys(day))
    assert _keys(patron, "birthday") == [
        (f"journey:birthday:member:{ana}:year:2026", "queued", None)
    ]


def test_a_journey_switched_off_enqueues_nothing(patron: Patron, clock: Clock) -> None:
    # welcome written but switched off, tier_up absent; win-back off
    use_program(
        patron,
        PROGRAM.replace("[journeys.welcome]", "[journeys.welcome]\nenabled = false")
        .replace("[journeys.tier_up]\n", "")
        .replace("[journeys.winback]", "[journeys.winback]\nenabled = false"),
    )
    ana = _member(patron, "ana")
    _sale(patron, ana, "o-1", "150.00")  # a tier up
    _route(patron)
    clock.now = datetime(2027, 1, 1)
    run_journeys(patron.new_uow, RunJourneys(clock.now))  # Ana lapsed long ago
    assert _messages(patron) == []


def test_the_frequency_cap_holds_across_journeys(patron: Patron) -> None:
    # one marketing message per member in 7 days: the welcome goes, the tier up is capped
    use_program(patron, PROGRAM + "\n[messages]\nfrequency_cap = { messages = 1, days = 7 }\n")
    ana = _member(patron, "ana")
    _route(patron)
    _sale(patron, ana, "o-1", "150.00")
    _route(patron)
    assert _keys(patron, "welcome") == [(f"journey:welcome:member:{ana}", "queued", None)]
    assert [(s, r) for _, s, r in _keys(patron, "tier_up")] == [("refused", "capped")]


def test_the_list_counts_each_journeys_messages(patron: Patron) -> None:
    use_program(patron, PROGRAM.replace("[journeys.tier_down]\n", ""))
    _member(patron, "ana")
    _member(patron, "bob", consent=False)
    _route(patron)
    found = {j.name: j for j in patron.read(journeys)}
    assert found["welcome"].enabled and found["welcome"].trigger == "member.enrolled"
    assert found["welcome"].counts == {"queued": 1, "refused": 1, "refused:no_consent": 1}
    assert not found["tier_down"].enabled and found["tier_down"].settings == {}
    assert found["winback"].settings["multiple"] == "2"
    assert found["winback"].trigger == "scan" and found["winback"].counts == {}


def test_win_back_when_p_alive_falls_below_the_threshold(patron: Patron, clock: Clock) -> None:
    # a threshold of 0.3: Dan (P(alive) 0.29) lapses although his interval has not passed,
    # Eva (0.30) does not; the adapter computes P(alive) by external id
    use_program(
        patron,
        PROGRAM.replace(
            "default_interval_days = 60", "default_interval_days = 60\np_alive_below = 0.3"
        ),
    )
    dan, eva = _member(patron, "dan"), _member(patron, "eva")
    clock.now = datetime(2026, 3, 1, 12)
    _sale(patron, dan, "d-1", "10.00")
    _sale(patron, eva, "e-1", "10.00")
    day = datetime(2026, 3, 10, 8)  # 9 days on: far from 2 x 60
    run_journeys(patron.new_uow, RunJourneys(day, p_alive={"dan": 0.29, "eva": 0.30}))
    assert _keys(patron, "winback") == [
        (f"journey:winback:member:{dan}:since:2026-03-01", "queued", None)
    ]


class _NoSender:
    def send(self, job: object) -> object:
        raise AssertionError("no webhook subscription: nothing to send")


def test_the_worker_runs_the_scan_at_most_once_per_interval(patron: Patron, clock: Clock) -> None:
    # run_every_minutes = 60: passes at 09:00, 09:59 run it once; 10:00 again
    from patron.worker import Worker, WorkerOptions

    use_program(patron, PROGRAM + "\n[journeys]\nrun_every_minutes = 60\n")
    bob = _member(patron, "bob")
    clock.now = datetime(2026, 3, 1, 12)
    _sale(patron, bob, "b-1", "10.00")  # one purchase: lapsed 120 days on, 29 June
    worker = Worker(patron, _NoSender(), WorkerOptions(), single=True)  # type: ignore[arg-type]
    for hour, minute in ((9, 0), (9, 59), (10, 0)):
        clock.now = datetime(2026, 6, 29, hour, minute)
        worker.step()
    assert worker.counts.journey_runs == 2
    assert _keys(patron, "winback") == [
        (f"journey:winback:member:{bob}:since:2026-03-01", "queued", None)
    ]
