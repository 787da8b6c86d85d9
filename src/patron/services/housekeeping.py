"""Jobs that keep the store small: run them from cron like `patron expire`."""

from __future__ import annotations

from datetime import datetime, timedelta

from patron.domain.errors import InvalidInput
from patron.store.uow import UnitOfWork

MIN_IDEMPOTENCY_HOURS = 24  # clients may retry a write for a day (API contract)


def purge_idempotency_keys(uow: UnitOfWork, as_of: datetime, hours: int) -> int:
    """Forget idempotency keys older than `hours`; a replay after that is a new request."""
    if hours < MIN_IDEMPOTENCY_HOURS:
        raise InvalidInput(
            f"idempotency keys are kept at least {MIN_IDEMPOTENCY_HOURS} hours, not {hours}"
        )
    return uow.idempotency.purge(as_of - timedelta(hours=hours))
