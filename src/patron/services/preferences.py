"""A member's marketing preferences per channel, and the links in messages that change
them without a login: one-click unsubscribe (RFC 8058) and the newsletter's confirmation.

Design overview. Each channel has its consent purpose (domain/consent.py: `marketing` for
e-mail, `marketing_sms`, `marketing_push`); a preference is that purpose's latest record,
with when and how it was given. A change appends a record (services/consents.py), never
rewrites one. A link's token is signed with the server's secret `messages.links`
(domain/message_links.py): an unsubscribe appends a `no` with the source `unsubscribe`
and the message it came in, at once (DESIGN.md §4: before the next send); a confirmation
turns a yes awaiting it into a yes. Following a link twice changes nothing the second
time and says the same.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from patron.domain.consent import (
    MARKETING,
    PURPOSES,
    ConsentRecord,
    ConsentSource,
    ConsentState,
    state_of,
)
from patron.domain.errors import InvalidInput, NotFound
from patron.domain.message_links import BadLink, LinkAction, MessageLink, sign, verify
from patron.domain.messages import CONSENT_PURPOSE, Channel, Kind, Outgoing, Queued
from patron.services.consents import awaiting_confirmation, consent_state, record_consent
from patron.services.messages import enqueue
from patron.services.secrets import server_secret
from patron.store.uow import UnitOfWork

LINKS_KEY = "messages.links"
UNSUBSCRIBE_PATH = "/u/"
_LOCALE = re.compile(r"^[a-z]{2,3}(_[A-Z]{2})?$")


@dataclass(frozen=True, slots=True)
class Preference:
    purpose: str
    state: ConsentState
    awaiting: bool  # a yes waiting for the confirmation of the address
    recorded_at: datetime | None
    source: ConsentSource | None


@dataclass(frozen=True, slots=True)
class SetPreference:
    member_id: int
    purpose: str
    granted: bool
    source: ConsentSource
    actor: str | None = None


def preferences(uow: UnitOfWork, member_id: int) -> list[Preference]:
    """The member's preference for every channel's purpose (NotFound: no such member)."""
    if uow.members.get(member_id) is None:
        raise NotFound(f"no member {member_id}")
    found = []
    for purpose in PURPOSES:
        latest = uow.consents.latest(member_id, purpose)
        found.append(
            Preference(
                purpose,
                state_of(latest),
                awaiting_confirmation(uow, member_id, purpose),
                latest.recorded_at if latest else None,
                latest.source if latest else None,
            )
        )
    return found


def set_preference(uow: UnitOfWork, command: SetPreference) -> bool:
    """Record the member's word for one purpose; whether a record was appended."""
    if command.purpose not in PURPOSES:
        raise InvalidInput(f"purpose: {command.purpose!r} is not one of {', '.join(PURPOSES)}")
    if uow.members.get(command.member_id) is None:
        raise NotFound(f"no member {command.member_id}")
    return record_consent(
        uow, command.member_id, command.granted, command.source, command.actor, command.purpose
    )


def link_token(uow: UnitOfWork, link: MessageLink) -> str:
    """The signed token of `link` (the secret made on first use)."""
    return sign(server_secret(uow, LINKS_KEY), link)


def unsubscribe_link(
    uow: UnitOfWork, base_url: str, member_id: int, purpose: str, message_id: int | None
) -> str:
    """The one-click unsubscribe URL for a message: `<base>/u/<token>`."""
    link = MessageLink(LinkAction.UNSUBSCRIBE, member_id, purpose, message_id, uow.now)
    return f"{base_url.rstrip('/')}{UNSUBSCRIBE_PATH}{link_token(uow, link)}"


def unsubscribe_links(uow: UnitOfWork, base_url: str) -> Callable[[int, str, int | None], str]:
    """`unsubscribe_link` for a batch of messages: the secret read once, each link signed
    with it (member id, purpose, message id)."""
    secret = server_secret(uow, LINKS_KEY)
    start = f"{base_url.rstrip('/')}{UNSUBSCRIBE_PATH}"
    now = uow.now

    def link(member_id: int, purpose: str, message_id: int | None) -> str:
        made = MessageLink(LinkAction.UNSUBSCRIBE, member_id, purpose, message_id, now)
        return start + sign(secret, made)

    return link


def confirm_link(uow: UnitOfWork, base_url: str, member_id: int, purpose: str = MARKETING) -> str:
    """The URL that confirms a yes awaiting the proof of the address (double opt-in)."""
    link = MessageLink(LinkAction.CONFIRM, member_id, purpose, None, uow.now)
    return f"{base_url.rstrip('/')}{UNSUBSCRIBE_PATH}{link_token(uow, link)}"


