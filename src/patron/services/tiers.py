"""Tiers over the store: a member's qualifying value, the upgrade a purchase may bring,
and the periodic re-evaluation where members may also move down a tier.

Upgrades happen at once on purchase (`upgrade_tier`, called by services/earn.py); the
re-evaluation qualifies every member again on the rolling window ending at `as_of`, in
batches of one transaction each. The balance query (services/queries.py) shows the same
`qualifying_value`. The rules themselves are pure, in domain/tiers.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from patron.domain import events
from patron.domain.clock import to_utc_naive
from patron.domain.lots import add_months
from patron.domain.program import Program
from patron.domain.tiers import (
    QUALIFYING,
    best_window,
    on_activity,
    qualify,
    window_start,
    window_value,
)
from patron.services.balances import Account, locked_account, save
from patron.services.commands import ReevaluateTiers
from patron.services.program import current_program
from patron.store.uow import UnitOfWork


@dataclass(frozen=True)
class TierReport:
    members: int
    upgraded: int
    downgraded: int


def reevaluate_tiers(new_uow: Callable[[], UnitOfWork], cmd: ReevaluateTiers) -> TierReport:
    as_of = to_utc_naive(cmd.as_of)
    with new_uow() as uow:
        _, program = current_program(uow)
        member_ids = uow.members.all_ids()
    up = down = 0
    for start in range(0, len(member_ids), cmd.batch_size):
        with new_uow() as uow:
            for member_id in member_ids[start : start + cmd.batch_size]:
                account = locked_account(uow, member_id)
                was = account.member.tier
                value = qualifying_value(uow, member_id, program, as_of)
                new = qualify(program.tiers, value).name
                if new == was:
                    continue
                if program.tiers.rank(new) > program.tiers.rank(was):
                    up += 1
                else:
                    down += 1
                account.change_tier(new, as_of)
                save(uow, account)
                uow.outbox.add([events.tier_changed(member_id, as_of, was, new)], uow.now)
            uow.commit()
    return TierReport(len(member_ids), up, down)


def qualifying_value(uow: UnitOfWork, member_id: int, program: Program, at: datetime) -> Decimal:
    """Spend or points over the program's rolling window ending at `at` (nothing later)."""
    months = program.tiers.window_months
    since = window_start(at, months)
    history = uow.purchases.qualifying_history(
        member_id, QUALIFYING[program.tiers.basis], since, at
    )
    return window_value(history, at, months)


def upgrade_tier(uow: UnitOfWork, account: Account, program: Program, at: datetime) -> str:
    """Upgrade at once when a purchase dated `at` lifts a window that holds it over a
    higher threshold; downgrades wait for the re-evaluation. The use case saves the
    account."""
    member_id, current = account.id, account.member.tier
    if program.tiers.rank(current) == len(program.tiers.levels) - 1:
        return current  # at the top already: no window sum to read
    months = program.tiers.window_months
    until = max(at, min(uow.now, add_months(at, months)))
    history = uow.purchases.qualifying_history(
        member_id, QUALIFYING[program.tiers.basis], window_start(at, months), until
    )
    new = on_activity(program.tiers, current, best_window(history, at, uow.now, months))
    if new != current:
        account.change_tier(new, at)
        uow.outbox.add([events.tier_changed(member_id, at, current, new)], uow.now)
    return new
