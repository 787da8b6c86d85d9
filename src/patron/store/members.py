"""Members in the store: a member's row is their identity, tier and running counters.

A new member's row is written from `domain.member.starting`, by `add` one at a time or by
`add_many` through the bulk writer for an import, so both write the same columns with the
same starting values. The statements a purchase runs are built once, with named
parameters (bench/README.md, "Statements built once"), and go to the driver itself on
PostgreSQL (driver.py).
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, select, update

from patron.domain.member import Member, NewMember, starting
from patron.store import tables as t
from patron.store.base import Repo, decimal, insert_row
from patron.store.bulk import Bulk
from patron.store.driver import driver

_M = t.members
_BY_ID = select(_M).where(_M.c.id == bindparam("member_id"))
_BY_ID_LOCKED = _BY_ID.with_for_update()
_BY_EXTERNAL_ID = select(_M).where(_M.c.external_id == bindparam("external_id"))
_BY_EXTERNAL_ID_LOCKED = _BY_EXTERNAL_ID.with_for_update()
# without .values(): the parameters' keys other than member_id_ are the columns set
_SAVE = update(_M).where(_M.c.id == bindparam("member_id_"))
_SAVED = ("balance", "debt", "purchase_count", "lifetime_spend", "tier", "tier_since")
_SAVE_ALL = (
    update(_M)
    .where(_M.c.id == bindparam("member_id_"))
    .values({name: bindparam(name) for name in _SAVED})
)
_DriverRow = namedtuple("_DriverRow", [c.name for c in _M.c])  # type: ignore[misc]


def _member(row: Any) -> Member:
    return Member(
        id=int(row.id),
        external_id=row.external_id,
        email=row.email,
        name=row.name,
        tier=row.tier,
        tier_since=row.tier_since,
        enrolled_at=row.enrolled_at,
        referral_code=row.referral_code,
        referred_by=row.referred_by,
        balance=int(row.balance),
        debt=int(row.debt),
        purchase_count=int(row.purchase_count),
        lifetime_spend=decimal(row.lifetime_spend),
        acquisition_channel=row.acquisition_channel,
        erased_at=row.erased_at,
    )


def _columns(member: Member) -> dict[str, Any]:
    """A new member's row: every column but the id."""
    return {
        "external_id": member.external_id,
        "email": member.email,
        "name": member.name,
        "tier": member.tier,
        "tier_since": member.tier_since,
        "enrolled_at": member.enrolled_at,
        "referral_code": member.referral_code,
        "referred_by": member.referred_by,
        "balance": member.balance,
        "debt": member.debt,
        "purchase_count": member.purchase_count,
        "lifetime_spend": member.lifetime_spend,
        "acquisition_channel": member.acquisition_channel,
    }


