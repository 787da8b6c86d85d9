"""Campaigns (services/campaigns.py) on SQLite and PostgreSQL: the audience's count equal
to one computed by hand on a small fixture, the holdout drawn from the salt, stored and
stable across runs, the A/B variants, the offer applied by the earn to treated members
in their window only, bad input refused with nothing written.

Elsewhere: the rules without a store (tests/unit/test_campaigns.py); the results'
statistics (tests/integration/test_campaign_results.py).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select, update

from patron.bootstrap import Patron
from patron.domain.campaigns import parse_audience
from patron.domain.consent import ConsentSource
from patron.domain.earning import Line
from patron.domain.errors import CampaignExists, CampaignStarted, InvalidInput, NotFound
from patron.domain.experiments import Arm
from patron.services.campaigns import (
    CampaignSpec,
    CreateCampaign,
    EditCampaign,
    LaunchCampaign,
    RunCampaign,
    SaveContent,
    audience_members,
    campaign_inputs,
    create_campaign,
    draw_run,
    edit_campaign,
    find_campaign,
    launch_campaign,
    preview_campaign,
    run_campaign,
    save_content,
    show_campaign,
)
from patron.services.commands import MemberRef, RecordPurchase
from patron.services.consents import record_consent
from patron.services.earn import record_purchase
from patron.store import tables as t
from tests.conftest import Clock, use_program
from tests.integration.helpers import member
from tests.unit.test_template_sandbox import NESTED
from tests.usecases.test_experiments import expected_arm

pytestmark = pytest.mark.usefixtures("verified")

PROGRAM = """
name = "Campaigns"
currency = "EUR"

[earning]
points_per_unit = 1
rounding = "down"
pending_days = 0

