"""The `patron` command line (Typer + Rich): set up, load a program, import, run jobs, serve,
and the analyst's commands.

One module per area; this one only assembles them, in the order `patron --help` lists
them. Errors a user can fix are printed as one clear line on stderr with a non-zero exit
code; machine-readable output (an API key) goes alone to stdout so it can be captured.

Starting the CLI must stay cheap: no module of this package imports the store, the
migrations, the analytics stack (pandas, NumPy, Ibis, DuckDB, SciPy) or the web server at
import time; each command imports what it uses when it runs
(tests/unit/test_cli_startup.py holds this).
"""

from __future__ import annotations

import typer

from patron.cli import (
    audit,
    backup,
    bonuses,
    events,
    ledger,
    liability,
    program,
    rewards,
    serve,
    simulate,
)
from patron.cli.analytics import analytics_app
from patron.cli.budget import budget_app
from patron.cli.business import business_app
from patron.cli.campaigns import campaigns_app
from patron.cli.cards import cards_app
from patron.cli.clubs import clubs_app
from patron.cli.clv import clv_app
from patron.cli.economics import economics_app
from patron.cli.experiments import experiment_app
from patron.cli.goals import goals_app
from patron.cli.imports import import_app
from patron.cli.journeys import journeys_app
from patron.cli.keys import apikey_app
from patron.cli.member import member_app
from patron.cli.referrals import referrals_app
from patron.cli.suppressions import suppressions_app
from patron.cli.surveys import surveys_app
from patron.cli.users import user_app
from patron.cli.webhooks import webhooks_app, worker_app

__all__ = ["app"]

app = typer.Typer(
    help="Patron: customer loyalty and retention.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.command()(program.init)
app.command()(ledger.expire)
app.command()(bonuses.birthdays)
app.command()(bonuses.adjust)
member_app.command("birthday")(bonuses.birthday)
app.command("purge-idempotency-keys")(ledger.purge_idempotency_keys_cmd)
app.command()(ledger.verify)
app.command()(audit.audit)
app.command()(serve.serve)
app.command()(serve.demo)
app.command()(backup.backup)
app.command()(backup.restore)
app.command()(liability.liability)
app.command()(liability.breakage)
app.command()(simulate.simulate)
app.command()(rewards.causes)
app.add_typer(program.program_app, name="program")
app.add_typer(apikey_app, name="apikey")
app.add_typer(user_app, name="user")
app.add_typer(member_app, name="member")
app.add_typer(cards_app, name="cards")
app.add_typer(clubs_app, name="clubs")
app.add_typer(business_app, name="business")
app.add_typer(referrals_app, name="referrals")
app.add_typer(import_app, name="import")
app.add_typer(ledger.tiers_app, name="tiers")
app.add_typer(analytics_app, name="analytics")
app.add_typer(clv_app, name="clv")
app.add_typer(economics_app, name="economics")
app.add_typer(goals_app, name="goals")
app.add_typer(budget_app, name="budget")
app.add_typer(rewards.vouchers_app, name="vouchers")
app.add_typer(rewards.rewards_app, name="rewards")
app.add_typer(events.events_app, name="events")
app.add_typer(events.early_access_app, name="early-access")
app.add_typer(experiment_app, name="experiment")
app.add_typer(campaigns_app, name="campaigns")
app.add_typer(webhooks_app, name="webhooks")
app.add_typer(surveys_app, name="surveys")
app.add_typer(worker_app, name="worker")
app.add_typer(suppressions_app, name="suppressions")
app.add_typer(journeys_app, name="journeys")