class Members(Repo):
    def add(self, new: NewMember) -> Member:
        """Enroll one member; the member as stored, with their new id."""
        member = starting(new, 0)
        return replace(member, id=insert_row(self.conn, _M, _columns(member)))

    def add_many(self, new: Sequence[NewMember]) -> list[int]:
        """Enroll many members in one statement (the import); their ids, in order."""
        bulk = Bulk(self.conn)
        ids = bulk.reserve_ids(_M, len(new))
        rows = [_columns(starting(n, i)) for n, i in zip(new, ids, strict=True)]
        if rows:
            bulk.insert(_M, {"id": ids, **{c: [r[c] for r in rows] for c in rows[0]}})
        return ids

    def get(self, member_id: int, *, lock: bool = False) -> Member | None:
        return self._one(_BY_ID_LOCKED if lock else _BY_ID, {"member_id": member_id})

    def many(self, member_ids: Iterable[int]) -> dict[int, tuple[Member, str | None]]:
        """Members by id with the language of their messages (None: the program's
        default), in one query per thousand; ids not found are left out."""
        ids = sorted(set(member_ids))
        found: dict[int, tuple[Member, str | None]] = {}
        for start in range(0, len(ids), 1000):
            query = select(_M).where(_M.c.id.in_(ids[start : start + 1000]))
            for row in self.conn.execute(query):
                found[int(row.id)] = (_member(row), row.locale)
        return found

    def portal_sessions_after(self, member_id: int) -> datetime | None:
        """The moment before which the member's portal sessions are over (None: none)."""
        query = select(_M.c.portal_sessions_after).where(_M.c.id == member_id)
        found: datetime | None = self.conn.execute(query).scalar_one_or_none()
        return found

    def end_portal_sessions(self, member_id: int, at: datetime) -> None:
        self.conn.execute(update(_M).where(_M.c.id == member_id).values(portal_sessions_after=at))

    def locale(self, member_id: int) -> str | None:
        """The language of the member's messages (None: the program's default)."""
        query = select(_M.c.locale).where(_M.c.id == member_id)
        found: str | None = self.conn.execute(query).scalar_one_or_none()
        return found

    def set_locale(self, member_id: int, locale: str | None) -> None:
        self.conn.execute(update(_M).where(_M.c.id == member_id).values(locale=locale))

    def by_external_id(self, external_id: str, *, lock: bool = False) -> Member | None:
        query = _BY_EXTERNAL_ID_LOCKED if lock else _BY_EXTERNAL_ID
        return self._one(query, {"external_id": external_id})

    def _one(self, query: Any, params: dict[str, Any]) -> Member | None:
        pg = driver(self.conn)
        if pg is not None:
            found = pg.one(query, params)
            return _member(_DriverRow._make(found)) if found is not None else None
        row = self.conn.execute(query, params).first()
        return _member(row) if row else None

    def by_email(self, email: str, *, lock: bool = False) -> Member | None:
        """The member a lower-cased address names, compared without regard to case: of
        several, the one enrolled last that is not erased (services/login_links.py)."""
        query = (
            select(_M)
            .where(func.lower(_M.c.email) == email, _M.c.erased_at.is_(None))
            .order_by(_M.c.enrolled_at.desc(), _M.c.id.desc())
            .limit(1)
        )
        if lock:
            query = query.with_for_update()
        row = self.conn.execute(query).first()
        return _member(row) if row else None

    def by_referral_code(self, code: str) -> Member | None:
        """The member a code names, as typed or in capitals (codes are made of capitals
        and digits; a friend may type them in lower case)."""
        typed = code.strip()
        row = self.conn.execute(
            select(_M).where(_M.c.referral_code.in_({typed, typed.upper()}))
        ).first()
        return _member(row) if row else None

    def referred_count(self, member_id: int) -> int:
        """How many members enrolled with this member's referral code."""
        query = select(func.count()).where(_M.c.referred_by == member_id)
        return int(self.conn.execute(query).scalar_one())

    def ids_by_external(self, external_ids: Iterable[str]) -> dict[str, int]:
        keys = list(external_ids)
        found: dict[str, int] = {}
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            rows = self.conn.execute(
                select(_M.c.external_id, _M.c.id).where(_M.c.external_id.in_(chunk))
            )
            found.update({r.external_id: int(r.id) for r in rows})
        return found

    def save(self, member: Member) -> None:
        """Write what use cases change in a member's row: balance, debt, purchase count,
        lifetime spend and tier (the identity is erasure's, store/privacy.py)."""
        params = {
            "member_id_": member.id,
            "balance": member.balance,
            "debt": member.debt,
            "purchase_count": member.purchase_count,
            "lifetime_spend": member.lifetime_spend,
            "tier": member.tier,
            "tier_since": member.tier_since,
        }
        pg = driver(self.conn)
        if pg is not None:
            pg.execute(_SAVE_ALL, params)
        else:
            self.conn.execute(_SAVE, params)

    def all_ids(self) -> list[int]:
        return [int(r[0]) for r in self.conn.execute(select(_M.c.id).order_by(_M.c.id))]

    def count(self) -> int:
        return int(self.conn.execute(select(func.count()).select_from(_M)).scalar_one())

    def most_purchases(self) -> int:
        """The largest purchase count of any member (0 without members)."""
        query = select(func.max(_M.c.purchase_count))
        return int(self.conn.execute(query).scalar_one() or 0)
