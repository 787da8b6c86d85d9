"""A hypothesis state machine drives the ledger and compares it with an independent model.

The program is a realistic one (a 14-day return window, three tiers on a 12-month spend
window, category multipliers, multiplier and bonus promotions, a visit milestone, lots that
expire after 6 months, a minimum redemption), and the steps are steered to where the
ledger's promises are easy to break: refunds after the points were spent (debts), credits
while a debt is open, the clock set exactly on an expiry moment and one second before,
the end of a return window, month ends (6 months after 31 August is 28 February),
cancelled redemptions, and the erasure of a member's personal data (after which their
purchases and redemptions are refused while refunds, cancellations, adjustments, expiry
and tiers go on, and the books stay balanced). After every step each member's lots
(earned, spendable-from and expiry dates, remaining points), balance view (spendable,
pending, total, debt, tier, qualifying spend, points expiring soon) and `verify` must
match the model in `ledger_model.py`, which shares no code with Patron.

It runs on SQLite and PostgreSQL with a fixed derandomized seed, and asserts that the
steered situations were actually reached, so a change of strategy that stops reaching
them fails here instead of silently testing less.

Two kinds of steps can be switched on: `BACKDATED_PURCHASES` (purchases dated up to 10
days back: the tier window must end at the purchase, a back-dated credit must not settle a
debt from lots expired by now) and `CUMULATIVE_SPEND_MILESTONE` (paid once per member).
Both rules are fixed and have their own tests (test_ledger_rules.py); the model follows
them and agrees with the code with the switches on, but then this seed reaches too few
refunds from a pending own lot and return-window ends, so they stay off here.
"""

from __future__ import annotations

import shutil
import tempfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import event as note
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import event, text

from patron.bootstrap import Patron
from patron.domain.earning import Line
from patron.domain.errors import (
    Conflict,
    InsufficientPoints,
    InvalidInput,
    MemberErased,
    NotFound,
    VoucherCancelled,
    VoucherExpired,
    VoucherUsed,
)
from patron.domain.lots import Lot
from patron.services.adjust import adjust
from patron.services.commands import (
    Adjust,
    CancelRedemption,
    Enroll,
    EraseMember,
    Expire,
    MemberRef,
    RecordPurchase,
    Redeem,
    ReevaluateTiers,
    Refund,
    ReturnLine,
)
from patron.services.earn import record_purchase
from patron.services.enroll import enroll
from patron.services.expire import expire
from patron.services.fulfil import UseVoucher, use
from patron.services.members import find_member
from patron.services.privacy import erase_member
from patron.services.program import load_program
from patron.services.queries import BalanceView, balance
from patron.services.redeem import cancel, redeem
from patron.services.refund import refund
from patron.services.tiers import reevaluate_tiers
from patron.services.verify import VerifyReport, verify
from patron.store.tables import metadata
from patron.store.uow import UnitOfWork
from tests.conftest import Clock, _truncate_pg
from tests.integration.ledger_model import (
    VOUCHER_DAYS,
    VOUCHER_POINTS,
    VOUCHER_REWARD,
    Ledger,
    MMember,
    MPurchase,
    MRedemption,
    days_in_month,
    make_spec,
    program_toml,
)

# Off: bugs 16-18 (tier windows, debts from expired lots, milestones) are fixed and have
# their own tests in test_ledger_rules.py; with these on, this random run reaches neither
# a refund from its own pending lot nor a return window's end often enough (measured).
BACKDATED_PURCHASES = False
CUMULATIVE_SPEND_MILESTONE = False

SPEC = make_spec(CUMULATIVE_SPEND_MILESTONE)
PROGRAM = program_toml(SPEC)
START = datetime(2026, 1, 1, 9, 0)
SECOND = timedelta(seconds=1)
MAX_MEMBERS = 3

