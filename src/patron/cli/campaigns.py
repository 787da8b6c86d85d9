"""`patron campaigns …`: a message to an audience, an offer, a holdout; and the results.

`create` and `edit` take a TOML or JSON file (docs/campaigns.md shows one) or options;
`preview` counts the audience and shows a sample; `launch` schedules the first run (now,
or `--at`); `run-due` runs the campaigns whose run has come (cron it, or let the worker);
`results` compares the treated with the holdout (analytics/campaigns.py). The audience's
model criteria are picked from a customer base fitted for the command
(`Patron.campaign_pick`).
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from patron.cli.common import DbOption, cli_actor, fail, guard, open_patron
from patron.cli.present import FormatOption, print_rows, say, view

if TYPE_CHECKING:
    from patron.services.campaigns import CampaignFacts, CampaignSpec

campaigns_app = typer.Typer(
    help="Campaigns: a message to an audience with a holdout, an optional offer, results.",
    no_args_is_help=True,
)
CampaignArg = Annotated[str, typer.Argument(help="the campaign's id or name")]
FileOption = Annotated[
    Path | None,
    typer.Option("--file", help="the campaign as a TOML or JSON file (docs/campaigns.md)"),
]
_COLUMNS = ("id", "name", "channel", "status", "holdout_share", "next_run_at", "runs",
            "holdout", "treated")  # fmt: skip


def _document(file: Path) -> dict[str, Any]:
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        fail(f"{file}: {exc.strerror or exc}")
    try:
        if file.suffix.lower() == ".json":
            found = json.loads(text)
        else:
            found = tomllib.loads(text)
    except (ValueError, tomllib.TOMLDecodeError) as exc:
        fail(f"{file}: {exc}")
    if not isinstance(found, dict):
        fail(f"{file}: a table of fields (name, channel, audience, …)")
    return found


def _spec(
    file: Path | None, name: str | None, options: dict[str, Any]
) -> tuple[CampaignSpec, dict[str, Any]]:
    """The spec from the file, or from the options; the file's `content` beside it."""
    from patron.services.campaigns import spec_of

    document: dict[str, Any] = _document(file) if file is not None else {}
    if name is not None:
        document["name"] = name
    for key, value in options.items():
        if value in (None, [], {}):
            continue
        if key in ("audience", "offer"):
            document[key] = {**document.get(key, {}), **value}
        else:
            document[key] = value
    content = document.pop("content", {}) or {}
    spec = guard(lambda: spec_of(document))
    return spec, content


def _row(facts: CampaignFacts) -> dict[str, Any]:
    from patron.domain.experiments import Arm

    c = facts.campaign
    return {
        "id": c.id,
        "name": c.name,
        "channel": c.channel,
        "status": c.status.value,
        "holdout_share": c.holdout_share,
        "next_run_at": c.next_run_at.isoformat() if c.next_run_at else None,
        "runs": c.runs,
        "holdout": facts.members[Arm.CONTROL],
        "treated": facts.members[Arm.TREATMENT],
    }


def _options(
    channel: str | None,
    holdout: str | None,
    segment: list[str] | None,
    abc: list[str] | None,
    tier: list[str] | None,
    club: list[str] | None,
    category: list[str] | None,
    p_alive_below: str | None,
    clv_above: str | None,
    min_days: int | None,
    max_days: int | None,
    any_consent: bool,
    variant: list[str] | None,
    bonus: int | None,
    multiplier: str | None,
    offer_category: list[str] | None,
    offer_days: int | None,
    valid_days: int | None,
    voucher: str | None,
    at: str | None,
    every_days: int | None,
    ends: str | None,
    per_hour: int | None,
    attribution_days: int | None,
) -> dict[str, Any]:
    audience: dict[str, Any] = {
        "segments": segment, "abc": abc, "tiers": tier, "clubs": club, "categories": category,
        "p_alive_below": p_alive_below, "clv_above": clv_above,
        "min_days_since_purchase": min_days, "max_days_since_purchase": max_days,
    }  # fmt: skip
    audience = {k: v for k, v in audience.items() if v not in (None, [])}
    if any_consent:
        audience["consent"] = False
    offer: dict[str, Any] = {
        "bonus": bonus, "multiplier": multiplier, "categories": offer_category,
        "days": offer_days, "valid_days": valid_days, "voucher": voucher,
    }  # fmt: skip
    offer = {k: v for k, v in offer.items() if v not in (None, [])}
    variants = None
    if variant:
        variants = []
        for given in variant:
            name, _, share = given.partition("=")
            variants.append({"name": name.strip(), "share": share.strip() or "1"})
    return {
        "channel": channel, "holdout_share": holdout, "audience": audience, "offer": offer,
        "variants": variants, "first_at": at, "every_days": every_days, "ends_at": ends,
        "per_hour": per_hour, "attribution_days": attribution_days,
    }  # fmt: skip


