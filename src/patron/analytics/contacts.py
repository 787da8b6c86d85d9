"""A per-customer table (RFM scores, A/B/C classes, next categories) with each member's
name, e-mail and consent, so that an exported segment is a list a shop can use.

Only the store knows its members: a purchases file holds customer ids alone, and its
tables stay as they are (the command line says so). The `consent` column is the member's
latest marketing answer (docs/privacy.md): `granted`, `declined`, or `not recorded` for a
member never asked, so a list is never taken for one checked against consents when it
was not. An erased member's name and e-mail are empty, as erasure left them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import ibis
import ibis.expr.types as ir

NOT_RECORDED = "not recorded"
GRANTED, DECLINED = "granted", "declined"  # domain/consent.py's words


def with_contacts(table: ir.Table, order: Sequence[Any]) -> ir.Table:
    """`table` (with a customer_id column, computed in the store) joined to the members
    by external id: name, email and consent added, rows in `order`."""
    backend = ibis.get_backend(table)
    members = backend.table("members")
    answers = _latest_marketing(backend.table("consents"))
    with_consent = members.left_join(answers, members.id == answers.member_id)
    consent = ibis.cases(
        (with_consent.granted.isnull(), NOT_RECORDED),
        (with_consent.granted, GRANTED),
        else_=DECLINED,
    )
    contacts = with_consent.select(customer_id=with_consent.external_id,
                                   name=with_consent.name, email=with_consent.email,
                                   consent=consent)  # fmt: skip
    joined = table.left_join(contacts, "customer_id").drop("customer_id_right")
    return joined.mutate(consent=joined.consent.fill_null(NOT_RECORDED)).order_by(list(order))


def _latest_marketing(consents: ir.Table) -> ir.Table:
    """Each member's latest marketing record (the highest id): member_id and granted."""
    marketing = consents.filter(consents.purpose == "marketing")
    last = marketing.group_by("member_id").aggregate(last_id=marketing.id.max())
    latest = marketing.join(last, marketing.id == last.last_id)
    return latest.select(member_id=marketing.member_id, granted=marketing.granted)
