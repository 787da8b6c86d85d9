"""Webhook subscriptions for admin keys: subscribe a URL to event types (the signing secret
in the answer, once), list, remove; the delivery log and replays (docs/webhooks.md).

These writes take no `Idempotency-Key`: a creation's answer holds the secret, and an
idempotent write stores its answer (as for API keys). A retried creation makes a second
subscription, which `GET /v1/webhooks` shows and an admin can remove. The deliveries
themselves are made by `patron worker`, never by the API.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from patron.api import problems as p
from patron.api.deps import AdminKey, PatronDep
from patron.api.schemas import UtcTime, examples
from patron.domain.clock import iso_utc
from patron.domain.errors import InvalidInput
from patron.domain.webhooks import (
    DESCRIPTION_LENGTH,
    EVENT_TYPE_LENGTH,
    URL_LENGTH,
    Subscription,
    WebhookNotFound,
    WebhookUrlRefused,
)
from patron.services import webhooks as uc

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"])
NO_WEBHOOK = WebhookNotFound("no webhook subscription 7")
SubscriptionId = Annotated[
    int, Path(ge=1, le=2**62, description="the subscription's id", examples=[1])
]
_SUB = {
    "id": 1,
    "url": "https://crm.example.com/patron",
    "event_types": ["points.earned", "tier.changed"],
    "description": "the CRM",
    "created_at": "2026-11-26T09:00:00Z",
    "created_by": "apikey:ana",
}
_SECRET = "whsec_p8vXxD0dJ6Wn3r1ZyS1q2l0m3u4H5b6C"
_DELIVERY = {
    "id": 311,
    "event_id": 1042,
    "subscription_id": 1,
    "member_id": 17,
    "event_type": "points.earned",
    "state": "dead",
    "attempts": 8,
    "next_attempt_at": "2026-11-26T10:21:00Z",
    "last_status": 503,
    "last_error": "HTTP 503: ",
    "created_at": "2026-11-26T09:40:00Z",
    "done_at": "2026-11-26T11:02:10Z",
}
_ATTEMPT = {
    "delivery_id": 311,
    "number": 1,
    "started_at": "2026-11-26T09:40:01Z",
    "finished_at": "2026-11-26T09:40:01Z",
    "status_code": 503,
    "error": "HTTP 503: ",
}


class WebhookCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra=examples(
            {"url": _SUB["url"], "event_types": _SUB["event_types"], "description": "the CRM"},
            {"url": "https://erp.example.com/hooks/patron", "event_types": ["*"]},
        ),
    )

    url: str = Field(
        min_length=1, max_length=URL_LENGTH, description="the receiver: an http(s) URL"
    )
    event_types: list[Annotated[str, Field(min_length=1, max_length=EVENT_TYPE_LENGTH)]] = Field(
        min_length=1, max_length=20, description="event types (docs/webhooks.md), or * for all"
    )
    description: str = Field("", max_length=DESCRIPTION_LENGTH, description="what it is")


class WebhookPublic(BaseModel):
    """A subscription: never its secret."""

    model_config = ConfigDict(json_schema_extra=examples(_SUB))

    id: int = Field(description="names the subscription in the paths")
    url: str = Field(description="where the events are posted")
    event_types: list[str] = Field(description="the types it receives; * for all")
    description: str = Field(description="what it is")
    created_at: UtcTime = Field(description="when it was made")
    created_by: str = Field(description="the actor: apikey:<name> or the CLI's user")


class WebhookCreated(WebhookPublic):
    model_config = ConfigDict(json_schema_extra=examples({**_SUB, "secret": _SECRET}))

    secret: str = Field(description="the signing secret, shown once (docs/webhooks.md)")


class WebhookRemoved(BaseModel):
    model_config = ConfigDict(json_schema_extra=examples({"id": 1, "dead_lettered": 2}))

    id: int = Field(description="the subscription removed")
    dead_lettered: int = Field(description="its waiting deliveries, now dead letters")


class WebhookReplay(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra=examples({"delivery_ids": [311, 312]}, {"dead": True}),
    )

    delivery_ids: list[Annotated[int, Field(ge=1, le=2**62)]] | None = Field(
        None, min_length=1, max_length=1000, description="the deliveries to send again"
    )
    dead: bool = Field(False, description="true: every dead letter (instead of the ids)")


class WebhookReplayed(BaseModel):
    model_config = ConfigDict(json_schema_extra=examples({"count": 2}))

    count: int = Field(description="the deliveries pending again")


def _public(s: Subscription) -> dict[str, Any]:
    return WebhookPublic(
        id=s.id,
        url=s.url,
        event_types=list(s.event_types),
        description=s.description,
        created_at=s.created_at,
        created_by=s.created_by,
    ).model_dump(mode="json")


@router.post(
    "",
    status_code=201,
    response_model=WebhookCreated,
    responses=p.refusals(
        WebhookUrlRefused(
            "url: 'ftp://crm.example.com' is not an http(s) URL; webhooks are sent over http"
            " or https only (give https://host/path)"
        ),
        InvalidInput("event_types: unknown points.won; known: member.enrolled, … or *"),
    ),
)
def create(body: WebhookCreate, patron: PatronDep, principal: AdminKey) -> WebhookCreated:
    """Subscribe a URL to event types; the answer holds the signing secret, once (admin)."""
    command = uc.AddWebhook(body.url, body.event_types, principal.actor, body.description)
    new = patron.run(uc.add_webhook, command)
    return WebhookCreated(**_public(new.subscription), secret=new.secret)


@router.get("", responses=p.ok({"data": [_SUB], "count": 1}))
def get_all(patron: PatronDep, _: AdminKey) -> dict[str, Any]:
    """The active subscriptions, oldest first, without their secrets."""
    found = [_public(s) for s in patron.read(uc.webhooks)]
    return {"data": found, "count": len(found)}


@router.delete(
    "/{subscription_id}", response_model=WebhookRemoved, responses=p.refusals(NO_WEBHOOK)
)
def remove(
    subscription_id: SubscriptionId, patron: PatronDep, principal: AdminKey
) -> WebhookRemoved:
    """Switch a subscription off; its waiting deliveries become dead letters."""
    dead = patron.run(uc.remove_webhook, uc.RemoveWebhook(subscription_id, principal.actor))
    return WebhookRemoved(id=subscription_id, dead_lettered=dead)


@router.get(
    "/deliveries",
    responses={
        **p.ok({"data": [_DELIVERY], "count": 1}),
        **p.refusals(InvalidInput("state: 'lost' is not one of pending, sending, ...")),
    },
)
def get_deliveries(
    patron: PatronDep,
    _: AdminKey,
    state: Annotated[Literal["pending", "sending", "delivered", "dead"] | None, Query()] = None,
    subscription_id: Annotated[int | None, Query(ge=1, le=2**62)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
) -> dict[str, Any]:
    """The latest deliveries, newest first: state, attempts, last status and error."""
    query = uc.ListDeliveries(state, subscription_id, limit)
    found = [_delivery(d) for d in patron.read(uc.deliveries, query)]
    return {"data": found, "count": len(found)}


@router.get(
    "/deliveries/{delivery_id}/attempts",
    responses={
        **p.ok({"data": [_ATTEMPT], "count": 1}),
        **p.refusals(WebhookNotFound("no webhook delivery 311")),
    },
)
def get_attempts(
    delivery_id: Annotated[
        int, Path(ge=1, le=2**62, description="the delivery's id", examples=[311])
    ],
    patron: PatronDep,
    _: AdminKey,
) -> dict[str, Any]:
    """Every attempt of one delivery: start, end, status code, error; an unknown delivery
    is 404 `webhook_not_found`."""
    found = [_attempt(a) for a in patron.read(uc.attempts, delivery_id)]
    return {"data": found, "count": len(found)}


@router.post(
    "/replay",
    response_model=WebhookReplayed,
    responses=p.refusals(
        WebhookNotFound("delivery: some of the ids name no delivery, or one being sent now"),
        InvalidInput("replay: give delivery_ids, or dead: true (not both)"),
    ),
)
def replay(body: WebhookReplay, patron: PatronDep, principal: AdminKey) -> WebhookReplayed:
    """Send deliveries again from a first attempt, with the same webhook-id."""
    if (body.delivery_ids is None) != body.dead:
        raise InvalidInput("replay: give delivery_ids, or dead: true (not both)")
    command = uc.Replay(None if body.dead else body.delivery_ids, principal.actor)
    return WebhookReplayed(count=patron.run(uc.replay, command))


def _time(value: Any) -> Any:
    return None if value is None else iso_utc(value)


def _delivery(d: uc.Delivery) -> dict[str, Any]:
    times = ("next_attempt_at", "created_at", "done_at")
    return {
        name: _time(getattr(d, name)) if name in times else getattr(d, name) for name in _DELIVERY
    }


def _attempt(a: uc.Attempt) -> dict[str, Any]:
    times = ("started_at", "finished_at")
    return {
        name: _time(getattr(a, name)) if name in times else getattr(a, name) for name in _ATTEMPT
    }
