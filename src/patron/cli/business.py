"""`patron business …`: business customers (docs/business.md). Make a member a business,
list, add and remove its buyers, read its entitlements and record a use of one.

A member is named as in `patron member`: Patron's id when the argument is a number, else
the business's external id. Every change is audited with the CLI's actor.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from patron.cli.cards import FormatOpt, _emit
from patron.cli.common import DbOption, cli_actor, guard, open_patron, out

business_app = typer.Typer(
    help="Business customers: create, buyers, entitlements and their use.",
    no_args_is_help=True,
)
MemberArg = Annotated[str, typer.Argument(help="Patron's member id, or the external id")]


def _member(member: str) -> Any:
    from patron.services.commands import MemberRef

    return MemberRef.named(member, None)


@business_app.command("create")
def create(
    member: MemberArg,
    company: Annotated[str, typer.Option("--company", help="the company's name")],
    vat: Annotated[str, typer.Option("--vat", help="the VAT number, e.g. RO18547290")],
    manager: Annotated[
        str | None, typer.Option("--account-manager", help="a staff user's e-mail")
    ] = None,
    database_url: DbOption = None,
) -> None:
    """Make a member a business: company name, VAT number, account manager. Audited."""
    from patron.services.business import CreateBusiness, create_business

    command = CreateBusiness(_member(member), company, vat, cli_actor(), manager)
    with open_patron(database_url) as patron:
        done = guard(lambda: patron.run(create_business, command))
    out.print(
        f"member {done.member_id} is the business {done.company_name} ({done.vat_number})",
        highlight=False,
    )


@business_app.command("manager")
def manager(
    member: MemberArg,
    email: Annotated[
        str | None, typer.Argument(help="the staff user's e-mail; omit it for nobody")
    ] = None,
    database_url: DbOption = None,
) -> None:
    """Assign the staff user who manages the business's account (or nobody). Audited."""
    from patron.services.business import AssignManager, assign_manager

    command = AssignManager(_member(member), email, cli_actor())
    with open_patron(database_url) as patron:
        done = guard(lambda: patron.run(assign_manager, command))
    who = done.account_manager or "nobody"
    out.print(f"member {done.member_id}'s account manager: {who}", highlight=False)


@business_app.command("buyers")
def buyers(member: MemberArg, fmt: FormatOpt = "table", database_url: DbOption = None) -> None:
    """The business's buyers, the removed ones last, with the purchases each made."""
    from patron.services.business import business_view

    with open_patron(database_url) as patron:
        view = guard(lambda: patron.read(business_view, _member(member)))
    rows = [
        {
            "buyer_id": b.buyer.id,
            "name": b.buyer.name,
            "email": b.buyer.email,
            "phone": b.buyer.phone,
            "card": b.buyer.card,
            "purchases": b.purchases,
            "removed_at": None if b.buyer.removed_at is None else f"{b.buyer.removed_at:%Y-%m-%d}",
        }
        for b in view.buyers
    ]
    _emit(rows, fmt, f"buyers of {view.business.company_name}")


@business_app.command("add-buyer")
def add_buyer(
    member: MemberArg,
    name: Annotated[str, typer.Option("--name", help="the buyer's name")],
    email: Annotated[str | None, typer.Option("--email", help="their e-mail")] = None,
    phone: Annotated[str | None, typer.Option("--phone", help="their phone")] = None,
    card: Annotated[str | None, typer.Option("--card", help="a loyalty card they carry")] = None,
    database_url: DbOption = None,
) -> None:
    """Add a buyer: their e-mail, phone or card finds the business at the till."""
    from patron.services.business import AddBuyer
    from patron.services.business import add_buyer as add

    command = AddBuyer(_member(member), name, cli_actor(), email, phone, card)
    with open_patron(database_url) as patron:
        buyer = guard(lambda: patron.run(add, command))
    out.print(f"buyer {buyer.id} ({buyer.name}) buys for member {buyer.member_id}", highlight=False)


@business_app.command("remove-buyer")
def remove_buyer(
    member: MemberArg,
    buyer_id: Annotated[int, typer.Argument(help="the buyer's id (patron business buyers)")],
    reason: Annotated[str | None, typer.Option(help="why (audited)")] = None,
    database_url: DbOption = None,
) -> None:
    """Remove a buyer: they no longer find the business; their purchases stay theirs."""
    from patron.services.business import RemoveBuyer
    from patron.services.business import remove_buyer as remove

    command = RemoveBuyer(_member(member), buyer_id, cli_actor(), reason)
    with open_patron(database_url) as patron:
        buyer = guard(lambda: patron.run(remove, command))
    out.print(f"buyer {buyer.id} removed from member {buyer.member_id}", highlight=False)


@business_app.command("entitlements")
def entitlements(
    member: MemberArg, fmt: FormatOpt = "table", database_url: DbOption = None
) -> None:
    """The entitlements of the business's tier: used and left in the current period."""
    from patron.services.business import business_view

    with open_patron(database_url) as patron:
        view = guard(lambda: patron.read(business_view, _member(member)))
    rows = [
        {
            "entitlement": e.id,
            "name": e.name,
            "quantity": "unlimited" if e.quantity is None else e.quantity,
            "per": e.per,
            "period": f"{e.period_start:%Y-%m-%d} to {e.period_end:%Y-%m-%d}",
            "used": e.used,
            "left": "unlimited" if e.left is None else e.left,
        }
        for e in view.entitlements
    ]
    _emit(rows, fmt, f"entitlements of {view.business.company_name} ({view.member.tier})")


@business_app.command("use")
def use(
    member: MemberArg,
    entitlement: Annotated[str, typer.Argument(help="the entitlement's id in the program")],
    note: Annotated[str | None, typer.Option(help="what happened: the visit, the call")] = None,
    database_url: DbOption = None,
) -> None:
    """Record one use of an entitlement (a visit made, a hotline call); refused when none
    is left in the current period. Audited."""
    from patron.services.entitlements import UseEntitlement, use_entitlement

    command = UseEntitlement(_member(member), entitlement, cli_actor(), note)
    with open_patron(database_url) as patron:
        done = guard(lambda: patron.run(use_entitlement, command))
    left = done.entitlement.left
    out.print(
        f"{done.use.entitlement} used by member {done.use.member_id};"
        f" left this {done.entitlement.per}: {'unlimited' if left is None else left}",
        highlight=False,
    )
