"""Webhooks: the admin's use cases (subscribe, list, remove, the delivery log, replay) and
the worker's steps (route, claim, finish a batch, reconcile), each one transaction.

Design overview. A subscription's secret is made here, returned once by `add_webhook` and
never shown again (the list leaves it out). The worker (worker.py) sends nothing inside a
transaction: `claim_deliveries` records a batch's attempts and commits, the adapter sends
them, and `finish_deliveries` records the batch's answers in one transaction and decides,
by the `RetryPolicy`, each next attempt or the dead letter (domain/webhooks.py). So a
crash between the two re-sends only the batch that was in flight, with the same
`webhook-id`s.
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass
from datetime import timedelta

from patron.domain.audit import AuditAction
from patron.domain.errors import InvalidInput
from patron.domain.webhooks import (
    DESCRIPTION_LENGTH,
    DeliveryState,
    RetryPolicy,
    Subscription,
    WebhookNotFound,
    checked_event_types,
    checked_url,
    secret_from,
)
from patron.services.journeys import react
from patron.store.uow import UnitOfWork
from patron.store.webhooks import Attempt, Backlog, Delivery, Job, NewSubscription, Outcome

__all__ = ["Attempt", "Backlog", "Delivery", "Job"]


@dataclass(frozen=True)
class AddWebhook:
    url: str
    event_types: list[str]
    actor: str
    description: str = ""


@dataclass(frozen=True)
class NewWebhook:
    """A subscription with its secret: the only time the secret is shown."""

    subscription: Subscription
    secret: str


@dataclass(frozen=True)
class ListDeliveries:
    state: str | None = None
    subscription_id: int | None = None
    limit: int = 50


@dataclass(frozen=True)
class Replay:
    """Deliveries to send again: the ids given, or every dead letter when None."""

    delivery_ids: list[int] | None
    actor: str


@dataclass(frozen=True)
class Claim:
    limit: int
    lease: timedelta


@dataclass(frozen=True)
class Answer:
    """What a receiver made of one attempt: its status code, or the error on the way."""

    job: Job
    status: int | None
    error: str | None
    policy: RetryPolicy

    @property
    def delivered(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def add_webhook(uow: UnitOfWork, cmd: AddWebhook) -> NewWebhook:
    url = checked_url(cmd.url)
    types = checked_event_types(cmd.event_types)
    if len(cmd.description) > DESCRIPTION_LENGTH:
        raise InvalidInput(f"description: longer than {DESCRIPTION_LENGTH} characters")
    secret = secret_from(secrets.token_bytes(24))
    new = NewSubscription(url, types, secret, cmd.description, uow.now, cmd.actor)
    subscription = uow.webhooks.add(new)
    details = {"subscription_id": subscription.id, "url": url, "event_types": list(types)}
    uow.audit.record(uow.now, cmd.actor, AuditAction.WEBHOOK_ADDED, None, None, details)
    return NewWebhook(subscription, secret)


def webhooks(uow: UnitOfWork) -> list[Subscription]:
    return uow.webhooks.subscriptions()


@dataclass(frozen=True)
class RemoveWebhook:
    subscription_id: int
    actor: str


def remove_webhook(uow: UnitOfWork, cmd: RemoveWebhook) -> int:
    """Switch a subscription off; its waiting deliveries become dead letters (counted)."""
    subscription_id, actor = cmd.subscription_id, cmd.actor
    found = uow.webhooks.subscription(subscription_id)
    if found is None or not found.active:
        raise WebhookNotFound(f"no webhook subscription {subscription_id}")
    dead = uow.webhooks.deactivate(subscription_id, uow.now)
    details = {"subscription_id": subscription_id, "dead_lettered": dead}
    uow.audit.record(uow.now, actor, AuditAction.WEBHOOK_REMOVED, None, None, details)
    return dead


def deliveries(uow: UnitOfWork, query: ListDeliveries) -> list[Delivery]:
    if query.state is not None and query.state not in {s.value for s in DeliveryState}:
        known = ", ".join(s.value for s in DeliveryState)
        raise InvalidInput(f"state: {query.state!r} is not one of {known}")
    return uow.webhooks.deliveries(
        state=query.state, subscription_id=query.subscription_id, limit=query.limit
    )


def attempts(uow: UnitOfWork, delivery_id: int) -> list[Attempt]:
    """A delivery's attempts, oldest first (none yet: it waits for its first)."""
    if not uow.webhooks.has_delivery(delivery_id):
        raise WebhookNotFound(f"no webhook delivery {delivery_id}")
    return uow.webhooks.attempts(delivery_id)


def replay(uow: UnitOfWork, cmd: Replay) -> int:
    """Deliveries pending again from their first attempt; how many."""
    count = uow.webhooks.replay(cmd.delivery_ids, uow.now)
    if cmd.delivery_ids is not None and count < len(set(cmd.delivery_ids)):
        raise WebhookNotFound(
            "delivery: some of the ids name no delivery, one being sent now or one of a removed"
            " subscription; nothing replayed"
        )
    asked: object = cmd.delivery_ids if cmd.delivery_ids is not None else "dead"
    details = {"deliveries": asked, "count": count}
    uow.audit.record(uow.now, cmd.actor, AuditAction.WEBHOOKS_REPLAYED, None, None, details)
    return count


def backlog(uow: UnitOfWork) -> Backlog:
    return uow.webhooks.backlog()


# the worker's steps


def route_events(uow: UnitOfWork, limit: int) -> int:
    """Route up to `limit` events to the webhook subscriptions and, in the same
    transaction, to the journeys (services/journeys.py `react`). The events routed."""
    routed = uow.webhooks.route(uow.now, limit)
    react(uow, routed)
    return len(routed)


def claim_deliveries(uow: UnitOfWork, claim: Claim) -> list[Job]:
    return uow.webhooks.claim(uow.now, uow.now + claim.lease, claim.limit)


def finish_delivery(uow: UnitOfWork, answer: Answer) -> None:
    finish_deliveries(uow, [answer])


def finish_deliveries(uow: UnitOfWork, answers: list[Answer]) -> None:
    """A claimed batch's answers, all in this one transaction; a failed attempt's next one
    is set by its `RetryPolicy` (or the dead letter)."""
    outcomes = []
    for answer in answers:
        retry_at = None
        if not answer.delivered:
            retry_at = answer.policy.after_failure(answer.job.attempt, uow.now, random.random())
        outcomes.append(
            Outcome(answer.job, answer.status, answer.error, answer.delivered, retry_at)
        )
    uow.webhooks.finish(outcomes, uow.now)


def release_deliveries(uow: UnitOfWork, jobs: list[Job]) -> None:
    """Claimed deliveries the worker will not send (it is stopping): as they were."""
    uow.webhooks.release(jobs)


def reconcile(uow: UnitOfWork, every_sending: bool) -> int:
    return uow.webhooks.reconcile(uow.now, every_sending=every_sending)
