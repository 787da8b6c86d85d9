"""Campaigns: creating, editing, previewing, launching and running one; the offers an earn
applies (domain/campaigns.py has the rules).

The audience's analytics criteria (RFM segment, A/B/C class, P(alive), CLV) are picked
by the adapter before the use case runs, from the customer base the analytics hold (the
use cases cannot import the analytics, and no model is fitted inside a write
transaction): a command carries `picked`, the external ids they chose, or None when the
audience names no such criterion. The store's criteria are one query.

A run, one transaction: the audience now; each member's arm and variant, drawn from the
salt the first time they are in it and stored (`campaign_members`), kept after; the
treated members' messages handed to the message core (`services.messages.enqueue_many`:
consent, suppression and the frequency cap are its gate) with their keys
`campaign:<id>:run:<n>:member:<m>` and their `not_before` spread by the send rate; the
offer's window opened for the treated members the core did not refuse; the run recorded
and the next one scheduled (or the campaign done).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from patron.domain import limits
from patron.domain.audit import AuditAction
from patron.domain.campaigns import (
    Audience,
    Campaign,
    CampaignInputs,
    NewCampaign,
    Preview,
    Schedule,
    Status,
    arm_of,
    checked,
    message_key,
    next_run,
    offer_rule_name,
    parse_audience,
    parse_offer,
    parse_variants,
    send_times,
    variant_of,
)
from patron.domain.clock import to_utc_naive
from patron.domain.earning import Earning
from patron.domain.errors import CampaignExists, CampaignStarted, InvalidInput, NotFound
from patron.domain.experiments import Arm, holdout_arm
from patron.domain.message_fields import fields
from patron.domain.messages import CONSENT_PURPOSE, Channel, Kind, Outgoing
from patron.domain.program import Promotion, RewardKind
from patron.domain.template_sandbox import trial_render
from patron.services.bonuses import give_voucher
from patron.services.deliveries import unsubscribes
from patron.services.messages import counts, enqueue_many
from patron.services.program import current_program
from patron.store.campaigns import Assigned, Candidate, RunRecord
from patron.store.messages import StoredTemplate
from patron.store.uow import UnitOfWork

SAMPLE = 20


@dataclass(frozen=True)
class CampaignSpec:
    """A campaign as a document gives it (a TOML/JSON file, an API body, a form): the
    parts are parsed and checked by domain/campaigns.py."""

    name: str
    channel: str = "email"
    audience: Mapping[str, Any] | None = None
    variants: object = None
    holdout_share: Decimal | str | float = Decimal("0.1")
    offer: Mapping[str, Any] | None = None
    first_at: datetime | None = None
    every_days: int | None = None
    ends_at: datetime | None = None
    per_hour: int | None = None
    attribution_days: int = 14
    salt: str | None = None  # None: 16 random hex digits


@dataclass(frozen=True)
class CreateCampaign:
    spec: CampaignSpec
    actor: str
    content: Mapping[str, Any] | None = None  # the variants' templates (`SaveContent`)


@dataclass(frozen=True)
class EditCampaign:
    campaign: str  # the id or the name
    spec: CampaignSpec
    actor: str
    content: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class LaunchCampaign:
    campaign: str
    actor: str
    at: datetime | None = None  # None: the schedule's first time, else now


@dataclass(frozen=True)
class RunCampaign:
    campaign: str
    actor: str
    picked: frozenset[str] | None = None  # the analytics' choice (external ids)


@dataclass(frozen=True)
class CampaignFacts:
    campaign: Campaign
    members: dict[Arm, int]
    variants: dict[str, int]
    runs: list[RunRecord]


def _share(value: Decimal | str | float) -> Decimal:
    try:
        return Decimal(str(value).strip())
    except ArithmeticError:
        raise InvalidInput(f"holdout_share: {value!r} is not a number (write 0.1)") from None


def _new(spec: CampaignSpec, salt: str) -> NewCampaign:
    first = to_utc_naive(spec.first_at) if spec.first_at else None
    ends = to_utc_naive(spec.ends_at) if spec.ends_at else None
    return checked(
        NewCampaign(
            name=spec.name,
            channel=spec.channel,
            audience=parse_audience(spec.audience),
            variants=parse_variants(spec.variants),
            holdout_share=_share(spec.holdout_share),
            salt=salt,
            schedule=Schedule(first, spec.every_days, ends, spec.per_hour),
            offer=parse_offer(spec.offer),
            attribution_days=spec.attribution_days,
        )
    )


def _check_voucher(uow: UnitOfWork, new: NewCampaign) -> None:
    """A voucher offer names a discount reward of the program in force."""
    if new.offer is None or new.offer.voucher is None:
        return
    _, program = current_program(uow)
    reward = program.reward(new.offer.voucher)
    if reward is None or reward.kind is not RewardKind.DISCOUNT:
        discounts = sorted(r.id for r in program.rewards if r.kind is RewardKind.DISCOUNT)
        raise InvalidInput(
            f"offer.voucher: {new.offer.voucher!r} is not a discount reward of the program;"
            f" its discounts: {', '.join(discounts) or 'none'}"
        )


def _check_audience(uow: UnitOfWork, new: NewCampaign) -> None:
    """The audience's tiers and clubs are the program's in force (a tier or club it does
    not have would reach nobody, silently)."""
    audience = new.audience
    if not audience.tiers and not audience.clubs:
        return
    _, program = current_program(uow)
    tiers = [t.name for t in program.tiers.levels]
    for tier in audience.tiers:
        if tier not in tiers:
            raise InvalidInput(
                f"audience.tiers: {tier!r} is no tier of the program; its tiers: {', '.join(tiers)}"
            )
    clubs = [c.id for c in program.clubs]
    for club in audience.clubs:
        if club not in clubs:
            raise InvalidInput(
                f"audience.clubs: {club!r} is no club of the program;"
                f" its clubs: {', '.join(clubs) or 'none'}"
            )


def _check_schedule(uow: UnitOfWork, new: NewCampaign) -> None:
    """A recurring campaign's end comes after its first run, and after now (an end
    already past would make a campaign that runs once, or never, as a surprise)."""
    s = new.schedule
    if s.ends_at is not None and s.ends_at <= max(s.first_at or uow.now, uow.now):
        raise InvalidInput(
            f"ends_at: {s.ends_at.isoformat()} is past; it must come after the first run"
            " and after now"
        )


def _checked_new(uow: UnitOfWork, spec: CampaignSpec, salt: str) -> NewCampaign:
    new = _new(spec, salt)
    _check_schedule(uow, new)
    _check_audience(uow, new)
    _check_voucher(uow, new)
    return new


def create_campaign(uow: UnitOfWork, cmd: CreateCampaign) -> CampaignFacts:
    salt = cmd.spec.salt if cmd.spec.salt is not None else secrets.token_hex(8)
    new = _checked_new(uow, cmd.spec, salt)
    existing = uow.campaigns.by_name(new.name)
    if existing is not None:
        raise CampaignExists(
            f"a campaign named {new.name!r} exists already", campaign_id=existing.id
        )
    campaign = uow.campaigns.add(new, uow.now, cmd.actor)
    details = {"name": campaign.name, "channel": campaign.channel}
    uow.audit.record(uow.now, cmd.actor, AuditAction.CAMPAIGN_CREATED, None, None, details)
    if cmd.content:
        save_content(uow, SaveContent(str(campaign.id), cmd.content, cmd.actor))
    return facts(uow, campaign)


def edit_campaign(uow: UnitOfWork, cmd: EditCampaign) -> CampaignFacts:
    """Replace what the campaign is; refused after its first run (the arms and the offers
    given are fixed then)."""
    campaign = find_campaign(uow, cmd.campaign, lock=True)
    if not campaign.editable():
        raise CampaignStarted(
            f"campaign {campaign.name!r} has run {campaign.runs} time(s) or is"
            f" {campaign.status.value}; its audience, content and holdout are fixed"
            " (create a new campaign)",
            campaign_id=campaign.id,
        )
    new = _checked_new(uow, cmd.spec, cmd.spec.salt if cmd.spec.salt is not None else campaign.salt)
    other = uow.campaigns.by_name(new.name)
    if other is not None and other.id != campaign.id:
        raise CampaignExists(f"a campaign named {new.name!r} exists already", campaign_id=other.id)
    changed = replace(
        campaign,
        name=new.name,
        channel=new.channel,
        audience=new.audience,
        variants=new.variants,
        holdout_share=new.holdout_share,
        salt=new.salt,
        schedule=new.schedule,
        offer=new.offer,
        attribution_days=new.attribution_days,
    )
    if changed.status is Status.SCHEDULED and changed.schedule.first_at is not None:
        changed = replace(changed, next_run_at=changed.schedule.first_at)
    uow.campaigns.change(changed)
    details = {"name": changed.name}
    uow.audit.record(uow.now, cmd.actor, AuditAction.CAMPAIGN_CHANGED, None, None, details)
    if cmd.content:
        save_content(uow, SaveContent(str(changed.id), cmd.content, cmd.actor))
    return facts(uow, changed)


def find_campaign(uow: UnitOfWork, ref: str, *, lock: bool = False) -> Campaign:
    """A campaign by its id (digits) or its name, or NotFound."""
    text = ref.strip()
    found = None
    if text.isdigit() and len(text) < 19:
        found = uow.campaigns.by_id(int(text), lock=lock)
    if found is None:
        by_name = uow.campaigns.by_name(text)
        if by_name is not None and lock:
            by_name = uow.campaigns.by_id(by_name.id, lock=True)
        found = by_name
    if found is None:
        raise NotFound(f"no campaign {ref!r}; `patron campaigns list` shows them")
    return found


def facts(uow: UnitOfWork, campaign: Campaign) -> CampaignFacts:
    arms, variants = uow.campaigns.counts(campaign.id)
    return CampaignFacts(campaign, arms, variants, uow.campaigns.runs(campaign.id))


def show_campaign(uow: UnitOfWork, ref: str) -> CampaignFacts:
    return facts(uow, find_campaign(uow, ref))


def list_campaigns(uow: UnitOfWork) -> list[CampaignFacts]:
    return [facts(uow, c) for c in uow.campaigns.all()]


def consent_purpose(channel: str) -> str:
    """The consent purpose a channel's marketing needs (the message core's)."""
    return CONSENT_PURPOSE[Channel(channel)]


def audience_members(
    uow: UnitOfWork, audience: Audience, channel: str, picked: frozenset[str] | None
) -> list[Candidate]:
    """The members the audience holds now, by id: the store's criteria, then the
    analytics' pick."""
    if audience.needs_models and picked is None:
        raise InvalidInput(
            "audience: RFM segment, A/B/C class, P(alive) and CLV are picked by the analytics"
            " before the audience is read; none was given"
        )
    found = uow.campaigns.candidates(audience, consent_purpose(channel), uow.now)
    if picked is not None:
        found = [c for c in found if c.external_id in picked]
    return found


