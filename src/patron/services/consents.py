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
    """Append a record if `granted` changes the state; whether one was appended. A yes
    given in the portal before the member proved their address is kept `unconfirmed`
    (it counts once they do: `confirm_consents`); a no always counts at once."""
    state = consent_state(uow, member_id, purpose)
    pending = awaiting_confirmation(uow, member_id, purpose)
    if granted and source is ConsentSource.PORTAL and not uow.login_links.used_before(member_id):
        if pending or state is ConsentState.GRANTED:
            return False
        source = ConsentSource.UNCONFIRMED
    elif not changes(state, granted) and not (pending and not granted):
        return False
    uow.consents.add(ConsentRecord(member_id, purpose, granted, uow.now, source, actor))
    return True


def awaiting_confirmation(uow: UnitOfWork, member_id: int, purpose: str = MARKETING) -> bool:
    """Whether the member's latest word is a yes awaiting the proof of their address."""
    found = uow.consents.latest(member_id, purpose, unconfirmed=True)
    return found is not None and found.granted and found.source is ConsentSource.UNCONFIRMED


def confirm_consents(uow: UnitOfWork, member_id: int, purpose: str = MARKETING) -> None:
    """The member just proved their address: a yes they gave before counts from now."""
    if awaiting_confirmation(uow, member_id, purpose):
        uow.consents.add(
            ConsentRecord(member_id, purpose, True, uow.now, ConsentSource.PORTAL, None)
        )