def read_link(uow: UnitOfWork, token: str) -> MessageLink:
    """What a link does, without doing it (the page a GET shows); InvalidInput when it is
    not one of ours or has expired."""
    try:
        return verify(server_secret(uow, LINKS_KEY), token, uow.now)
    except BadLink as exc:
        raise InvalidInput(str(exc)) from exc


def follow_link(uow: UnitOfWork, token: str) -> MessageLink:
    """Do what the link says: unsubscribe from its list, or confirm the yes it asks to."""
    link = read_link(uow, token)
    if uow.members.get(link.member_id) is None:
        raise InvalidInput("this link is not one we sent")
    if link.action is LinkAction.UNSUBSCRIBE:
        _unsubscribe(uow, link)
    elif awaiting_confirmation(uow, link.member_id, link.purpose):
        record = ConsentRecord(
            link.member_id, link.purpose, True, uow.now, ConsentSource.CONFIRMATION
        )
        uow.consents.add(record)
    return link


def _unsubscribe(uow: UnitOfWork, link: MessageLink) -> None:
    latest = uow.consents.latest(link.member_id, link.purpose, unconfirmed=True)
    if latest is not None and not latest.granted:
        return  # already a no: the first unsubscribe is the one counted
    record = ConsentRecord(
        link.member_id,
        link.purpose,
        False,
        uow.now,
        ConsentSource.UNSUBSCRIBE,
        message_id=link.message_id,
    )
    uow.consents.add(record)


@dataclass(frozen=True, slots=True)
class SavePreferences:
    """The portal's preferences form: a yes or no per purpose, and the messages' language
    (None: the program's default)."""

    member_id: int
    granted: Mapping[str, bool]
    locale: str | None


def save_preferences(uow: UnitOfWork, command: SavePreferences) -> int:
    """Record every changed purpose (source `portal`) and the language; the records added."""
    if command.locale is not None and not _LOCALE.match(command.locale):
        raise InvalidInput(f"locale: {command.locale!r} is not a language such as en or ro_RO")
    added = sum(
        set_preference(
            uow, SetPreference(command.member_id, purpose, granted, ConsentSource.PORTAL)
        )
        for purpose, granted in command.granted.items()
    )
    uow.members.set_locale(command.member_id, command.locale)
    return added


def message_locale(uow: UnitOfWork, member_id: int) -> str | None:
    return uow.members.locale(member_id)


CONFIRM_TEMPLATE = "consent/confirm"  # engage/templates/consent/confirm/<locale>/


@dataclass(frozen=True, slots=True)
class ChannelConsent:
    """A consent for one channel from the API or the console. With `double_opt_in`, a
    yes to e-mail waits for the member's confirmation (a transactional e-mail with the
    link, to `base_url`/u/…)."""

    member_id: int
    channel: Channel
    granted: bool
    source: ConsentSource
    actor: str | None = None
    double_opt_in: bool = False
    base_url: str = ""


def set_channel_consent(uow: UnitOfWork, command: ChannelConsent) -> Preference:
    """Record the consent; the channel's preference after it."""
    purpose = CONSENT_PURPOSE[command.channel]
    pending = command.granted and command.double_opt_in and command.channel is Channel.EMAIL
    if pending and consent_state(uow, command.member_id, purpose) is not ConsentState.GRANTED:
        if not awaiting_confirmation(uow, command.member_id, purpose):
            record = ConsentRecord(
                command.member_id, purpose, True, uow.now, ConsentSource.UNCONFIRMED, command.actor
            )
            uow.consents.add(record)
        ask_confirmation(uow, command.member_id, command.base_url, purpose)
    else:
        set_preference(
            uow,
            SetPreference(
                command.member_id, purpose, command.granted, command.source, command.actor
            ),
        )
    return next(p for p in preferences(uow, command.member_id) if p.purpose == purpose)


def ask_confirmation(
    uow: UnitOfWork, member_id: int, base_url: str, purpose: str = MARKETING
) -> Queued:
    """Queue the transactional e-mail whose link confirms a yes awaiting it (once a
    minute at most: the key names the minute, so a retried request sends one)."""
    url = confirm_link(uow, base_url, member_id, purpose)
    key = f"consent:confirm:{purpose}:member:{member_id}:at:{uow.now:%Y%m%dT%H%M}"
    outgoing = Outgoing(
        member_id=member_id,
        channel=Channel.EMAIL,
        template=CONFIRM_TEMPLATE,
        key=key,
        kind=Kind.TRANSACTIONAL,
        context={"confirm_url": url},
    )
    return enqueue(uow, outgoing)
