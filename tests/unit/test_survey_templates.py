"""The packaged templates of the survey invitation (engage/templates/journey/survey), in
English and Romanian: each renders with the fields every template may use (docs/messages.md)
and carries the survey's link and the unsubscribe link; nothing undefined is used."""

from __future__ import annotations

from pathlib import Path

import jinja2
import pytest

import patron

FOLDER = Path(patron.__file__).parent / "engage" / "templates" / "journey" / "survey"
FIELDS = {
    "member": {"name": "Ana Pop", "first_name": "Ana", "balance": 320, "tier": "Bronze",
               "referral_code": "ANA-1"},
    "portal_url": "https://l.example/portal",
    "unsubscribe_url": "https://l.example/u/abc",
    "context": {"survey_url": "https://l.example/portal/survey/1.2.3.sig", "survey_id": 1,
                "purchase_id": 3},
}  # fmt: skip


@pytest.mark.parametrize("locale", ["en", "ro"])
@pytest.mark.parametrize("part", ["subject.txt", "body.txt", "body.html"])
def test_each_part_renders_with_the_link(locale: str, part: str) -> None:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(FOLDER / locale),
        undefined=jinja2.StrictUndefined,
        autoescape=part.endswith(".html"),
    )
    text = env.get_template(part).render(**FIELDS)
    assert "Ana" in text
    if part != "subject.txt":
        assert FIELDS["context"]["survey_url"] in text  # type: ignore[index]
        assert FIELDS["unsubscribe_url"] in text
    else:
        assert "\n" not in text.strip()