# How often each steered situation must have been reached over one run (per store): about
# half of the fewest seen with the flags below on or off (hypothesis 6.170, derandomized).
# The derandomized seed is a digest of the machine's source: any edit of LedgerMachine,
# a docstring included, draws another run, so measure these again after one. Two runs of
# the erasure rule reached 23 and 19 erasures, 11 and 7 refused purchases, 14 and 6 refunds
# of an erased member's purchase: the bounds are about half of the fewer.
REACHED_AT_LEAST = {
    "debt arose": 12,
    "debt settled by a later credit": 10,
    "expiry run exactly at a lot's expiry moment": 15,
    "expiry run one second before a lot's expiry": 15,
    "refund took from its own pending lot": 4,
    "clock on a return window's end": 3,
    "redemption cancelled": 15,
    "tier upgraded": 15,
    "promotion applied": 50,
    "member erased": 9,
    "purchase refused: member erased": 3,
    "refund of an erased member's purchase": 3,
}

Seen = dict[int, tuple[list[Lot], BalanceView]]  # each member's open lots and balance view

LINES = st.lists(
    st.tuples(
        st.sampled_from([None, "shoes", "outlet", "books"]),
        st.integers(1, 3),
        st.integers(50, 9000).map(lambda cents: Decimal(cents) / 100),
    ),
    min_size=1,
    max_size=3,
)


@dataclass
class Store:
    """A fresh store with the program loaded for every example, and its clock."""

    clock: Clock
    fresh: Callable[[], Patron]
    release: Callable[[Patron], None]
    close: Callable[[], None] = lambda: None


def sqlite_store(tmp_path: Path) -> Store:
    clock = Clock(START)
    template = tmp_path / "template.db"
    patron = Patron.from_url(f"sqlite:///{template}", clock=clock)
    patron.migrate()
    patron.run(lambda uow, text: load_program(uow, text, "stateful"), PROGRAM)
    patron.dispose()
    count = [0]

    def fresh() -> Patron:
        count[0] += 1
        path = tmp_path / f"example{count[0]}.db"
        shutil.copy(template, path)
        return Patron.from_url(f"sqlite:///{path}", clock=clock)

    def release(patron: Patron) -> None:
        patron.dispose()
        Path(str(patron.engine.url.database)).unlink(missing_ok=True)

    return Store(clock, fresh, release)


def postgres_store(url: str) -> Store:
    clock = Clock(START)
    patron = Patron.from_url(url, clock=clock, pool_size=2)

    @event.listens_for(patron.engine, "connect")
    def _no_fsync_wait(dbapi_connection: Any, _record: Any) -> None:
        # a throw-away test database: commits need not wait for the disk (same semantics)
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit TO off")
        dbapi_connection.commit()

    _truncate_pg(patron)
    patron.run(lambda uow, text: load_program(uow, text, "stateful"), PROGRAM)
    # between examples, DELETE (much cheaper than TRUNCATE on tiny tables) all but the program
    kept = {"programs", "rewards"}
    emptied = [table for table in reversed(metadata.sorted_tables) if table.name not in kept]

    def fresh() -> Patron:
        with patron.engine.begin() as conn:
            conn.execute(text("TRUNCATE audit_log"))  # append-only: DELETE is refused
            for table in emptied:
                if table.name != "audit_log":
                    conn.execute(table.delete())
        return patron

    return Store(clock, fresh, lambda _: None, patron.dispose)


