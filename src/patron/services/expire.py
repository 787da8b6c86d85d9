"""The expiry run: burn points past their date and warn members before theirs burn.

Idempotent: a lot that has burned holds 0 points and a lot that was warned carries the
date of its warning, so running it twice for the same day changes nothing. Members are
processed in batches, one transaction each, so a crash loses nothing and a re-run
finishes the job.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from patron.domain import events
from patron.domain.clock import to_utc_naive
from patron.domain.lots import expired
from patron.domain.records import EntryKind
from patron.services.balances import debit, locked_account, save
from patron.services.commands import Expire
from patron.services.program import current_program
from patron.store.uow import UnitOfWork

UowFactory = Callable[[], UnitOfWork]


@dataclass(frozen=True)
class ExpiryReport:
    members: int
    points_expired: int
    warnings: int


def expire(new_uow: UowFactory, cmd: Expire) -> ExpiryReport:
    as_of = to_utc_naive(cmd.as_of)
    with new_uow() as uow:
        _, program = current_program(uow)
        member_ids = uow.ledger.members_with_expired_lots(as_of)
    burned = 0
    for start in range(0, len(member_ids), cmd.batch_size):
        with new_uow() as uow:
            for member_id in member_ids[start : start + cmd.batch_size]:
                burned += _burn(uow, member_id, as_of)
            uow.commit()
    warnings = _warn(new_uow, as_of, program.expiry.warn_days)
    return ExpiryReport(len(member_ids), burned, warnings)


def _burn(uow: UnitOfWork, member_id: int, as_of: datetime) -> int:
    account = locked_account(uow, member_id)
    allocations = expired(uow.ledger.open_lots(account.id), as_of)
    if not allocations:
        return 0
    debit(uow, account, EntryKind.EXPIRE, allocations, as_of)
    save(uow, account)
    points = sum(p for _, p in allocations)
    uow.outbox.add([events.points_expired(account.id, as_of, points)], uow.now)
    return points


def _warn(new_uow: UowFactory, as_of: datetime, warn_days: int) -> int:
    if warn_days == 0:
        return 0
    with new_uow() as uow:
        lots = uow.ledger.lots_to_warn(as_of, as_of + timedelta(days=warn_days))
        grouped: dict[tuple[int, str], int] = defaultdict(int)
        for lot in lots:
            grouped[(lot.member_id, lot.expires_at.date().isoformat())] += lot.remaining
        uow.outbox.add(
            [
                events.points_expiring(member_id, as_of, pts, day)
                for (member_id, day), pts in grouped.items()
            ],
            uow.now,
        )
        uow.ledger.mark_warned([lot.id for lot in lots], uow.now)
        uow.commit()
    return len(grouped)
