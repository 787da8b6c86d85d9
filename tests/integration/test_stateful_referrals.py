"""The ledger machine of test_stateful.py with referrals on top (docs/referrals.md).

Members may now also join with another member's code. A friend's first purchase of at
least MIN_PURCHASE pays the referrer REFERRER_BONUS and the friend FRIEND_BONUS as lots
pending for the return window, unless the referrer's caps (PER_MONTH in the purchase's
calendar month, MAX_TOTAL in all, a reward taken back giving its place back) refuse it; an
erased referrer gets nothing. A refund within the window that leaves that purchase under
the minimum takes both rewards back first (each from its own lot, then from the live lots
closest to expiry, the rest a debt), then the purchase's own points as before. The model
below does the same with the model's lots and shares no code with Patron; after every
step each member's lots, balance view and `verify` are checked (the machine's own
invariant), and every referral's state as Patron reads it now.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    multiple,
    precondition,
    rule,
    run_state_machine_as_test,
)

from patron.domain.referrals import ReferralState
from patron.services.commands import Enroll
from patron.services.enroll import enroll
from patron.services.referrals import referrals_of
from tests.integration import test_stateful as ledger
from tests.integration.ledger_model import MLot, MMember, MPurchase, _take
from tests.integration.test_stateful import LINES, SPEC, Store, make_machine

REFERRER_BONUS, FRIEND_BONUS = 120, 80
MIN_PURCHASE = Decimal("40.00")
PER_MONTH, MAX_TOTAL = 1, 2
MAX_PEOPLE = 6  # members and friends, erased ones not counted
PROGRAM = (
    ledger.PROGRAM
    + f"""