[[clubs]]
id = "wine"
name = "Wine club"
join = "invitation"
"""
SALT = "campaign-salt"


@pytest.fixture(autouse=True)
def program(patron: Patron) -> None:
    use_program(patron, PROGRAM)


def buy(patron: Patron, mid: int, order: str, at: datetime, category: str | None = None) -> int:
    line = Line("A", category, 1, Decimal("50.00"))
    found = patron.run(
        record_purchase, RecordPurchase(MemberRef(id=mid), order, at, "EUR", (line,))
    )
    return found.points_earned


def consent(patron: Patron, mid: int, granted: bool = True, purpose: str = "marketing") -> None:
    with patron.uow() as uow:
        record_consent(uow, mid, granted, ConsentSource.CONSOLE, "cli:test", purpose)
        uow.commit()


def spec(**kw: object) -> CampaignSpec:
    given: dict[str, object] = {"name": "spring", "salt": SALT, "holdout_share": "0.5"}
    given.update(kw)
    return CampaignSpec(**given)  # type: ignore[arg-type]


def create(patron: Patron, **kw: object) -> int:
    """A campaign with content in each variant (a launch refuses a variant without)."""
    campaign = patron.run(create_campaign, CreateCampaign(spec(**kw), "cli:test")).campaign
    content = {v.name: {"subject": f"Hi {v.name}", "text": "Spring"} for v in campaign.variants}
    patron.run(save_content, SaveContent(str(campaign.id), content, "cli:test"))
    return campaign.id


def test_the_audience_count_equals_the_one_by_hand(patron: Patron, clock: Clock) -> None:
    now = clock()
    ids = [member(patron, f"c-{i}", enrolled_at=now - timedelta(days=400)) for i in range(12)]
    # member i: tier Gold when i is even; bought shoes when i % 3 == 0 (days ago: 10 * i),
    # else bags; wine club member when i < 6; consent granted unless i in (4, 8),
    # declined for 8, never recorded for 4; 11 never bought anything
    with patron.engine.begin() as conn:
        gold = [m for i, m in enumerate(ids) if i % 2 == 0]
        conn.execute(update(t.members).where(t.members.c.id.in_(gold)).values(tier="Gold"))
    for i, mid in enumerate(ids):
        if i != 11:
            at = now - timedelta(days=10 * i)
            buy(patron, mid, f"o-{i}", at, "shoes" if i % 3 == 0 else "bags")
        if i != 4:
            consent(patron, mid, granted=i != 8)
    with patron.uow() as uow:
        for mid in ids[:6]:
            uow.clubs.set_standing("wine", mid, _member_standing(), now)
        uow.commit()

    def count(**given: object) -> set[int]:
        audience = parse_audience(given)
        with patron.uow(readonly=True) as uow:
            return {c.id for c in audience_members(uow, audience, "email", None)}

    by_index = {mid: i for i, mid in enumerate(ids)}

    def indices(found: set[int]) -> set[int]:
        return {by_index[m] for m in found}

    # consent only: everyone but 4 (never asked) and 8 (declined)
    assert indices(count()) == set(range(12)) - {4, 8}
    assert indices(count(consent=False)) == set(range(12))
    # Gold and consent: even, minus 4 and 8
    assert indices(count(tiers=["Gold"])) == {0, 2, 6, 10}
    # shoes buyers (i % 3 == 0, 11 bought nothing): 0, 3, 6, 9
    assert indices(count(categories=["shoes"])) == {0, 3, 6, 9}
    # last purchase 30 days ago or more (10 i >= 30): 3, 5, 6, 7, 9, 10 (4, 8 no consent;
    # 11 never bought); at most 50 days ago: 0..5 minus 4
    assert indices(count(min_days_since_purchase=30)) == {3, 5, 6, 7, 9, 10}
    assert indices(count(max_days_since_purchase=50)) == {0, 1, 2, 3, 5}
    # the wine club (0..5) among Gold shoe buyers with consent: 0 (6 is not in the club)
    assert indices(count(clubs=["wine"], tiers=["Gold"], categories=["shoes"])) == {0}
    # SMS needs its own consent: nobody gave it
    audience = parse_audience({})
    with patron.uow(readonly=True) as uow:
        assert audience_members(uow, audience, "sms", None) == []


def _member_standing():  # type: ignore[no-untyped-def]
    from patron.domain.clubs import Standing

    return Standing.MEMBER


def test_the_preview_splits_as_drawn_and_the_arms_are_stored_once(
    patron: Patron, clock: Clock
) -> None:
    ids = [member(patron, f"c-{i}") for i in range(40)]
    for mid in ids:
        consent(patron, mid)
    variants = [{"name": "A", "share": "0.5"}, {"name": "B", "share": "0.5"}]
    cid = create(patron, variants=variants)
    found = patron.read(preview_campaign, str(cid), None, 5)
    control = {m for m in ids if expected_arm(SALT, m, 0.5) is Arm.CONTROL}
    assert (found.audience, found.holdout, found.treated) == (40, len(control), 40 - len(control))
    assert sum(found.variants.values()) == found.treated
    assert [row["member_id"] for row in found.sample] == ids[:5]
    with patron.uow() as uow:
        campaign = find_campaign(uow, "spring")
        first = draw_run(uow, campaign, 1, None)
        uow.commit()
    assert set(first.holdout) == control
    # a second run, with members gone from the audience and a new one: the stored arms
    # are kept, the new member drawn; nobody is drawn twice
    late = member(patron, "late")
    consent(patron, late)
    consent(patron, ids[0], granted=False)
    with patron.uow() as uow:
        second = draw_run(uow, find_campaign(uow, "spring"), 2, None)
        uow.commit()
    assert set(second.holdout) == (control - {ids[0]}) | (
        {late} if expected_arm(SALT, late, 0.5) is Arm.CONTROL else set()
    )
    assert {m for m, _ in first.treated} - {ids[0]} <= {m for m, _ in second.treated}
    assert dict(first.treated).items() - {(ids[0], dict(first.treated).get(ids[0]))} <= set(
        second.treated
    )
    with patron.engine.connect() as conn:
        stored = conn.execute(select(func.count()).select_from(t.campaign_members)).scalar_one()
    assert stored == 41
    facts = patron.read(show_campaign, "spring")
    assert facts.members[Arm.CONTROL] + facts.members[Arm.TREATMENT] == 41


def test_the_offer_is_earned_by_treated_members_in_their_window_only(
    patron: Patron, clock: Clock
) -> None:
    ids = [member(patron, f"c-{i}") for i in range(8)]
    offer = {"multiplier": "2", "categories": ["shoes"], "days": 7}
    cid = create(patron, offer=offer, audience={"consent": False})
    with patron.uow() as uow:
        drawn = draw_run(uow, find_campaign(uow, str(cid)), 1, None)
        # every member of the run is handed the window; only the treated get it
        uow.campaigns.give_offer(cid, ids, uow.now, uow.now + timedelta(days=7))
        uow.commit()
    treated = [m for m, _ in drawn.treated]
    held = drawn.holdout
    assert treated and held
    now = clock()
    # 50.00 EUR of shoes: 50 points, 100 with the offer (x2)
    assert buy(patron, treated[0], "t-shoes", now + timedelta(days=1), "shoes") == 100
    assert buy(patron, treated[0], "t-bags", now + timedelta(days=1), "bags") == 50
    assert buy(patron, held[0], "h-shoes", now + timedelta(days=1), "shoes") == 50
    # after the window: no offer
    clock.advance(days=8)
    assert buy(patron, treated[0], "t-late", now + timedelta(days=8), "shoes") == 50
    with patron.uow(readonly=True) as uow:
        assert uow.campaigns.offer_uses(cid) == (1, 50)


def test_bad_input_is_refused_and_nothing_is_written(patron: Patron) -> None:
    cases = [
        ({"name": "bad name"}, "name"),
        ({"channel": "fax"}, "channel"),
        ({"holdout_share": "1"}, "holdout_share"),
        ({"audience": {"segments": ["winners"]}}, "segments"),
        ({"audience": {"colour": "red"}}, "unknown field"),
        ({"variants": [{"name": "A", "share": "0.6"}]}, "add up to 1"),
        ({"offer": {"bonus": 10, "multiplier": 2}}, "exactly one"),
        ({"offer": {"multiplier": 2, "valid_days": 3}}, "valid_days"),
        ({"ends_at": datetime(2030, 1, 1)}, "every_days"),
    ]
    for given, message in cases:
        with pytest.raises(InvalidInput, match=message):
            create(patron, **given)
    with patron.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(t.campaigns)).scalar_one() == 0
    create(patron)
    with pytest.raises(CampaignExists):
        create(patron)
    with pytest.raises(NotFound):
        patron.read(show_campaign, "nothing")


def test_a_campaign_is_edited_until_its_first_run(patron: Patron, clock: Clock) -> None:
    cid = create(patron)
    changed = patron.run(
        edit_campaign, EditCampaign(str(cid), spec(holdout_share="0.2"), "cli:test")
    )
    assert changed.campaign.holdout_share == Decimal("0.2")
    launched = patron.run(launch_campaign, LaunchCampaign("spring", "cli:test"))
    assert launched.campaign.next_run_at == clock()
    with pytest.raises(CampaignStarted):
        patron.run(launch_campaign, LaunchCampaign("spring", "cli:test"))


def _messages(patron: Patron) -> list[tuple[int, str, str, str | None, datetime]]:
    m = t.messages
    query = select(m.c.member_id, m.c.key, m.c.status, m.c.variant, m.c.not_before).order_by(m.c.id)
    with patron.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(query)]  # type: ignore[misc]


def test_a_run_queues_the_treated_only_and_the_holdout_stays_untouched(
    patron: Patron, clock: Clock
) -> None:
    ids = [member(patron, f"c-{i}", email=f"c{i}@example.com") for i in range(30)]
    for mid in ids[:-3]:
        consent(patron, mid)  # the last three never said yes: refused by the core's gate
    content = {"A": {"subject": "Hello {{ member.first_name }}", "text": "Spring is here"}}
    offer = {"bonus": 100, "days": 10}
    # the audience counts everyone (consent = false): the core refuses whom it may not reach
    cid = patron.run(
        create_campaign,
        CreateCampaign(
            spec(audience={"consent": False}, offer=offer, every_days=7, per_hour=3600),
            "cli:test",
            content,
        ),
    ).campaign.id
    patron.run(launch_campaign, LaunchCampaign(str(cid), "cli:test"))
    first = patron.run(run_campaign, RunCampaign(str(cid), "cli:test"))
    control = {m for m in ids if expected_arm(SALT, m, 0.5) is Arm.CONTROL}
    treated = [m for m in ids if m not in control]
    unreachable = set(ids[-3:]) - control
    assert (first.run, first.audience, first.holdout) == (1, 30, len(control))
    assert (first.queued, first.refused) == (len(treated) - len(unreachable), len(unreachable))
    sent = _messages(patron)
    # one message per treated member, none for the holdout, keyed by run and member, each
    # a second after the one before (3600 an hour)
    assert [r[0] for r in sent] == treated
    assert [r[1] for r in sent] == [f"campaign:{cid}:run:1:member:{m}" for m in treated]
    assert {r[2] for r in sent if r[0] in unreachable} <= {"refused"}
    start = clock()
    assert [r[4] for r in sent] == [start + timedelta(seconds=i) for i in range(len(treated))]
    # not due again before 7 days; then run 2 with its own keys, the arms as stored
    with pytest.raises(CampaignStarted, match="not due"):
        patron.run(run_campaign, RunCampaign(str(cid), "cli:test"))
    clock.advance(days=7)
    assert [name for name, _ in patron.run_due_campaigns("cli:test")] == ["spring"]
    second = [r for r in _messages(patron) if ":run:2:" in r[1]]
    assert [r[0] for r in second] == treated
    # the offer: 100 points for a reached treated member, nothing for the holdout or for one
    # the core refused
    reached = next(m for m in treated if m not in unreachable)
    assert buy(patron, reached, "t-1", clock(), "shoes") == 150
    assert buy(patron, next(iter(control)), "h-1", clock(), "shoes") == 50
    if unreachable:
        assert buy(patron, next(iter(unreachable)), "u-1", clock(), "shoes") == 50
    with patron.uow(readonly=True) as uow:
        assert uow.campaigns.offer_uses(cid) == (1, 100)
        assert uow.message_templates.get(f"campaign/{cid}/A", "en") is not None


def test_content_that_does_not_parse_is_refused_with_the_campaign(patron: Patron) -> None:
    bad = {"A": {"subject": "Hi {{ member.name", "text": "x"}}
    with pytest.raises(InvalidInput, match="content.A.subject"):
        patron.run(create_campaign, CreateCampaign(spec(), "cli:test", bad))
    with pytest.raises(InvalidInput, match="no such variant"):
        patron.run(create_campaign, CreateCampaign(spec(), "cli:test", {"B": {}}))
    with patron.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(t.campaigns)).scalar_one() == 0


def test_the_messages_sent_feed_the_budgets_communication_actuals(
    patron: Patron, clock: Clock
) -> None:
    from patron.analytics.budget import budget_report
    from patron.domain.budget import BudgetCategory

    use_program(patron, PROGRAM + '\n[messages]\nunit_cost = { email = "0.25", sms = "0.05" }\n')
    ids = [member(patron, f"c-{i}", email=f"c{i}@example.com") for i in range(10)]
    for mid in ids:
        consent(patron, mid)
    cid = create(patron, holdout_share="0")
    patron.run(launch_campaign, LaunchCampaign(str(cid), "cli:test"))
    patron.run(run_campaign, RunCampaign(str(cid), "cli:test"))
    # the worker sent 7 of the 10 this month, 2 next month; one is still queued
    now = clock()
    with patron.engine.begin() as conn:
        rows = [r[0] for r in conn.execute(select(t.messages.c.id).order_by(t.messages.c.id))]
        for i, message_id in enumerate(rows[:9]):
            at = now if i < 7 else now + timedelta(days=40)
            conn.execute(
                update(t.messages)
                .where(t.messages.c.id == message_id)
                .values(status="sent", sent_at=at)
            )
    month = now.date().replace(day=1)
    following = (month + timedelta(days=62)).replace(day=1)
    with patron.uow(readonly=True) as uow:
        report = budget_report(uow, month, following)
    communication = {r.month: r for r in report.rows if r.category is BudgetCategory.COMMUNICATION}
    # by hand: 7 x 0.25 = 1.75 this month; 2 x 0.25 = 0.50 forty days on
    first = communication[month]
    assert first.sources["campaign_messages"] == Decimal("1.75")
    assert first.actual == Decimal("1.75")
    later = [r for m, r in communication.items() if m != month]
    assert sum(r.sources["campaign_messages"] for r in later) == Decimal("0.50")


VOUCHER_PROGRAM = (
    PROGRAM
    + """
