"""The unit of work: one database transaction, rolled back unless committed.

A use case receives a `UnitOfWork`, reads and writes through its repositories and calls
`commit()` once at the end; any exception, or simply forgetting to commit, leaves the
database as it was (cosmicpython's pattern, over SQLAlchemy Core connections).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from types import TracebackType

from sqlalchemy import Connection, Engine

from patron.domain.clock import utcnow
from patron.domain.program import Program
from patron.store.apikeys import ApiKeys
from patron.store.audit import AuditLog
from patron.store.birthdays import Birthdays
from patron.store.budget import Budget
from patron.store.bulk import Bulk
from patron.store.business import Businesses
from patron.store.campaigns import Campaigns
from patron.store.cards import Cards
from patron.store.clubs import Clubs
from patron.store.consents import Consents
from patron.store.contacts import MemberContacts
from patron.store.db import READONLY
from patron.store.deliveries import Deliveries
from patron.store.directory import MemberDirectory
from patron.store.experiments import Experiments
from patron.store.figures import ProgramFigures
from patron.store.fulfilments import Fulfilments
from patron.store.goals import Goals
from patron.store.idempotency import Idempotency
from patron.store.journeys import JourneyReads
from patron.store.ledger import Ledger
from patron.store.login_links import LoginLinks
from patron.store.members import Members
from patron.store.messages import Messages, MessageTemplates, Suppressions
from patron.store.outbox import Outbox
from patron.store.points import PointsHistory
from patron.store.privacy import PersonalData
from patron.store.programs import Programs
from patron.store.purchases import Purchases
from patron.store.redemptions import Redemptions
from patron.store.referrals import Referrals
from patron.store.rewards import Rewards
from patron.store.rsvps import Rsvps
from patron.store.secrets import ServerSecrets
from patron.store.spend import AcquisitionSpend
from patron.store.staff import StaffUsers
from patron.store.surveys import Surveys
from patron.store.timeline import Timeline
from patron.store.totals import Totals
from patron.store.unclaimed import UnclaimedPurchases
from patron.store.webhooks import Webhooks


class UnitOfWork:
    def __init__(
        self,
        engine: Engine,
        *,
        readonly: bool = False,
        clock: Callable[[], datetime] = utcnow,
        programs: dict[int, Program] | None = None,
    ) -> None:
        self._engine = engine
        self._readonly = readonly
        self._clock = clock
        self._programs = programs if programs is not None else {}
        self._conn: Connection | None = None
        self.now = clock()

    def __enter__(self) -> UnitOfWork:
        self.now = self._clock()
        conn = self._engine.connect()
        if self._readonly:
            conn = conn.execution_options(**{READONLY: True})
        conn.begin()
        self._conn = conn
        self.programs = Programs(conn, self._programs)
        self.members = Members(conn)
        self.purchases = Purchases(conn)
        self.ledger = Ledger(conn)
        self.rewards = Rewards(conn)
        self.redemptions = Redemptions(conn)
        self.fulfilments = Fulfilments(conn)
        self.rsvps = Rsvps(conn)
        self.api_keys = ApiKeys(conn)
        self.audit = AuditLog(conn)
        self.idempotency = Idempotency(conn)
        self.outbox = Outbox(conn)
        self.bulk = Bulk(conn)
        self.spend = AcquisitionSpend(conn)
        self.staff = StaffUsers(conn)
        self.secrets = ServerSecrets(conn)
        self.login_links = LoginLinks(conn)
        self.directory = MemberDirectory(conn)
        self.figures = ProgramFigures(conn)
        self.personal = PersonalData(conn)
        self.totals = Totals(conn)
        self.timeline = Timeline(conn)
        self.consents = Consents(conn)
        self.contacts = MemberContacts(conn)
        self.unclaimed = UnclaimedPurchases(conn)
        self.goals = Goals(conn)
        self.points = PointsHistory(conn)
        self.budget = Budget(conn)
        self.cards = Cards(conn)
        self.businesses = Businesses(conn)
        self.journeys = JourneyReads(conn)
        self.experiments = Experiments(conn)
        self.clubs = Clubs(conn)
        self.referrals = Referrals(conn)
        self.birthdays = Birthdays(conn)
        self.webhooks = Webhooks(conn)
        self.surveys = Surveys(conn)
        self.messages = Messages(conn)
        self.suppressions = Suppressions(conn)
        self.message_templates = MessageTemplates(conn)
        self.deliveries = Deliveries(conn)
        self.campaigns = Campaigns(conn)
        return self

    @property
    def connection(self) -> Connection:
        assert self._conn is not None, "use the unit of work inside `with`"
        return self._conn

    def wait_at_most(self, seconds: float) -> None:
        """Bound each statement of this transaction, its wait for locks included, to
        `seconds` on PostgreSQL: a probe must answer "down" rather than hang behind a
        table lock (a migration, VACUUM FULL). SQLite's waits are its busy timeout's."""
        conn = self.connection
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql(f"SET LOCAL statement_timeout = {int(seconds * 1000)}")

    def commit(self) -> None:
        conn = self.connection
        # the answer of an idempotent write and the events, in one statement on PostgreSQL
        with_statement, params = self.idempotency.written_with()
        self.outbox.flush(with_statement=with_statement, params=params)
        conn.commit()

    def rollback(self) -> None:
        self.connection.rollback()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        conn = self.connection
        try:
            if conn.in_transaction():
                conn.rollback()
        finally:
            conn.close()
            self._conn = None
