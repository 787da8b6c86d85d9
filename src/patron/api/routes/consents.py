"""A member's marketing consent per channel (docs/messages.md): read by a key that reads
members, recorded by a key that enrolls them (the shop's sign-up forms and tills ask).

A `PUT` records the member's answer with the source `api`; saying again what is already
recorded appends nothing, so a retried PUT changes nothing and needs no Idempotency-Key.
With `double_opt_in` a yes to e-mail waits for the member's confirmation: it is recorded
`unconfirmed`, a confirmation e-mail goes out (transactional, by `patron worker`), and
the yes counts once the member follows its link.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel, ConfigDict, Field

from patron.api import problems as p
from patron.api.deps import By, EnrollKey, MemberPath, PatronDep, ReadMemberKey, member_named
from patron.api.schemas import UtcTime, examples
from patron.domain.consent import ConsentSource
from patron.domain.messages import CONSENT_PURPOSE, Channel
from patron.services.preferences import (
    ChannelConsent,
    Preference,
    preferences,
    set_channel_consent,
)

router = APIRouter(tags=["members"])
ChannelPath = Annotated[
    Literal["email", "sms", "push"],
    Path(description="the channel: email, sms or push", examples=["email"]),
]
_EMAIL = {
    "channel": "email",
    "purpose": "marketing",
    "state": "granted",
    "awaiting_confirmation": False,
    "recorded_at": "2026-11-26T09:00:00Z",
    "source": "api",
}
_SMS = {
    "channel": "sms",
    "purpose": "marketing_sms",
    "state": "not recorded",
    "awaiting_confirmation": False,
    "recorded_at": None,
    "source": None,
}


class ConsentSet(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra=examples(
            {"granted": True}, {"granted": True, "double_opt_in": True}, {"granted": False}
        ),
    )

    granted: bool = Field(description="true: the member agrees to marketing on this channel")
    double_opt_in: bool = Field(
        False,
        description="e-mail only (ignored for sms and push): the yes counts once the member"
        " confirms it by the link e-mailed to them",
    )


class ConsentPublic(BaseModel):
    model_config = ConfigDict(json_schema_extra=examples(_EMAIL, _SMS))

    channel: str = Field(description="email, sms or push")
    purpose: str = Field(description="the consent's purpose (the list): marketing, ...")
    state: str = Field(description="granted, declined or not recorded")
    awaiting_confirmation: bool = Field(description="a yes waits for the member's confirmation")
    recorded_at: UtcTime | None = Field(description="when the state was given")
    source: str | None = Field(description="how: portal, api, console, confirmation or unsubscribe")


class ConsentsPublic(BaseModel):
    model_config = ConfigDict(json_schema_extra=examples({"member_id": 1, "data": [_EMAIL, _SMS]}))

    member_id: int = Field(description="Patron's member id")
    data: list[ConsentPublic] = Field(description="one per channel")


_CHANNEL_OF = {purpose: channel.value for channel, purpose in CONSENT_PURPOSE.items()}


def _public(found: Preference) -> ConsentPublic:
    at: datetime | None = found.recorded_at
    return ConsentPublic(
        channel=_CHANNEL_OF[found.purpose],
        purpose=found.purpose,
        state=found.state.value,
        awaiting_confirmation=found.awaiting,
        recorded_at=at,
        source=found.source.value if found.source else None,
    )


@router.get(
    "/v1/members/{id}/consents",
    response_model=ConsentsPublic,
    responses=p.refusals(p.NO_MEMBER, p.AMBIGUOUS_MEMBER),
)
def get_consents(
    id: MemberPath, patron: PatronDep, _: ReadMemberKey, by: By = None
) -> ConsentsPublic:
    """The member's marketing consent on each channel, with when and how it was given."""
    member = member_named(patron, id, by)
    found = patron.read(preferences, member.id)
    return ConsentsPublic(member_id=member.id, data=[_public(f) for f in found])


@router.put(
    "/v1/members/{id}/consents/{channel}",
    response_model=ConsentPublic,
    responses=p.refusals(p.NO_MEMBER, p.AMBIGUOUS_MEMBER),
)
def put_consent(
    id: MemberPath,
    channel: ChannelPath,
    body: ConsentSet,
    request: Request,
    patron: PatronDep,
    principal: EnrollKey,
    by: By = None,
) -> ConsentPublic:
    """Record the member's marketing consent on one channel (source `api`)."""
    member = member_named(patron, id, by)
    base = getattr(request.app.state, "public_url", None) or str(request.base_url)
    command = ChannelConsent(
        member.id,
        Channel(channel),
        body.granted,
        ConsentSource.API,
        principal.actor,
        double_opt_in=body.double_opt_in,
        base_url=base,
    )
    found = patron.run(set_channel_consent, command)
    return _public(found)