ChannelOpt = Annotated[str | None, typer.Option(help="email (default), sms or push")]
HoldoutOpt = Annotated[
    str | None, typer.Option("--holdout", help="the share held out, e.g. 0.1 (default)")
]
SegmentOpt = Annotated[list[str] | None, typer.Option("--segment", help="RFM segment (repeat)")]
AbcOpt = Annotated[list[str] | None, typer.Option("--abc", help="A/B/C class (repeat)")]
TierOpt = Annotated[list[str] | None, typer.Option("--tier", help="tier (repeat)")]
ClubOpt = Annotated[list[str] | None, typer.Option("--club", help="a club's id (repeat)")]
CategoryOpt = Annotated[
    list[str] | None, typer.Option("--category", help="bought this category (repeat)")
]
PAliveOpt = Annotated[str | None, typer.Option(help="P(alive) below this, e.g. 0.3")]
ClvOpt = Annotated[str | None, typer.Option(help="CLV above this amount")]
MinDaysOpt = Annotated[
    int | None, typer.Option("--min-days", help="last purchase at least N days ago")
]
MaxDaysOpt = Annotated[
    int | None, typer.Option("--max-days", help="last purchase at most N days ago")
]
AnyConsentOpt = Annotated[
    bool,
    typer.Option(
        "--any-consent",
        help="count members without the channel's consent too (the message core still"
        " refuses to send them marketing)",
    ),
]
VariantOpt = Annotated[
    list[str] | None, typer.Option("--variant", help="NAME=SHARE, e.g. A=0.5 (repeat)")
]
BonusOpt = Annotated[int | None, typer.Option(help="offer: bonus points on a purchase")]
MultiplierOpt = Annotated[str | None, typer.Option(help="offer: points multiplier, e.g. 2")]
OfferCategoryOpt = Annotated[
    list[str] | None, typer.Option("--offer-category", help="offer: on this category (repeat)")
]
OfferDaysOpt = Annotated[int | None, typer.Option(help="offer: days it runs (default 14)")]
ValidDaysOpt = Annotated[int | None, typer.Option(help="offer: the bonus burns after N days")]
VoucherOpt = Annotated[
    str | None, typer.Option(help="offer: a voucher of this discount reward, with the message")
]
AtOpt = Annotated[str | None, typer.Option("--at", help="first run, UTC (default: at launch)")]
EveryOpt = Annotated[int | None, typer.Option(help="run again every N days")]
EndsOpt = Annotated[str | None, typer.Option("--ends", help="no run from then, UTC")]
PerHourOpt = Annotated[int | None, typer.Option(help="send rate: messages per hour")]
AttributionOpt = Annotated[
    int | None, typer.Option(help="days after the last run counted in the results (14)")
]


@campaigns_app.command("create")
def create(
    name: Annotated[str | None, typer.Argument(help="the name (or the file's)")] = None,
    file: FileOption = None,
    channel: ChannelOpt = None,
    holdout: HoldoutOpt = None,
    segment: SegmentOpt = None,
    abc: AbcOpt = None,
    tier: TierOpt = None,
    club: ClubOpt = None,
    category: CategoryOpt = None,
    p_alive_below: PAliveOpt = None,
    clv_above: ClvOpt = None,
    min_days: MinDaysOpt = None,
    max_days: MaxDaysOpt = None,
    any_consent: AnyConsentOpt = False,
    variant: VariantOpt = None,
    bonus: BonusOpt = None,
    multiplier: MultiplierOpt = None,
    offer_category: OfferCategoryOpt = None,
    offer_days: OfferDaysOpt = None,
    valid_days: ValidDaysOpt = None,
    voucher: VoucherOpt = None,
    at: AtOpt = None,
    every_days: EveryOpt = None,
    ends: EndsOpt = None,
    per_hour: PerHourOpt = None,
    attribution_days: AttributionOpt = None,
    database_url: DbOption = None,
) -> None:
    """Create a campaign (a draft: `launch` schedules it)."""
    from patron.services.campaigns import CreateCampaign, create_campaign

    options = _options(
        channel, holdout, segment, abc, tier, club, category, p_alive_below, clv_above,
        min_days, max_days, any_consent, variant, bonus, multiplier, offer_category,
        offer_days, valid_days, voucher, at, every_days, ends, per_hour, attribution_days,
    )  # fmt: skip
    spec, content = _spec(file, name, options)
    actor = cli_actor()
    with open_patron(database_url) as patron:
        command = CreateCampaign(spec, actor, content)
        facts = guard(lambda: patron.run(create_campaign, command))
    c = facts.campaign
    say(f"campaign {c.id} {c.name!r} created (draft): {c.channel}, holdout {c.holdout_share}")


