"""The signed links of messages (domain/message_links.py): what they name survives the
round trip; a changed character, another secret or an old confirmation is refused."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from patron.domain.message_links import BadLink, LinkAction, MessageLink, sign, verify

NOW = datetime(2026, 11, 26, 20, 0, 1)
LINK = MessageLink(LinkAction.UNSUBSCRIBE, 42, "marketing_sms", 7, NOW)


def test_a_signed_link_reads_back_as_itself() -> None:
    assert verify("secret", sign("secret", LINK), NOW) == LINK
    none = MessageLink(LinkAction.CONFIRM, 3, "marketing", None, NOW)
    assert verify("secret", sign("secret", none), NOW) == none


def test_another_member_list_or_secret_is_refused() -> None:
    token = sign("secret", LINK)
    for forged in (
        token.replace("u.42.", "u.43.", 1),
        token.replace("marketing_sms", "marketing", 1),
        token.replace("u.", "c.", 1),
    ):
        with pytest.raises(BadLink, match="not one we sent"):
            verify("secret", forged, NOW)
    with pytest.raises(BadLink, match="not one we sent"):
        verify("another", token, NOW)
    with pytest.raises(BadLink, match="not complete"):
        verify("secret", token[:-3], NOW)


def test_an_unsubscribe_link_never_expires_a_confirmation_after_seven_days() -> None:
    later = NOW + timedelta(days=7, seconds=1)
    assert verify("s", sign("s", LINK), NOW + timedelta(days=3650)) == LINK
    confirm = MessageLink(LinkAction.CONFIRM, 3, "marketing", None, NOW)
    assert verify("s", sign("s", confirm), NOW + timedelta(days=7)) == confirm
    with pytest.raises(BadLink, match="older than 7 days"):
        verify("s", sign("s", confirm), later)
