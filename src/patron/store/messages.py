"""Messages, suppressions and staff-written templates in the store (domain/messages.py).

A message row is inserted once per key (ON CONFLICT DO NOTHING: when two writers ask for
the same message at once, the first stays and the second finds it). What the gate needs
to know of many members at once is read in chunks of `CHUNK` ids, a handful of queries
per chunk whatever the audience's size.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from patron.domain.consent import ConsentSource
from patron.domain.messages import (
    CAPPED_STATUSES,
    CONSENT_PURPOSE,
    Channel,
    FrequencyCap,
    Kind,
    Outgoing,
    Recipient,
    Refusal,
    Status,
    SuppressionReason,
    address_key,
)
from patron.store import tables as t
from patron.store.base import Repo

CHUNK = 500
_MSG, _S, _T, _M, _C = (
    t.messages,
    t.suppressions,
    t.message_templates,
    t.members,
    t.consents,
)
_INSERT = {
    name: dialect.insert(_MSG).on_conflict_do_nothing(index_elements=[_MSG.c.key])
    for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))
}
_INSERT_SUPPRESSION = {
    name: dialect.insert(_S).on_conflict_do_nothing(index_elements=[_S.c.channel, _S.c.address])
    for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))
}


def _chunks(ids: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


@dataclass(frozen=True)
class Suppression:
    channel: Channel
    address: str
    reason: SuppressionReason
    source: str
    actor: str | None
    created_at: datetime


@dataclass(frozen=True)
class StoredTemplate:
    name: str
    locale: str
    subject: str
    text: str
    html: str | None
    updated_at: datetime
    updated_by: str | None


class Messages(Repo):
    def keys(self, keys: Sequence[str]) -> dict[str, int]:
        """The ids of the messages already asked under `keys`."""
        found: dict[str, int] = {}
        for chunk in _chunks(list(keys)):
            query = select(_MSG.c.key, _MSG.c.id).where(_MSG.c.key.in_(chunk))
            found.update({r.key: int(r.id) for r in self.conn.execute(query)})
        return found

    def recipients(
        self, member_ids: Sequence[int], channel: Channel, cap: FrequencyCap | None, now: datetime
    ) -> dict[int, Recipient]:
        """What the gate needs of each member for `channel` (members not found left out)."""
        found: dict[int, Recipient] = {}
        for chunk in _chunks(sorted(set(member_ids))):
            addresses = self._addresses(chunk, channel)
            consented = self._consented(chunk, CONSENT_PURPOSE[channel])
            recent = self._recent(chunk, cap, now) if cap is not None else Counter[int]()
            for member_id, (erased, address) in addresses.items():
                found[member_id] = Recipient(
                    erased=erased,
                    address=address,
                    consented=consented.get(member_id, False),
                    recent=recent[member_id],
                )
        return found

    def _addresses(
        self, ids: Sequence[int], channel: Channel
    ) -> dict[int, tuple[bool, str | None]]:
        column = {
            Channel.EMAIL: _M.c.email,
            Channel.SMS: _M.c.phone,
            Channel.PUSH: _M.c.external_id,
        }[channel]
        query = select(_M.c.id, _M.c.erased_at, column.label("address")).where(_M.c.id.in_(ids))
        return {
            int(r.id): (r.erased_at is not None, address_key(channel, r.address))
            for r in self.conn.execute(query)
        }

    def _consented(self, ids: Sequence[int], purpose: str) -> dict[int, bool]:
        # the latest record that counts (a yes awaiting the proof of the address does not)
        query = (
            select(_C.c.member_id, _C.c.granted)
            .where(
                _C.c.member_id.in_(ids),
                _C.c.purpose == purpose,
                _C.c.source != ConsentSource.UNCONFIRMED.value,
            )
            .order_by(_C.c.id)
        )
        return {int(r.member_id): bool(r.granted) for r in self.conn.execute(query)}

    def _recent(self, ids: Sequence[int], cap: FrequencyCap, now: datetime) -> Counter[int]:
        query = (
            select(_MSG.c.member_id, func.count())
            .where(
                _MSG.c.member_id.in_(ids),
                _MSG.c.kind == Kind.MARKETING.value,
                _MSG.c.status.in_([s.value for s in CAPPED_STATUSES]),
                _MSG.c.queued_at > now - timedelta(days=cap.days),
            )
            .group_by(_MSG.c.member_id)
        )
        return Counter({int(r[0]): int(r[1]) for r in self.conn.execute(query)})

    def add_many(
        self, rows: Sequence[tuple[Outgoing, Refusal | None]], now: datetime
    ) -> dict[str, int]:
        """Insert one row per message not asked before; the ids of all `rows`' keys."""
        statement = _INSERT[self.conn.dialect.name]
        for chunk in _chunks(list(rows)):
            self.conn.execute(
                statement, [_row(outgoing, refused, now) for outgoing, refused in chunk]
            )
        return self.keys([outgoing.key for outgoing, _ in rows])

    def counts(self, campaign_id: int) -> dict[str, int]:
        """A campaign's messages by status, and the refused by reason (`refused:<reason>`)."""
        query = (
            select(_MSG.c.status, _MSG.c.refusal, func.count())
            .where(_MSG.c.campaign_id == campaign_id)
            .group_by(_MSG.c.status, _MSG.c.refusal)
        )
        found: Counter[str] = Counter()
        for status, refused, count in self.conn.execute(query):
            found[status] += int(count)
            if refused is not None:
                found[f"refused:{refused}"] += int(count)
        return dict(found)

    def get(self, message_id: int) -> Mapping[str, Any] | None:
        row = self.conn.execute(select(_MSG).where(_MSG.c.id == message_id)).first()
        return None if row is None else dict(row._mapping)

    def refuse(self, message_id: int, refused: Refusal) -> None:
        """A queued message the gate now stops (asked again at the moment of sending)."""
        self.conn.execute(
            update(_MSG)
            .where(_MSG.c.id == message_id)
            .values(status=Status.REFUSED.value, refusal=refused.value, lease_until=None)
        )


