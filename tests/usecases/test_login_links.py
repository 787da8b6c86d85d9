"""The portal's login by magic link (services/login_links.py), on SQLite and PostgreSQL: a
link is made only for an address a member has, kept only as its hash, limited per address,
used once within 15 minutes; an erased member gets none and cannot use one made before.

Elsewhere: the rules (tests/unit/test_login_link_rules.py); the pages
(tests/web/test_portal_login.py); the whole way through a real SMTP conversation and a
browser (tests/e2e/test_portal_browser.py)."""

from __future__ import annotations

import hashlib
from datetime import datetime

import pytest
from sqlalchemy import select

from patron.bootstrap import Patron
from patron.domain.errors import InvalidInput
from patron.domain.login_links import Refusal
from patron.services.commands import Enroll, EraseMember, MemberRef
from patron.services.enroll import enroll
from patron.services.login_links import (
    IssuedLink,
    LinkUse,
    check_link,
    portal_member,
    request_link,
    use_link,
)
from patron.services.privacy import erase_member
from patron.store.tables import login_links
from tests.conftest import Clock


def _member(patron: Patron, external_id: str, email: str | None, **more: object) -> int:
    cmd = Enroll(external_id, email=email, name=f"Name {external_id}", **more)  # type: ignore[arg-type]
    return patron.run(enroll, cmd).member.id


def _ask(patron: Patron, email: str) -> IssuedLink | None:
    return patron.run(request_link, email)


def _use(patron: Patron, token: str) -> LinkUse:
    return patron.run(use_link, token)


def _stored(patron: Patron) -> list[tuple[int, str, datetime, datetime, datetime | None]]:
    """Every row of the links' table, read straight from it."""
    t = login_links
    query = select(t.c.member_id, t.c.token_hash, t.c.created_at, t.c.expires_at, t.c.used_at)
    with patron.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(query.order_by(t.c.id))]  # type: ignore[misc]


def test_a_link_is_made_for_a_members_address_and_only_its_hash_is_kept(
    patron: Patron, clock: Clock
) -> None:
    ana = _member(patron, "c-1", "Ana.Pop@Shop.example")
    # the address as typed: another case, spaces around it
    issued = _ask(patron, "  ana.pop@shop.EXAMPLE ")
    assert issued is not None
    assert (issued.member_id, issued.email, issued.name) == (
        ana,
        "Ana.Pop@Shop.example",  # mailed to the address as the member's record holds it
        "Name c-1",
    )
    assert issued.expires_at == datetime(2026, 1, 1, 9, 15)  # the clock's 09:00 + 15 minutes
    # 32 random bytes in URL-safe base64: 43 characters
    assert len(issued.token) == 43
    digest = hashlib.sha256(issued.token.encode()).hexdigest()
    assert _stored(patron) == [
        (ana, digest, datetime(2026, 1, 1, 9, 0), datetime(2026, 1, 1, 9, 15), None)
    ]


def test_an_address_no_member_has_gets_no_link_and_leaves_no_trace(patron: Patron) -> None:
    _member(patron, "c-1", "ana@shop.example")
    _member(patron, "c-2", None)
    assert _ask(patron, "bo@shop.example") is None
    assert _stored(patron) == []


def test_what_is_not_an_address_is_refused(patron: Patron) -> None:
    with pytest.raises(InvalidInput, match="'ana' is not an e-mail address"):
        _ask(patron, "ana")


def test_a_shared_address_names_the_member_enrolled_last_that_is_not_erased(
    patron: Patron, clock: Clock
) -> None:
    # given four members with one address: enrolled in May, June, April (after the June
    # one, so with a higher id) and July, and the July one erased
    _member(patron, "c-1", "home@shop.example", enrolled_at=datetime(2025, 5, 1))
    second = _member(patron, "c-2", "HOME@shop.example", enrolled_at=datetime(2025, 6, 1))
    _member(patron, "c-3", "home@shop.example", enrolled_at=datetime(2025, 4, 1))
    third = _member(patron, "c-4", "home@shop.example", enrolled_at=datetime(2025, 7, 1))
    patron.run(erase_member, EraseMember(MemberRef(id=third), "asked", "tests"))
    # then the link is for the member enrolled on 1 June, whatever the order of their ids
    issued = _ask(patron, "home@shop.example")
    assert issued is not None and issued.member_id == second


