"""Birthdays: a member's birthday set or changed, and the daily run that grants the
birthday bonus once a year (domain/birthdays.py decides the window).

The run (`patron birthdays`, daily from cron like `patron expire`) takes the members whose
birthday window holds the day, in batches of one transaction each; for each it locks the
member's row, skips a year already granted (its `birthday_grants` row) and grants the
program's `[birthday]` bonus: points in a lot of their own (burning after `valid_days`
when set) or a voucher for the discount reward (services/bonuses.py). The grant's row is
written in the same transaction, keyed by (member, year): a re-run, or a second run at the
same time (it waits for the row lock, then sees the grant), grants nothing more. An erased
member has no birthday left (erasure deletes it) and is skipped besides.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from patron.domain import events
from patron.domain.audit import AuditAction
from patron.domain.birthdays import Birthday, birthday_due
from patron.domain.clock import to_utc_naive
from patron.domain.ledger import EntryRefs
from patron.domain.lots import Burning
from patron.domain.member import ensure_not_erased
from patron.domain.program import BirthdayPolicy, Program
from patron.domain.records import EntryKind
from patron.services.balances import credit, locked_account, save
from patron.services.bonuses import give_voucher
from patron.services.commands import MemberRef
from patron.services.members import find_member
from patron.services.program import current_program
from patron.store.birthdays import BirthdayGrant
from patron.store.uow import UnitOfWork

UowFactory = Callable[[], UnitOfWork]
ACTOR = "program:birthday"  # who the ledger names for a birthday's points


@dataclass(frozen=True)
class SetBirthday:
    member: MemberRef | int
    birthday: Birthday | None  # None: forget it
    actor: str


@dataclass(frozen=True)
class GrantBirthdays:
    as_of: datetime
    batch_size: int = 500


@dataclass(frozen=True)
class BirthdayReport:
    due: int  # members whose window holds the day
    granted: int  # bonuses granted by this run (the others had theirs already)
    points: int
    vouchers: int


def set_birthday(uow: UnitOfWork, cmd: SetBirthday) -> Birthday | None:
    """Set (or forget) a member's birthday; audited as a profile change."""
    member = find_member(uow, cmd.member, lock=True)
    ensure_not_erased(member, "hold a birthday")
    if uow.birthdays.of(member.id) == cmd.birthday:
        return cmd.birthday
    uow.birthdays.set(member.id, cmd.birthday)
    details = {"birthday": True}
    uow.audit.record(uow.now, cmd.actor, AuditAction.PROFILE_CHANGED, member.id, None, details)
    return cmd.birthday


def birthday_of(uow: UnitOfWork, member: MemberRef | int) -> Birthday | None:
    return uow.birthdays.of(find_member(uow, member).id)


def grant_birthdays(new_uow: UowFactory, cmd: GrantBirthdays) -> BirthdayReport:
    """Grant the birthday bonus to every member whose window holds `as_of`'s day (UTC)."""
    as_of = to_utc_naive(cmd.as_of)
    with new_uow() as uow:
        _, program = current_program(uow)
        policy = program.birthday
        if policy is None:
            return BirthdayReport(0, 0, 0, 0)
        due = [
            (member_id, year)
            for member_id, birthday in uow.birthdays.of_members_not_erased()
            if (year := birthday_due(birthday, as_of.date(), policy.days_before, policy.days_after))
            is not None
        ]
    granted = points = vouchers = 0
    for start in range(0, len(due), cmd.batch_size):
        with new_uow() as uow:
            for member_id, year in due[start : start + cmd.batch_size]:
                given = _grant(uow, program, policy, member_id, year, as_of)
                if given is not None:
                    granted += 1
                    points += given.points
                    vouchers += given.redemption_id is not None
            uow.commit()
    return BirthdayReport(len(due), granted, points, vouchers)


def _grant(
    uow: UnitOfWork,
    program: Program,
    policy: BirthdayPolicy,
    member_id: int,
    year: int,
    at: datetime,
) -> BirthdayGrant | None:
    account = locked_account(uow, member_id)
    if account.member.erased_at is not None or uow.birthdays.granted(member_id, year):
        return None
    if account.member.enrolled_at > at:  # a run `--as-of` a day before they joined
        return None
    entry_id = redemption_id = None
    if policy.points is not None:
        burning = (Burning(policy.points, policy.valid_days),) if policy.valid_days else ()
        refs = EntryRefs(actor=ACTOR, reason=f"birthday bonus {year}")
        entry_id, _ = credit(
            uow, account, EntryKind.ADJUST, policy.points, at, program, refs=refs, burning=burning
        )
        save(uow, account)
        event = events.adjusted(member_id, at, policy.points, ACTOR, refs.reason or "")
        uow.outbox.add([event], uow.now)
    else:
        assert policy.voucher is not None
        voucher, _ = give_voucher(uow, program, member_id, policy.voucher, f"birthday:{year}")
        if voucher is None:  # out of stock: nothing given, nothing recorded (a later run may)
            return None
        redemption_id = voucher.redemption_id
    grant = BirthdayGrant(member_id, year, at, policy.points or 0, entry_id, redemption_id)
    uow.birthdays.grant(grant)
    return grant