def preview_audience(
    uow: UnitOfWork,
    audience: Audience,
    channel: str,
    picked: frozenset[str] | None,
    *,
    salt: str,
    holdout_share: Decimal,
    variants: Sequence[Any],
    sample: int = SAMPLE,
) -> Preview:
    """The count a run would reach now, split into holdout and variants as drawn (or as
    stored for a campaign that ran), and a sample of the members (the first by id)."""
    members = audience_members(uow, audience, channel, picked)
    parsed = parse_variants([{"name": v.name, "share": v.share} for v in variants])
    holdout = 0
    by_variant = {v.name: 0 for v in parsed}
    shown: list[dict[str, Any]] = []
    for candidate in members:
        arm = (
            Arm.TREATMENT if holdout_share == 0 else holdout_arm(salt, candidate.id, holdout_share)
        )
        variant = None
        if arm is Arm.CONTROL:
            holdout += 1
        else:
            variant = variant_of(salt, parsed, candidate.id)
            by_variant[variant] += 1
        if len(shown) < sample:
            shown.append(
                {
                    "member_id": candidate.id,
                    "external_id": candidate.external_id,
                    "name": candidate.name,
                    "tier": candidate.tier,
                    "last_purchase_at": candidate.last_purchase_at,
                    "arm": arm.value,
                    "variant": variant,
                }
            )
    return Preview(len(members), holdout, len(members) - holdout, by_variant, shown)