def test_an_erased_member_gets_no_link(patron: Patron) -> None:
    ana = _member(patron, "c-1", "ana@shop.example")
    patron.run(erase_member, EraseMember(MemberRef(id=ana), "asked", "tests"))
    assert _ask(patron, "ana@shop.example") is None
    assert _stored(patron) == []


def test_three_links_per_address_in_15_minutes_then_none_until_the_first_is_15_minutes_old(
    patron: Patron, clock: Clock
) -> None:
    _member(patron, "c-1", "ana@shop.example")
    made = []
    for _ in range(3):  # at 09:00, 09:05, 09:10
        made.append(_ask(patron, "ana@shop.example"))
        clock.advance(minutes=5)
    assert all(link is not None for link in made)
    clock.now = datetime(2026, 1, 1, 9, 14, 59)
    assert _ask(patron, "ANA@shop.example") is None  # a fourth: silently none
    assert len(_stored(patron)) == 3
    clock.now = datetime(2026, 1, 1, 9, 15)  # the 09:00 link has left the window
    assert _ask(patron, "ana@shop.example") is not None
    assert _ask(patron, "ana@shop.example") is None  # 09:05, 09:10, 09:15 are in it


def test_a_link_logs_its_member_in_once(patron: Patron, clock: Clock) -> None:
    ana = _member(patron, "c-1", "ana@shop.example")
    issued = _ask(patron, "ana@shop.example")
    assert issued is not None
    clock.advance(minutes=3)
    assert _use(patron, issued.token) == LinkUse(ana, None)
    assert _stored(patron)[0][4] == datetime(2026, 1, 1, 9, 3)
    assert _use(patron, issued.token) == LinkUse(None, Refusal.USED)
    assert patron.read(check_link, issued.token) is Refusal.USED


def test_checking_a_link_does_not_use_it(patron: Patron) -> None:
    ana = _member(patron, "c-1", "ana@shop.example")
    issued = _ask(patron, "ana@shop.example")
    assert issued is not None
    for _ in range(3):  # a mail scanner, then the member, open the link
        assert patron.read(check_link, issued.token) is None
    assert _use(patron, issued.token) == LinkUse(ana, None)


def test_a_link_expires_15_minutes_after_it_was_made(patron: Patron, clock: Clock) -> None:
    ana = _member(patron, "c-1", "ana@shop.example")
    early, late = _ask(patron, "ana@shop.example"), _ask(patron, "ana@shop.example")
    assert early is not None and late is not None
    clock.advance(minutes=14, seconds=59)
    assert _use(patron, early.token) == LinkUse(ana, None)
    clock.advance(seconds=1)
    assert patron.read(check_link, late.token) is Refusal.EXPIRED
    assert _use(patron, late.token) == LinkUse(None, Refusal.EXPIRED)
    assert _stored(patron)[1][4] is None  # the refusal changed nothing


@pytest.mark.parametrize("token", ["", "x" * 43, "x" * 101])
def test_a_token_no_link_has_is_refused_as_unknown(patron: Patron, token: str) -> None:
    _member(patron, "c-1", "ana@shop.example")
    assert _ask(patron, "ana@shop.example") is not None
    assert _use(patron, token) == LinkUse(None, Refusal.UNKNOWN)


def test_a_link_made_before_the_member_was_erased_no_longer_logs_in(patron: Patron) -> None:
    ana = _member(patron, "c-1", "ana@shop.example")
    issued = _ask(patron, "ana@shop.example")
    assert issued is not None and patron.read(portal_member, ana) is not None
    patron.run(erase_member, EraseMember(MemberRef(id=ana), "asked", "tests"))
    assert _use(patron, issued.token) == LinkUse(None, Refusal.ERASED)
    assert patron.read(portal_member, ana) is None  # and their session ends


def test_links_of_one_member_do_not_count_against_another(patron: Patron, clock: Clock) -> None:
    _member(patron, "c-1", "ana@shop.example")
    _member(patron, "c-2", "bo@shop.example")
    for _ in range(3):
        assert _ask(patron, "ana@shop.example") is not None
    assert _ask(patron, "bo@shop.example") is not None
    clock.advance(minutes=1)
    assert _ask(patron, "ana@shop.example") is None


def test_tokens_are_not_repeated(patron: Patron) -> None:
    for n in range(3):
        _member(patron, f"c-{n}", f"m{n}@shop.example")
    tokens = {_ask(patron, f"m{n}@shop.example").token for n in range(3)}  # type: ignore[union-attr]
    assert len(tokens) == 3
