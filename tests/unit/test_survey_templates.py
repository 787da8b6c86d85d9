"""The packaged templates of the survey invitation (engage/templates/journey/survey), in
English and Romanian, rendered as the worker renders them (engage/render.py, with the
fields of domain/message_fields.py and the context `survey_invitation` gives): each part
renders, the body carries the survey's absolute link and the unsubscribe link."""

from __future__ import annotations

import pytest

from patron.domain.message_fields import fields
from patron.engage.render import packaged_template, render

LINK = "/portal/survey/1.2.3.sig"  # the path survey_invitation puts in the context
FIELDS = fields(
    name="Ana Pop",
    balance=320,
    tier="Bronze",
    referral_code="ANA-1",
    expiring=None,
    reward=None,
    portal_url="https://l.example/portal",
    unsubscribe_url="https://l.example/u/abc",
    context={"survey_url": LINK, "survey_id": 1, "purchase_id": 3},
)


@pytest.mark.parametrize("locale", ["en", "ro"])
def test_each_part_renders_with_the_absolute_link(locale: str) -> None:
    template = packaged_template("journey/survey", locale)
    assert template is not None
    done = render("journey/survey", template, FIELDS)
    assert "Ana" in done.text and "\n" not in done.subject.strip()
    for body in (done.text, done.html or ""):
        assert f"https://l.example{LINK}" in body
        assert "https://l.example/u/abc" in body