def preview_campaign(
    uow: UnitOfWork, ref: str, picked: frozenset[str] | None, sample: int = SAMPLE
) -> Preview:
    campaign = find_campaign(uow, ref)
    return preview_audience(
        uow, campaign.audience, campaign.channel, picked, salt=campaign.salt,
        holdout_share=campaign.holdout_share, variants=campaign.variants, sample=sample,
    )  # fmt: skip


def launch_campaign(uow: UnitOfWork, cmd: LaunchCampaign) -> CampaignFacts:
    """Schedule the campaign's first run: at `at`, the schedule's first time, or now
    (`patron campaigns run-due` or the worker then runs it)."""
    campaign = find_campaign(uow, cmd.campaign, lock=True)
    if campaign.status is not Status.DRAFT:
        raise CampaignStarted(
            f"campaign {campaign.name!r} is {campaign.status.value}; only a draft is launched",
            campaign_id=campaign.id,
        )
    stored = {name for name, _locale in uow.message_templates.names(f"campaign/{campaign.id}/")}
    empty = [v.name for v in campaign.variants if campaign.template(v.name) not in stored]
    if empty:
        raise InvalidInput(
            f"campaign {campaign.name!r}: variant {empty[0]} has no content (subject and text);"
            " write it before the launch, or every message would fail"
        )
    at = to_utc_naive(cmd.at) if cmd.at else (campaign.schedule.first_at or uow.now)
    ends = campaign.schedule.ends_at
    if ends is not None and at >= ends:
        raise InvalidInput(
            f"ends_at: the campaign ends at {ends.isoformat()}, before its first run at"
            f" {at.isoformat()}"
        )
    launched = replace(campaign, status=Status.SCHEDULED, next_run_at=at)
    uow.campaigns.change(launched)
    details = {"name": campaign.name, "at": at.isoformat()}
    uow.audit.record(uow.now, cmd.actor, AuditAction.CAMPAIGN_LAUNCHED, None, None, details)
    return facts(uow, launched)


