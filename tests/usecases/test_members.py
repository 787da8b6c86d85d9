"""Finding the member a command names (services/members.py): by Patron's id or by the
business's customer id, refused in the same words by every write and every read.

No program numbers here: any program will do, and the example that the `patron` fixture
loads is used. Elsewhere: GET /v1/members/{ref} (tests/e2e/test_api.py).
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from patron.bootstrap import Patron
from patron.domain.earning import Line
from patron.domain.errors import NotFound
from patron.services.commands import MemberRef, RecordPurchase, Redeem
from patron.services.earn import record_purchase
from patron.services.export import export_member
from patron.services.members import find_member
from patron.services.queries import balance
from patron.services.redeem import quote
from tests.integration.helpers import member

pytestmark = pytest.mark.usefixtures("verified")


def test_an_unknown_member_is_refused_naming_the_reference_given(patron: Patron) -> None:
    line = (Line("A", None, 1, Decimal("1.00")),)
    for ref, named in [
        (MemberRef(id=999), r"^no member with id 999$"),
        (MemberRef(external_id="nobody"), r"^no member with external_id 'nobody'$"),
    ]:
        with pytest.raises(NotFound, match=named):
            patron.run(record_purchase, RecordPurchase(ref, "o-1", patron.clock(), "EUR", line))


def test_reads_refuse_an_unknown_member_in_the_words_of_the_writes(patron: Patron) -> None:
    # given a store whose only member is 1 (ids start at 1)
    member(patron)
    # when a member view, a balance, an export and a quote name members that do not exist
    # then each is refused naming the reference, as record_purchase refuses it above
    refused = [
        (lambda: patron.read(find_member, MemberRef(external_id="nobody")), "external_id 'nobody'"),
        (lambda: patron.read(find_member, MemberRef.named("nobody")), "external_id 'nobody'"),
        (lambda: patron.read(find_member, MemberRef.named("7", "external_id")), "external_id '7'"),
        (lambda: patron.read(find_member, MemberRef.named("x", "id")), "id 0"),
        (lambda: patron.read(balance, 999), "id 999"),
        (lambda: patron.read(export_member, MemberRef(id=999), lambda _: {}), "id 999"),
        (lambda: patron.read(quote, Redeem(999, points=100)), "id 999"),
    ]
    for attempt, named in refused:
        with pytest.raises(NotFound, match=f"^no member with {named}$"):
            attempt()
