"""A/B/C classification of customers on weighted criteria the business chooses.

Each criterion is turned into a percent rank in [0, 1] (higher is better) among the
customers with data for it (those without get 0.5), the ranks are combined with the
configured weights, and customers are ranked by that score: the top `A` share is class A,
the next `B` share class B, the rest C. The criteria:

    volume          total spend
    growth          spend in the last `growth_months` months minus the months before them
    payment_speed   minus the average days to pay an invoice (purchase day to payment
                    day; only invoiced, paid purchases count)
    profitability   margin (amount − cost where cost is known)
    loyalty         months with at least one purchase

The configuration is a TOML file (see examples/abc.toml):

    [weights]
    volume = 0.4
    profitability = 0.3
    [classes]
    A = 0.2
    B = 0.3
"""

from __future__ import annotations

import tomllib
from datetime import datetime
from pathlib import Path
from typing import Annotated, Self

import ibis
import ibis.expr.types as ir
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from patron.analytics.frames import Source
from patron.analytics.summary import last_purchase
from patron.domain.errors import InvalidInput
from patron.domain.lots import add_months

Weight = Annotated[float, Field(ge=0)]
Share = Annotated[float, Field(gt=0, lt=1)]


class Weights(BaseModel):
    model_config = ConfigDict(extra="forbid")
    volume: Weight = 1.0
    growth: Weight = 0.0
    payment_speed: Weight = 0.0
    profitability: Weight = 0.0
    loyalty: Weight = 0.0


class Classes(BaseModel):
    model_config = ConfigDict(extra="forbid")
    A: Share = 0.2
    B: Share = 0.3

    @model_validator(mode="after")
    def _fits(self) -> Self:
        if self.A + self.B >= 1:
            raise ValueError("A + B must leave room for class C (sum below 1)")
        return self


class AbcConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    weights: Weights = Weights()
    classes: Classes = Classes()
    growth_months: Annotated[int, Field(ge=1, le=60)] = 6

    @model_validator(mode="after")
    def _some_weight(self) -> Self:
        if sum(self.weights.model_dump().values()) <= 0:
            raise ValueError("at least one weight must be positive")
        return self


def load_config(path: Path) -> AbcConfig:
    try:
        return AbcConfig.model_validate(tomllib.loads(path.read_text()))
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInput(f"{path}: not valid TOML: {exc}") from exc
    except ValidationError as exc:
        detail = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise InvalidInput(f"{path}: {detail}") from exc


def _rank(value: ir.Value) -> ir.Value:
    # ranked among the customers who have the figure: those without it must not take
    # places, or the best payer of 5 invoiced customers among 9 would score 0.5, no better
    # than a customer never invoiced (and engines sort nulls first, SQLite, or last,
    # DuckDB and PostgreSQL, so the scores would differ by engine)
    ranked = ibis.percent_rank().over(group_by=value.isnull(), order_by=value)
    return ibis.cases((value.isnull(), 0.5), else_=ranked)


def abc_classes(
    source: Source, config: AbcConfig | None = None, as_of: datetime | None = None
) -> ir.Table:
    config = config or AbcConfig()
    end = as_of or last_purchase(source)
    split = add_months(end, -config.growth_months)
    before = add_months(split, -config.growth_months)
    p = source.purchases
    month = p.occurred_at.year() * 12 + p.occurred_at.month()
    known = p.cost.notnull()
    day = p.occurred_at.date()  # days compare alike in every engine (SQLite: text)
    recent = (day > split.date()) & (day <= end.date())
    earlier = (day > before.date()) & (day <= split.date())
    criteria = (
        p.filter(day <= end.date())
        .group_by("customer_id")
        .aggregate(
            volume=p.amount.sum(),
            growth=p.amount.sum(where=recent).fill_null(0)
            - p.amount.sum(where=earlier).fill_null(0),
            payment_speed=-p.days_to_pay.mean(),
            profitability=(p.amount - p.cost).sum(where=known),
            loyalty=month.nunique(),
        )
    )
    weights = config.weights.model_dump()
    total = sum(weights.values())
    score = sum(
        (_rank(criteria[name]) * (w / total) for name, w in weights.items() if w), ibis.literal(0.0)
    )
    scored = criteria.mutate(score=score)
    n = scored.count().as_scalar()
    order = [ibis.desc("score"), "customer_id"]
    scored = scored.mutate(
        position=(ibis.row_number().over(order_by=order) + 1).cast("float64") / n
    )
    a, b = config.classes.A, config.classes.B
    return scored.mutate(
        abc=ibis.cases((scored.position <= a, "A"), (scored.position <= a + b, "B"), else_="C")
    ).order_by(order)
