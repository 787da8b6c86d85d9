"""The campaigns repository: campaigns, each member's arm and variant, runs, offers used.

The audience's store criteria are one query (`candidates`): members not erased, filtered
by tier, club, the days since their last purchase, the categories they bought and their
latest consent for the channel's purpose (the latest record that counts, as
store/consents.py reads it). An arm is inserted once (ON CONFLICT DO NOTHING, as the
experiments' are) and never rewritten. `offers_for` is the one query an earn makes: the
offers of campaigns whose window holds the purchase for this treated member (an index on
`campaign_members.member_id`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Row, bindparam, exists, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from patron.domain.campaigns import (
    Audience,
    Campaign,
    NewCampaign,
    Offer,
    Schedule,
    Status,
    Variant,
    parse_audience,
    parse_offer,
)
from patron.domain.consent import ConsentSource
from patron.domain.experiments import Arm
from patron.store import tables as t
from patron.store.base import Repo, insert_row

_C, _M, _R, _U = t.campaigns, t.campaign_members, t.campaign_runs, t.campaign_offer_uses
_INSERT_MEMBER = {
    name: dialect.insert(_M).on_conflict_do_nothing(
        index_elements=[_M.c.campaign_id, _M.c.member_id]
    )
    for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))
}

# the one query an earn makes: the offers in force for a member (built once, so that each
# earn pays for its execution only, not for building and compiling it)
_OFFERS_FOR = (
    select(_C.c.id, _C.c.offer, _M.c.offer_from, _M.c.offer_until)
    .select_from(_M.join(_C, _C.c.id == _M.c.campaign_id))
    .where(
        _M.c.member_id == bindparam("member_id"),
        _M.c.offer_from <= bindparam("at"),
        _M.c.offer_until > bindparam("at"),
    )
    .order_by(_C.c.id)
)


@dataclass(frozen=True)
class Candidate:
    """A member an audience's store criteria keep."""

    id: int
    external_id: str
    name: str | None
    tier: str
    last_purchase_at: datetime | None


@dataclass(frozen=True)
class Assigned:
    member_id: int
    arm: Arm
    variant: str | None


@dataclass(frozen=True)
class RunRecord:
    run: int
    started_at: datetime
    audience: int
    holdout: int
    queued: int
    refused: int
    actor: str


@dataclass(frozen=True)
class OfferInForce:
    campaign_id: int
    offer: Offer
    starts: datetime
    ends: datetime  # excluded


def _campaign(row: Row[Any]) -> Campaign:
    offer = parse_offer(row.offer) if row.offer else None
    return Campaign(
        id=int(row.id),
        name=row.name,
        channel=row.channel,
        audience=parse_audience(row.audience),
        variants=tuple(Variant(v["name"], Decimal(str(v["share"]))) for v in row.variants),
        holdout_share=Decimal(str(row.holdout_share)).quantize(Decimal("0.0001")),
        salt=row.salt,
        schedule=Schedule(row.first_at, row.every_days, row.ends_at, row.per_hour),
        offer=offer,
        attribution_days=int(row.attribution_days),
        status=Status(row.status),
        next_run_at=row.next_run_at,
        runs=int(row.runs),
        first_run_at=row.first_run_at,
        last_run_at=row.last_run_at,
        created_at=row.created_at,
        created_by=row.created_by,
    )


def _fields(new: NewCampaign | Campaign) -> dict[str, Any]:
    return {
        "name": new.name,
        "channel": new.channel,
        "audience": new.audience.as_dict(),
        "variants": [{"name": v.name, "share": str(v.share)} for v in new.variants],
        "holdout_share": new.holdout_share,
        "salt": new.salt,
        "first_at": new.schedule.first_at,
        "every_days": new.schedule.every_days,
        "ends_at": new.schedule.ends_at,
        "per_hour": new.schedule.per_hour,
        "offer": None if new.offer is None else new.offer.as_dict(),
        "attribution_days": new.attribution_days,
    }


