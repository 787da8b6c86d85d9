"""The SMS and push adapter (engage/channels/text.py) against a local HTTP receiver: one
JSON POST with the bearer token, the provider's id answered; a 5xx or 429 or no answer
is worth another try, another 4xx is not."""

from __future__ import annotations

import pytest

from patron.engage.channels.text import HttpTextSender, TextNotSent
from tests.e2e.server import free_port
from tests.support.receiver import http_receiver


def test_a_text_is_one_json_post_with_the_bearer_token() -> None:
    with http_receiver() as receiver:
        sender = HttpTextSender(receiver.url, "tok-1", timeout=5)
        assert sender.send("+40712345678", "Hello", 17) == "p-1"
        sender.close()
    assert receiver.bodies == [{"to": "+40712345678", "text": "Hello", "message_id": 17}]
    assert receiver.headers[0]["authorization"] == "Bearer tok-1"


@pytest.mark.parametrize(("status", "permanent"), [(503, False), (429, False), (400, True)])
def test_a_refusal_says_whether_to_try_again(status: int, permanent: bool) -> None:
    with http_receiver() as receiver:
        receiver.statuses.append(status)
        sender = HttpTextSender(receiver.url, None, timeout=5)
        with pytest.raises(TextNotSent, match=f"HTTP {status}") as refused:
            sender.send("+40712345678", "Hello", 1)
        sender.close()
    assert refused.value.permanent is permanent


def test_a_provider_not_reached_is_worth_another_try() -> None:
    sender = HttpTextSender(f"http://127.0.0.1:{free_port()}/x", None, timeout=2)
    with pytest.raises(TextNotSent, match="was not reached") as refused:
        sender.send("+40712345678", "Hello", 1)
    assert refused.value.permanent is False
