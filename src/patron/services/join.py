"""Joining from the portal in one step: the member enrolled with the welcome gift (and the
referral bonus), their consent recorded, and a link mailed to prove the address.

Design overview. The form is checked whole first (domain/joining.py), then the address is
looked up. An address that names a member already gets a login link, and nothing else
changes; the page answers "check your e-mail" (web/portal_join.py), as it does for a new
member, who is also logged in at once: that difference follows from joining in one step
and is the only one. A new member is enrolled through `enroll` (welcome bonus, referral
bonus and its cap), their phone kept and their card linked (services/cards.py), their
marketing answer recorded as a consent (a `no` too: an unticked box is an answer), and a
login link is made for their address: opening it proves the address, and only then are
the purchases recorded under it linked (services/unclaimed.py). Every refusal names its
field and writes nothing.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from patron.domain.cards import CardBlocked, CardMistyped, CardTaken
from patron.domain.consent import ConsentSource
from patron.domain.errors import NotFound, ReferralRefused
from patron.domain.joining import FormRefused, JoinForm, Problem, checked_join
from patron.services.cards import link_number, linkable, typed_number
from patron.services.commands import Enroll
from patron.services.consents import record_consent
from patron.services.enroll import Enrolled, enroll
from patron.services.login_links import IssuedLink, request_link
from patron.store.uow import UnitOfWork

PORTAL_CHANNEL = "portal"  # the acquisition channel of a member who joined there


@dataclass(frozen=True)
class JoinAnswer:
    """A join: the member enrolled (None: the address is a member's already), and the link
    to mail (None when the limit of links per address was reached)."""

    enrolled: Enrolled | None
    link: IssuedLink | None


def join(uow: UnitOfWork, form: JoinForm) -> JoinAnswer:
    joining = checked_join(form)
    if uow.members.by_email(joining.email, lock=True) is not None:
        return JoinAnswer(None, request_link(uow, joining.email))
    problems: dict[str, Problem] = {}
    card = _card(uow, joining.card, problems)
    code = joining.referral_code
    if code is not None:
        referrer = uow.members.by_referral_code(code)
        if referrer is None or referrer.erased_at is not None:
            problems["referral_code"] = Problem.UNKNOWN_REFERRAL
    if problems:
        raise FormRefused(problems)
    try:
        enrolled = enroll(
            uow,
            Enroll(
                external_id=f"portal-{secrets.token_hex(8)}",
                email=joining.email,
                name=joining.name,
                referral_code=code,
                acquisition_channel=PORTAL_CHANNEL,
                phone=joining.phone,
            ),
        )
    except ReferralRefused:  # a look-alike of the referrer or a friend of theirs
        raise FormRefused({"referral_code": Problem.REFERRAL_REFUSED}) from None
    member_id = enrolled.member.id
    if card is not None:
        link_number(uow, card, member_id)
    record_consent(uow, member_id, joining.marketing, ConsentSource.PORTAL)
    return JoinAnswer(enrolled, request_link(uow, joining.email))


def _card(uow: UnitOfWork, typed: str | None, problems: dict[str, Problem]) -> str | None:
    """The card typed, checked as a till's (services/cards.py); its problem noted."""
    if typed is None:
        return None
    try:
        number = typed_number(uow, typed)
        linkable(uow, number, None)
    except CardMistyped:
        problems["card"] = Problem.CARD_MISTYPED
    except NotFound:  # of the program's format, never issued
        problems["card"] = Problem.CARD_MISTYPED
    except (CardTaken, CardBlocked):
        problems["card"] = Problem.CARD_TAKEN
    else:
        return number
    return None