@dataclass(frozen=True)
class StopCampaign:
    campaign: str
    actor: str


def stop_campaign(uow: UnitOfWork, cmd: StopCampaign) -> CampaignFacts:
    """No run more (the messages queued stay queued; the offers given stay given)."""
    campaign = find_campaign(uow, cmd.campaign, lock=True)
    actor = cmd.actor
    if campaign.status in (Status.DONE, Status.STOPPED):
        return facts(uow, campaign)
    stopped = replace(campaign, status=Status.STOPPED, next_run_at=None)
    uow.campaigns.change(stopped)
    details = {"name": campaign.name}
    uow.audit.record(uow.now, actor, AuditAction.CAMPAIGN_STOPPED, None, None, details)
    return facts(uow, stopped)


def due_campaigns(uow: UnitOfWork) -> list[Campaign]:
    """The campaigns whose next run has come (run them with `run_campaign`)."""
    return uow.campaigns.due(uow.now)


@dataclass(frozen=True)
class Drawn:
    """A run's audience as drawn: who is held out, who is treated with which variant."""

    audience: int
    holdout: list[int]
    treated: list[tuple[int, str]]  # (member id, variant)


def draw_run(uow: UnitOfWork, campaign: Campaign, run: int, picked: frozenset[str] | None) -> Drawn:
    """The audience now and each member's arm and variant: stored ones kept, new ones
    drawn and stored."""
    members = audience_members(uow, campaign.audience, campaign.channel, picked)
    stored = uow.campaigns.assigned(campaign.id)
    new: list[Assigned] = []
    holdout: list[int] = []
    treated: list[tuple[int, str]] = []
    for candidate in members:
        found = stored.get(candidate.id)
        if found is None:
            arm = Arm.TREATMENT if campaign.holdout_share == 0 else arm_of(campaign, candidate.id)
            variant = (
                variant_of(campaign.salt, campaign.variants, candidate.id)
                if arm is Arm.TREATMENT else None
            )  # fmt: skip
            found = Assigned(candidate.id, arm, variant)
            new.append(found)
        if found.arm is Arm.CONTROL:
            holdout.append(found.member_id)
        else:
            treated.append((found.member_id, found.variant or campaign.variants[0].name))
    uow.campaigns.assign(campaign.id, new, run, uow.now)
    return Drawn(len(members), holdout, treated)