[referrals]
bonus = {REFERRER_BONUS}
friend_bonus = {FRIEND_BONUS}
min_purchase = {MIN_PURCHASE}
per_month = {PER_MONTH}
max_total = {MAX_TOTAL}
"""
)

# measured on the machine as it stands (hypothesis, derandomized; the two stores draw
# different runs): SQLite reached 72 friends enrolled, 32 referrals paid, 8 taken back, 19
# refunds after the window; PostgreSQL 127, 52, 9, 13. The bounds are about half of the
# fewer. The caps are reached too rarely here to be bounded (monthly_cap 0 and 7 times,
# total_cap never): tests/integration/test_referrals.py checks them, concurrency included.
# An edit of the machine draws another run: measure again after one.
REFERRALS_REACHED_AT_LEAST = {
    "friend enrolled": 36,
    "referral paid": 16,
    "referral taken back": 4,
    "refund after the window kept the reward": 6,
}


@dataclass(eq=False)
class MReferral:
    referrer: int
    friend: int
    state: str = "enrolled"  # enrolled, qualified, taken_back, refused
    bought: MPurchase | None = None
    rewards_at: datetime | None = None
    referrer_lot: MLot | None = None
    friend_lot: MLot | None = None

    def state_at(self, now: datetime) -> str:
        if self.state == "qualified" and self.rewards_at is not None and self.rewards_at <= now:
            return "rewarded"
        return self.state


def take_back(member: MMember, lot: MLot | None, points: int, now: datetime) -> int:
    """A reward taken back from its own lot, then the live lots closest to expiry; the
    shortfall becomes a debt (returned)."""
    own = [lot] if lot is not None and lot.remaining > 0 else []
    others = sorted((x for x in member.lots if x is not lot and x.live(now)), key=MLot.order)
    shortfall = points - sum(part for _, part in _take(own + others, points))
    member.debt += shortfall
    return shortfall


def make_referral_machine(store: Store, reached: Counter[str]) -> type[RuleBasedStateMachine]:
    base = make_machine(store, reached)
    members = base.members  # type: ignore[attr-defined]
    purchases = base.purchases  # type: ignore[attr-defined]
    days_back = st.sampled_from([0, 0, 1, 10]) if ledger.BACKDATED_PURCHASES else st.just(0)

    class ReferralMachine(base):  # type: ignore[misc,valid-type]
        def __init__(self) -> None:
            super().__init__()
            self.referrals_: dict[int, MReferral] = {}  # by the friend's member id

        @precondition(lambda self: len(self.members_) < MAX_PEOPLE + len(self.erased))
        @rule(target=members, referrer=members)
        def refer(self, referrer: int) -> object:
            """A friend joins with a member's code (an erased member's code is gone)."""
            if referrer in self.erased:
                return multiple()
            code = self.patron.read(lambda uow: uow.members.get(referrer)).referral_code
            external_id = f"c{len(self.members_) + 1}"
            friend = self.patron.run(enroll, Enroll(external_id, referral_code=code)).member.id
            self.members_[friend] = self.model.enroll(self.now)
            self.external_ids[friend] = external_id
            self.referrals_[friend] = MReferral(referrer, friend)
            self.reach("friend enrolled")
            return friend

        @rule(
            target=purchases,
            member_id=members,
            lines=LINES,
            code=st.sampled_from([None, None, "VIP"]),
            days_later=st.integers(0, 30),
            days_back=days_back,
        )
        def purchase(
            self,
            member_id: int,
            lines: list[tuple[str | None, int, Decimal]],
            code: str | None,
            days_later: int,
            days_back: int,
        ) -> object:
            """The ledger machine's purchase; a friend's may qualify their referral."""
            purchase_id = super().purchase(member_id, lines, code, days_later, days_back)
            bought = self.purchase_ids[purchase_id]
            buyer = next(k for k, v in self.members_.items() if v is bought.member)
            self._qualify(buyer, bought)
            return purchase_id

        def _waiting(self) -> list[int]:
            return sorted(
                r.friend
                for r in self.referrals_.values()
                if r.state == "enrolled" and r.friend not in self.erased
            )

        @precondition(lambda self: bool(self._waiting()))
        @rule(
            target=purchases,
            data=st.data(),
            price=st.sampled_from([Decimal("15.00"), Decimal("45.00"), Decimal("90.00")]),
            quantity=st.integers(1, 3),
            days_later=st.integers(0, 20),
        )
        def friend_buys(
            self, data: st.DataObject, price: Decimal, quantity: int, days_later: int
        ) -> object:
            """Steer to the referrals: a friend still waiting for their qualifying purchase
            buys (15.00 to 270.00: sometimes under the minimum)."""
            friend = data.draw(st.sampled_from(self._waiting()), label="friend")
            return self.purchase(friend, [(None, quantity, price)], None, days_later, 0)

        def _paid_in_window(self) -> list[int]:
            paid = {
                id(r.bought)
                for r in self.referrals_.values()
                if r.state == "qualified" and r.rewards_at is not None and self.now < r.rewards_at
            }
            return [
                purchase_id
                for purchase_id, bought in self.purchase_ids.items()
                if id(bought) in paid and any(x.returned < x.quantity for x in bought.lines)
            ]

        @precondition(lambda self: bool(self._paid_in_window()))
        @rule(data=st.data())
        def friend_returns(self, data: st.DataObject) -> None:
            """Steer to a take-back: a qualifying purchase returned, whole or one unit of
            a line, within its window."""
            purchase_id = data.draw(st.sampled_from(self._paid_in_window()), label="purchase")
            bought = self.purchase_ids[purchase_id]
            if data.draw(st.booleans(), label="whole"):
                self._refund(purchase_id, None)
                return
            line = next(i for i, x in enumerate(bought.lines) if x.returned < x.quantity)
            self._refund(purchase_id, [(line, 1)])

        def _qualify(self, buyer: int, bought: MPurchase) -> None:
            referral = self.referrals_.get(buyer)
            if referral is None or referral.state != "enrolled" or bought.total < MIN_PURCHASE:
                return
            standing = [
                r
                for r in self.referrals_.values()
                if r.referrer == referral.referrer and r.state == "qualified"
            ]
            month = (bought.at.year, bought.at.month)
            this_month = [
                r for r in standing if r.bought and (r.bought.at.year, r.bought.at.month) == month
            ]
            refusal = None
            if len(standing) >= MAX_TOTAL:
                refusal = "total_cap"
            elif len(this_month) >= PER_MONTH:
                refusal = "monthly_cap"
            referral.bought = bought
            if refusal is not None:
                referral.state = "refused"
                self.reach(f"referral refused: {refusal}")
                return
            window = SPEC.pending_days
            if referral.referrer not in self.erased:
                referrer = self.member_of(referral.referrer)
                lot, settled = self.model.credit(
                    referrer, REFERRER_BONUS, bought.at, self.now, window
                )
                referral.referrer_lot = lot
                self.settled(settled)
            lot, settled = self.model.credit(
                bought.member, FRIEND_BONUS, bought.at, self.now, window
            )
            referral.friend_lot = lot
            self.settled(settled)
            referral.state = "qualified"
            referral.rewards_at = bought.at + timedelta(days=window)
            self.reach("referral paid")

        def _refund(self, purchase_id: int, lines: list[tuple[int, int]] | None) -> None:
            """A refund takes back a referral paid on the purchase first, when it comes
            within the window and leaves the purchase under the minimum."""
            bought = self.purchase_ids[purchase_id]
            referral = next((r for r in self.referrals_.values() if r.bought is bought), None)
            if referral is not None and referral.state == "qualified":
                assert referral.rewards_at is not None
                if self.now >= referral.rewards_at:
                    self.reach("refund after the window kept the reward")
                elif self._kept(bought, lines) < MIN_PURCHASE:
                    self._take_back(referral)
            super()._refund(purchase_id, lines)

        @staticmethod
        def _kept(bought: MPurchase, lines: list[tuple[int, int]] | None) -> Decimal:
            if lines is None:
                return Decimal(0)
            amount = sum(
                (bought.lines[i].unit_price * quantity for i, quantity in lines), Decimal(0)
            )
            return bought.total - bought.refunded - amount.quantize(Decimal("0.01"))

        def _take_back(self, referral: MReferral) -> None:
            debt = 0
            if referral.referrer_lot is not None:
                referrer = self.member_of(referral.referrer)
                debt += take_back(referrer, referral.referrer_lot, REFERRER_BONUS, self.now)
            friend = self.member_of(referral.friend)
            debt += take_back(friend, referral.friend_lot, FRIEND_BONUS, self.now)
            referral.state = "taken_back"
            self.reach("referral taken back")
            if debt:
                self.reach("referral take-back left a debt")

        @invariant()
        def every_referral_stands_as_the_model_says(self) -> None:
            referrers = {r.referrer for r in self.referrals_.values()}
            seen = {
                f.friend_id: f.state
                for referrer in referrers
                for f in self.patron.read(referrals_of, referrer).friends
            }
            assert seen == {
                friend: ReferralState(r.state_at(self.now)) for friend, r in self.referrals_.items()
            }, f"referrals at {self.now}"

    return ReferralMachine


RUN = settings(ledger.RUN, max_examples=40)


def test_ledger_with_referrals_against_the_model(
    store_kind: str, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the stores of test_stateful.py, made with the program that has [referrals]
    monkeypatch.setattr(ledger, "PROGRAM", PROGRAM)
    reached: Counter[str] = Counter()
    if store_kind == "sqlite":
        shm = Path("/dev/shm")
        with tempfile.TemporaryDirectory(dir=shm if shm.is_dir() else None) as where:
            store = ledger.sqlite_store(Path(where))
            run_state_machine_as_test(make_referral_machine(store, reached), settings=RUN)
    else:
        store = ledger.postgres_store(request.getfixturevalue("pg_database"))
        try:
            run_state_machine_as_test(make_referral_machine(store, reached), settings=RUN)
        finally:
            store.close()
    print("REACHED", dict(reached))
    missed = {
        what: reached[what] for what, n in REFERRALS_REACHED_AT_LEAST.items() if reached[what] < n
    }
    assert not missed, f"steered situations reached too rarely: {missed} (all: {dict(reached)})"
