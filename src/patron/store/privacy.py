"""Personal data in the store: every record held about one member, and its erasure.

Design overview. A member's identity lives in `members` (external_id, email, name,
referral_code); their transactions (purchases, lines, refunds, ledger entries, lots,
redemptions, outbox events) point at them by numeric id only. Erasure therefore rewrites
the identity in place and blanks the few places where text about the person may have
been copied: the free-text reasons of their refunds and ledger entries and of their
events' payloads, the reason of the referral credit their referrer received (which named
their external id before enrolment stopped writing it), and the stored answers of
idempotent enrolments (which replay the member as first enrolled). No amount, count,
date or kind is touched, so every balance and total stays what it sums (`verify`).

The audit log is append-only (migration 0004) and is left alone; migration 0007 makes
the erasure itself final.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, delete, select, update

from patron.domain.ledger import LedgerEntry
from patron.domain.messages import Refusal, Status
from patron.domain.purchases import Purchase, PurchaseLine, RefundRecord
from patron.domain.records import EntryKind
from patron.domain.redemption import Redemption
from patron.store import tables as t
from patron.store.business import Businesses
from patron.store.cards import Cards
from patron.store.deliveries import DUE, SENDING
from patron.store.ledger import LotRecord, entry, lot_record
from patron.store.outbox import OutboxEvent, event
from patron.store.purchases import line, purchase, refund
from patron.store.redemptions import redemption

# the statuses of a message not sent yet; one `sending` is refused too, so that a worker
# sending it at this moment records nothing back (store/deliveries.py `finish`)
_WAITING = (*DUE, SENDING)
# stored answers that show a member hold this key (MemberPublic); others never do
_MEMBER_ANSWER = '%"external_id":%'
# stored answers about a member name them so (a birthday, a buyer, an adjustment) ...
_NAMES_MEMBER = '%"member_id":%'
# ... and may carry these personal fields, blanked at the member's erasure
_PERSONAL = ("birthday", "name", "email", "phone", "card", "reason")


@dataclass(frozen=True, slots=True)
class Scrubbed:
    """How many records of each kind erasure rewrote (for the audit entry)."""

    message_addresses: int
    refund_reasons: int
    ledger_reasons: int
    referrer_reasons: int
    event_payloads: int
    stored_answers: int


class PersonalData:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    # ------------------------------------------------------------------ reading

    def purchases(self, member_id: int) -> list[Purchase]:
        p = t.purchases
        query = select(p).where(p.c.member_id == member_id).order_by(p.c.occurred_at, p.c.id)
        return [purchase(r) for r in self.conn.execute(query)]

    def lines(self, member_id: int) -> list[PurchaseLine]:
        pl = t.purchase_lines
        query = (
            select(pl).where(pl.c.member_id == member_id).order_by(pl.c.purchase_id, pl.c.line_no)
        )
        return [line(r) for r in self.conn.execute(query)]

    def refunds(self, member_id: int) -> list[RefundRecord]:
        r = t.refunds
        query = select(r).where(r.c.member_id == member_id).order_by(r.c.id)
        return [refund(row) for row in self.conn.execute(query)]

    def ledger(self, member_id: int) -> list[LedgerEntry]:
        e = t.ledger_entries
        query = select(e).where(e.c.member_id == member_id).order_by(e.c.id)
        return [entry(r) for r in self.conn.execute(query)]

    def lots(self, member_id: int) -> list[LotRecord]:
        lot = t.point_lots
        query = select(lot).where(lot.c.member_id == member_id).order_by(lot.c.id)
        return [lot_record(r) for r in self.conn.execute(query)]

    def fingerprints(self, member_id: int) -> list[tuple[int, str]]:
        """(purchase id, payment fingerprint) of the member's purchases a till sent one with."""
        f = t.payment_fingerprints
        query = (
            select(f.c.purchase_id, f.c.fingerprint)
            .where(f.c.member_id == member_id)
            .order_by(f.c.purchase_id)
        )
        return [(int(r.purchase_id), str(r.fingerprint)) for r in self.conn.execute(query)]

    def redemptions(self, member_id: int) -> list[Redemption]:
        r = t.redemptions
        query = select(r).where(r.c.member_id == member_id).order_by(r.c.id)
        return [redemption(row) for row in self.conn.execute(query)]

    def events(self, member_id: int) -> list[OutboxEvent]:
        o = t.outbox
        query = select(o).where(o.c.member_id == member_id).order_by(o.c.id)
        return [event(r) for r in self.conn.execute(query)]

    def messages(self, member_id: int) -> list[dict[str, Any]]:
        """Every message asked for the member, oldest first: channel, kind, template, the
        campaign or journey it came from, what became of it and the address it went to."""
        m = t.messages
        query = (
            select(
                m.c.id,
                m.c.channel,
                m.c.kind,
                m.c.template,
                m.c.campaign_id,
                m.c.journey,
                m.c.variant,
                m.c.status,
                m.c.refusal,
                m.c.queued_at,
                m.c.sent_at,
                m.c.address,
            )
            .where(m.c.member_id == member_id)
            .order_by(m.c.id)
        )
        return [dict(r._mapping) for r in self.conn.execute(query)]

    def survey_answers(self, member_id: int) -> list[dict[str, Any]]:
        """The member's survey answers, oldest first, with the survey's name and kind."""
        r, s = t.survey_responses, t.surveys
        query = (
            select(
                r.c.id,
                r.c.survey_id,
                s.c.name.label("survey"),
                s.c.kind,
                r.c.score,
                r.c.comment,
                r.c.locale,
                r.c.purchase_id,
                r.c.responded_at,
            )
            .join(s, s.c.id == r.c.survey_id)
            .where(r.c.member_id == member_id)
            .order_by(r.c.id)
        )
        return [dict(row._mapping) for row in self.conn.execute(query)]

    def referred(self, member_id: int) -> list[int]:
        """Ids of the members who enrolled with this member's referral code."""
        m = t.members
        rows = self.conn.execute(
            select(m.c.id).where(m.c.referred_by == member_id).order_by(m.c.id)
        )
        return [int(r[0]) for r in rows]

    # ------------------------------------------------------------------ erasing

    def erase(
        self,
        member_id: int,
        old_external_id: str,
        referred_by: int | None,
        pseudonym: str,
        referral_code: str,
        at: datetime,
    ) -> Scrubbed:
        """Replace the member's external id by `pseudonym` and their referral code by a new
        one, set email and name to NULL and `erased_at` to `at`, and blank the copies."""
        m = t.members
        identity = {"external_id": pseudonym, "referral_code": referral_code}
        contact = self.conn.execute(select(m.c.email, m.c.phone).where(m.c.id == member_id)).one()
        cards = Cards(self.conn).erase_member(member_id, at)  # blocked, linked to nobody
        Businesses(self.conn).erase_buyers(member_id, at)  # a business's contacts
        self._blank_waiting(contact.email, contact.phone, cards)
        self.conn.execute(
            update(m)
            .where(m.c.id == member_id)
            .values(email=None, name=None, phone=None, erased_at=at, **identity)
        )
        # the addresses and numbers a till recorded with purchases now linked to them
        self.conn.execute(
            update(t.unclaimed_purchases)
            .where(t.unclaimed_purchases.c.member_id == member_id)
            .values(email=None, phone=None, card=None)
        )
        # the payment fingerprints tills sent with their purchases (docs/referrals.md)
        fingerprints = t.payment_fingerprints
        self.conn.execute(delete(fingerprints).where(fingerprints.c.member_id == member_id))
        # the words of their survey answers; the scores stay, as every aggregate does
        answers = t.survey_responses
        self.conn.execute(
            update(answers).where(answers.c.member_id == member_id).values(comment=None)
        )
        return Scrubbed(
            message_addresses=self._messages(member_id),
            refund_reasons=self._blank(t.refunds, member_id),
            ledger_reasons=self._blank(t.ledger_entries, member_id),
            referrer_reasons=self._referrer_reason(member_id, old_external_id, referred_by),
            event_payloads=self._events(member_id),
            stored_answers=self._answers(member_id, identity),
        )

    def _blank_waiting(self, email: str | None, phone: str | None, cards: list[str]) -> None:
        """The member's address, phone and cards where a till recorded them with purchases
        still awaiting a member: each key that is theirs is blanked (a row left with no
        key can no longer be linked to anybody)."""
        u = t.unclaimed_purchases
        waiting = u.c.member_id.is_(None)
        if email:
            self.conn.execute(
                update(u).where(waiting, u.c.email == email.lower()).values(email=None)
            )
        keys = [(u.c.phone, phone), *((u.c.card, card) for card in cards)]
        for column, value in keys:
            if value:
                self.conn.execute(update(u).where(waiting, column == value).values({column: None}))

    def _blank(self, table: Any, member_id: int) -> int:
        result = self.conn.execute(
            update(table)
            .where(table.c.member_id == member_id, table.c.reason.is_not(None))
            .values(reason=None)
        )
        return int(result.rowcount)

    def _referrer_reason(
        self, member_id: int, old_external_id: str, referred_by: int | None
    ) -> int:
        """The referrer's referral credit read "referred <external id>" before enrolment
        wrote "referred member <id>"; say it the new way."""
        if referred_by is None:
            return 0
        e = t.ledger_entries
        result = self.conn.execute(
            update(e)
            .where(
                and_(
                    e.c.member_id == referred_by,
                    e.c.kind == EntryKind.REFERRAL.value,
                    e.c.reason == f"referred {old_external_id}",
                )
            )
            .values(reason=f"referred member {member_id}")
        )
        return int(result.rowcount)

    def _messages(self, member_id: int) -> int:
        """The addresses the member's messages went to, and the errors of their sending (a
        mail server's refusal names the address it refused), blanked; a message not yet
        sent is refused as `erased`, as the worker would refuse it."""
        m = t.messages
        self.conn.execute(
            update(m)
            .where(m.c.member_id == member_id, m.c.status.in_(_WAITING))
            .values(status=Status.REFUSED.value, refusal=Refusal.ERASED.value, lease_until=None)
        )
        result = self.conn.execute(
            update(m)
            .where(m.c.member_id == member_id)
            .where(m.c.address.is_not(None) | m.c.error.is_not(None))
            .values(address=None, error=None)
        )
        return int(result.rowcount)

    def _events(self, member_id: int) -> int:
        """Events whose payload carries free text (an adjustment's reason) lose it."""
        o = t.outbox
        changed = 0
        for row in self.conn.execute(
            select(o.c.id, o.c.payload).where(o.c.member_id == member_id)
        ).all():
            payload = dict(row.payload or {})
            if payload.get("reason") is None:
                continue
            payload["reason"] = None
            self.conn.execute(update(o).where(o.c.id == row.id).values(payload=payload))
            changed += 1
        return changed

    def _answers(self, member_id: int, identity: dict[str, str]) -> int:
        """Stored answers of idempotent writes about this member, rewritten so a replay
        shows the erased record and not the personal data it was first sent: their
        enrolments (the erased record, same id), and the answers that name them by
        `member_id` (a birthday, a business's buyer, an adjustment's reason) with the
        personal fields blanked."""
        return self._enrolment_answers(member_id, identity) + self._member_answers(member_id)

    def _member_answers(self, member_id: int) -> int:
        def blank(answer: dict[str, Any]) -> dict[str, Any] | None:
            if answer.get("member_id") != member_id:
                return None
            blanked = {key: None for key in _PERSONAL if answer.get(key) is not None}
            return answer | blanked if blanked else None

        return self._rewrite_answers(_NAMES_MEMBER, blank)

    def _enrolment_answers(self, member_id: int, identity: dict[str, str]) -> int:
        def erased(answer: dict[str, Any]) -> dict[str, Any] | None:
            if answer.get("id") != member_id:
                return None
            return answer | {"email": None, "name": None, **identity}

        return self._rewrite_answers(_MEMBER_ANSWER, erased)

    def _rewrite_answers(
        self, like: str, rewrite: Callable[[dict[str, Any]], dict[str, Any] | None]
    ) -> int:
        """Stored answers whose text is `like` and which `rewrite` changes (None: leave
        it), written back; how many."""
        k = t.idempotency_keys
        changed = 0
        candidates = self.conn.execute(
            select(k.c.id, k.c.response_body).where(k.c.response_body.like(like))
        ).all()
        for row in candidates:
            try:
                answer = json.loads(row.response_body)
            except ValueError:
                continue
            new = rewrite(answer) if isinstance(answer, dict) else None
            if new is None:
                continue
            self.conn.execute(
                update(k).where(k.c.id == row.id).values(response_body=json.dumps(new))
            )
            changed += 1
        return changed
