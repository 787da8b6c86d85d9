"""The suppression list for admin keys (docs/messages.md): the addresses no marketing
message may reach, whatever consent says. List, add (reason `manual` unless told), remove.

An entry is a channel and a normalised address (e-mail lower-cased, phone as + and
digits); adding one twice, or removing one not listed, changes nothing and says so. The
writes need no Idempotency-Key: each says what is, whatever was before.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from patron.api import problems as p
from patron.api.deps import AdminKey, PatronDep
from patron.api.schemas import examples
from patron.domain.clock import iso_utc
from patron.domain.errors import InvalidInput
from patron.domain.messages import ADDRESS_LENGTH, Channel, address_key
from patron.services.suppressions import (
    ChangeSuppression,
    Suppression,
    add_suppression,
    remove_suppression,
    suppression_list,
)

router = APIRouter(prefix="/v1/suppressions", tags=["messages"])
ChannelName = Literal["email", "sms", "push"]
_ENTRY = {
    "channel": "email",
    "address": "ana@example.com",
    "reason": "bounce",
    "source": "delivery",
    "actor": None,
    "created_at": "2026-11-26T09:00:00Z",
}
BAD_ADDRESS = InvalidInput("address: '  ' is no email address")


class SuppressionCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra=examples(
            {"channel": "email", "address": "ana@example.com"},
            {"channel": "sms", "address": "+40 712 345 678", "reason": "complaint"},
        ),
    )

    channel: ChannelName = Field(description="email, sms or push")
    address: str = Field(
        min_length=1, max_length=ADDRESS_LENGTH, description="the e-mail, phone or push target"
    )
    reason: Literal["manual", "complaint", "bounce", "unsubscribe"] = Field(
        "manual", description="why: manual (the default), complaint, bounce, unsubscribe"
    )


class SuppressionChanged(BaseModel):
    model_config = ConfigDict(
        json_schema_extra=examples(
            {"channel": "email", "address": "ana@example.com", "changed": True}
        )
    )

    channel: str = Field(description="the channel")
    address: str = Field(description="the address as given")
    changed: bool = Field(description="false: it was already so (listed, or not listed)")


def _public(s: Suppression) -> dict[str, Any]:
    return {
        "channel": s.channel.value,
        "address": s.address,
        "reason": s.reason.value,
        "source": s.source,
        "actor": s.actor,
        "created_at": iso_utc(s.created_at),
    }


@router.get("", responses=p.ok({"data": [_ENTRY], "count": 1}))
def get_all(
    patron: PatronDep,
    _: AdminKey,
    channel: Annotated[ChannelName | None, Query(description="one channel (all: unset)")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 500,
) -> dict[str, Any]:
    """The suppressed addresses, newest first (admin)."""
    found = [_public(s) for s in patron.read(suppression_list, channel, limit)]
    return {"data": found, "count": len(found)}


@router.post("", response_model=SuppressionChanged, responses=p.refusals(BAD_ADDRESS))
def add(body: SuppressionCreate, patron: PatronDep, principal: AdminKey) -> SuppressionChanged:
    """Suppress an address: no marketing reaches it from now on (admin)."""
    command = ChangeSuppression(body.channel, body.address, "api", principal.actor, body.reason)
    added = patron.run(add_suppression, command)
    stored = address_key(Channel(body.channel), body.address) or body.address
    return SuppressionChanged(channel=body.channel, address=stored, changed=added)


@router.delete(
    "/{channel}/{address}",
    response_model=SuppressionChanged,
    responses=p.refusals(BAD_ADDRESS),
)
def remove(
    channel: Annotated[ChannelName, Path(description="email, sms or push", examples=["email"])],
    address: Annotated[
        str,
        Path(
            max_length=ADDRESS_LENGTH,
            description="the address, URL-encoded",
            examples=["ana@example.com"],
        ),
    ],
    patron: PatronDep,
    principal: AdminKey,
) -> SuppressionChanged:
    """Take an address off the list (admin)."""
    command = ChangeSuppression(channel, address, "api", principal.actor)
    removed = patron.run(remove_suppression, command)
    return SuppressionChanged(channel=channel, address=address, changed=removed)
