"""The bodies and answers of `/v1/campaigns` (services/campaigns.py, docs/campaigns.md).

The audience, the offer and the variants are documents checked by domain/campaigns.py
(each refusal names its field), so their schemas here are open tables described in words.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from patron.api import examples as story
from patron.api.schemas import UtcTime, examples
from patron.domain import limits


class CampaignCreate(BaseModel):
    """A campaign: whom, through which channel, with which content and offer, when."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=examples(*story.CAMPAIGN_CREATE))

    name: Annotated[str, Field(min_length=1, max_length=limits.SHORT_LENGTH)] = Field(
        description="unique: letters, digits, '.', '-' or '_'"
    )
    channel: Annotated[str, Field(max_length=16)] = Field("email", description="email, sms or push")
    audience: dict[str, Any] | None = Field(
        None,
        description="segments, abc, p_alive_below, clv_above, tiers, clubs,"
        " min_days_since_purchase, max_days_since_purchase, categories, consent (default"
        " true: only members whose consent for the channel is granted)",
    )
    variants: list[dict[str, Any]] | None = Field(
        None, max_length=10, description="[{name, share}], the shares adding up to 1; default one A"
    )
    holdout_share: Decimal = Field(
        Decimal("0.1"), description="the share of the audience held out: from 0 to below 1"
    )
    offer: dict[str, Any] | None = Field(
        None,
        description="bonus (points) or multiplier, categories, days (from the member's"
        " message; 14), valid_days (the bonus burns); or voucher, a discount reward's id",
    )
    content: dict[str, Any] | None = Field(
        None,
        description="per variant {subject, text, html?, locale?} (Jinja2 with the member's"
        " fields), or a list of those for several locales",
    )
    first_at: datetime | None = Field(None, description="the first run; default: at launch")
    every_days: Annotated[int, Field(ge=1, le=3660)] | None = Field(
        None, description="run again every N days; default: once"
    )
    ends_at: datetime | None = Field(None, description="a recurring campaign runs before it")
    per_hour: Annotated[int, Field(ge=1, le=10_000_000)] | None = Field(
        None, description="send rate: messages an hour; default: all at once"
    )
    attribution_days: Annotated[int, Field(ge=1, le=365)] = Field(
        14, description="days after the last run that the results count"
    )
    salt: Annotated[str, Field(min_length=1, max_length=64)] | None = Field(
        None, description="the holdout's and variants' draw; default: 16 random hex digits"
    )


class CampaignLaunch(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra=examples(*story.CAMPAIGN_LAUNCH))

    at: datetime | None = Field(None, description="the first run; default: its first_at, or now")


class CampaignRun(BaseModel):
    """What one run did."""

    run: int = Field(description="the run's number, from 1")
    started_at: UtcTime = Field(description="when it ran")
    audience: int = Field(description="members in the audience then")
    holdout: int = Field(description="of them held out: sent nothing")
    queued: int = Field(description="messages queued for the treated")
    refused: int = Field(description="treated members the message core refused (no consent…)")


class CampaignPublic(BaseModel):
    model_config = ConfigDict(json_schema_extra=examples(*story.CAMPAIGN_PUBLIC))

    id: int = Field(description="the campaign's id")
    name: str = Field(description="its name")
    channel: str = Field(description="email, sms or push")
    status: str = Field(description="draft, scheduled, done or stopped")
    audience: dict[str, Any] = Field(description="the audience's criteria")
    variants: list[dict[str, Any]] = Field(description="[{name, share}]")
    holdout_share: Decimal = Field(description="the share held out")
    offer: dict[str, Any] | None = Field(description="the offer, or null")
    first_at: UtcTime | None = Field(description="the first run asked for")
    every_days: int | None = Field(description="days between runs; null: once")
    ends_at: UtcTime | None = Field(description="no run from then")
    per_hour: int | None = Field(description="send rate")
    attribution_days: int = Field(description="days after the last run counted in the results")
    next_run_at: UtcTime | None = Field(description="when the next run is due")
    runs: list[CampaignRun] = Field(description="the runs so far")
    members: dict[str, int] = Field(description="members drawn so far per arm: control, treatment")
    variant_members: dict[str, int] = Field(description="treated members per variant")
    created_at: UtcTime = Field(description="when it was created")
    created_by: str = Field(description="who created it")