def make_machine(store: Store, reached: Counter[str]) -> type[RuleBasedStateMachine]:
    class LedgerMachine(RuleBasedStateMachine):
        members = Bundle("members")
        purchases = Bundle("purchases")
        redemptions = Bundle("redemptions")

        def __init__(self) -> None:
            super().__init__()
            self.clock = store.clock
            self.clock.now = START
            self.patron = store.fresh()
            self.model = Ledger(SPEC)
            self.members_: dict[int, MMember] = {}
            self.purchases_: list[MPurchase] = []
            self.purchase_ids: dict[int, MPurchase] = {}
            self.redemption_ids: dict[int, MRedemption] = {}
            self.orders = 0
            self.external_ids: dict[int, str] = {}
            self.erased: set[int] = set()

        def teardown(self) -> None:
            store.release(self.patron)

        @property
        def now(self) -> datetime:
            return self.clock.now

        def reach(self, what: str) -> None:
            reached[what] += 1
            note(what)

        def settled(self, points: int) -> None:
            if points:
                self.reach("debt settled by a later credit")

        def member_of(self, member_id: int) -> MMember:
            return self.members_[member_id]

        # ------------------------------------------------------------ members, purchases

        def _enroll(self) -> int:
            external_id = f"c{len(self.members_) + 1}"
            member_id = self.patron.run(enroll, Enroll(external_id)).member.id
            self.members_[member_id] = self.model.enroll(self.now)
            self.external_ids[member_id] = external_id
            return member_id

        @initialize(target=members)
        def first_members(self) -> object:
            return multiple(self._enroll(), self._enroll())

        @precondition(lambda self: len(self.members_) < MAX_MEMBERS + len(self.erased))
        @rule(target=members)
        def enroll(self) -> int:
            return self._enroll()

        @precondition(lambda self: not self.erased and len(self.purchase_ids) >= 2)
        @rule(member_id=members, data=st.data())
        def erase(self, member_id: int, data: st.DataObject) -> None:
            """Erase a member's personal data (once per example and only once there are
            purchases, so that enough members keep earning and have something to
            return): nothing in the books moves, the old id finds no one, a second
            erasure is refused; half of the time one of their purchases is returned at
            once, which must still balance the books."""
            command = EraseMember(MemberRef(id=member_id), "stateful", "tests")
            result = self.patron.run(erase_member, command)
            assert result.balance == self.member_of(member_id).total()
            self.erased.add(member_id)
            self.reach("member erased")
            with pytest.raises(MemberErased):
                self.patron.run(erase_member, command)
            with pytest.raises(NotFound):
                self.patron.read(find_member, MemberRef(external_id=self.external_ids[member_id]))
            member = self.member_of(member_id)
            theirs = [p for p in self._returnable() if self.purchase_ids[p].member is member]
            if theirs and data.draw(st.booleans(), label="return a purchase of theirs"):
                self._refund(data.draw(st.sampled_from(theirs), label="purchase"), None)

        @rule(
            target=purchases,
            member_id=members,
            lines=LINES,
            code=st.sampled_from([None, None, "VIP"]),
            days_later=st.integers(0, 30),
            days_back=st.sampled_from([0, 0, 1, 10]) if BACKDATED_PURCHASES else st.just(0),
        )
        def purchase(
            self,
            member_id: int,
            lines: list[tuple[str | None, int, Decimal]],
            code: str | None,
            days_later: int,
            days_back: int,
        ) -> object:
            """Some days later, a purchase (dated back some days if BACKDATED_PURCHASES)."""
            self.clock.advance(days=days_later)
            self.orders += 1
            at = self.now - timedelta(days=days_back)
            items = tuple(Line(f"sku{i}", c, q, p) for i, (c, q, p) in enumerate(lines))
            if member_id in self.erased:
                with pytest.raises(MemberErased):
                    self.patron.run(
                        record_purchase,
                        RecordPurchase(
                            MemberRef(id=member_id), f"o{self.orders}", at, "EUR", items
                        ),
                    )
                self.reach("purchase refused: member erased")
                # then the first member still enrolled buys, so that erasures do not thin
                # out the purchases the other steered situations grow from
                member_id = next(m for m in self.members_ if m not in self.erased)
            member = self.member_of(member_id)
            tier_before = member.tier
            result = self.patron.run(
                record_purchase,
                RecordPurchase(
                    MemberRef(id=member_id),
                    f"o{self.orders}",
                    at,
                    "EUR",
                    items,
                    promotion_code=code,
                ),
            )
            bought, scored, settled = self.model.purchase(
                member, self.purchases_, at, self.now, lines, code
            )
            assert result.points_earned == scored.points
            assert sum(item.points for item in result.breakdown) == scored.points
            assert result.available_at == at + timedelta(days=SPEC.pending_days)
            assert result.tier == member.tier
            if member.tier != tier_before:
                self.reach("tier upgraded")
            if scored.promotions_applied:
                self.reach("promotion applied")
            self.settled(settled)
            self.purchase_ids[result.purchase_id] = bought
            return result.purchase_id

        # ------------------------------------------------------------------------ refunds

        def _refund(self, purchase_id: int, lines: list[tuple[int, int]] | None) -> None:
            bought = self.purchase_ids[purchase_id]
            if lines is None:
                returns = [
                    (i, line.quantity - line.returned)
                    for i, line in enumerate(bought.lines)
                    if line.returned < line.quantity
                ]
                command = Refund(purchase_id)
            else:
                returns = lines
                command = Refund(purchase_id, tuple(ReturnLine(i + 1, q) for i, q in lines))
            own = bought.lot
            own_pending = own is not None and own.remaining > 0 and own.available_at > self.now
            own_expired = own is not None and own.remaining > 0 and own.expires_at <= self.now
            result = self.patron.run(refund, command)
            outcome = self.model.refund(bought, returns, self.now)
            if result.member_id in self.erased:
                self.reach("refund of an erased member's purchase")
            assert (result.points_taken_back, result.debt) == (outcome.points, outcome.debt)
            assert result.balance == bought.member.total()
            if outcome.debt:
                self.reach("debt arose")
            if own_pending and outcome.from_own_lot:
                self.reach("refund took from its own pending lot")
            if own_expired and outcome.from_own_lot:
                self.reach("refund took from its own expired, unburned lot")

        def _pending_purchases(self) -> list[int]:
            return [
                purchase_id
                for purchase_id, bought in self.purchase_ids.items()
                if bought.lot is not None
                and bought.lot.remaining > 0
                and bought.lot.available_at > self.now
                and any(line.returned < line.quantity for line in bought.lines)
            ]

        @rule(purchase_id=purchases, data=st.data())
        def refund_some(self, purchase_id: int, data: st.DataObject) -> None:
            """Return some units (or everything left) of a purchase, half of the time one
            still in its return window."""
            pending = self._pending_purchases()
            if pending and data.draw(st.booleans(), label="one in its return window"):
                purchase_id = data.draw(st.sampled_from(pending), label="purchase")
            bought = self.purchase_ids[purchase_id]
            open_lines = [i for i, line in enumerate(bought.lines) if line.returned < line.quantity]
            if not open_lines:
                with pytest.raises(Conflict):
                    self.patron.run(refund, Refund(purchase_id))
                return
            if data.draw(st.booleans(), label="everything left"):
                self._refund(purchase_id, None)
                return
            chosen = data.draw(
                st.lists(st.sampled_from(open_lines), min_size=1, unique=True), label="lines"
            )
            returns = [
                (i, data.draw(st.integers(1, bought.lines[i].quantity - bought.lines[i].returned)))
                for i in chosen
            ]
            self._refund(purchase_id, returns)

        def _returnable(self) -> list[int]:
            return [
                purchase_id
                for purchase_id, bought in self.purchase_ids.items()
                if bought.lot is not None
                and any(line.returned < line.quantity for line in bought.lines)
            ]

        @precondition(lambda self: bool(self._returnable()))
        @rule(target=redemptions, data=st.data())
        def spend_then_refund(self, data: st.DataObject) -> object:
            """Steer to a debt: let a purchase's points become spendable, spend everything
            the member has, then return the whole purchase (the redemption can be cancelled
            later, which must settle the debt)."""
            purchase_id = data.draw(st.sampled_from(self._returnable()), label="purchase")
            bought = self.purchase_ids[purchase_id]
            assert bought.lot is not None
            if bought.lot.available_at > self.now:
                self.clock.now = bought.lot.available_at
            spendable = bought.member.spendable(self.now)
            done = None
            if spendable >= SPEC.min_points:
                member_id = next(k for k, v in self.members_.items() if v is bought.member)
                done = self._redeem(member_id, spendable)
            self._refund(purchase_id, None)
            return multiple() if done is None else done

        # ------------------------------------------------------------ redeem and cancel

        def _redeem(self, member_id: int, points: int) -> int | None:
            member = self.member_of(member_id)
            if member_id in self.erased:
                with pytest.raises(MemberErased):
                    self.patron.run(redeem, Redeem(member_id, points=points))
                return None
            expected = self.model.redeem(member, points, self.now)
            if expected == "invalid":
                with pytest.raises(InvalidInput):
                    self.patron.run(redeem, Redeem(member_id, points=points))
                return None
            if expected == "insufficient":
                with pytest.raises(InsufficientPoints):
                    self.patron.run(redeem, Redeem(member_id, points=points))
                return None
            assert isinstance(expected, MRedemption)
            result = self.patron.run(redeem, Redeem(member_id, points=points))
            assert result.points == points
            assert result.balance == member.total()
            self.redemption_ids[result.redemption_id] = expected
            return result.redemption_id

        @rule(
            target=redemptions,
            member_id=members,
            points=st.one_of(st.just(0), st.integers(1, 400)),
        )
        def redeem(self, member_id: int, points: int) -> object:
            """Redeem some points, or (points=0) exactly everything spendable."""
            if points == 0:
                points = self.member_of(member_id).spendable(self.now)
                if points == 0:
                    return multiple()
            done = self._redeem(member_id, points)
            return multiple() if done is None else done

        @rule(redemption_id=redemptions)
        def cancel(self, redemption_id: int) -> None:
            expected = self.redemption_ids[redemption_id]
            if expected.cancelled:
                with pytest.raises(Conflict):
                    self.patron.run(cancel, CancelRedemption(redemption_id))
                return
            result = self.patron.run(cancel, CancelRedemption(redemption_id))
            settled = self.model.cancel(expected, self.now)
            assert result.status == "cancelled"
            assert result.balance == expected.member.total()
            self.reach("redemption cancelled")
            if any(lot.expires_at <= self.now for lot, _ in expected.taken):
                self.reach("cancel restored points into an expired lot")
            self.settled(settled)

        # -------------------------------------------------------------------- adjustments

        @rule(member_id=members, points=st.integers(-300, 300).filter(bool))
        def adjust(self, member_id: int, points: int) -> None:
            member = self.member_of(member_id)
            live = member.live_points(self.now)
            if points < 0 and -points > live:
                with pytest.raises(InsufficientPoints):
                    self.patron.run(adjust, Adjust(member_id, points, "model", "tests"))
                return
            result = self.patron.run(adjust, Adjust(member_id, points, "model", "tests"))
            accepted, settled = self.model.adjust(member, points, self.now)
            assert accepted
            assert result.balance == member.total()
            self.settled(settled)

        # -------------------------------------------------------------- time and expiry

        def _windows(self) -> list[datetime]:
            return sorted(
                {
                    lot.available_at
                    for member in self.members_.values()
                    for lot in member.lots
                    if lot.remaining > 0 and lot.available_at - SECOND >= self.now
                }
            )

        def _expiries(self) -> list[datetime]:
            return sorted(
                {
                    lot.expires_at
                    for member in self.members_.values()
                    for lot in member.lots
                    if lot.remaining > 0 and lot.expires_at - SECOND >= self.now
                }
            )

        @rule(
            # boundaries twice as often as the plain moves
            what=st.sampled_from(
                ["days", "days", "month end", "return window end", "return window end"]
                + ["expiry", "expiry", "expire now", "tiers"]
            ),
            days=st.integers(1, 45),
            data=st.data(),
        )
        def time_passes(self, what: str, days: int, data: st.DataObject) -> None:
            """The clock moves and the periodic jobs run. Boundaries are visited twice, one
            second before and then exactly on the moment, with every check in between:
            pending points becoming spendable, and a lot's expiry (the expiry job runs at
            both moments: the lot survives the first run and burns in the second)."""
            if what == "return window end" and self._windows():
                moment = data.draw(st.sampled_from(self._windows()), label="window end")
                self.clock.now = moment - SECOND
                self.every_member_matches_the_model_and_the_ledger_verifies()
                self.clock.now = moment
                self.reach("clock on a return window's end")
            elif what == "expiry" and self._expiries():
                moment = data.draw(st.sampled_from(self._expiries()), label="expiry moment")
                self.clock.now = moment - SECOND
                self._expire()
                self.every_member_matches_the_model_and_the_ledger_verifies()
                self.clock.now = moment
                self._expire()
            elif what == "expire now":
                self._expire()
            elif what == "tiers":
                reevaluate_tiers(self.patron.new_uow, ReevaluateTiers(self.now))
                for member in self.members_.values():
                    self.model.reevaluate(member, self.purchases_, self.now)
            elif what == "month end":
                now = self.now
                last = now.replace(day=days_in_month(now.year, now.month))
                self.clock.now = last if last > now else last + timedelta(days=1)
            else:
                self.clock.advance(days=days)

        def _expire(self) -> None:
            members = list(self.members_.values())
            on_the_moment = any(
                lot.remaining > 0 and lot.expires_at == self.now for m in members for lot in m.lots
            )
            a_second_before = any(
                lot.remaining > 0 and lot.expires_at == self.now + SECOND
                for m in members
                for lot in m.lots
            )
            report = expire(self.patron.new_uow, Expire(self.now))
            burned = self.model.expire(members, self.now)
            assert report.points_expired == burned
            if on_the_moment:
                self.reach("expiry run exactly at a lot's expiry moment")
            if a_second_before:
                self.reach("expiry run one second before a lot's expiry")

        # --------------------------------------------------------------------- checks

        @invariant()
        def every_member_matches_the_model_and_the_ledger_verifies(self) -> None:
            """One read transaction: each member's open lots and balance view, and verify."""

            def read(uow: UnitOfWork) -> tuple[Seen, VerifyReport]:
                seen = {m: (uow.ledger.open_lots(m), balance(uow, m)) for m in self.members_}
                return seen, verify(uow)

            seen, report = self.patron.read(read)
            assert report.ok, report.problems
            horizon = max(SPEC.warn_days, 90)
            for member_id, member in self.members_.items():
                lots, view = seen[member_id]
                assert [
                    (lot.earned_at, lot.available_at, lot.expires_at, lot.remaining) for lot in lots
                ] == [
                    (lot.earned_at, lot.available_at, lot.expires_at, lot.remaining)
                    for lot in member.lots
                    if lot.remaining > 0
                ], f"member {member_id} lots at {self.now}"
                assert (
                    view.points,
                    view.pending,
                    view.total,
                    view.debt,
                    view.tier,
                    view.qualifying,
                    view.expiring,
                ) == (
                    member.spendable(self.now),
                    member.pending(self.now),
                    member.total(),
                    member.debt,
                    member.tier,
                    self.model.qualifying(member, self.purchases_, self.now),
                    self.model.expiring(member, self.now, horizon),
                ), f"member {member_id} at {self.now}"

    return LedgerMachine


