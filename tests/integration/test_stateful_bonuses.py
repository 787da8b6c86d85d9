"""The stateful ledger test with bonuses that burn (issue 15, §4): an admin's credit with
its own `valid_days` (services/adjust.py) is a lot of its own expiring that many days
after the grant, so redemptions spend it before older points and the expiry run burns it
on its date.

The machine is the ledger machine of test_stateful.py (its rules, its model in
ledger_model.py and its check after every step: each member's lots, balance view and
`verify`), subclassed with two rules: a burning grant, and a grant followed at once by a
redemption that must take the bonus first. The model's lot for a grant is written here
from the documented rule (program.md, "Bonuses that burn"): spendable at once, expiring
`valid_days` days later to the second (never past the program's 6 months: the days drawn
stay under them), and a debt is paid from it as from any credit. The expiry run is
watched for a burning lot burned exactly on its moment, and a rule of its own moves the
clock to a burning bonus's moment (a second before, then on it).
"""

from __future__ import annotations

import tempfile
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    multiple,
    precondition,
    rule,
    run_state_machine_as_test,
)

from patron.services.adjust import adjust
from patron.services.commands import Adjust
from tests.integration.ledger_model import Ledger, MLot, MMember
from tests.integration.test_stateful import (
    RUN,
    SECOND,
    Store,
    make_machine,
    postgres_store,
    sqlite_store,
)

VALID_DAYS = st.integers(1, 60)  # well inside the program's 6 months

# about half of what the derandomized run of this machine reached on each store (measured
# on the final code; an edit of the machine draws another run: measure again after one)
# (SQLite and PostgreSQL reached the same: 282 grants, 26 spent before older points, 24
# burned on their moment, 17 debts settled by a later credit)
BONUSES_REACHED_AT_LEAST = {
    "burning bonus granted": 140,
    "burning bonus spent before older points": 13,
    "burning bonus burned on its moment": 12,
    "debt settled by a later credit": 8,
}


def burning_lot(ledger: Ledger, member: MMember, points: int, now: datetime, days: int) -> MLot:
    """The model's lot of a burning grant: spendable now, expiring `days` days later."""
    ledger.seq += 1
    lot = MLot(ledger.seq, points, now, now, now + timedelta(days=days), points)
    member.lots.append(lot)
    return lot


def make_bonus_machine(store: Store, reached: Counter[str]) -> type[RuleBasedStateMachine]:
    base = make_machine(store, reached)
    members = base.members  # type: ignore[attr-defined]
    redemptions = base.redemptions  # type: ignore[attr-defined]

    class BonusMachine(base):  # type: ignore[misc,valid-type]
        def __init__(self) -> None:
            super().__init__()
            self.burning: list[MLot] = []

        def _grant(self, member_id: int, points: int, days: int) -> MLot:
            """Granted to an erased member too: adjustments go on (docs/privacy.md)."""
            member = self.member_of(member_id)
            command = Adjust(member_id, points, "burning bonus", "tests", valid_days=days)
            result = self.patron.run(adjust, command)
            lot = burning_lot(self.model, member, points, self.now, days)
            settled = self.model.settle(member, self.now)
            assert result.expires_at == self.now + timedelta(days=days)
            assert result.balance == member.total()
            self.settled(settled)
            self.burning.append(lot)
            self.reach("burning bonus granted")
            return lot

        @rule(member_id=members, points=st.integers(1, 300), days=VALID_DAYS)
        def grant_burning_bonus(self, member_id: int, points: int, days: int) -> None:
            """An admin grants points valid `days` days ("200 points, valid 14 days")."""
            self._grant(member_id, points, days)

        @rule(
            target=redemptions,
            member_id=members,
            points=st.integers(20, 200),
            days=VALID_DAYS,
            spend=st.integers(20, 400),
        )
        def grant_then_spend(self, member_id: int, points: int, days: int, spend: int) -> object:
            """A burning grant, then at once a redemption: the bonus goes first, unless
            some older points expire sooner still."""
            lot = self._grant(member_id, points, days)
            member = self.member_of(member_id)
            older_later = any(
                other.spendable(self.now) and other.expires_at > lot.expires_at
                for other in member.lots
                if other is not lot
            )
            before = lot.remaining
            done = self._redeem(member_id, spend)
            if done is None:
                return multiple()
            if older_later and lot.remaining < before:
                self.reach("burning bonus spent before older points")
            return done

        def _burning_due(self) -> list[datetime]:
            return sorted(
                {
                    lot.expires_at
                    for lot in self.burning
                    if lot.remaining > 0 and lot.expires_at - SECOND >= self.now
                }
            )

        @precondition(lambda self: bool(self._burning_due()))
        @rule(data=st.data())
        def a_burning_bonus_reaches_its_date(self, data: st.DataObject) -> None:
            """The clock one second before a burning bonus's moment, then on it, the
            expiry run at both (with every check between): it survives the first run
            and burns in the second."""
            moment = data.draw(st.sampled_from(self._burning_due()), label="bonus expiry")
            self.clock.now = moment - SECOND
            self._expire()
            self.every_member_matches_the_model_and_the_ledger_verifies()
            self.clock.now = moment
            self._expire()

        def _expire(self) -> None:
            due = [lot for lot in self.burning if lot.remaining > 0 and lot.expires_at == self.now]
            super()._expire()
            if due:
                assert all(lot.remaining == 0 for lot in due)
                self.reach("burning bonus burned on its moment")

    return BonusMachine


def test_ledger_with_burning_bonuses_against_the_model(
    store_kind: str, request: pytest.FixtureRequest
) -> None:
    if store_kind == "sqlite":
        shm = Path("/dev/shm")
        with tempfile.TemporaryDirectory(dir=shm if shm.is_dir() else None) as where:
            _run(sqlite_store(Path(where)))
    else:
        _run(postgres_store(request.getfixturevalue("pg_database")))


def _run(store: Store) -> None:
    reached: Counter[str] = Counter()
    try:
        run_state_machine_as_test(make_bonus_machine(store, reached), settings=RUN)
    finally:
        store.close()
    print(dict(reached))  # the measure of BONUSES_REACHED_AT_LEAST (pytest -s)
    missed = {w: reached[w] for w, n in BONUSES_REACHED_AT_LEAST.items() if reached[w] < n}
    assert not missed, f"steered situations reached too rarely: {missed} (all: {dict(reached)})"
