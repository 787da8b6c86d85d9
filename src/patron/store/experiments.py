"""The experiments repository: experiments and each member's arm (domain/experiments.py).

An arm is inserted once and never updated (ON CONFLICT DO NOTHING: when two writers
decide a member's arm at once, the first stays); only an experiment that has not started
may have its arms cleared and drawn again (services/experiments.edit_experiment).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Row, and_, bindparam, delete, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from patron.domain.experiments import Arm, Experiment, Kind, NewExperiment
from patron.store import tables as t
from patron.store.base import Repo, insert_row

_E, _A = t.experiments, t.experiment_assignments
_INSERT_ARM = {
    name: dialect.insert(_A).on_conflict_do_nothing(
        index_elements=[_A.c.experiment_id, _A.c.member_id]
    )
    for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))
}
# the experiments not ended at :at, each with the member's arm if one is stored
_OPEN_WITH_ARM = (
    select(_E, _A.c.arm)
    .select_from(
        _E.outerjoin(
            _A, and_(_A.c.experiment_id == _E.c.id, _A.c.member_id == bindparam("member_id"))
        )
    )
    .where(or_(_E.c.ends_at.is_(None), _E.c.ends_at > bindparam("at")))
    .order_by(_E.c.id)
)


def _experiment(row: Row[Any]) -> Experiment:
    share = row.control_share
    return Experiment(
        id=int(row.id),
        name=row.name,
        kind=Kind(row.kind),
        salt=row.salt,
        control_share=None if share is None else Decimal(str(share)).quantize(Decimal("0.0001")),
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        shops=tuple(row.shops or ()),
        created_at=row.created_at,
        created_by=row.created_by,
    )


class Experiments(Repo):
    def add(self, new: NewExperiment, created_at: datetime, created_by: str) -> Experiment:
        new_id = insert_row(
            self.conn,
            _E,
            {
                "name": new.name,
                "kind": new.kind.value,
                "salt": new.salt,
                "control_share": new.control_share,
                "shops": list(new.shops) if new.shops else None,
                "starts_at": new.starts_at,
                "ends_at": new.ends_at,
                "created_at": created_at,
                "created_by": created_by,
            },
        )
        return Experiment(
            new_id, new.name, new.kind, new.salt, new.control_share, new.starts_at,
            new.ends_at, new.shops, created_at, created_by,
        )  # fmt: skip

    def by_name(self, name: str) -> Experiment | None:
        row = self.conn.execute(select(_E).where(_E.c.name == name)).first()
        return None if row is None else _experiment(row)

    def all(self) -> list[Experiment]:
        return [_experiment(r) for r in self.conn.execute(select(_E).order_by(_E.c.id))]

    def change(self, experiment: Experiment) -> None:
        """Write the fields an edit may change: the salt, the share and the end."""
        self.conn.execute(
            update(_E)
            .where(_E.c.id == experiment.id)
            .values(
                salt=experiment.salt,
                control_share=experiment.control_share,
                ends_at=experiment.ends_at,
            )
        )

    def open_with_arm(self, member_id: int, at: datetime) -> list[tuple[Experiment, Arm | None]]:
        """The experiments not ended at `at`, each with the member's stored arm or None."""
        rows = self.conn.execute(_OPEN_WITH_ARM, {"member_id": member_id, "at": at})
        return [(_experiment(r), None if r.arm is None else Arm(r.arm)) for r in rows]

    def assign(self, experiment_id: int, arms: Iterable[tuple[int, Arm]], at: datetime) -> None:
        """Store arms; a member who has one already keeps it."""
        rows = [
            {"experiment_id": experiment_id, "member_id": m, "arm": a.value, "assigned_at": at}
            for m, a in arms
        ]
        if rows:
            self.conn.execute(_INSERT_ARM[self.conn.dialect.name], rows)

    def arm(self, experiment_id: int, member_id: int) -> Arm | None:
        found = self.conn.execute(
            select(_A.c.arm).where(_A.c.experiment_id == experiment_id, _A.c.member_id == member_id)
        ).scalar()
        return None if found is None else Arm(found)

    def members(self, experiment_id: int, arm: Arm) -> list[int]:
        query = (
            select(_A.c.member_id)
            .where(_A.c.experiment_id == experiment_id, _A.c.arm == arm.value)
            .order_by(_A.c.member_id)
        )
        return [int(m) for m in self.conn.execute(query).scalars()]

    def counts(self, experiment_id: int) -> dict[Arm, int]:
        query = (
            select(_A.c.arm, func.count())
            .where(_A.c.experiment_id == experiment_id)
            .group_by(_A.c.arm)
        )
        found = {Arm(arm): int(n) for arm, n in self.conn.execute(query)}
        return {arm: found.get(arm, 0) for arm in Arm}

    def clear(self, experiment_id: int) -> None:
        """Forget the arms (an experiment that has not started, redrawn after an edit)."""
        self.conn.execute(delete(_A).where(_A.c.experiment_id == experiment_id))

    def member_ids(self) -> list[int]:
        """Every member not erased: a holdout's population at its creation."""
        m = t.members
        query = select(m.c.id).where(m.c.erased_at.is_(None)).order_by(m.c.id)
        return [int(i) for i in self.conn.execute(query).scalars()]

    def latest_shops(self, before: datetime) -> dict[int, str | None]:
        """Each member's shop of their latest purchase before `before` (a pilot's arms)."""
        p = t.purchases
        query = (
            select(p.c.member_id, p.c.shop)
            .where(p.c.occurred_at < before)
            .order_by(p.c.member_id, p.c.occurred_at, p.c.id)
        )
        latest: dict[int, str | None] = {}
        for member_id, shop in self.conn.execute(query):
            latest[int(member_id)] = shop  # the last row of a member is their latest
        return latest