def _row(outgoing: Outgoing, refused: Refusal | None, now: datetime) -> dict[str, Any]:
    return {
        "member_id": outgoing.member_id,
        "channel": outgoing.channel.value,
        "kind": outgoing.kind.value,
        "template": outgoing.template,
        "key": outgoing.key,
        "campaign_id": outgoing.campaign_id,
        "journey": outgoing.journey,
        "variant": outgoing.variant,
        "context": dict(outgoing.context),
        "status": (Status.QUEUED if refused is None else Status.REFUSED).value,
        "refusal": None if refused is None else refused.value,
        "queued_at": now,
        "not_before": outgoing.not_before or now,
        "attempts": 0,
        "lease_until": None,
        "sent_at": None,
        "address": None,
        "error": None,
    }


class Suppressions(Repo):
    def add(self, entry: Suppression) -> bool:
        """Add the address; whether it was not on the list before."""
        result = self.conn.execute(
            _INSERT_SUPPRESSION[self.conn.dialect.name],
            {
                "channel": entry.channel.value,
                "address": entry.address,
                "reason": entry.reason.value,
                "source": entry.source,
                "actor": entry.actor,
                "created_at": entry.created_at,
            },
        )
        return bool(result.rowcount)

    def remove(self, channel: Channel, address: str) -> bool:
        result = self.conn.execute(
            delete(_S).where(_S.c.channel == channel.value, _S.c.address == address)
        )
        return bool(result.rowcount)

    def among(self, channel: Channel, addresses: Iterable[str]) -> set[str]:
        """Which of `addresses` are suppressed on `channel`."""
        found: set[str] = set()
        for chunk in _chunks(sorted(set(addresses))):
            query = select(_S.c.address).where(
                _S.c.channel == channel.value, _S.c.address.in_(chunk)
            )
            found.update(r.address for r in self.conn.execute(query))
        return found

    def listed(self, channel: Channel | None = None, limit: int = 500) -> list[Suppression]:
        query = select(_S).order_by(_S.c.id.desc()).limit(limit)
        if channel is not None:
            query = query.where(_S.c.channel == channel.value)
        return [
            Suppression(
                channel=Channel(r.channel),
                address=r.address,
                reason=SuppressionReason(r.reason),
                source=r.source,
                actor=r.actor,
                created_at=r.created_at,
            )
            for r in self.conn.execute(query)
        ]


class MessageTemplates(Repo):
    def get(self, name: str, locale: str) -> StoredTemplate | None:
        query = select(_T).where(_T.c.name == name, _T.c.locale == locale)
        row = self.conn.execute(query).first()
        if row is None:
            return None
        return StoredTemplate(
            name=row.name,
            locale=row.locale,
            subject=row.subject,
            text=row.text,
            html=row.html,
            updated_at=row.updated_at,
            updated_by=row.updated_by,
        )

    def put(self, template: StoredTemplate) -> None:
        """Write the template, replacing the one of the same name and locale."""
        values = {
            "subject": template.subject,
            "text": template.text,
            "html": template.html,
            "updated_at": template.updated_at,
            "updated_by": template.updated_by,
        }
        where = (_T.c.name == template.name, _T.c.locale == template.locale)
        if not self.conn.execute(update(_T).where(*where).values(values)).rowcount:
            self.conn.execute(
                _T.insert().values(name=template.name, locale=template.locale, **values)
            )

    def names(self, prefix: str) -> list[tuple[str, str]]:
        """The (name, locale) of the templates whose name starts with `prefix`."""
        query = (
            select(_T.c.name, _T.c.locale)
            .where(_T.c.name.startswith(prefix, autoescape=True))
            .order_by(_T.c.name, _T.c.locale)
        )
        return [(r.name, r.locale) for r in self.conn.execute(query)]
