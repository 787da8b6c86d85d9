"""The campaigns' rules without a store (domain/campaigns.py): the variants' split within
its binomial tolerance, the holdout draw (the experiments'), the schedule, the send rate,
the keys, the cost, the audience and offer documents and their refusals."""

from __future__ import annotations

import hashlib
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from patron.analytics.rfm import SEGMENTS
from patron.domain.campaigns import (
    SEGMENT_NAMES,
    Campaign,
    Cost,
    Schedule,
    Status,
    attribution_window,
    binomial_bound,
    message_key,
    next_run,
    parse_audience,
    parse_offer,
    parse_variants,
    send_times,
    variant_of,
)
from patron.domain.errors import InvalidInput
from patron.domain.experiments import Arm, holdout_arm

T0 = datetime(2026, 3, 1, 9)


def campaign(**kw: object) -> Campaign:
    given: dict[str, object] = {
        "id": 7, "name": "c", "channel": "email", "audience": parse_audience({}),
        "variants": parse_variants(None), "holdout_share": Decimal("0.1"), "salt": "s",
        "schedule": Schedule(), "offer": None, "attribution_days": 14,
        "status": Status.SCHEDULED, "next_run_at": T0, "runs": 0, "first_run_at": None,
        "last_run_at": None, "created_at": T0, "created_by": "cli:test",
    }  # fmt: skip
    given.update(kw)
    return Campaign(**given)  # type: ignore[arg-type]


def test_the_segments_are_the_analytics_own() -> None:
    assert SEGMENT_NAMES == SEGMENTS


def test_the_ab_split_is_within_its_binomial_tolerance() -> None:
    variants = parse_variants([{"name": "A", "share": "0.5"}, {"name": "B", "share": "0.3"},
                               {"name": "C", "share": "0.2"}])  # fmt: skip
    n = 10_000
    found = {"A": 0, "B": 0, "C": 0}
    for member_id in range(1, n + 1):
        found[variant_of("spring", variants, member_id)] += 1
    # by hand: z = 3.8906 (two-sided 1e-4); sqrt(n p (1 - p)) = 50, 45.83, 40
    assert abs(found["A"] - 5000) <= 3.8906 * 50  # 194.5
    assert abs(found["B"] - 3000) <= 3.8906 * 45.83  # 178.3
    assert abs(found["C"] - 2000) <= 3.8906 * 40  # 155.6
    assert binomial_bound(n, 0.5) == pytest.approx(194.53, abs=0.01)
    # stable: the same member, the same variant
    assert all(variant_of("spring", variants, m) == variant_of("spring", variants, m)
               for m in range(1, 100))  # fmt: skip


def test_the_variant_is_drawn_apart_from_the_holdout() -> None:
    """Among the held-out members, the variants they would have had split as among all:
    the two draws are independent (different hashes)."""
    variants = parse_variants({"A": "0.5", "B": "0.5"})
    held = [m for m in range(1, 20_001) if holdout_arm("s", m, Decimal("0.5")) is Arm.CONTROL]
    a = sum(1 for m in held if variant_of("s", variants, m) == "A")
    assert abs(a - len(held) / 2) <= binomial_bound(len(held), 0.5)


def test_the_holdout_draw_is_the_experiments_sha256() -> None:
    for m in range(1, 50):
        digest = hashlib.sha256(f"spring:{m}".encode()).digest()
        by_hand = int.from_bytes(digest[:8], "big") / 2**64 < 0.1
        assert (holdout_arm("spring", m, Decimal("0.1")) is Arm.CONTROL) == by_hand


