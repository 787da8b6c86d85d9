"""Erasing a member's personal data (services/privacy.py): what an erased member can no
longer do.

Elsewhere: `patron member erase` and `patron member export` as an operator types them
(tests/integration/test_privacy_cli.py); the erasure and the export through the API, and
what is blanked (tests/e2e/test_privacy.py); erasures among the other use cases
(tests/integration/test_stateful.py).
"""

from __future__ import annotations

import pytest

from patron.bootstrap import Patron
from patron.domain.errors import MemberErased
from patron.domain.program import Program
from patron.services.commands import EraseMember, MemberRef, Redeem
from patron.services.privacy import erase_member
from patron.services.redeem import quote, redeem
from tests.conftest import use_program
from tests.integration.helpers import balance_of, is_recorded, member, record

pytestmark = pytest.mark.usefixtures("verified")

PROGRAM = """
name = "Privacy"
currency = "EUR"

[earning]
welcome_bonus = 100
"""


@pytest.fixture(autouse=True)
def program(patron: Patron) -> Program:
    return use_program(patron, PROGRAM)


def test_an_erased_member_is_refused_earning_a_quote_and_a_redemption_naming_the_action(
    patron: Patron, program: Program
) -> None:
    # given a member erased on the clock's day, 2026-01-01, who still holds 100 points
    mid = member(patron)
    patron.run(erase_member, EraseMember(MemberRef(id=mid), "asked to be forgotten", "alice"))
    erased = rf"^member {mid} was erased on 2026-01-01: they can no longer "
    # then a purchase, a quote and a redemption are each refused, naming what was refused
    with pytest.raises(MemberErased, match=erased + "earn points$"):
        record(patron, mid, "o-1")
    with pytest.raises(MemberErased, match=erased + "redeem points$"):
        patron.read(quote, Redeem(mid, points=100))
    with pytest.raises(MemberErased, match=erased + "redeem points$"):
        patron.run(redeem, Redeem(mid, points=100))
    # and nothing changed
    assert not is_recorded(patron, "o-1")
    assert balance_of(patron, mid) == program.earning.welcome_bonus
