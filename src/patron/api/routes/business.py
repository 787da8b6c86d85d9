"""Business customers (admin): make a member a business, add and remove its buyers, read
its entitlements and record their use (docs/business.md).

The till's side is elsewhere: `GET /v1/members?buyer=` finds the business a buyer buys
for, and `POST /v1/purchases` with `buyer` records a purchase for it.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from fastapi.responses import Response

from patron.api import problems as p
from patron.api.business_schemas import (
    BusinessCreate,
    BusinessDetail,
    BusinessPublic,
    BuyerCreate,
    BuyerListed,
    BuyerPublic,
    BuyerRemove,
    EntitlementPublic,
    EntitlementUseCreate,
    EntitlementUsePublic,
)
from patron.api.deps import AdminKey, By, MemberPath, PatronDep, ReadMemberKey, member_named
from patron.api.idempotency import Idempotent
from patron.api.schemas import Page
from patron.domain.cards import CardMistyped
from patron.domain.errors import (
    BuyerTaken,
    Conflict,
    EntitlementExhausted,
    InvalidInput,
    VatNumberInvalid,
)
from patron.services.business import (
    AddBuyer,
    BusinessView,
    CreateBusiness,
    RemoveBuyer,
    add_buyer,
    business_view,
    create_business,
    remove_buyer,
)
from patron.services.commands import MemberRef
from patron.services.entitlements import Used, UseEntitlement, use_entitlement

router = APIRouter(prefix="/v1/businesses", tags=["businesses"])
BuyerPath = Annotated[int, Path(ge=1, le=2**62, description="Patron's buyer id", examples=[1])]
EntitlementPath = Annotated[
    str, Path(max_length=64, description="the entitlement's id in the program", examples=["visits"])
]
VAT = VatNumberInvalid(
    "vat_number: 'RO 1' is not a VAT number; it starts with the country's two letters, then"
    " 2 to 13 letters and digits (RO18547290)"
)
EXHAUSTED = EntitlementExhausted(
    "visits: all 2 uses of this quarter are spent; the next period starts on 2026-04-01",
    quantity=2,
    used=2,
    next_period="2026-04-01",
)


@router.post(
    "",
    status_code=201,
    response_model=BusinessPublic,
    responses=p.refusals(
        p.NO_MEMBER,
        VAT,
        InvalidInput("account_manager: no active staff user 'ana@patron.example'"),
        Conflict("member 7 is a business already"),
        p.ERASED,
    ),
)
def create(body: BusinessCreate, principal: AdminKey, write: Idempotent) -> Response:
    """Make a member a business: its company name, VAT number and account manager. The
    member keeps its points and tier; its buyers are added next. Audited."""
    command = CreateBusiness(
        MemberRef(id=body.member_id, external_id=body.external_id),
        body.company_name,
        body.vat_number,
        principal.actor,
        body.account_manager,
    )
    return write(body, lambda uow: create_business(uow, command), BusinessPublic.model_validate)


def _detail(view: BusinessView) -> BusinessDetail:
    buyers = [
        BuyerListed.model_validate(b.buyer).model_copy(update={"purchases": b.purchases})
        for b in view.buyers
    ]
    return BusinessDetail.model_validate(
        {
            "member_id": view.business.member_id,
            "company_name": view.business.company_name,
            "vat_number": view.business.vat_number,
            "account_manager": view.business.account_manager,
            "created_at": view.business.created_at,
            "tier": view.member.tier,
            "buyers": buyers,
            "entitlements": [EntitlementPublic.model_validate(e) for e in view.entitlements],
        }
    )


@router.get(
    "/{id}",
    response_model=BusinessDetail,
    responses=p.refusals(p.NO_MEMBER, p.AMBIGUOUS_MEMBER),
)
def get_business(id: MemberPath, patron: PatronDep, _: AdminKey, by: By = None) -> BusinessDetail:
    """A business: the company, its buyers (with their purchases) and its entitlements."""
    member = member_named(patron, id, by)
    return _detail(patron.read(business_view, member.id))


@router.post(
    "/{id}/buyers",
    status_code=201,
    response_model=BuyerPublic,
    responses=p.refusals(
        p.NO_MEMBER,
        p.AMBIGUOUS_MEMBER,
        InvalidInput("email: 'radu@' is not an e-mail address"),
        CardMistyped("card: the check digit is wrong (a digit mistyped?); check the number"),
        BuyerTaken(
            "email: radu@librariacentrala.ro is already buyer 1's, of member 7; remove that"
            " buyer first",
            buyer_id=1,
        ),
    ),
)
def create_buyer(
    id: MemberPath,
    body: BuyerCreate,
    patron: PatronDep,
    principal: AdminKey,
    write: Idempotent,
    by: By = None,
) -> Response:
    """Add a buyer to a business: from now on their e-mail, phone or card finds it at the
    till, and their purchases earn for it. Audited."""
    member = member_named(patron, id, by)
    command = AddBuyer(
        MemberRef(id=member.id), body.name, principal.actor, body.email, body.phone, body.card
    )
    return write(
        body,
        lambda uow: add_buyer(uow, command),
        BuyerPublic.model_validate,
        resource=f"/v1/businesses/{member.id}/buyers",
    )


@router.post(
    "/{id}/buyers/{buyer_id}/remove",
    response_model=BuyerPublic,
    responses=p.refusals(p.NO_MEMBER, p.AMBIGUOUS_MEMBER, Conflict("buyer 2 was removed already")),
)
def remove(
    id: MemberPath,
    buyer_id: BuyerPath,
    patron: PatronDep,
    principal: AdminKey,
    write: Idempotent,
    body: BuyerRemove | None = None,
    by: By = None,
) -> Response:
    """Remove a buyer: they no longer find the business; their past purchases keep them."""
    member = member_named(patron, id, by)
    payload = body or BuyerRemove()
    command = RemoveBuyer(MemberRef(id=member.id), buyer_id, principal.actor, payload.reason)
    return write(
        payload,
        lambda uow: remove_buyer(uow, command),
        BuyerPublic.model_validate,
        status=200,
        resource=f"/v1/businesses/{member.id}/buyers/{buyer_id}/remove",
    )


@router.get(
    "/{id}/entitlements",
    response_model=Page[EntitlementPublic],
    responses=p.refusals(p.NO_MEMBER, p.AMBIGUOUS_MEMBER),
)
def list_entitlements(
    id: MemberPath, patron: PatronDep, _: ReadMemberKey, by: By = None
) -> Page[EntitlementPublic]:
    """The entitlements of the business's tier: each one's quantity, its use in the
    current period and what is left."""
    member = member_named(patron, id, by)
    view = patron.read(business_view, member.id)
    items = [EntitlementPublic.model_validate(e) for e in view.entitlements]
    return Page[EntitlementPublic](data=items, count=len(items))


@router.post(
    "/{id}/entitlements/{entitlement}/uses",
    status_code=201,
    response_model=EntitlementUsePublic,
    responses=p.refusals(
        p.NO_MEMBER,
        p.AMBIGUOUS_MEMBER,
        InvalidInput("entitlement: the tier 'Gold' has no entitlement 'lunch' (it has: visits)"),
        EXHAUSTED,
        p.ERASED,
        p.NO_PROGRAM,
    ),
)
def create_use(
    id: MemberPath,
    entitlement: EntitlementPath,
    patron: PatronDep,
    principal: AdminKey,
    write: Idempotent,
    body: EntitlementUseCreate | None = None,
    by: By = None,
) -> Response:
    """Record one use of an entitlement (a visit made, a hotline call), refused with
    `entitlement_exhausted` when none is left in the current period. Audited."""
    member = member_named(patron, id, by)
    payload = body or EntitlementUseCreate()
    command = UseEntitlement(MemberRef(id=member.id), entitlement, principal.actor, payload.note)

    def present(done: Used) -> EntitlementUsePublic:
        answer = EntitlementUsePublic.model_validate(done.use)
        return answer.model_copy(update={"left": done.entitlement.left})

    return write(
        payload,
        lambda uow: use_entitlement(uow, command),
        present,
        resource=f"/v1/businesses/{member.id}/entitlements/{entitlement}/uses",
    )
