"""Tier re-evaluation: the periodic run where members may also move down a tier.

Upgrades happen at once on purchase (services/earn.py); here every member is qualified
again on the rolling window ending at `as_of`, in batches of one transaction each.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from patron.domain import events
from patron.domain.clock import to_utc_naive
from patron.domain.tiers import qualify
from patron.services.commands import ReevaluateTiers
from patron.services.earn import qualifying_value
from patron.services.ledger import current_program, locked_member
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
                member = locked_member(uow, member_id)
                value = qualifying_value(uow, member_id, program, as_of)
                new = qualify(program.tiers, value).name
                if new == member.tier:
                    continue
                if program.tiers.rank(new) > program.tiers.rank(member.tier):
                    up += 1
                else:
                    down += 1
                uow.members.update(member_id, tier=new, tier_since=as_of)
                uow.outbox.add([events.tier_changed(member_id, as_of, member.tier, new)], uow.now)
            uow.commit()
    return TierReport(len(member_ids), up, down)