class Campaigns(Repo):
    def add(self, new: NewCampaign, created_at: datetime, created_by: str) -> Campaign:
        values = {
            **_fields(new),
            "status": Status.DRAFT.value,
            "next_run_at": None,
            "runs": 0,
            "created_at": created_at,
            "created_by": created_by,
        }
        new_id = insert_row(self.conn, _C, values)
        found = self.by_id(new_id)
        assert found is not None
        return found

    def by_id(self, campaign_id: int, *, lock: bool = False) -> Campaign | None:
        query = select(_C).where(_C.c.id == campaign_id)
        if lock:
            query = query.with_for_update()
        row = self.conn.execute(query).first()
        return None if row is None else _campaign(row)

    def by_name(self, name: str) -> Campaign | None:
        row = self.conn.execute(select(_C).where(_C.c.name == name)).first()
        return None if row is None else _campaign(row)

    def all(self) -> list[Campaign]:
        return [_campaign(r) for r in self.conn.execute(select(_C).order_by(_C.c.id))]

    def due(self, now: datetime) -> list[Campaign]:
        query = (
            select(_C)
            .where(_C.c.status == Status.SCHEDULED.value, _C.c.next_run_at <= now)
            .order_by(_C.c.next_run_at, _C.c.id)
        )
        return [_campaign(r) for r in self.conn.execute(query)]

    def change(self, campaign: Campaign) -> None:
        """Write every field but the id, the creation and the counters of runs."""
        self.conn.execute(
            update(_C)
            .where(_C.c.id == campaign.id)
            .values(
                **_fields(campaign),
                status=campaign.status.value,
                next_run_at=campaign.next_run_at,
            )
        )

    def ran(self, campaign: Campaign, record: RunRecord) -> None:
        """Record a run and move the campaign's counters and next run."""
        self.conn.execute(
            _R.insert().values(
                campaign_id=campaign.id,
                run=record.run,
                started_at=record.started_at,
                audience=record.audience,
                holdout=record.holdout,
                queued=record.queued,
                refused=record.refused,
                actor=record.actor,
            )
        )
        self.conn.execute(
            update(_C)
            .where(_C.c.id == campaign.id)
            .values(
                runs=record.run,
                status=campaign.status.value,
                next_run_at=campaign.next_run_at,
                first_run_at=func.coalesce(_C.c.first_run_at, record.started_at),
                last_run_at=record.started_at,
            )
        )

    def runs(self, campaign_id: int) -> list[RunRecord]:
        query = select(_R).where(_R.c.campaign_id == campaign_id).order_by(_R.c.run)
        return [
            RunRecord(r.run, r.started_at, r.audience, r.holdout, r.queued, r.refused, r.actor)
            for r in self.conn.execute(query)
        ]

    def candidates(
        self, audience: Audience, consent_purpose: str, now: datetime
    ) -> list[Candidate]:
        """The members not erased whom the audience's store criteria keep, by id."""
        m, p = t.members, t.purchases
        last = (
            select(p.c.member_id, func.max(p.c.occurred_at).label("last_at"))
            .group_by(p.c.member_id)
            .subquery()
        )
        query = (
            select(m.c.id, m.c.external_id, m.c.name, m.c.tier, last.c.last_at)
            .select_from(m.outerjoin(last, last.c.member_id == m.c.id))
            .where(m.c.erased_at.is_(None))
            .order_by(m.c.id)
        )
        if audience.tiers:
            query = query.where(m.c.tier.in_(audience.tiers))
        if audience.clubs:
            cm = t.club_members
            query = query.where(
                exists().where(
                    cm.c.member_id == m.c.id,
                    cm.c.club_id.in_(audience.clubs),
                    cm.c.standing == "member",
                )
            )
        if audience.min_days_since_purchase is not None:
            cutoff = now - timedelta(days=audience.min_days_since_purchase)
            query = query.where(last.c.last_at <= cutoff)
        if audience.max_days_since_purchase is not None:
            cutoff = now - timedelta(days=audience.max_days_since_purchase)
            query = query.where(last.c.last_at >= cutoff)
        if audience.categories:
            lines = t.purchase_lines
            query = query.where(
                exists().where(
                    lines.c.member_id == m.c.id, lines.c.category.in_(audience.categories)
                )
            )
        if audience.consent:
            c = t.consents
            latest = (
                select(c.c.member_id, func.max(c.c.id).label("last_id"))
                .where(
                    c.c.purpose == consent_purpose,
                    c.c.source != ConsentSource.UNCONFIRMED.value,
                )
                .group_by(c.c.member_id)
                .subquery()
            )
            granted = (
                select(latest.c.member_id)
                .select_from(latest.join(c, c.c.id == latest.c.last_id))
                .where(c.c.granted.is_(True))
            )
            query = query.where(m.c.id.in_(granted))
        return [
            Candidate(int(r.id), r.external_id, r.name, r.tier, r.last_at)
            for r in self.conn.execute(query)
        ]

    def assigned(self, campaign_id: int) -> dict[int, Assigned]:
        query = select(_M.c.member_id, _M.c.arm, _M.c.variant).where(
            _M.c.campaign_id == campaign_id
        )
        return {
            int(r.member_id): Assigned(int(r.member_id), Arm(r.arm), r.variant)
            for r in self.conn.execute(query)
        }

    def assign(self, campaign_id: int, rows: Iterable[Assigned], run: int, at: datetime) -> None:
        """Store arms and variants; a member who has them already keeps them."""
        values = [
            {
                "campaign_id": campaign_id, "member_id": a.member_id, "arm": a.arm.value,
                "variant": a.variant, "first_run": run, "assigned_at": at,
            }
            for a in rows
        ]  # fmt: skip
        for start in range(0, len(values), 5000):
            self.conn.execute(_INSERT_MEMBER[self.conn.dialect.name], values[start : start + 5000])

    def give_offer(
        self, campaign_id: int, member_ids: Sequence[int], starts: datetime, ends: datetime
    ) -> None:
        """Open the offer's window [starts, ends) for these treated members."""
        for start in range(0, len(member_ids), 5000):
            chunk = list(member_ids[start : start + 5000])
            self.conn.execute(
                update(_M)
                .where(
                    _M.c.campaign_id == campaign_id,
                    _M.c.member_id.in_(chunk),
                    _M.c.arm == Arm.TREATMENT.value,
                )
                .values(offer_from=starts, offer_until=ends)
            )

    def counts(self, campaign_id: int) -> tuple[dict[Arm, int], dict[str, int]]:
        """Members per arm, and treated members per variant."""
        query = (
            select(_M.c.arm, _M.c.variant, func.count())
            .where(_M.c.campaign_id == campaign_id)
            .group_by(_M.c.arm, _M.c.variant)
        )
        arms = dict.fromkeys(Arm, 0)
        variants: dict[str, int] = {}
        for arm, variant, n in self.conn.execute(query):
            arms[Arm(arm)] += int(n)
            if arm == Arm.TREATMENT.value and variant is not None:
                variants[variant] = variants.get(variant, 0) + int(n)
        return arms, variants

    def offers_for(self, member_id: int, at: datetime) -> list[OfferInForce]:
        """The offers in force at `at` for the member (treated, inside their window)."""
        found = []
        for row in self.conn.execute(_OFFERS_FOR, {"member_id": member_id, "at": at}):
            offer = parse_offer(row.offer) if row.offer else None
            if offer is not None:
                found.append(OfferInForce(int(row.id), offer, row.offer_from, row.offer_until))
        return found

    def use_offer(
        self, campaign_id: int, member_id: int, purchase_id: int, points: int, at: datetime
    ) -> None:
        self.conn.execute(
            _U.insert().values(
                purchase_id=purchase_id, campaign_id=campaign_id, member_id=member_id,
                points=points, at=at,
            )
        )  # fmt: skip

    def offer_uses(self, campaign_id: int) -> tuple[int, int]:
        """Purchases that earned the campaign's offer, and the points it gave."""
        row = self.conn.execute(
            select(func.count(), func.coalesce(func.sum(_U.c.points), 0)).where(
                _U.c.campaign_id == campaign_id
            )
        ).one()
        return int(row[0]), int(row[1])

    def sent_by_month(self, start: datetime, end: datetime) -> dict[tuple[str, str], int]:
        """Campaign messages sent in [start, end), by (month YYYY-MM, channel): the
        budget's communication actuals price them."""
        m = t.messages
        postgres = self.conn.dialect.name == "postgresql"
        month = (
            func.to_char(m.c.sent_at, "YYYY-MM")
            if postgres
            else func.strftime("%Y-%m", m.c.sent_at)
        ).label("month")
        rows = self.conn.execute(
            select(month, m.c.channel, func.count())
            .where(
                m.c.campaign_id.is_not(None),
                m.c.status == "sent",
                m.c.sent_at >= start,
                m.c.sent_at < end,
            )
            .group_by(month, m.c.channel)
        )
        return {(str(r[0]), str(r[1])): int(r[2]) for r in rows}

    def vouchers(self, campaign_id: int) -> tuple[int, int, Decimal]:
        """A voucher offer's vouchers: given, used, and the cost of those given (their
        redemptions' keys are `bonus:campaign:<id>:run:<n>`)."""
        r, f = t.redemptions, t.fulfilments
        prefix = f"bonus:campaign:{campaign_id}:run:"
        row = self.conn.execute(
            select(
                func.count(r.c.id),
                func.count(f.c.redemption_id).filter(f.c.state == "used"),
                func.coalesce(func.sum(r.c.cost), 0),
            )
            .select_from(r.outerjoin(f, f.c.redemption_id == r.c.id))
            .where(r.c.transaction_id.startswith(prefix, autoescape=True))
        ).one()
        return int(row[0]), int(row[1]), Decimal(str(row[2])).quantize(Decimal("0.01"))