def test_keys_rates_and_the_next_run() -> None:
    assert message_key(12, 3, 42) == "campaign:12:run:3:member:42"
    assert send_times(T0, 3, None) == [T0] * 3
    assert send_times(T0, 3, 7200) == [T0, T0 + timedelta(seconds=0.5), T0 + timedelta(seconds=1)]
    assert next_run(campaign(), T0) is None  # a one-off
    weekly = campaign(schedule=Schedule(every_days=7, ends_at=T0 + timedelta(days=15)))
    assert next_run(weekly, T0) == T0 + timedelta(days=7)
    # run late (3 days after it was due): the next from the schedule, not from the run
    assert next_run(weekly, T0 + timedelta(days=3)) == T0 + timedelta(days=7)
    assert next_run(weekly, T0 + timedelta(days=8)) == T0 + timedelta(days=14)
    # past the end: none
    assert next_run(weekly, T0 + timedelta(days=15)) is None


def test_the_attribution_window_and_the_cost() -> None:
    assert attribution_window(campaign(), T0) is None
    ran = campaign(first_run_at=T0, last_run_at=T0 + timedelta(days=7))
    assert attribution_window(ran, T0 + timedelta(days=30)) == (T0, T0 + timedelta(days=21))
    assert attribution_window(ran, T0 + timedelta(days=10)) == (T0, T0 + timedelta(days=10))
    cost = Cost(1000, Decimal("0.002"), 5000, Decimal("0.01"), "EUR")
    assert (cost.messages_cost, cost.offer_cost, cost.total) == (
        Decimal("2.000"), Decimal("50.00"), Decimal("52.000"),
    )  # fmt: skip


def test_the_offer_is_a_promotion_of_the_day() -> None:
    offer = parse_offer({"bonus": 200, "valid_days": 30, "days": 10})
    assert offer is not None
    promotion = offer.promotion(7, date(2026, 3, 2), date(2026, 3, 2))
    assert (promotion.name, promotion.bonus, promotion.valid_days) == ("campaign 7", 200, 30)
    assert parse_offer(None) is None and parse_offer({}) is None


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"abc": ["D"]}, "A, B and C"),
        ({"p_alive_below": "1.5"}, "probability"),
        ({"min_days_since_purchase": 30, "max_days_since_purchase": 10}, "must not be below"),
        ({"min_days_since_purchase": "x"}, "whole number"),
        ({"tiers": "x" * 101}, "too long"),
        ({"consent": 3}, "true or false"),
    ],
)
def test_a_bad_audience_is_refused(given: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        parse_audience(given)


def test_an_audience_reads_back_as_written() -> None:
    given = {
        "segments": ["at risk"], "abc": ["a"], "p_alive_below": 0.3, "clv_above": "100",
        "tiers": "Gold, Silver", "max_days_since_purchase": 90, "consent": "false",
    }  # fmt: skip
    audience = parse_audience(given)
    assert audience.abc == ("A",) and audience.tiers == ("Gold", "Silver")
    assert audience.needs_models and not audience.consent
    assert parse_audience(audience.as_dict()) == audience


def test_the_save_time_check_renders_as_the_worker_does() -> None:
    """Saving (services/campaigns.py) and sending (engage/render.py) use one sandbox
    (domain/template_sandbox.py): both accept and refuse the same templates with the
    sample fields, the bounds of `*` and `**` included."""
    from patron.domain.template_sandbox import environment
    from patron.engage.render import RenderFailed, Template, render
    from patron.services.campaigns import SAMPLE_FIELDS

    for source, renders in [
        ("{{ member.first_name }} {{ expiring.points }}", True),
        ("{{ member.nosuchfield }}", False),
        ("{{ nosuchname }}", False),
        ("{{ ''.__class__.__mro__ }}", False),
        ("{{ 'x' * 300000000 }}", False),
        ("{{ 10 ** 1000000 }}", False),
        ("{{ 'x' * 3 }} {{ 2 ** 10 }}", True),
    ]:
        for html in (False, True):
            template = Template("s", "t", source) if html else Template("s", source, None)
            try:
                render("x", template, SAMPLE_FIELDS)
                worker = True
            except RenderFailed:
                worker = False
            try:
                environment(html=html).from_string(source).render(SAMPLE_FIELDS)
                mine = True
            except Exception:  # noqa: BLE001
                mine = False
            assert (worker, mine) == (renders, renders), (source, html)
