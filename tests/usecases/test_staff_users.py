"""Staff users (services/staff.py): created with a role and an Argon2id hash, logins
checked and limited, the last owner kept, every change audited under its actor.

Elsewhere: the rules (tests/unit/test_staff_rules.py); `patron user`
(tests/integration/test_users_cli.py)."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher, profiles

from patron.bootstrap import Patron
from patron.domain.audit import AuditQuery
from patron.domain.errors import InvalidInput, LastOwner, NotFound, StaffUserExists
from patron.domain.staff import Role
from patron.services import staff
from patron.services.audit import audit_trail
from patron.services.staff import (
    Created,
    Login,
    LoginOutcome,
    NewUser,
    create_user,
    disable_user,
    enable_user,
    list_users,
    log_in,
    set_password,
    set_role,
)
from tests.conftest import Clock

PASSWORD = "correct horse battery"
# the tests hash with Argon2id's cheapest parameters: the real ones take a quarter of a
# second per hash on these machines, by design (test_real_hashes_use_rfc_9106s_...)
CHEAP = PasswordHasher.from_parameters(profiles.CHEAPEST)


@pytest.fixture(autouse=True)
def cheap_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(staff, "_hasher", CHEAP)
    staff._dummy_hash.cache_clear()


def test_real_hashes_use_rfc_9106s_low_memory_profile(
    patron: Patron, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.undo()  # the hasher services/staff.py made at import
    _create(patron, "ana@shop.ro")
    # Argon2id, 64 MiB, 3 passes, 4 lanes: RFC 9106's second recommended option
    assert _hash(patron, "ana@shop.ro").startswith("$argon2id$v=19$m=65536,t=3,p=4$")


def _create(
    patron: Patron, email: str, role: str = "owner", password: str | None = PASSWORD
) -> Created:
    return patron.run(
        lambda uow, n: create_user(uow, n, "cli:root"), NewUser(email, role, None, password)
    )


def _login(patron: Patron, email: str, password: str = PASSWORD) -> LoginOutcome:
    return patron.run(log_in, Login(email, password)).outcome


def _user_actions(patron: Patron) -> list[str]:
    entries = patron.read(audit_trail, AuditQuery()).entries
    return [e.action for e in entries if e.action.startswith("user.")]


def _hash(patron: Patron, email: str) -> str:
    with patron.uow(readonly=True) as uow:
        user = uow.staff.by_email(email)
        assert user is not None
        return uow.staff.password_hash(user.id)


def test_a_user_is_created_with_an_argon2id_hash_and_audited(patron: Patron, clock: Clock) -> None:
    created = _create(patron, " Ana@Shop.RO", "marketer")
    assert created.password is None  # given, so not shown back
    assert (created.user.email, created.user.role) == ("ana@shop.ro", Role.MARKETER)
    stored = _hash(patron, "ana@shop.ro")
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert CHEAP.verify(stored, PASSWORD)
    entries = patron.read(audit_trail, AuditQuery(action="user.created")).entries
    assert [(e.actor, e.details) for e in entries] == [
        ("cli:root", {"email": "ana@shop.ro", "role": "marketer"})
    ]


def test_a_generated_password_is_returned_once_and_works(patron: Patron) -> None:
    created = _create(patron, "bo@shop.ro", "analyst", password=None)
    assert created.password is not None and len(created.password) == 20
    assert _login(patron, "BO@shop.ro", created.password) is LoginOutcome.OK
    [user] = patron.read(list_users)
    assert user.last_login_at is not None


def test_an_email_taken_in_another_case_is_refused_with_the_users_id(patron: Patron) -> None:
    first = _create(patron, "ana@shop.ro")
    with pytest.raises(StaffUserExists) as refused:
        _create(patron, "ANA@shop.ro", "analyst")
    assert refused.value.facts == {"user_id": first.user.id}
    assert len(patron.read(list_users)) == 1


def test_bad_input_changes_nothing(patron: Patron) -> None:
    with pytest.raises(InvalidInput, match="at least 12"):
        _create(patron, "ana@shop.ro", password="short")
    with pytest.raises(InvalidInput, match="role"):
        _create(patron, "ana@shop.ro", role="boss")
    assert patron.read(list_users) == []
    assert _user_actions(patron) == []


def test_unknown_email_disabled_user_and_wrong_password_are_refused_alike(patron: Patron) -> None:
    _create(patron, "ana@shop.ro")
    _create(patron, "bo@shop.ro")
    patron.run(lambda uow, e: disable_user(uow, e, "cli:root"), "bo@shop.ro")
    assert _login(patron, "nobody@shop.ro") is LoginOutcome.REFUSED
    assert _login(patron, "not an address") is LoginOutcome.REFUSED
    assert _login(patron, "bo@shop.ro") is LoginOutcome.REFUSED  # right password, disabled
    assert _login(patron, "ana@shop.ro", "wrong password!") is LoginOutcome.REFUSED
    assert _login(patron, "ana@shop.ro") is LoginOutcome.OK
    patron.run(lambda uow, e: enable_user(uow, e, "cli:root"), "bo@shop.ro")
    assert _login(patron, "bo@shop.ro") is LoginOutcome.OK


def test_five_wrong_passwords_lock_the_user_for_fifteen_minutes(
    patron: Patron, clock: Clock
) -> None:
    _create(patron, "ana@shop.ro")
    outcomes = [_login(patron, "ana@shop.ro", f"wrong password {i}") for i in range(5)]
    assert outcomes == [LoginOutcome.REFUSED] * 4 + [LoginOutcome.LOCKED]
    # the right password during the lock is refused too: the lock tells a guesser nothing
    assert _login(patron, "ana@shop.ro") is LoginOutcome.LOCKED
    clock.advance(minutes=14, seconds=59)
    assert _login(patron, "ana@shop.ro") is LoginOutcome.LOCKED
    clock.advance(seconds=1)
    assert _login(patron, "ana@shop.ro") is LoginOutcome.OK
    # a good login clears the count: four more failures do not lock
    outcomes = [_login(patron, "ana@shop.ro", f"wrong password {i}") for i in range(4)]
    assert outcomes == [LoginOutcome.REFUSED] * 4


def test_a_new_password_lifts_the_lock(patron: Patron) -> None:
    _create(patron, "ana@shop.ro")
    for i in range(5):
        _login(patron, "ana@shop.ro", f"wrong password {i}")
    new = patron.run(lambda uow, e: set_password(uow, e, None, "cli:root"), "ana@shop.ro")
    assert new.password is not None
    assert _login(patron, "ana@shop.ro") is LoginOutcome.REFUSED  # the old one is gone
    assert _login(patron, "ana@shop.ro", new.password) is LoginOutcome.OK


def test_a_hash_made_with_older_parameters_is_replaced_at_the_next_good_login(
    patron: Patron,
) -> None:
    _create(patron, "ana@shop.ro")
    weak = PasswordHasher(time_cost=2, memory_cost=8, parallelism=1).hash(PASSWORD)
    with patron.uow() as uow:
        user = uow.staff.by_email("ana@shop.ro")
        assert user is not None
        uow.staff.set_password_hash(user.id, weak)
        uow.commit()
    assert _login(patron, "ana@shop.ro", "wrong password 1") is LoginOutcome.REFUSED
    assert _hash(patron, "ana@shop.ro") == weak  # a wrong password changes nothing
    assert _login(patron, "ana@shop.ro") is LoginOutcome.OK
    rehashed = _hash(patron, "ana@shop.ro")
    assert rehashed != weak and not CHEAP.check_needs_rehash(rehashed)


def test_the_last_active_owner_can_be_neither_demoted_nor_disabled(patron: Patron) -> None:
    ana = _create(patron, "ana@shop.ro").user
    with pytest.raises(LastOwner) as refused:
        patron.run(lambda uow, e: set_role(uow, e, "analyst", "cli:root"), "ana@shop.ro")
    assert refused.value.facts == {"user_id": ana.id}
    with pytest.raises(LastOwner):
        patron.run(lambda uow, e: disable_user(uow, e, "cli:root"), "ana@shop.ro")
    _create(patron, "bo@shop.ro", "owner")
    changed = patron.run(lambda uow, e: set_role(uow, e, "analyst", "cli:root"), "ana@shop.ro")
    assert changed.role is Role.ANALYST
    with pytest.raises(LastOwner):
        patron.run(lambda uow, e: disable_user(uow, e, "cli:root"), "bo@shop.ro")
    assert _user_actions(patron) == ["user.created", "user.created", "user.role_changed"]


def test_changes_to_a_user_who_does_not_exist_are_refused(patron: Patron) -> None:
    with pytest.raises(NotFound, match="no staff user ghost@shop.ro"):
        patron.run(lambda uow, e: set_role(uow, e, "analyst", "cli:root"), "ghost@shop.ro")


def test_disabling_twice_audits_once(patron: Patron, clock: Clock) -> None:
    _create(patron, "ana@shop.ro")
    _create(patron, "bo@shop.ro", "analyst")
    first = patron.run(lambda uow, e: disable_user(uow, e, "cli:root"), "bo@shop.ro")
    clock.advance(minutes=1)
    again = patron.run(lambda uow, e: disable_user(uow, e, "cli:root"), "bo@shop.ro")
    assert first.disabled_at == again.disabled_at is not None
    assert _user_actions(patron).count("user.disabled") == 1
