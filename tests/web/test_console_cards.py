"""A customer's loyalty cards in the console (web/customer.py): listed for every role,
blocked or replaced by a role that may change data, under the staff user's name."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from patron.bootstrap import Patron
from patron.domain.audit import AuditQuery
from patron.domain.cards import CardStatus
from patron.services.audit import audit_trail
from patron.services.cards import IssueCards, LinkCard, issue_cards, link_card
from patron.services.commands import MemberRef
from tests.integration.helpers import member
from tests.web.conftest import token


def test_an_owner_replaces_a_card_and_an_analyst_cannot(
    log_in: Callable[[str], TestClient], patron: Patron
) -> None:
    ana = member(patron, "C-100", email="ana@shop.ro")
    (card,) = patron.run(issue_cards, IssueCards(1, "cli:alice")).numbers
    patron.run(link_card, LinkCard(card, MemberRef(id=ana), "apikey:till"))
    spaced = " ".join(card[i : i + 4] for i in range(0, 16, 4))
    analyst = log_in("analyst").get(f"/console/customers/{ana}").text
    assert spaced in analyst and 'value="replace"' not in analyst
    owner = log_in("owner")
    page = owner.get(f"/console/customers/{ana}").text
    form = {"action": "replace", "csrf": token(page)}
    answer = owner.post(f"/console/customers/{ana}/cards/{card}", data=form)
    assert answer.status_code == 303
    old = patron.read(lambda uow: uow.cards.get(card))
    assert old is not None and old.status is CardStatus.BLOCKED and old.replaced_by
    new = patron.read(lambda uow: uow.cards.get(old.replaced_by))
    assert new is not None and (new.member_id, new.status) == (ana, CardStatus.ACTIVE)
    assert "Card replaced." in owner.get(answer.headers["location"]).text
    [entry] = patron.read(audit_trail, AuditQuery(action="card.replaced")).entries
    assert (entry.actor, entry.member_id) == ("user:owner@shop.ro", ana)
