"""`verify`: the ledger's self-check, run after every test scenario and by operators.

For every member the cached balance, the sum of ledger entries and the sum of open lots
must agree and be non-negative, and every lot's remaining points must equal what it
received minus what its allocations took.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from patron.store.uow import UnitOfWork


@dataclass(frozen=True)
class VerifyReport:
    members: int
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(uow: UnitOfWork) -> VerifyReport:
    problems: list[str] = []
    rows = uow.ledger.totals()
    for row in rows:
        balance, entries, lots = int(row.balance), int(row.entries), int(row.lots)
        if not balance == entries == lots:
            problems.append(
                f"member {row.id}: balance {balance}, sum of entries {entries},"
                f" sum of open lots {lots}"
            )
        if balance < 0:
            problems.append(f"member {row.id}: negative balance {balance}")
    for lot in uow.ledger.lot_mismatches():
        problems.append(f"member {lot.member_id}: lot {lot.id} disagrees with its allocations")
    return VerifyReport(len(rows), problems)