def run_campaign(uow: UnitOfWork, cmd: RunCampaign) -> RunRecord:
    """One run of a due campaign (its row locked: two workers do not run it twice)."""
    campaign = find_campaign(uow, cmd.campaign, lock=True)
    if not campaign.due(uow.now):
        raise CampaignStarted(
            f"campaign {campaign.name!r} is not due (status {campaign.status.value},"
            f" next run {campaign.next_run_at})",
            campaign_id=campaign.id,
        )
    run = campaign.runs + 1
    drawn = draw_run(uow, campaign, run, cmd.picked)
    times = send_times(uow.now, len(drawn.treated), campaign.schedule.per_hour)
    outgoing = [
        Outgoing(
            member_id=member_id,
            channel=Channel(campaign.channel),
            template=campaign.template(variant),
            key=message_key(campaign.id, run, member_id),
            kind=Kind.MARKETING,
            campaign_id=campaign.id,
            variant=variant,
            not_before=at,
        )
        for (member_id, variant), at in zip(drawn.treated, times, strict=True)
    ]
    queued = enqueue_many(uow, outgoing)
    reached = [o.member_id for o, q in zip(outgoing, queued, strict=True) if q.refused is None]
    refused = len(outgoing) - len(reached)
    if campaign.offer is not None and reached:
        ends = uow.now + timedelta(days=campaign.offer.days)
        uow.campaigns.give_offer(campaign.id, reached, uow.now, ends)
        if campaign.offer.voucher is not None:
            _, program = current_program(uow)
            for member_id in reached:  # out of stock: no voucher (a bonus skipped, not owed)
                give_voucher(
                    uow, program, member_id, campaign.offer.voucher,
                    f"campaign:{campaign.id}:run:{run}",
                )  # fmt: skip
    following = next_run(campaign, uow.now)
    moved = replace(
        campaign,
        status=Status.SCHEDULED if following is not None else Status.DONE,
        next_run_at=following,
    )
    record = RunRecord(
        run, uow.now, drawn.audience, len(drawn.holdout), len(reached), refused, cmd.actor
    )
    uow.campaigns.ran(moved, record)
    details = {
        "name": campaign.name, "run": run, "audience": drawn.audience,
        "holdout": len(drawn.holdout), "queued": len(reached), "refused": refused,
    }  # fmt: skip
    uow.audit.record(uow.now, cmd.actor, AuditAction.CAMPAIGN_RAN, None, None, details)
    return record


# --- the offers an earn applies ---------------------------------------------------------


def campaign_offers(uow: UnitOfWork, member_id: int, at: datetime) -> list[tuple[int, Promotion]]:
    """The offers in force for the member at `at`, each as a promotion of the program for
    that day (one query: `campaign_members` by member)."""
    day = at.date()
    return [
        (found.campaign_id, found.offer.promotion(found.campaign_id, day, day))
        for found in uow.campaigns.offers_for(member_id, at)
        if found.offer.scored
    ]


def offer_points(earning: Earning, campaign_id: int) -> int:
    """The points of a purchase's earning that the campaign's offer gave."""
    prefix = f"promotion {offer_rule_name(campaign_id)} "
    return sum(item.points for item in earning.breakdown if item.rule.startswith(prefix))


# --- what the results read from the store ----------------------------------------------