@campaigns_app.command("edit")
def edit(
    campaign: CampaignArg,
    file: Annotated[Path, typer.Option("--file", help="the campaign as a TOML or JSON file")],
    database_url: DbOption = None,
) -> None:
    """Replace a campaign from a file, before its first run."""
    from patron.services.campaigns import EditCampaign, edit_campaign

    spec, content = _spec(file, None, {})
    actor = cli_actor()
    with open_patron(database_url) as patron:
        changed = EditCampaign(campaign, spec, actor, content)
        facts = guard(lambda: patron.run(edit_campaign, changed))
    say(f"campaign {facts.campaign.id} {facts.campaign.name!r} changed")


@campaigns_app.command("list")
def list_(database_url: DbOption = None, fmt: FormatOption = "table") -> None:
    """Every campaign with its status, next run and arms."""
    from patron.services.campaigns import list_campaigns

    shown = view(fmt, None, True, None)
    with open_patron(database_url) as patron:
        found = patron.read(list_campaigns)
    print_rows([_row(f) for f in found], "campaigns", shown,
               title=f"campaigns ({len(found)})", columns=list(_COLUMNS))  # fmt: skip


@campaigns_app.command("show")
def show(campaign: CampaignArg, database_url: DbOption = None, fmt: FormatOption = "table") -> None:
    """One campaign and its runs."""
    from patron.services.campaigns import show_campaign

    shown = view(fmt, None, True, None)
    with open_patron(database_url) as patron:
        facts = guard(lambda: patron.read(show_campaign, campaign))
    c = facts.campaign
    extra = {
        "audience": c.audience.as_dict(),
        "offer": None if c.offer is None else c.offer.as_dict(),
        "variants": [{"name": v.name, "share": str(v.share)} for v in c.variants],
        "runs": [dict(vars(r)) | {"started_at": r.started_at.isoformat()} for r in facts.runs],
    }
    print_rows([_row(facts)], "campaigns", shown, title=f"campaign {c.name!r}", extra=extra)
    if shown.format == "table":
        say(f"audience: {json.dumps(extra['audience'])}")
        say(f"offer: {json.dumps(extra['offer'])}")
        for r in facts.runs:
            say(f"run {r.run} at {r.started_at.isoformat()}: audience {r.audience:,},"
                f" holdout {r.holdout:,}, queued {r.queued:,}, refused {r.refused:,}")  # fmt: skip


@campaigns_app.command("preview")
def preview(
    campaign: CampaignArg,
    sample: Annotated[int, typer.Option(min=0, max=500, help="members shown")] = 20,
    database_url: DbOption = None,
    fmt: FormatOption = "table",
) -> None:
    """How many members a run would reach now, how they split, and a sample of them."""
    from patron.services.campaigns import preview_campaign, show_campaign

    shown = view(fmt, None, True, None)
    with open_patron(database_url) as patron:
        found = guard(lambda: patron.read(show_campaign, campaign)).campaign
        chosen = guard(lambda: patron.campaign_pick(found.audience))
        result = guard(lambda: patron.read(preview_campaign, campaign, chosen, sample))
    rows = [
        {**r, "last_purchase_at": r["last_purchase_at"].isoformat()
         if r["last_purchase_at"] else None}
        for r in result.sample
    ]  # fmt: skip
    extra = {"audience": result.audience, "holdout": result.holdout, "treated": result.treated,
             "variants": result.variants}  # fmt: skip
    if shown.format == "table":
        split = ", ".join(f"{k} {v:,}" for k, v in result.variants.items())
        say(f"audience {result.audience:,}: holdout {result.holdout:,}, treated"
            f" {result.treated:,} ({split})")  # fmt: skip
    print_rows(rows, "campaign_preview", shown, title="sample", extra=extra, default=None)


