"""Finding the purchase a request names, by Patron's id or by the shop's order id, and
what a till or a back office reads of it.

A key bound to a shop finds only its shop's purchases (domain/access.py): another shop's
purchase is refused as forbidden, never shown.
"""

from __future__ import annotations

from dataclasses import dataclass

from patron.domain.access import check_shop, may_touch
from patron.domain.errors import AmbiguousPurchase, NotFound
from patron.domain.purchases import Purchase, PurchaseLine
from patron.domain.unclaimed import PurchaseUnclaimed
from patron.services.commands import PurchaseRef
from patron.services.members import find_member
from patron.store.uow import UnitOfWork


@dataclass(frozen=True)
class PurchaseView:
    purchase: Purchase
    lines: list[PurchaseLine]
    external_id: str  # the member's customer id


def find_purchase(uow: UnitOfWork, ref: PurchaseRef, shop: str | None) -> Purchase:
    """The purchase `ref` names, if the caller's shop may see it."""
    by_id = uow.purchases.get(ref.id) if ref.id is not None else None
    by_order = uow.purchases.by_order_id(ref.order_id) if ref.order_id is not None else None
    if by_id is not None and by_order is not None and by_id.id != by_order.id:
        raise AmbiguousPurchase(
            f"{ref.order_id!r} is Patron's id of purchase {by_id.id} and the order id of"
            f" purchase {by_order.id}: say which with by=id or by=order_id",
            purchase_ids=[by_id.id, by_order.id],
        )
    found = by_id or by_order
    if found is None and ref.order_id is not None:
        _refuse_unclaimed(uow, ref.order_id, shop)
    if found is None:
        names = [f"id {ref.id}"] if ref.id is not None else []
        names += [f"order_id {ref.order_id!r}"] if ref.order_id is not None else []
        raise NotFound(f"no purchase with {' or '.join(names)}")
    check_shop(shop, found.shop, f"purchase {found.id}")
    return found


def purchase_view(uow: UnitOfWork, ref: PurchaseRef, shop: str | None) -> PurchaseView:
    found = find_purchase(uow, ref, shop)
    member = find_member(uow, found.member_id)
    return PurchaseView(found, uow.purchases.lines(found.id), member.external_id)


def _refuse_unclaimed(uow: UnitOfWork, order_id: str, shop: str | None) -> None:
    """409 purchase_unclaimed for an order that awaits a member (domain/unclaimed.py), when
    the caller's shop may see it; otherwise it is not found, as any other shop's."""
    waiting = uow.unclaimed.by_order_id(order_id)
    if waiting is not None and waiting.member_id is None and may_touch(shop, waiting.shop):
        raise PurchaseUnclaimed(
            f"order {order_id!r} awaits a member: it earned no points, so there is nothing"
            " to take back; once a member is linked to it, refund it like any purchase"
        )
