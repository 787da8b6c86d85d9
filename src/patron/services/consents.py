"""A member's consents: the state read from the latest record, and a new record appended
when the member (or staff for them) changes it (domain/consent.py)."""

from __future__ import annotations

from patron.domain.consent import (
    MARKETING,
    ConsentRecord,
    ConsentSource,
    ConsentState,
    changes,
    state_of,
)
from patron.store.uow import UnitOfWork


def consent_state(uow: UnitOfWork, member_id: int, purpose: str = MARKETING) -> ConsentState:
    return state_of(uow.consents.latest(member_id, purpose))


def consent_states(uow: UnitOfWork, member_ids: list[int]) -> dict[int, ConsentState]:
    """The marketing consent of each member (NOT_RECORDED for those without a record)."""
    granted = uow.consents.latest_granted(member_ids)
    return {
        member_id: (
            ConsentState.NOT_RECORDED
            if member_id not in granted
            else ConsentState.GRANTED
            if granted[member_id]
            else ConsentState.DECLINED
        )
        for member_id in member_ids
    }


def record_consent(
    uow: UnitOfWork,
    member_id: int,
    granted: bool,
    source: ConsentSource,
    actor: str | None = None,
    purpose: str = MARKETING,
) -> bool:
    """Append a record if `granted` changes the state; whether one was appended."""
    if not changes(consent_state(uow, member_id, purpose), granted):
        return False
    uow.consents.add(ConsentRecord(member_id, purpose, granted, uow.now, source, actor))
    return True
