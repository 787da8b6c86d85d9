"""A hypothesis state machine drives the ledger and compares it with a simple model.

The model keeps a member's points as a FIFO list of lots (all lots in this program expire
six months after they were earned, so "closest to expiry" is "oldest"), plus a debt. After
every step the real balance, spendable points and debt must equal the model's, and
`verify` must pass.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, precondition, rule

from patron.bootstrap import Patron
from patron.domain.earning import Line
from patron.domain.errors import InsufficientPoints
from patron.domain.lots import add_months
from patron.services.adjust import adjust
from patron.services.commands import (
    Adjust,
    Enroll,
    Expire,
    MemberRef,
    RecordPurchase,
    Redeem,
    Refund,
    ReturnLine,
)
from patron.services.earn import record_purchase
from patron.services.enroll import enroll
from patron.services.expire import expire
from patron.services.program import load_program
from patron.services.queries import balance
from patron.services.redeem import redeem
from patron.services.refund import refund
from patron.services.verify import verify
from tests.conftest import Clock

PROGRAM = """
name = "Model"
currency = "EUR"
[earning]
points_per_unit = 1
welcome_bonus = 50
[expiry]
months = 6
warn_days = 0
[redemption]
min_points = 0
"""

_TEMPLATE: Path | None = None


def template_db() -> Path:
    """One migrated database with the program loaded, copied for every example."""
    global _TEMPLATE
    if _TEMPLATE is None:
        path = Path(tempfile.mkdtemp()) / "template.db"
        patron = Patron.from_url(f"sqlite:///{path}", clock=Clock())
        patron.migrate()
        patron.run(lambda uow, text: load_program(uow, text, "model"), PROGRAM)
        patron.dispose()
        _TEMPLATE = path
    return _TEMPLATE


@dataclass
class ModelLot:
    remaining: int
    expires_at: datetime


@dataclass
class ModelMember:
    lots: list[ModelLot] = field(default_factory=list)
    debt: int = 0

    def live(self, now: datetime) -> list[ModelLot]:
        return [lot for lot in self.lots if lot.remaining > 0 and lot.expires_at > now]

    def take(self, lots: list[ModelLot], points: int) -> int:
        left = points
        for lot in lots:
            part = min(lot.remaining, left)
            lot.remaining -= part
            left -= part
        return points - left

    def credit(self, points: int, now: datetime) -> ModelLot:
        lot = ModelLot(points, add_months(now, 6))
        self.lots.append(lot)
        settled = self.take(self.live(now), self.debt)
        self.debt -= settled
        return lot


@dataclass
class ModelPurchase:
    member: str
    quantities: list[int]
    line_points: list[int]
    lot: ModelLot
    returned: list[int]


class LedgerMachine(RuleBasedStateMachine):
    members = Bundle("members")
    purchases = Bundle("purchases")

    def __init__(self) -> None:
        super().__init__()
        self.dir = Path(tempfile.mkdtemp())
        shutil.copy(template_db(), self.dir / "patron.db")
        self.clock = Clock(datetime(2026, 1, 1))
        self.patron = Patron.from_url(f"sqlite:///{self.dir / 'patron.db'}", clock=self.clock)
        self.model: dict[str, ModelMember] = {}
        self.ids: dict[str, int] = {}
        self.counter = 0
        self.model_purchases: dict[int, ModelPurchase] = {}

    def teardown(self) -> None:
        self.patron.dispose()
        shutil.rmtree(self.dir, ignore_errors=True)

    @rule(target=members)
    def enroll(self) -> str:
        self.counter += 1
        ext = f"m{self.counter}"
        self.ids[ext] = self.patron.run(enroll, Enroll(ext)).member.id
        self.model[ext] = ModelMember()
        self.model[ext].credit(50, self.clock.now)
        return ext

    @rule(
        target=purchases,
        who=members,
        lines=st.lists(st.tuples(st.integers(1, 4), st.integers(1, 300)), min_size=1, max_size=3),
    )
    def earn(self, who: str, lines: list[tuple[int, int]]) -> int:
        self.counter += 1
        result = self.patron.run(
            record_purchase,
            RecordPurchase(
                MemberRef(id=self.ids[who]),
                f"o{self.counter}",
                self.clock.now,
                "EUR",
                tuple(Line("sku", None, q, Decimal(p)) for q, p in lines),
            ),
        )
        points = [q * p for q, p in lines]
        assert result.points_earned == sum(points)
        lot = self.model[who].credit(sum(points), self.clock.now)
        self.model_purchases[result.purchase_id] = ModelPurchase(
            who, [q for q, _ in lines], points, lot, [0] * len(lines)
        )
        return result.purchase_id

    @rule(purchase=purchases, data=st.data())
    def refund(self, purchase: int, data: st.DataObject) -> None:
        p = self.model_purchases[purchase]
        open_lines = [i for i, q in enumerate(p.quantities) if p.returned[i] < q]
        if not open_lines:
            return
        i = data.draw(st.sampled_from(open_lines))
        qty = data.draw(st.integers(1, p.quantities[i] - p.returned[i]))
        self.patron.run(refund, Refund(purchase, (ReturnLine(i + 1, qty),)))
        q, before = p.quantities[i], p.returned[i]
        points = p.line_points[i] * (before + qty) // q - p.line_points[i] * before // q
        p.returned[i] += qty
        member = self.model[p.member]
        now = self.clock.now
        own = [p.lot] if p.lot.remaining > 0 else []
        others = [lot for lot in member.live(now) if lot is not p.lot]
        taken = member.take(own + others, points)
        member.debt += points - taken

    @rule(who=members, points=st.integers(1, 400))
    def redeem(self, who: str, points: int) -> None:
        member = self.model[who]
        live = sum(lot.remaining for lot in member.live(self.clock.now))
        try:
            self.patron.run(redeem, Redeem(self.ids[who], points=points))
        except InsufficientPoints:
            assert points > live
            return
        assert points <= live
        member.take(member.live(self.clock.now), points)

    @rule(who=members, points=st.integers(-300, 300).filter(bool))
    def adjust(self, who: str, points: int) -> None:
        member = self.model[who]
        live = sum(lot.remaining for lot in member.live(self.clock.now))
        try:
            self.patron.run(adjust, Adjust(self.ids[who], points, "model", "tests"))
        except InsufficientPoints:
            assert -points > live
            return
        if points > 0:
            member.credit(points, self.clock.now)
        else:
            assert -points <= live
            member.take(member.live(self.clock.now), -points)

    @rule(days=st.integers(1, 120))
    def advance(self, days: int) -> None:
        self.clock.advance(days=days)

    @precondition(lambda self: bool(self.model))
    @rule()
    def expire(self) -> None:
        expire(self.patron.new_uow, Expire(self.clock.now))
        for member in self.model.values():
            for lot in member.lots:
                if lot.expires_at <= self.clock.now:
                    lot.remaining = 0

    @invariant()
    def balances_match_the_model(self) -> None:
        for ext, model in self.model.items():
            view = self.patron.read(balance, self.ids[ext])
            assert view.total == sum(lot.remaining for lot in model.lots), ext
            assert view.points == sum(lot.remaining for lot in model.live(self.clock.now)), ext
            assert view.debt == model.debt, ext

    @invariant()
    def ledger_verifies(self) -> None:
        report = self.patron.read(verify)
        assert report.ok, report.problems


LedgerMachine.TestCase.settings = settings(max_examples=40, stateful_step_count=30, deadline=None)
TestLedgerAgainstModel = LedgerMachine.TestCase
