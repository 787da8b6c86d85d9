"""The acquisition spend repository: what was spent on winning customers, per month and
channel. Rows are only added (a correction is a further row, negative amounts are refused
by a check constraint), so the history of what was entered, by whom and when, stays."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Row, insert, select

from patron.domain.acquisition import SpendEntry
from patron.store import tables as t

_ADD = insert(t.acquisition_spend)
_ALL = select(t.acquisition_spend).order_by(
    t.acquisition_spend.c.month, t.acquisition_spend.c.channel, t.acquisition_spend.c.id
)


def _entry(row: Row[Any]) -> SpendEntry:
    month = row.month if isinstance(row.month, date) else date.fromisoformat(str(row.month))
    return SpendEntry(
        id=int(row.id),
        month=month,
        channel=row.channel,
        amount=Decimal(str(row.amount)).quantize(Decimal("0.01")),
        currency=row.currency,
        note=row.note,
        recorded_at=row.recorded_at,
        recorded_by=row.recorded_by,
    )


class AcquisitionSpend:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(
        self,
        month: date,
        channel: str,
        amount: Decimal,
        currency: str,
        note: str | None,
        recorded_at: datetime,
        recorded_by: str,
    ) -> SpendEntry:
        result = self.conn.execute(
            _ADD,
            {
                "month": month,
                "channel": channel,
                "amount": amount,
                "currency": currency,
                "note": note,
                "recorded_at": recorded_at,
                "recorded_by": recorded_by,
            },
        )
        new_id = int(result.inserted_primary_key[0])  # type: ignore[index]
        return SpendEntry(new_id, month, channel, amount, currency, note, recorded_at, recorded_by)

    def all(self) -> list[SpendEntry]:
        return [_entry(r) for r in self.conn.execute(_ALL)]
