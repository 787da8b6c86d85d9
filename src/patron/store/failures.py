"""The store's failures, as the adapters need to tell them apart: a store that cannot be
reached (retry later: 503) from a write the database refused (409), and what to log of
the latter without the personal data a driver's message quotes.

Adapters reach this module through the composition root (bootstrap.py)."""

from __future__ import annotations

import re

from sqlalchemy.exc import (
    DBAPIError,
    DisconnectionError,
    IntegrityError,
    InterfaceError,
    OperationalError,
)
from sqlalchemy.exc import TimeoutError as PoolTimeout

# A write the database refused (a unique, check or foreign-key rule).
WriteRefused = IntegrityError

# Errors that say the store is unreachable, not that the request is wrong: a refused or
# dropped connection (OperationalError, InterfaceError, DisconnectionError), no free
# connection in the pool in time (PoolTimeout). SQLite's "database is locked" after its
# busy timeout is an OperationalError too, and a retry is the right advice for it as well.
STORE_DOWN: tuple[type[Exception], ...] = (
    OperationalError,
    InterfaceError,
    DisconnectionError,
    PoolTimeout,
)


def is_store_down(exc: BaseException) -> bool:
    return isinstance(exc, STORE_DOWN) or (
        isinstance(exc, DBAPIError) and bool(exc.connection_invalidated)
    )


# SQLite's messages name the rule and its columns, never the values: "UNIQUE constraint
# failed: members.external_id", "CHECK constraint failed: balance_not_negative".
_SQLITE_RULE = re.compile(r"(UNIQUE|NOT NULL|CHECK|FOREIGN KEY) constraint failed(: [\w., ]+)?")


def integrity_summary(exc: IntegrityError) -> str:
    """What a refused write broke, for a log line: the driver's error class and the
    constraint's name, never the driver's message, which on PostgreSQL quotes the
    offending values (`Key (email)=(ann@example.com) already exists`): personal data."""
    orig = exc.orig
    kind = type(orig).__name__
    constraint = getattr(getattr(orig, "diag", None), "constraint_name", None)
    if constraint:
        return f"{kind} on {constraint}"
    found = _SQLITE_RULE.fullmatch(str(orig))
    return f"{kind}: {found.group(0)}" if found else kind