def make_voucher_machine(store: Store, reached: Counter[str]) -> type[RuleBasedStateMachine]:
    """The ledger machine and, on top, the vouchers (issue 15; services/fulfil.py): the
    discount reward redeemed into a voucher valid VOUCHER_DAYS days, then used at the till
    or its redemption cancelled, with `verify` and every member checked after each step.
    A subclass, so that the ledger machine's own run (derandomized by its source) and the
    situations it is steered to stay as they were measured."""

    base = make_machine(store, reached)
    members = base.members  # type: ignore[attr-defined]

    class VoucherMachine(base):  # type: ignore[misc,valid-type]
        vouchers = Bundle("vouchers")  # redemptions of the discount reward, with a code

        @rule(target=vouchers, member_id=members)
        def redeem_voucher(self, member_id: int) -> object:
            """Redeem the discount reward: a voucher code, valid VOUCHER_DAYS days."""
            member = self.member_of(member_id)
            command = Redeem(member_id, reward_id=VOUCHER_REWARD)
            if member_id in self.erased:
                with pytest.raises(MemberErased):
                    self.patron.run(redeem, command)
                return multiple()
            expected = self.model.redeem_reward(member, VOUCHER_POINTS, self.now)
            if expected is None:
                with pytest.raises(InsufficientPoints):
                    self.patron.run(redeem, command)
                return multiple()
            result = self.patron.run(redeem, command)
            assert result.balance == member.total() and result.voucher is not None
            expected.code = result.voucher.code
            expected.expires_at = self.now + timedelta(days=VOUCHER_DAYS)
            assert result.voucher.expires_at == expected.expires_at
            self.redemption_ids[result.redemption_id] = expected
            self.reach("voucher issued")
            return result.redemption_id

        @rule(redemption_id=vouchers)
        def cancel_voucher(self, redemption_id: int) -> None:
            """The voucher's redemption is cancelled (refused once used). A rule of its
            own, beside the use: as one rule with a coin for either, the derandomized run
            came to use a voucher once in 40 examples."""
            expected = self.redemption_ids[redemption_id]
            if expected.used and not expected.cancelled:
                with pytest.raises(VoucherUsed):
                    self.patron.run(cancel, CancelRedemption(redemption_id))
                return
            self.cancel(redemption_id)
            if expected.cancelled:
                self.reach("unused voucher cancelled")
                # and the till, handed the cancelled code at once, is refused
                assert expected.code is not None
                with pytest.raises(VoucherCancelled):
                    self.patron.run(use, UseVoucher(expected.code, f"late-{redemption_id}", "till"))
                self.reach("voucher use refused: voucher_cancelled")

        @rule(redemption_id=vouchers)
        def at_the_till(self, redemption_id: int) -> None:
            """The till uses a voucher (refused when it was cancelled or has expired; the
            same sale again is answered with its use); a use never moves the balance."""
            expected = self.redemption_ids[redemption_id]
            assert expected.code is not None
            command = UseVoucher(expected.code, f"sale-{redemption_id}", "till")
            refusal: type[Exception] | None = None
            if expected.cancelled:
                refusal = VoucherCancelled
            elif expected.used:
                refusal = None  # the same sale again: answered with the use
            elif expected.expires_at is not None and self.now >= expected.expires_at:
                refusal = VoucherExpired
            if refusal is not None:
                with pytest.raises(refusal):
                    self.patron.run(use, command)
                self.reach(f"voucher use refused: {refusal.code}")  # type: ignore[attr-defined]
                return
            done = self.patron.run(use, command)
            assert done.state == "used" and done.repeated == expected.used
            expected.used = True
            self.reach("voucher used")

    return VoucherMachine


