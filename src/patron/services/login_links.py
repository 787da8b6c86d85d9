"""A member's login to the portal by magic link: the link asked for, and the link used.

Design overview. `request_link` finds the member an address names and makes a link for
them, or answers None: for an address no member has, for an erased member, and beyond
the limit of links per address (domain/login_links.py). The caller tells none of these
apart from a link sent, so the form reveals nothing about who is a member. The token is
returned to be mailed and is never stored: the store keeps its SHA-256.

An address is not unique among members (a shop may have enrolled one twice, or a couple
may share one): it names the member enrolled most recently among those not erased, the
one the shop most likely knows under it today. The member's row is locked while the
links in the window are counted, so two requests at once cannot both pass the limit.

`use_link` consumes a link: it is marked used in the same transaction that checks it, so
a link logs in once even when two clicks race. A refusal is returned, not raised, and
changes nothing.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from patron.domain import login_links as rules
from patron.domain.login_links import Refusal
from patron.domain.member import Member
from patron.services.consents import confirm_consents
from patron.store.login_links import NewLoginLink
from patron.store.uow import UnitOfWork


@dataclass(frozen=True)
class IssuedLink:
    """A link to mail: the token goes in the link and nowhere else."""

    member_id: int
    email: str  # the address as the member's record holds it
    name: str | None
    token: str
    expires_at: datetime


@dataclass(frozen=True)
class LinkUse:
    """A link used: the member now logged in, or why not."""

    member_id: int | None
    refusal: Refusal | None


def request_link(uow: UnitOfWork, email: str) -> IssuedLink | None:
    """A new link for the member `email` names, or None (unknown, erased, over the
    limit), not told apart. `email` must be an e-mail address (InvalidInput otherwise)."""
    member = uow.members.by_email(rules.checked_address(email), lock=True)
    if member is None or member.erased_at is not None or member.email is None:
        return None
    made = uow.login_links.count_since(member.id, rules.window_start(uow.now))
    if not rules.may_send(made):
        return None
    token = secrets.token_urlsafe(rules.TOKEN_BYTES)
    expires_at = rules.expiry(uow.now)
    new = NewLoginLink(member.id, rules.token_hash(token), uow.now, expires_at)
    uow.login_links.add(new)
    return IssuedLink(member.id, member.email, member.name, token, expires_at)


def check_link(uow: UnitOfWork, token: str) -> Refusal | None:
    """Why the link of `token` would be refused now, or None: read only (a mail scanner
    that opens the link must not spend it)."""
    return _refusal(uow, token, lock=False)[1]


def use_link(uow: UnitOfWork, token: str) -> LinkUse:
    """Log in with the link of `token`: it is used up, and its member is logged in."""
    link, refused = _refusal(uow, token, lock=True)
    if refused is not None or link is None:
        return LinkUse(None, refused or Refusal.UNKNOWN)
    if not uow.login_links.used_before(link.member_id, link.id):
        # the first link proves the address: whoever joined with it before is logged out,
        # and a yes to the shop's news given before counts from now (double opt-in)
        uow.members.end_portal_sessions(link.member_id, uow.now)
        confirm_consents(uow, link.member_id)
    uow.login_links.mark_used(link.id, uow.now)
    return LinkUse(link.member_id, None)


def portal_member(uow: UnitOfWork, member_id: int) -> Member | None:
    """The member a portal session names, while they may still log in (None once erased)."""
    member = uow.members.get(member_id)
    return member if member is not None and member.erased_at is None else None


def session_member(uow: UnitOfWork, member_id: int, issued_at: datetime) -> Member | None:
    """The member of a portal session issued at `issued_at`, unless the session is over:
    the member logged out since, or first proved their address by a link after it (a
    session opened by joining with somebody else's address ends there)."""
    member = portal_member(uow, member_id)
    after = None if member is None else uow.members.portal_sessions_after(member_id)
    return None if member is None or (after is not None and issued_at < after) else member


def end_portal_sessions(uow: UnitOfWork, member_id: int) -> None:
    """Every portal session of the member issued until now is over (a logout)."""
    uow.members.end_portal_sessions(member_id, uow.now)


def _refusal(
    uow: UnitOfWork, token: str, *, lock: bool
) -> tuple[rules.LoginLink | None, Refusal | None]:
    if not token or len(token) > rules.MAX_TOKEN_LENGTH:
        return None, Refusal.UNKNOWN
    link = uow.login_links.by_hash(rules.token_hash(token), lock=lock)
    refused = rules.refusal(link, uow.now)
    if refused is None and link is not None and portal_member(uow, link.member_id) is None:
        refused = Refusal.ERASED
    return link, refused