def campaign_inputs(uow: UnitOfWork, ref: str) -> CampaignInputs:
    """The campaign, the message core's counts, the offers used and the prices (the unit
    cost of the campaign's channel, the program's point value) for its results."""
    campaign = find_campaign(uow, ref)
    _, program = current_program(uow)
    unit_cost = getattr(program.messages.unit_cost, campaign.channel)
    offer_purchases, offer_points = uow.campaigns.offer_uses(campaign.id)
    vouchers_cost = Decimal(0)
    if campaign.offer is not None and campaign.offer.voucher is not None:
        _, offer_purchases, vouchers_cost = uow.campaigns.vouchers(campaign.id)
    return CampaignInputs(
        campaign=campaign,
        messages=counts(uow, campaign.id),
        unsubscribed=unsubscribes(uow, campaign.id),  # by the links of its messages
        offer_purchases=offer_purchases,
        offer_points=offer_points,
        unit_cost=unit_cost,
        point_value=program.redemption.point_value,
        currency=program.currency,
        vouchers_cost=vouchers_cost,
    )


_SPEC_KEYS = frozenset(
    {
        "name", "channel", "audience", "variants", "holdout_share", "offer", "first_at",
        "every_days", "ends_at", "per_hour", "attribution_days", "salt", "content",
    }
)  # fmt: skip


def spec_of(document: Mapping[str, Any]) -> CampaignSpec:
    """A campaign's spec from a document (a TOML or JSON file, an API body): every key
    known, times as ISO 8601 (UTC when naive), whole numbers where they are counts.
    (`content`, the templates, is read by the adapters.)"""
    unknown = sorted(set(document) - _SPEC_KEYS)
    if unknown:
        raise InvalidInput(f"{unknown[0]}: unknown field; known: {', '.join(sorted(_SPEC_KEYS))}")
    name = document.get("name")
    if not isinstance(name, str):
        raise InvalidInput("name: the campaign's name is required")
    for part in ("audience", "offer"):
        if document.get(part) is not None and not isinstance(document[part], Mapping):
            raise InvalidInput(f"{part}: a table of fields")
    return CampaignSpec(
        name=name,
        channel=str(document.get("channel", "email")),
        audience=document.get("audience"),
        variants=document.get("variants"),
        holdout_share=_share(document.get("holdout_share", "0.1")),
        offer=document.get("offer"),
        first_at=_time("first_at", document.get("first_at")),
        every_days=_count("every_days", document.get("every_days")),
        ends_at=_time("ends_at", document.get("ends_at")),
        per_hour=_count("per_hour", document.get("per_hour")),
        attribution_days=_count("attribution_days", document.get("attribution_days")) or 14,
        salt=None if document.get("salt") is None else str(document["salt"]),
    )


def _time(field_name: str, value: object) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        raise InvalidInput(f"{field_name}: {value!r} is no time (2026-03-01T09:00)") from None


def _count(field_name: str, value: object) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not str(value).strip().isdigit():
        raise InvalidInput(f"{field_name}: a whole number, not {value!r}")
    number = int(str(value).strip())
    if number > 10**9:
        raise InvalidInput(f"{field_name}: {number} is too large")
    return number


# --- content: the templates staff write, one per variant (and locale) ------------------

CONTENT_FIELDS = frozenset({"subject", "text", "html", "locale"})
LOCALE = re.compile(r"[a-z]{2}(-[A-Z]{2})?")
MAX_TEMPLATE = 200_000  # characters of one part


@dataclass(frozen=True)
class SaveContent:
    """`content`: per variant name, `{subject, text, html?, locale?}` (locale `en` when
    none), or a list of such tables for several locales."""

    campaign: str
    content: Mapping[str, Any]
    actor: str


