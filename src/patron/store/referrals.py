"""Referrals in the store: the link from a friend to their referrer and its states, the
payment fingerprints tills send, and the reads of the funnel and the opinion leaders.

The use cases (services/referrals.py) decide; this module only reads and writes. The
counts behind the caps are read under the referrer's row lock, taken by the use case, so
two friends qualifying at once are counted one after the other.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, distinct, func, select, update

from patron.domain.referrals import (
    Funnel,
    Identity,
    Leader,
    Referral,
    ReferralState,
    Refusal,
    Rewarded,
)
from patron.store import tables as t
from patron.store.base import Repo, decimal, insert_row

_R, _M, _P, _F = t.referrals, t.members, t.purchases, t.payment_fingerprints
QUALIFIED = ReferralState.QUALIFIED.value
# refusals that say the friend is the referrer, or one of their other friends, again
SAME_PERSON = [
    Refusal.SELF_REFERRAL.value,
    Refusal.SAME_EMAIL.value,
    Refusal.SAME_PHONE.value,
    Refusal.SAME_PAYMENT.value,
]


def _referral(row: Any) -> Referral:
    return Referral(
        id=int(row.id),
        referrer_id=int(row.referrer_id),
        friend_id=int(row.member_id),
        state=ReferralState(row.state),
        reason=None if row.reason is None else Refusal(row.reason),
        enrolled_at=row.enrolled_at,
        purchase_id=None if row.purchase_id is None else int(row.purchase_id),
        qualified_at=row.qualified_at,
        rewards_at=row.rewards_at,
        ended_at=row.ended_at,
        referrer_points=int(row.referrer_points),
        friend_points=int(row.friend_points),
        referrer_lot=None if row.referrer_lot is None else int(row.referrer_lot),
        friend_lot=None if row.friend_lot is None else int(row.friend_lot),
    )


class Referrals(Repo):
    def add(self, referrer_id: int, friend_id: int, at: datetime) -> int:
        values = {
            "member_id": friend_id,
            "referrer_id": referrer_id,
            "state": ReferralState.ENROLLED.value,
            "enrolled_at": at,
            "referrer_points": 0,
            "friend_points": 0,
        }
        return insert_row(self.conn, _R, values)

    def of_friend(self, friend_id: int) -> Referral | None:
        row = self.conn.execute(select(_R).where(_R.c.member_id == friend_id)).first()
        return None if row is None else _referral(row)

    def of_referrer(self, referrer_id: int) -> list[Referral]:
        query = select(_R).where(_R.c.referrer_id == referrer_id).order_by(_R.c.id)
        return [_referral(row) for row in self.conn.execute(query)]

    def identities(self, referrer_id: int) -> tuple[Identity, list[Identity]]:
        """The referrer's e-mail and phone, and each of their friends' (every friend,
        refused ones included)."""
        me = self.conn.execute(select(_M.c.email, _M.c.phone).where(_M.c.id == referrer_id)).one()
        friends = self.conn.execute(
            select(_M.c.email, _M.c.phone)
            .join(_R, _R.c.member_id == _M.c.id)
            .where(_R.c.referrer_id == referrer_id)
            .order_by(_M.c.id)
        )
        return Identity(me.email, me.phone), [Identity(r.email, r.phone) for r in friends]

    def emails_at(self, domain: str) -> list[str]:
        """The addresses of the members not erased whose address ends in `@domain` (case
        aside): those that may be one mailbox with a new friend's."""
        escaped = domain.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = select(_M.c.email).where(
            func.lower(_M.c.email).like(f"%@{escaped}", escape="\\"), _M.c.erased_at.is_(None)
        )
        return [str(e) for e in self.conn.execute(query).scalars()]

    def rewarded(self, referrer_id: int, month_start: datetime, month_end: datetime) -> Rewarded:
        """The referrer's rewards standing (qualified or rewarded, not taken back): in the
        month [month_start, month_end) of the qualifying purchase, and in all."""
        in_month = and_(_R.c.qualified_at >= month_start, _R.c.qualified_at < month_end)
        row = self.conn.execute(
            select(
                func.count().filter(in_month).label("month"),
                func.count().label("total"),
            ).where(_R.c.referrer_id == referrer_id, _R.c.state == QUALIFIED)
        ).one()
        return Rewarded(int(row.month), int(row.total))

    def qualify(
        self,
        referral_id: int,
        purchase_id: int,
        at: datetime,
        rewards_at: datetime,
        points: tuple[int, int],
        lots: tuple[int | None, int | None],
    ) -> None:
        """Paid: (referrer's, friend's) points and lots."""
        self._set(
            referral_id,
            state=QUALIFIED,
            purchase_id=purchase_id,
            qualified_at=at,
            rewards_at=rewards_at,
            referrer_points=points[0],
            friend_points=points[1],
            referrer_lot=lots[0],
            friend_lot=lots[1],
        )

    def refuse(
        self, referral_id: int, reason: Refusal, at: datetime, purchase_id: int | None
    ) -> None:
        self._set(
            referral_id,
            state=ReferralState.REFUSED.value,
            reason=reason.value,
            ended_at=at,
            purchase_id=purchase_id,
        )

    def take_back(self, referral_id: int, at: datetime) -> None:
        self._set(referral_id, state=ReferralState.TAKEN_BACK.value, ended_at=at)

    def _set(self, referral_id: int, **values: Any) -> None:
        self.conn.execute(update(_R).where(_R.c.id == referral_id).values(**values))

    # -- payment fingerprints

    def add_fingerprint(self, purchase_id: int, member_id: int, fingerprint: str) -> None:
        insert_row(
            self.conn,
            _F,
            {"purchase_id": purchase_id, "member_id": member_id, "fingerprint": fingerprint},
        )

    def fingerprint_of(self, purchase_id: int) -> str | None:
        query = select(_F.c.fingerprint).where(_F.c.purchase_id == purchase_id)
        found = self.conn.execute(query).scalar()
        return None if found is None else str(found)

    def paid_alike(self, fingerprint: str, referrer_id: int, friend_id: int) -> bool:
        """Whether the referrer or another of their friends paid with this fingerprint."""
        others = select(_R.c.member_id).where(
            _R.c.referrer_id == referrer_id, _R.c.member_id != friend_id
        )
        query = (
            select(_F.c.purchase_id)
            .where(
                _F.c.fingerprint == fingerprint,
                (_F.c.member_id == referrer_id) | _F.c.member_id.in_(others),
            )
            .limit(1)
        )
        return self.conn.execute(query).first() is not None

    # -- reads over a period [start, end)

    def funnel(self, start: datetime, end: datetime, now: datetime) -> Funnel:
        def within(column: Any) -> Any:
            return and_(column >= start, column < end)

        state = _R.c.state
        row = self.conn.execute(
            select(
                func.count(distinct(_R.c.referrer_id)).filter(within(_R.c.enrolled_at)),
                func.count().filter(within(_R.c.enrolled_at)),
                func.count().filter(within(_R.c.qualified_at)),
                func.count().filter(
                    within(_R.c.rewards_at), _R.c.rewards_at <= now, state == QUALIFIED
                ),
                func.count().filter(within(_R.c.ended_at), state == "taken_back"),
                func.count().filter(within(_R.c.ended_at), state == "refused"),
            )
        ).one()
        return Funnel(*(int(n) for n in row))

    def leaders(self, start: datetime, end: datetime, limit: int) -> list[Leader]:
        """The referrers whose friends spent the most in the period, then by customers."""
        linked = _R.c.reason.is_(None) | _R.c.reason.not_in(SAME_PERSON)
        spent = (
            select(
                _P.c.member_id,
                func.sum(_P.c.total - _P.c.refunded_total).label("revenue"),
            )
            .where(_P.c.occurred_at >= start, _P.c.occurred_at < end)
            .group_by(_P.c.member_id)
            .subquery()
        )
        revenue = func.coalesce(func.sum(spent.c.revenue), 0)
        customers = func.count(spent.c.member_id)
        query = (
            select(
                _R.c.referrer_id,
                _M.c.external_id,
                func.count().label("friends"),
                customers.label("customers"),
                revenue.label("revenue"),
            )
            .join(_M, _M.c.id == _R.c.referrer_id)
            .outerjoin(spent, spent.c.member_id == _R.c.member_id)
            .where(linked)
            .group_by(_R.c.referrer_id, _M.c.external_id)
            .having(customers > 0)
            .order_by(revenue.desc(), customers.desc(), _R.c.referrer_id)
            .limit(limit)
        )
        return [
            Leader(
                int(r.referrer_id),
                r.external_id,
                int(r.friends),
                int(r.customers),
                decimal(r.revenue).quantize(Decimal("0.01")),
            )
            for r in self.conn.execute(query)
        ]