@campaigns_app.command("launch")
def launch(
    campaign: CampaignArg,
    at: Annotated[
        str | None, typer.Option("--at", help="UTC; default its first time or now")
    ] = None,
    database_url: DbOption = None,
) -> None:
    """Schedule the first run (`run-due`, or the worker, runs it when it comes)."""
    from patron.services.campaigns import LaunchCampaign, launch_campaign, spec_of

    when = guard(lambda: spec_of({"name": "x", "first_at": at}).first_at)
    with open_patron(database_url) as patron:
        facts = guard(
            lambda: patron.run(launch_campaign, LaunchCampaign(campaign, cli_actor(), when))
        )
    c = facts.campaign
    say(f"campaign {c.name!r} scheduled: first run at {c.next_run_at}")


@campaigns_app.command("stop")
def stop(campaign: CampaignArg, database_url: DbOption = None) -> None:
    """No more runs (what is queued stays queued; offers given stay given)."""
    from patron.services.campaigns import StopCampaign, stop_campaign

    command = StopCampaign(campaign, cli_actor())
    with open_patron(database_url) as patron:
        facts = guard(lambda: patron.run(stop_campaign, command))
    say(f"campaign {facts.campaign.name!r} is {facts.campaign.status.value}")


@campaigns_app.command("run-due")
def run_due(database_url: DbOption = None) -> None:
    """Run every campaign whose next run has come; exit 2 if one could not run."""
    from patron.cli.errors import cli_message

    with open_patron(database_url) as patron:
        done = patron.run_due_campaigns(cli_actor())
    failed = False
    for name, outcome in done:
        if isinstance(outcome, Exception):
            failed = True
            say(f"campaign {name!r}: not run: {cli_message(outcome)}")
        else:
            r = outcome
            say(f"campaign {name!r} run {r.run}: audience {r.audience:,}, holdout {r.holdout:,},"
                f" queued {r.queued:,}, refused {r.refused:,}")  # fmt: skip
    if not done:
        say("no campaign is due")
    if failed:
        raise typer.Exit(2)


@campaigns_app.command("results")
def results(
    campaign: CampaignArg,
    margin_rate: Annotated[
        float | None, typer.Option(help="margin as a share of revenue, when costs are unknown")
    ] = None,
    confidence: Annotated[float, typer.Option(help="of the intervals")] = 0.95,
    database_url: DbOption = None,
    fmt: FormatOption = "table",
) -> None:
    """Messages, offers used, and treated against holdout over the attribution window:
    the incremental revenue and margin with their intervals, the cost and the ROI."""
    from patron.analytics.campaigns import results as compute
    from patron.services.campaigns import campaign_inputs

    shown = view(fmt, None, True, None)
    with open_patron(database_url) as patron:
        inputs = guard(lambda: patron.read(campaign_inputs, campaign))
        now = patron.clock().replace(tzinfo=None)
        found = guard(
            lambda: patron.analytics().run(
                lambda con: compute(
                    con, inputs, now, margin_rate=margin_rate, confidence=confidence
                )
            )
        )
    if shown.format == "json":
        typer.echo(json.dumps(found.as_dict(), default=str))
        return
    say(f"campaign {found.campaign!r}: {found.window.start:%Y-%m-%d %H:%M} to"
        f" {found.window.end:%Y-%m-%d %H:%M}")  # fmt: skip
    unsubscribed = found.unsubscribed if found.unsubscribed is not None else "not counted"
    say(f"messages: {json.dumps(found.messages)}; offers used: {found.offer_purchases:,};"
        f" unsubscribed: {unsubscribed}")  # fmt: skip
    print_rows([dict(vars(a)) for a in found.arms], "experiment_arms", shown, title="arms")
    print_rows(found.money_rows(), "experiment_money", shown, title="money")
    cost = found.cost
    say(f"cost: {cost.messages:,} messages x {cost.unit_cost} + {cost.offer_points:,} points x"
        f" {cost.point_value} = {cost.total} {cost.currency}")  # fmt: skip
    for note in found.notes:
        say(f"note: {note}")