def save_content(uow: UnitOfWork, cmd: SaveContent) -> list[tuple[str, str]]:
    """Write the variants' templates under `campaign/<id>/<variant>` (the message core
    renders them with the member's fields); Jinja2 that does not parse is refused. The
    (name, locale) written."""
    campaign = find_campaign(uow, cmd.campaign)
    names = {v.name for v in campaign.variants}
    written = []
    for variant, given in cmd.content.items():
        if variant not in names:
            raise InvalidInput(
                f"content.{variant}: no such variant; the campaign's are {', '.join(sorted(names))}"
            )
        for i, part in enumerate(given if isinstance(given, list) else [given]):
            where = f"content.{variant}" + (f"[{i}]" if isinstance(given, list) else "")
            template = _template(where, part, campaign.template(variant), uow.now, cmd.actor)
            uow.message_templates.put(template)
            written.append((template.name, template.locale))
    if written:
        details = {"name": campaign.name, "templates": [f"{n} {loc}" for n, loc in written]}
        uow.audit.record(uow.now, cmd.actor, AuditAction.CAMPAIGN_CHANGED, None, None, details)
    return written


# A sample member's fields (domain/message_fields.fields, a campaign message's context
# being empty): each part of a template is rendered once with them when saved, so that a
# typo (`{{ member.nosuchfield }}`) is refused then rather than failing every message.
SAMPLE_FIELDS = fields(
    name="Ana Pop",
    balance=120,
    tier="Member",
    referral_code="SAMPLE1",
    expiring=(date(2030, 1, 31), 40),
    reward=None,
    portal_url="https://shop.example/portal",
    unsubscribe_url="https://shop.example/u/sample",
    context={},
)


def _template(where: str, part: object, name: str, now: datetime, actor: str) -> StoredTemplate:
    from jinja2 import TemplateSyntaxError

    if not isinstance(part, Mapping):
        raise InvalidInput(f"{where}: a table of subject, text and html")
    unknown = sorted(set(part) - CONTENT_FIELDS)
    if unknown:
        raise InvalidInput(f"{where}.{unknown[0]}: unknown; give subject, text, html, locale")
    locale = str(part.get("locale") or "en")
    if not LOCALE.fullmatch(locale):
        raise InvalidInput(f"{where}.locale: {locale!r} is no locale (en, ro, pt-BR)")
    texts: dict[str, str | None] = {}
    for key in ("subject", "text", "html"):
        value = part.get(key)
        if value is None or (key == "html" and value == ""):
            if key != "html":
                raise InvalidInput(f"{where}.{key}: required")
            texts[key] = None
            continue
        if not isinstance(value, str) or limits.text_problem(value, MAX_TEMPLATE):
            raise InvalidInput(f"{where}.{key}: text of at most {MAX_TEMPLATE} characters")
        if key == "subject" and ("\n" in value or "\r" in value or not value.strip()):
            raise InvalidInput(f"{where}.subject: one line, not empty")
        try:
            trial_render(value, html=key == "html", fields=SAMPLE_FIELDS)
        except TemplateSyntaxError as exc:
            raise InvalidInput(f"{where}.{key}: line {exc.lineno}: {exc.message}") from None
        except Exception as exc:  # noqa: BLE001 -- any error of staff's template is a refusal
            # (KeyError of "%(a)s" % {}, RecursionError of a macro calling itself, ...)
            raise InvalidInput(
                f"{where}.{key}: does not render with a member's fields: {exc}"
                " (they are member.name, member.first_name, member.balance, member.tier,"
                " member.referral_code, expiring.points, expiring.date, reward.name,"
                " reward.points, portal_url, public_url, unsubscribe_url)"
            ) from None
        texts[key] = value
    return StoredTemplate(
        name, locale, texts["subject"] or "", texts["text"] or "", texts["html"], now, actor
    )


def campaign_content(uow: UnitOfWork, ref: str) -> dict[str, list[StoredTemplate]]:
    """The templates of each variant, by locale."""
    campaign = find_campaign(uow, ref)
    found: dict[str, list[StoredTemplate]] = {v.name: [] for v in campaign.variants}
    for name, locale in uow.message_templates.names(f"campaign/{campaign.id}/"):
        variant = name.rsplit("/", 1)[-1]
        stored = uow.message_templates.get(name, locale)
        if variant in found and stored is not None:
            found[variant].append(stored)
    return found