RUN = settings(
    max_examples=40,
    stateful_step_count=30,
    deadline=None,
    derandomize=True,
    report_multiple_bugs=False,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
VOUCHER_RUN = settings(RUN, max_examples=40)


# measured as REACHED_AT_LEAST is, about half of the fewest the derandomized runs reached on
# both stores: 22 and 42 vouchers issued, 58 and 10 uses, 6 and 15 cancelled unused, 8 and 52
# uses refused as cancelled (the second after the merges of issue 15 changed what the use
# cases answer, and so which rules the run could take); measure again after an edit
VOUCHERS_REACHED_AT_LEAST = {
    "voucher issued": 11,
    "voucher used": 5,
    "unused voucher cancelled": 3,
    "voucher use refused: voucher_cancelled": 3,
}


def test_ledger_against_an_independent_model(
    store_kind: str, request: pytest.FixtureRequest
) -> None:
    if store_kind == "sqlite":
        # examples copy a template database: in memory-backed /dev/shm when there is one
        shm = Path("/dev/shm")
        with tempfile.TemporaryDirectory(dir=shm if shm.is_dir() else None) as where:
            store = sqlite_store(Path(where))
            _run(store)
    else:
        _run(postgres_store(request.getfixturevalue("pg_database")))


def test_ledger_with_vouchers_against_the_model(
    store_kind: str, request: pytest.FixtureRequest
) -> None:
    if store_kind == "sqlite":
        shm = Path("/dev/shm")
        with tempfile.TemporaryDirectory(dir=shm if shm.is_dir() else None) as where:
            _run(sqlite_store(Path(where)), vouchers=True)
    else:
        _run(postgres_store(request.getfixturevalue("pg_database")), vouchers=True)


def _run(store: Store, *, vouchers: bool = False) -> None:
    reached: Counter[str] = Counter()
    make = make_voucher_machine if vouchers else make_machine
    bounds = VOUCHERS_REACHED_AT_LEAST if vouchers else REACHED_AT_LEAST
    try:
        run_state_machine_as_test(make(store, reached), settings=VOUCHER_RUN if vouchers else RUN)
    finally:
        store.close()
    missed = {what: reached[what] for what, n in bounds.items() if reached[what] < n}
    assert not missed, f"steered situations reached too rarely: {missed} (all: {dict(reached)})"
