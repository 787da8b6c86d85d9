"""A purchase that enrolls its customer when they are not a member yet: for tills that
enroll at the counter, in one request and one transaction.

The member is enrolled as `enroll` would (welcome points, a referral code), dated at the
purchase, then the purchase earns as any other. Two first purchases of one new customer
at the same moment: one enrolls, the other is refused by the store's unique external id
(409) and, retried, earns for the member the first one made.
"""

from __future__ import annotations

from dataclasses import dataclass

from patron.domain.errors import InvalidInput
from patron.services.commands import Enroll, RecordPurchase
from patron.services.earn import Recorded, record_purchase
from patron.services.enroll import enroll
from patron.store.uow import UnitOfWork


@dataclass(frozen=True)
class FirstPurchase:
    recorded: Recorded
    enrolled: bool  # the purchase made its customer a member


def record_enrolling(uow: UnitOfWork, cmd: RecordPurchase) -> FirstPurchase:
    external_id = cmd.member.external_id
    if external_id is None:
        raise InvalidInput("enroll: name the customer by external_id, the id they are to have")
    new = uow.members.by_external_id(external_id) is None
    if new:
        enroll(uow, Enroll(external_id, enrolled_at=cmd.occurred_at))
    return FirstPurchase(record_purchase(uow, cmd), enrolled=new)
