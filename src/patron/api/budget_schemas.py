"""Request and response bodies of the budget's paths (api/routes/money.py), with the
examples the OpenAPI document shows."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from patron.api.schemas import Amount, Currency, Note, UtcTime, examples
from patron.domain.budget import BudgetCategory

MONTH = Field(pattern=r"^\d{4}-\d{2}$", description="YYYY-MM")

PLAN_SET: dict[str, Any] = {
    "month": "2026-01",
    "category": "communication",
    "amount": "800.00",
    "currency": "EUR",
    "note": "newsletter and SMS",
}
PLAN_PUBLIC: dict[str, Any] = {
    **PLAN_SET,
    "set_at": "2026-01-03T09:00:00Z",
    "set_by": "apikey:alice",
}
SPEND_CREATE: dict[str, Any] = {
    "month": "2026-01",
    "category": "logistics",
    "amount": "240.00",
    "currency": "EUR",
    "note": "400 member cards",
}
SPEND_PUBLIC: dict[str, Any] = {
    "id": 1,
    **SPEND_CREATE,
    "recorded_at": "2026-01-20T09:00:00Z",
    "recorded_by": "apikey:alice",
}


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PlanSet(_In):
    model_config = ConfigDict(extra="forbid", json_schema_extra=examples(PLAN_SET))

    month: str = MONTH
    category: BudgetCategory = Field(description="what the line is for (docs/budget.md)")
    amount: Amount = Field(description="the amount planned, in cents")
    currency: Currency = Field(description="the program's currency")
    note: Note | None = Field(None, description="what the plan covers (1 to 500 characters)")


class PlanPublic(BaseModel):
    model_config = ConfigDict(json_schema_extra=examples(PLAN_PUBLIC))

    month: str = Field(description="YYYY-MM")
    category: BudgetCategory = Field(description="what the line is for")
    amount: Decimal = Field(description="the amount planned, in cents")
    currency: str = Field(description="the program's currency (ISO 4217)")
    note: str | None = Field(description="what the plan covers")
    set_at: UtcTime = Field(description="when it was set (last)")
    set_by: str = Field(description="the actor: apikey:<name>, user:<email> or cli:<user>")


class BudgetSpendCreate(_In):
    model_config = ConfigDict(extra="forbid", json_schema_extra=examples(SPEND_CREATE))

    month: str = MONTH
    category: BudgetCategory = Field(
        description="a category whose actual is entered (not rewards nor points_liability,"
        " which Patron computes)"
    )
    amount: Amount = Field(description="what was spent, in cents")
    currency: Currency = Field(description="the program's currency")
    note: Note | None = Field(None, description="what was bought (1 to 500 characters)")


class BudgetSpendPublic(BaseModel):
    model_config = ConfigDict(json_schema_extra=examples(SPEND_PUBLIC))

    id: int = Field(description="the entry's id")
    month: str = Field(description="YYYY-MM")
    category: BudgetCategory = Field(description="what was spent on")
    amount: Decimal = Field(description="what was spent, in cents")
    currency: str = Field(description="the program's currency (ISO 4217)")
    note: str | None = Field(description="what was bought")
    recorded_at: UtcTime = Field(description="when it was recorded")
    recorded_by: str = Field(description="the actor: apikey:<name>, user:<email> or cli:<user>")


class PlansPublic(BaseModel):
    model_config = ConfigDict(json_schema_extra=examples({"data": [PLAN_PUBLIC], "count": 1}))

    data: list[PlanPublic] = Field(description="the plan lines, by month and category")
    count: int = Field(description="how many")


class BudgetSpendsPublic(BaseModel):
    model_config = ConfigDict(json_schema_extra=examples({"data": [SPEND_PUBLIC], "count": 1}))

    data: list[BudgetSpendPublic] = Field(description="the entries, by month and category")
    count: int = Field(description="how many")
