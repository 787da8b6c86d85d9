"""Setting the budget: a planned amount per month and category, and spend entries for the
categories whose actual Patron does not compute itself (one transaction each, audited).

What a person decides about money is not derived from anything, so both writes go to the
audit log with their actor; a plan set again records the amount it replaced. The report
that sets plans against actuals is a read (analytics/budget.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from patron.domain import limits
from patron.domain.audit import AuditAction
from patron.domain.budget import BudgetCategory, BudgetSpend, PlanLine, checked_amount
from patron.domain.errors import InvalidInput
from patron.domain.months import key
from patron.services.program import current_program
from patron.store.uow import UnitOfWork

# the categories whose actual Patron knows in full: an entry for one would count it twice
# (analytics/budget.py, ACTUAL_SOURCES, reads them)
COMPUTED = frozenset({BudgetCategory.REWARDS, BudgetCategory.POINTS_LIABILITY})


@dataclass(frozen=True)
class SetPlan:
    month: date
    category: BudgetCategory
    amount: Decimal
    currency: str
    actor: str
    note: str | None = None


@dataclass(frozen=True)
class RecordBudgetSpend:
    month: date
    category: BudgetCategory
    amount: Decimal
    currency: str
    actor: str
    note: str | None = None


def _check(month: date, amount: Decimal, currency: str, program_currency: str,
           note: str | None, actor: str) -> Decimal:  # fmt: skip
    if month.day != 1:
        raise InvalidInput("month: give the first day of the month (YYYY-MM)")
    if currency != program_currency:
        raise InvalidInput(
            f"currency: {currency!r} is not the program's currency {program_currency!r};"
            " convert the amount first (a budget in several currencies cannot be added up)"
        )
    for field, text, longest in [
        ("note", note, limits.NOTE_LENGTH),
        ("by", actor, limits.ACTOR_LENGTH),
    ]:
        problem = limits.text_problem(text or "", longest)
        if problem is not None:
            raise InvalidInput(f"{field}: {problem}")
    return checked_amount(amount)


def set_plan(uow: UnitOfWork, cmd: SetPlan) -> PlanLine:
    """Plan `amount` for the category and month, replacing what was planned."""
    _, program = current_program(uow)
    amount = _check(cmd.month, cmd.amount, cmd.currency, program.currency, cmd.note, cmd.actor)
    before = uow.budget.plan(cmd.month, cmd.category)
    line = PlanLine(cmd.month, cmd.category, amount, cmd.currency, cmd.note, uow.now, cmd.actor)
    uow.budget.set_plan(line)
    uow.audit.record(
        uow.now, cmd.actor, AuditAction.BUDGET_PLANNED, None, cmd.note,
        {"month": key(cmd.month), "category": cmd.category.value, "amount": str(amount),
         "currency": cmd.currency, "previous": str(before.amount) if before else None},
    )  # fmt: skip
    return line


def record_budget_spend(uow: UnitOfWork, cmd: RecordBudgetSpend) -> BudgetSpend:
    """Add what was spent on a category in a month (entries add up)."""
    if cmd.category in COMPUTED:
        raise InvalidInput(
            f"category: Patron computes the actual of {cmd.category.value!r} from its own"
            " records (redemptions, the points liability); record spend on another category"
        )
    _, program = current_program(uow)
    amount = _check(cmd.month, cmd.amount, cmd.currency, program.currency, cmd.note, cmd.actor)
    entry = uow.budget.add_spend(
        BudgetSpend(0, cmd.month, cmd.category, amount, cmd.currency, cmd.note, uow.now, cmd.actor)
    )
    uow.audit.record(
        uow.now, cmd.actor, AuditAction.BUDGET_SPENT, None, cmd.note,
        {"spend_id": entry.id, "month": key(cmd.month), "category": cmd.category.value,
         "amount": str(amount), "currency": cmd.currency},
    )  # fmt: skip
    return entry


def plan_lines(uow: UnitOfWork, first: date, last: date) -> list[PlanLine]:
    return uow.budget.plans(first, last)


def spend_entries(uow: UnitOfWork, first: date, last: date) -> list[BudgetSpend]:
    return uow.budget.spend(first, last)
