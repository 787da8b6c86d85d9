"""Request and answer bodies of the business customers' API (docs/business.md): the
company, its buyers and the entitlements of its tier with what is left of them."""

from __future__ import annotations

from typing import Annotated, Self

from pydantic import ConfigDict, Field, model_validator

from patron.api import examples as story
from patron.api.schemas import (
    MAX_ID,
    Answer,
    Email,
    Key,
    Name,
    Note,
    Reason,
    UtcTime,
    _Clean,
    _In,
    examples,
)

Typed = Annotated[str, Field(max_length=40), _Clean]


class BusinessCreate(_In):
    model_config = ConfigDict(json_schema_extra=examples(*story.BUSINESS_CREATE))

    member_id: Annotated[int, Field(ge=1, le=MAX_ID)] | None = Field(
        None, description="the member by Patron's id"
    )
    external_id: Key | None = Field(None, description="the member by your customer id")
    company_name: Name = Field(description="the company's registered name")
    vat_number: Annotated[str, Field(max_length=40), _Clean] = Field(
        description="two letters of the country, then 2 to 13 letters and digits (RO18547290);"
        " spaces, dots and dashes are dropped"
    )
    account_manager: Email | None = Field(
        None, description="the e-mail of the staff user who manages the account"
    )

    @model_validator(mode="after")
    def _member(self) -> Self:
        if (self.member_id is None) == (self.external_id is None):
            raise ValueError("give exactly one of member_id or external_id")
        return self


class BusinessPublic(Answer):
    model_config = ConfigDict(json_schema_extra=examples(*story.BUSINESS_PUBLIC))

    member_id: int = Field(description="the member that is the business: it holds the points")
    company_name: str = Field(description="the company's registered name")
    vat_number: str = Field(description="as kept: upper case, no separators")
    account_manager: str | None = Field(description="the staff user's e-mail, if one is assigned")
    created_at: UtcTime = Field(description="when the member was made a business")


class BuyerCreate(_In):
    model_config = ConfigDict(json_schema_extra=examples(*story.BUYER_CREATE))

    name: Name = Field(min_length=1, description="the buyer's name")
    email: Email | None = Field(None, description="their e-mail: a till finds the business by it")
    phone: Typed | None = Field(None, description="their phone, 6 to 15 digits")
    card: Typed | None = Field(None, description="a loyalty card number they carry")

    @model_validator(mode="after")
    def _reachable(self) -> Self:
        if self.email is None and self.phone is None and self.card is None:
            raise ValueError("give the buyer's email, phone or card: a till finds them by it")
        return self


class BuyerRemove(_In):
    model_config = ConfigDict(json_schema_extra=examples(*story.BUYER_REMOVE))

    reason: Reason | None = Field(None, description="why, for the audit log")


class BuyerPublic(Answer):
    model_config = ConfigDict(json_schema_extra=examples(*story.BUYER_PUBLIC))

    id: int = Field(description="Patron's buyer id")
    member_id: int = Field(description="the business they buy for")
    name: str = Field(description="the buyer's name")
    email: str | None = Field(description="their e-mail, lower case")
    phone: str | None = Field(description="their phone, digits and a leading +")
    card: str | None = Field(description="the loyalty card number they carry")
    added_at: UtcTime = Field(description="when they were added")
    removed_at: UtcTime | None = Field(description="set once removed: they find nothing since")


class BuyerListed(BuyerPublic):
    purchases: int = Field(0, description="the business's purchases this buyer made")


class EntitlementPublic(Answer):
    model_config = ConfigDict(json_schema_extra=examples(*story.ENTITLEMENT_PUBLIC))

    id: str = Field(description="the entitlement's id in the program file")
    name: str = Field(description="the entitlement's name in the program")
    quantity: int | None = Field(description="uses per period; null: unlimited")
    per: str = Field(description="month, quarter or year (UTC calendar periods)")
    period_start: UtcTime = Field(description="the current period's start (UTC)")
    period_end: UtcTime = Field(description="the next period's start")
    used: int = Field(description="uses recorded in this period")
    left: int | None = Field(description="uses left in this period; null: unlimited")


class BusinessDetail(BusinessPublic):
    model_config = ConfigDict(json_schema_extra=examples(*story.BUSINESS_DETAIL))

    tier: str = Field(description="the business's tier: it decides the entitlements")
    buyers: list[BuyerListed] = Field(description="the active buyers, then the removed")
    entitlements: list[EntitlementPublic] = Field(description="those of its tier, with use")


class EntitlementUseCreate(_In):
    model_config = ConfigDict(json_schema_extra=examples(*story.ENTITLEMENT_USE_CREATE))

    note: Note | None = Field(None, description="what happened: the visit, the call")


class EntitlementUsePublic(Answer):
    model_config = ConfigDict(json_schema_extra=examples(*story.ENTITLEMENT_USED))

    id: int = Field(description="the use's id")
    member_id: int = Field(description="the business")
    entitlement: str = Field(description="the entitlement's id")
    used_at: UtcTime = Field(description="when it was recorded")
    actor: str = Field(description="who recorded it")
    note: str | None = Field(description="the note given, if any")
    left: int | None = Field(None, description="uses left in this period after this one")
