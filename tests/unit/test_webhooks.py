"""The rules of webhooks (domain/webhooks.py): the signature of the Standard Webhooks
specification, the retry delays and the dead letter, the URLs and event types a
subscription may name."""

from __future__ import annotations

import base64
from datetime import datetime, timedelta

import pytest

from patron.domain import events as ev
from patron.domain.errors import InvalidInput
from patron.domain.webhooks import (
    EVENT_TYPES,
    RetryPolicy,
    WebhookUrlRefused,
    body,
    checked_event_types,
    checked_url,
    headers,
    secret_from,
    signature,
)

T0 = datetime(2026, 11, 26, 9, 0)


def test_the_signature_is_the_specifications_published_example() -> None:
    # the example of the Standard Webhooks reference libraries' tests
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    found = signature(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, b'{"test": 2432232314}')
    assert found == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_the_headers_carry_the_id_the_timestamp_and_the_signature() -> None:
    secret = secret_from(bytes(range(24)))
    assert secret == "whsec_" + base64.b64encode(bytes(range(24))).decode()
    sent = headers(secret, "evt_7", 1795686000, b"{}")
    assert sent["webhook-id"] == "evt_7"
    assert sent["webhook-timestamp"] == "1795686000"
    assert sent["webhook-signature"] == signature(secret, "evt_7", 1795686000, b"{}")


def test_the_body_is_the_same_bytes_every_time() -> None:
    one = body("points.earned", T0, 17, {"points": 120, "purchase_id": 88})
    assert one == (
        b'{"data":{"member_id":17,"points":120,"purchase_id":88},'
        b'"timestamp":"2026-11-26T09:00:00Z","type":"points.earned"}'
    )
    assert body("points.earned", T0, 17, {"purchase_id": 88, "points": 120}) == one


def test_each_failure_doubles_the_wait_up_to_the_cap() -> None:
    policy = RetryPolicy(max_attempts=20, base=timedelta(seconds=10), cap=timedelta(minutes=5))
    waits = [policy.delay(n, draw=0).total_seconds() for n in range(1, 8)]
    assert waits == [10, 20, 40, 80, 160, 300, 300]


def test_jitter_takes_off_up_to_half_the_wait() -> None:
    policy = RetryPolicy(base=timedelta(seconds=10), jitter=0.5)
    assert policy.delay(3, draw=0) == timedelta(seconds=40)
    assert policy.delay(3, draw=0.5) == timedelta(seconds=30)
    assert policy.delay(3, draw=0.999) == timedelta(seconds=20.02)


def test_after_the_last_attempt_there_is_no_next_one() -> None:
    policy = RetryPolicy(max_attempts=3, base=timedelta(seconds=10), jitter=0)
    assert policy.after_failure(1, T0, 0.7) == T0 + timedelta(seconds=10)
    assert policy.after_failure(2, T0, 0.7) == T0 + timedelta(seconds=20)
    assert policy.after_failure(3, T0, 0.7) is None


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("ftp://example.com/x", "is not an http(s) URL"),
        ("file:///etc/passwd", "is not an http(s) URL"),
        ("javascript:alert(1)", "is not an http(s) URL"),
        ("example.com/hook", "is not an http(s) URL"),
        ("https:///path", "names no host"),
        # seen in review: each was taken, and the first stopped the worker at its send
        ("http://127.0.0.1:8124/ok\r\nX: y", "holds a space or a control character"),
        ("http://exa mple.com/x", "holds a space or a control character"),
        ("http://a.example:0/x", "names port 0"),
        ("http://user:pass@[::1]:99999/x", "is not a URL (Port out of range 0-65535)"),
        ("http://[::1/x", "is not a URL (Invalid IPv6 URL)"),
    ],
)
def test_a_url_that_is_not_http_with_a_host_is_refused_saying_why(url: str, why: str) -> None:
    with pytest.raises(WebhookUrlRefused) as refused:
        checked_url(url)
    assert refused.value.message.startswith(f"url: {url!r} {why}")
    assert refused.value.code == "webhook_url_refused"


def test_http_and_https_urls_are_taken() -> None:
    assert (
        checked_url(" https://crm.example.com/patron?x=1 ") == "https://crm.example.com/patron?x=1"
    )
    assert checked_url("http://127.0.0.1:8080/hook") == "http://127.0.0.1:8080/hook"


def test_event_types_are_known_ones_or_the_star() -> None:
    assert checked_event_types(["points.earned", "tier.changed", "points.earned"]) == (
        "points.earned",
        "tier.changed",
    )
    assert checked_event_types(["*"]) == ("*",)
    with pytest.raises(InvalidInput, match="event_types: unknown points.won"):
        checked_event_types(["points.won"])
    with pytest.raises(InvalidInput, match="event_types: name at least one"):
        checked_event_types([" "])


def test_every_event_a_use_case_writes_is_one_a_subscription_may_name() -> None:
    # given one event of each factory of domain/events.py (their type is all that counts)
    at = datetime(2026, 1, 1, 9, 0)
    made = [
        ev.member_enrolled(1, at, "Bronze"),
        ev.points_earned(1, at, 10, None),
        ev.tier_changed(1, at, "Bronze", "Silver"),
        ev.points_expiring(1, at, 10, "2026-02-01"),
        ev.points_expired(1, at, 10),
        ev.redeemed(1, at, 1, 10),
        ev.redemption_cancelled(1, at, 1, 10),
        ev.refunded(1, at, 1, 10, 0),
        ev.adjusted(1, at, 10, "staff", "why"),
        ev.voucher_issued(1, at, 1, "r", "discount", None),
        ev.voucher_used(1, at, 1, "r", "discount", None),
        ev.voucher_handed_over(1, at, 1, "r", "gift"),
        ev.voucher_cancelled(1, at, 1, "r", "discount"),
        ev.rsvp_seated(1, at, 1, "r", 10, False),
        ev.rsvp_seated(1, at, 1, "r", 10, True),
        ev.rsvp_waitlisted(1, at, 1, "r", 1),
        ev.rsvp_skipped(1, at, 1, "r", "why"),
        ev.rsvp_cancelled(1, at, 1, "r", "waiting"),
        ev.rsvp_checked_in(1, at, 1, "r"),
        ev.club_joined(1, at, "c", "staff"),
        ev.club_left(1, at, "c", "staff"),
        ev.referral_rewarded(1, at, 1, "friend", 10, 1),
        ev.referral_taken_back(1, at, 1, "friend", 10, 1),
        ev.survey_detractor(1, at, 1, 1, "nps", 3, None),
    ]
    # then the subscribable types are exactly these, each accepted by a subscription
    assert sorted(e.type for e in made) == sorted(EVENT_TYPES)
    assert len(checked_event_types([e.type for e in made])) == len(EVENT_TYPES)
