"""Consents in the store: rows are added and read, never changed (domain/consent.py)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row, select

from patron.domain.consent import MARKETING, ConsentRecord, ConsentSource
from patron.store import tables as t
from patron.store.base import Repo, insert_row

_C = t.consents


def _record(row: Row[Any]) -> ConsentRecord:
    return ConsentRecord(
        member_id=int(row.member_id),
        purpose=row.purpose,
        granted=bool(row.granted),
        recorded_at=row.recorded_at,
        source=ConsentSource(row.source),
        actor=row.actor,
        message_id=row.message_id,
    )


class Consents(Repo):
    def add(self, record: ConsentRecord) -> None:
        insert_row(
            self.conn,
            _C,
            {
                "member_id": record.member_id,
                "purpose": record.purpose,
                "granted": record.granted,
                "recorded_at": record.recorded_at,
                "source": record.source.value,
                "actor": record.actor,
                "message_id": record.message_id,
            },
        )

    def history(self, member_id: int) -> list[ConsentRecord]:
        """Every record of the member, oldest first."""
        query = select(_C).where(_C.c.member_id == member_id).order_by(_C.c.id)
        return [_record(r) for r in self.conn.execute(query)]

    def latest(
        self, member_id: int, purpose: str = MARKETING, *, unconfirmed: bool = False
    ) -> ConsentRecord | None:
        """The latest record that counts (with `unconfirmed`: the latest of all, a yes
        awaiting the proof of the address included)."""
        query = (
            select(_C)
            .where(_C.c.member_id == member_id, _C.c.purpose == purpose)
            .order_by(_C.c.id.desc())
            .limit(1)
        )
        if not unconfirmed:
            query = query.where(_C.c.source != ConsentSource.UNCONFIRMED.value)
        row = self.conn.execute(query).first()
        return _record(row) if row else None

    def latest_granted(self, member_ids: list[int], purpose: str = MARKETING) -> dict[int, bool]:
        """Each member's latest answer for `purpose` (members without one left out)."""
        found: dict[int, bool] = {}
        for start in range(0, len(member_ids), 500):
            chunk = member_ids[start : start + 500]
            query = (
                select(_C.c.member_id, _C.c.granted)
                .where(
                    _C.c.member_id.in_(chunk),
                    _C.c.purpose == purpose,
                    _C.c.source != ConsentSource.UNCONFIRMED.value,
                )
                .order_by(_C.c.id)
            )
            found.update({int(r.member_id): bool(r.granted) for r in self.conn.execute(query)})
        return found
