"""Recording what was spent on acquiring customers, per month and channel.

CAC, CLV/CAC and payback (analytics/economics.py) divide this spend by the members each
channel brought in a month, so an entry must be unambiguous: a whole month, a named
channel, a non-negative amount in cents, in the program's currency (amounts in several
currencies cannot be added up). Entries add up: a second entry for the same month and
channel is further spend, not a replacement.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from patron.domain import limits
from patron.domain.acquisition import SpendEntry
from patron.domain.errors import InvalidInput
from patron.domain.months import parse_month as parse_month
from patron.services.program import current_program
from patron.store.uow import UnitOfWork

MAX_AMOUNT = limits.MAX_AMOUNT


@dataclass(frozen=True)
class RecordSpend:
    month: date
    channel: str
    amount: Decimal
    currency: str
    actor: str
    note: str | None = None


def parse_amount(text: str) -> Decimal:
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise InvalidInput(f"amount: {text!r} is not a number (write 1200.00)") from None
    return value


def _checked(cmd: RecordSpend, program_currency: str) -> RecordSpend:
    channel = cmd.channel.strip()
    if not channel or limits.text_problem(channel, limits.SHORT_LENGTH):
        raise InvalidInput(
            f"channel: give the channel's name (1 to {limits.SHORT_LENGTH} characters), e.g. web"
        )
    amount = cmd.amount
    if not amount.is_finite() or amount < 0 or amount > MAX_AMOUNT:
        raise InvalidInput(f"amount: {amount} must be a number from 0 to {MAX_AMOUNT}")
    if amount != amount.quantize(Decimal("0.01")):
        raise InvalidInput(f"amount: {amount} has more than 2 decimals (cents)")
    if cmd.currency != program_currency:
        raise InvalidInput(
            f"currency: {cmd.currency!r} is not the program's currency {program_currency!r};"
            " convert the amount first (spend in several currencies cannot be added up)"
        )
    for field, text, longest in [
        ("note", cmd.note, limits.NOTE_LENGTH),
        ("by", cmd.actor, limits.ACTOR_LENGTH),  # who records it, as "cli:<name>"
    ]:
        problem = limits.text_problem(text or "", longest)
        if problem is not None:
            raise InvalidInput(f"{field}: {problem}")
    if cmd.month.day != 1:
        raise InvalidInput("month: give the first day of the month (YYYY-MM)")
    return RecordSpend(cmd.month, channel, amount, cmd.currency, cmd.actor, cmd.note)


def record_spend(uow: UnitOfWork, cmd: RecordSpend) -> SpendEntry:
    _, program = current_program(uow)
    ok = _checked(cmd, program.currency)
    return uow.spend.add(ok.month, ok.channel, ok.amount, ok.currency, ok.note, uow.now, ok.actor)


def list_spend(uow: UnitOfWork) -> list[SpendEntry]:
    return uow.spend.all()
