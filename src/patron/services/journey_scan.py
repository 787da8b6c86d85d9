"""The time-driven journeys (win-back, birthday): a scan over the members, run by
`patron journeys run` and by the worker every `[journeys] run_every_minutes`
(docs/journeys.md).

Design overview. Win-back reads the members' purchase dates a page at a time (keyset by
member id, one grouped query and one transaction per page: store/journeys.py), decides
each lapse with the pure rule of domain/journeys.py (`winback_due`) or by the P(alive)
the adapter computed, and enqueues the page's messages in one batch through the gate of
services/messages.py. Birthdays are one transaction. Each message's key names the lapse
(`journey:winback:member:42:since:<date of the last purchase>`) or the year
(`journey:birthday:member:42:year:2026`), so a rerun, the same day or the next, adds
nothing; a member who buys again and lapses again gets a new key.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from patron.domain.birthdays import birthday_due
from patron.domain.clock import to_utc_naive
from patron.domain.journeys import (
    BirthdayJourney,
    JourneyName,
    WinbackJourney,
    outgoing,
    usual_interval_days,
    winback_due,
    winback_key,
)
from patron.domain.messages import Outgoing, Queued
from patron.services.messages import enqueue_many
from patron.store.uow import UnitOfWork

J = JourneyName
UowFactory = Callable[[], UnitOfWork]


@dataclass(frozen=True)
class RunJourneys:
    as_of: datetime
    # P(alive) by the member's external id, from the lifetime model (None: not computed)
    p_alive: Mapping[str, float] | None = None
    batch_size: int = 1000


@dataclass
class JourneyRun:
    """What a run enqueued, by journey (duplicates of an earlier run not counted)."""

    scanned: int = 0
    queued: dict[str, int] = field(default_factory=dict)
    refused: dict[str, int] = field(default_factory=dict)


Progress = Callable[[int], None]


def run_journeys(
    new_uow: UowFactory, cmd: RunJourneys, progress: Progress | None = None
) -> JourneyRun:
    """Win-back and birthday for every member, a page per transaction; `progress` is told
    the members read so far."""
    as_of = to_utc_naive(cmd.as_of)
    with new_uow() as uow:
        found = uow.programs.current()
    report = JourneyRun()
    if found is None:
        return report
    program = found[1]
    winback = program.journeys.get(J.WINBACK)
    if isinstance(winback, WinbackJourney):
        _winback(new_uow, winback, cmd, as_of, report, progress)
    birthday = program.journeys.get(J.BIRTHDAY)
    if isinstance(birthday, BirthdayJourney):
        _birthdays(new_uow, birthday, as_of, report)
    return report


def _winback(
    new_uow: UowFactory,
    policy: WinbackJourney,
    cmd: RunJourneys,
    as_of: datetime,
    report: JourneyRun,
    progress: Progress | None,
) -> None:
    low: set[int] = set()
    if cmd.p_alive is not None and policy.p_alive_below is not None:
        below = float(policy.p_alive_below)
        names = [name for name, p in cmd.p_alive.items() if p < below]
        with new_uow() as uow:
            low = set(uow.journeys.external_ids(names).values())
    after = 0
    while True:
        with new_uow() as uow:
            page = uow.journeys.purchase_dates(after, cmd.batch_size)
            if not page:
                break
            asked: list[Outgoing] = []
            for dates in page:
                if dates.last.date() > as_of.date():
                    continue  # a run --as-of a day before their last purchase
                if not (winback_due(dates, as_of.date(), policy) or dates.member_id in low):
                    continue
                usual = usual_interval_days(dates, policy.default_interval_days)
                context = {
                    "last_purchase": dates.last.date().isoformat(),
                    "days_since": (as_of.date() - dates.last.date()).days,
                    "usual_interval_days": round(float(usual), 1),
                }
                key = winback_key(dates.member_id, dates.last)
                asked.append(outgoing(J.WINBACK, policy, dates.member_id, key, context))
            _count(report, J.WINBACK, enqueue_many(uow, asked) if asked else [])
            uow.commit()
        after = page[-1].member_id
        report.scanned += len(page)
        if progress is not None:
            progress(report.scanned)


def _birthdays(
    new_uow: UowFactory,
    policy: BirthdayJourney,
    as_of: datetime,
    report: JourneyRun,
) -> None:
    with new_uow() as uow:
        asked: list[Outgoing] = []
        for member_id, birthday in uow.birthdays.of_members_not_erased():
            year = birthday_due(birthday, as_of.date(), policy.days_before, 0)
            if year is None:
                continue
            key = f"journey:birthday:member:{member_id}:year:{year}"
            context = {"year": year}
            asked.append(outgoing(J.BIRTHDAY, policy, member_id, key, context))
        _count(report, J.BIRTHDAY, enqueue_many(uow, asked) if asked else [])
        uow.commit()


def _count(report: JourneyRun, name: JourneyName, queued: Sequence[Queued]) -> None:
    fresh = [q for q in queued if not q.duplicate]
    report.queued[name.value] = report.queued.get(name.value, 0) + sum(
        q.refused is None for q in fresh
    )
    report.refused[name.value] = report.refused.get(name.value, 0) + sum(
        q.refused is not None for q in fresh
    )