[[rewards]]
id = "ten-off"
name = "10 EUR voucher"
kind = "discount"
points = 1000
cost = 10.00
value = 10.00

[[rewards]]
id = "mug"
name = "A mug"
kind = "gift"
points = 300
cost = 3.00
"""
)


def test_a_voucher_offer_is_given_to_the_reached_treated_with_their_message(
    patron: Patron, clock: Clock
) -> None:
    from patron.services.fulfil import UseVoucher, member_vouchers, use

    use_program(patron, VOUCHER_PROGRAM)
    ids = [member(patron, f"c-{i}", email=f"c{i}@example.com") for i in range(12)]
    for mid in ids:
        consent(patron, mid)
    with pytest.raises(InvalidInput, match="not a discount reward"):
        create(patron, offer={"voucher": "mug"})
    cid = create(patron, offer={"voucher": "ten-off"})
    patron.run(launch_campaign, LaunchCampaign(str(cid), "cli:test"))
    patron.run(run_campaign, RunCampaign(str(cid), "cli:test"))
    control = {m for m in ids if expected_arm(SALT, m, 0.5) is Arm.CONTROL}
    given = {m: patron.read(member_vouchers, m) for m in ids}
    assert {m for m, found in given.items() if found} == set(ids) - control
    # a voucher offer is no points: a purchase earns as usual
    treated = next(m for m in ids if m not in control)
    assert buy(patron, treated, "t-1", clock(), "shoes") == 50
    code = given[treated][0].code
    patron.run(use, UseVoucher(code, "sale-1"))
    with patron.uow(readonly=True) as uow:
        # 12 - |control| vouchers given at 10.00 each; one used
        assert uow.campaigns.vouchers(cid) == (
            12 - len(control),
            1,
            Decimal("10.00") * (12 - len(control)),
        )
        inputs = campaign_inputs(uow, str(cid))
    assert inputs.offer_purchases == 1
    assert inputs.vouchers_cost == Decimal("10.00") * (12 - len(control))


class _NoWebhooks:
    def send(self, job: object) -> object:
        raise AssertionError("no webhook subscription: nothing to send")


def test_the_worker_runs_a_due_campaign_once_and_looks_again_after_its_interval(
    patron: Patron, clock: Clock
) -> None:
    from patron.worker import Worker, WorkerOptions

    # given a weekly campaign launched now for two consenting members, no holdout
    ids = [member(patron, f"w-{i}", email=f"w{i}@example.com") for i in range(2)]
    for mid in ids:
        consent(patron, mid)
    content = {"A": {"subject": "Hi", "text": "Spring is here"}}
    cid = patron.run(
        create_campaign,
        CreateCampaign(
            spec(audience={"consent": True}, holdout_share="0", every_days=7), "cli:test", content
        ),
    ).campaign.id
    patron.run(launch_campaign, LaunchCampaign(str(cid), "cli:test"))
    worker = Worker(patron, _NoWebhooks(), WorkerOptions(), single=True)  # type: ignore[arg-type]
    # when the worker passes now, 30 s later, and a week later
    worker.step()
    clock.advance(seconds=30)
    worker.step()
    first = [r[1] for r in _messages(patron)]
    clock.advance(days=7)
    worker.step()
    # then run 1 once for both, and run 2 a week on
    assert first == [f"campaign:{cid}:run:1:member:{m}" for m in ids]
    assert [r[1] for r in _messages(patron)][2:] == [
        f"campaign:{cid}:run:2:member:{m}" for m in ids
    ]
    assert worker.counts.campaign_runs == 2


def test_a_launch_needs_content_in_every_variant(patron: Patron) -> None:
    cid = patron.run(
        create_campaign,
        CreateCampaign(
            spec(variants={"A": "0.5", "B": "0.5"}), "cli:test",
            {"A": {"subject": "Hi", "text": "Spring"}},
        ),
    ).campaign.id  # fmt: skip
    with pytest.raises(InvalidInput, match="variant B has no content"):
        patron.run(launch_campaign, LaunchCampaign(str(cid), "cli:test"))
    assert patron.read(show_campaign, str(cid)).campaign.status.value == "draft"


def test_content_naming_an_unknown_field_is_refused_when_saved(patron: Patron) -> None:
    bad = {"A": {"subject": "Hi", "text": "{{ member.nosuchfield }}"}}
    with pytest.raises(InvalidInput, match=r"content\.A\.text: does not render"):
        patron.run(create_campaign, CreateCampaign(spec(), "cli:test", bad))
    assert patron.read(lambda uow: uow.campaigns.all()) == []
    for broken in ('{{ "%(a)s" % {} }}', '{{ "{0}".format() }}',
                   "{% macro f(n) %}{{ f(n) }}{% endmacro %}{{ f(1) }}"):  # fmt: skip
        with pytest.raises(InvalidInput, match=r"content\.A\.text: does not render"):
            patron.run(create_campaign, CreateCampaign(spec(), "cli:test", {"A": {
                "subject": "Hi", "text": broken}}))  # fmt: skip
    endless = {"A": {"subject": "Hi", "text": "x", "html": NESTED}}
    with pytest.raises(InvalidInput, match=r"content\.A\.html: .* renders for longer than 2 s"):
        patron.run(create_campaign, CreateCampaign(spec(), "cli:test", endless))
    assert patron.read(lambda uow: uow.campaigns.all()) == []
    good = {"A": {"subject": "{{ member.first_name }}", "text": "{{ expiring.points }}",
                  "html": "<a href='{{ unsubscribe_url }}'>{{ reward.name }}</a>"}}  # fmt: skip
    patron.run(create_campaign, CreateCampaign(spec(), "cli:test", good))


@pytest.mark.parametrize(
    ("given", "field"),
    [
        ({"audience": {"tiers": ["Platinum"]}}, "audience.tiers"),
        ({"audience": {"clubs": ["nosuch"]}}, "audience.clubs"),
        ({"name": "16"}, "name"),
    ],
)
def test_unknown_tiers_and_clubs_and_digit_names_are_refused(
    patron: Patron, given: dict[str, object], field: str
) -> None:
    with pytest.raises(InvalidInput, match=f"^{re.escape(field)}:"):
        create(patron, **given)
    assert patron.read(lambda uow: uow.campaigns.all()) == []
    cid = create(patron)
    with pytest.raises(InvalidInput, match=f"^{re.escape(field)}:"):
        patron.run(edit_campaign, EditCampaign(str(cid), spec(**given), "cli:test"))
    assert patron.read(show_campaign, str(cid)).campaign.name == "spring"


def test_a_recurring_campaign_ending_in_the_past_is_refused(patron: Patron, clock: Clock) -> None:
    now = clock()
    with pytest.raises(InvalidInput, match="^ends_at:"):
        create(patron, every_days=7, ends_at=now - timedelta(days=1))
    with pytest.raises(InvalidInput, match="^ends_at:"):
        create(patron, every_days=7, ends_at=now)
    assert patron.read(lambda uow: uow.campaigns.all()) == []
    create(patron, every_days=7, ends_at=now + timedelta(days=30))
