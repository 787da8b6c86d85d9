"""A member's profile as the portal shows it and the member changes it: name, phone,
birthday (for the birthday bonus) and marketing consent; the e-mail is read only (it is
the member's login).

Each change is audited with the member as its actor (`member:<id>`); a change of consent
appends a record (domain/consent.py), never rewrites one.
"""

from __future__ import annotations

from dataclasses import dataclass

from patron.domain.audit import AuditAction
from patron.domain.birthdays import Birthday, parse_birthday
from patron.domain.consent import ConsentSource, ConsentState
from patron.domain.errors import InvalidInput
from patron.domain.joining import FormRefused, Problem, checked_name, checked_phone
from patron.services.commands import UpdateProfile
from patron.services.consents import awaiting_confirmation, consent_state, record_consent
from patron.services.members import find_member
from patron.store.uow import UnitOfWork


@dataclass(frozen=True)
class Profile:
    email: str | None
    name: str | None
    phone: str | None
    card: str | None
    marketing: ConsentState
    awaiting: bool = False  # a yes given before the address was proved (not yet counted)
    birthday: Birthday | None = None  # for the program's birthday bonus


def profile(uow: UnitOfWork, member_id: int) -> Profile:
    member = find_member(uow, member_id)
    contact = uow.contacts.get(member_id)
    state, awaiting = consent_state(uow, member_id), awaiting_confirmation(uow, member_id)
    birthday = uow.birthdays.of(member_id)
    return Profile(
        member.email, member.name, contact.phone, contact.card, state, awaiting, birthday
    )


def update_profile(uow: UnitOfWork, cmd: UpdateProfile) -> list[str]:
    """Apply the changes; the names of the fields that changed (none: nothing written)."""
    problems: dict[str, Problem] = {}
    name = phone = None
    try:
        name = checked_name(cmd.name)
    except FormRefused as refused:
        problems.update(refused.problems)
    try:
        phone = checked_phone(cmd.phone)
    except FormRefused as refused:
        problems.update(refused.problems)
    birthday = None
    if cmd.birthday and cmd.birthday.strip():
        try:
            birthday = parse_birthday(cmd.birthday, today=uow.now.date())
        except InvalidInput:
            problems["birthday"] = Problem.BAD_BIRTHDAY
    if problems or name is None:
        raise FormRefused(problems)
    before = profile(uow, cmd.member_id)
    changed: dict[str, object] = {}
    if name != before.name:
        uow.contacts.set_name(cmd.member_id, name)
        changed["name"] = True  # the audit says what changed, not the personal data
    if phone != before.phone:
        uow.contacts.set_phone(cmd.member_id, phone)
        changed["phone"] = True
    if cmd.birthday is not None and birthday != before.birthday:
        uow.birthdays.set(cmd.member_id, birthday)
        changed["birthday"] = True
    if record_consent(uow, cmd.member_id, cmd.marketing, ConsentSource.PORTAL):
        changed["marketing"] = "granted" if cmd.marketing else "declined"
    if changed:
        actor = f"member:{cmd.member_id}"
        action = AuditAction.PROFILE_CHANGED
        uow.audit.record(uow.now, actor, action, cmd.member_id, None, changed)
    return list(changed)
