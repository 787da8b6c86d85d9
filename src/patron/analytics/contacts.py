"""A per-customer table (RFM scores, A/B/C classes, next categories) with each member's
name, e-mail and consent, so that an exported segment is a list a shop can use.

Only the store knows its members: a purchases file holds customer ids alone, and its
tables stay as they are (the command line says so). Patron records no consents
(docs/privacy.md): the `consent` column says `not recorded` for every member, so a list
is never taken for one that was checked against consents. An erased member's name and
e-mail are empty, as erasure left them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import ibis
import ibis.expr.types as ir

NOT_RECORDED = "not recorded"


def with_contacts(table: ir.Table, order: Sequence[Any]) -> ir.Table:
    """`table` (with a customer_id column, computed in the store) joined to the members
    by external id: name, email and consent added, rows in `order`."""
    members = ibis.get_backend(table).table("members")
    contacts = members.select(customer_id=members.external_id, name=members.name,
                              email=members.email)  # fmt: skip
    joined = table.left_join(contacts, "customer_id").drop("customer_id_right")
    return joined.mutate(consent=ibis.literal(NOT_RECORDED)).order_by(list(order))
