"""The console's campaigns on both stores: a marketer previews an audience, creates a
campaign with its content, launches it; after its run the results are shown with a
chart; an analyst reads but changes nothing; a refused campaign says why and writes
nothing."""

from __future__ import annotations

import html
import re
from collections.abc import Callable

from fastapi.testclient import TestClient

from patron.bootstrap import Patron
from patron.domain.experiments import Arm
from patron.services.campaigns import (
    CampaignSpec,
    CreateCampaign,
    campaign_content,
    create_campaign,
)
from tests.conftest import Clock, use_program
from tests.integration.helpers import member
from tests.usecases.test_experiments import expected_arm
from tests.web.conftest import token

PROGRAM = """
name = "Console campaigns"
currency = "EUR"

[earning]
points_per_unit = 1
"""
SALT = "preview"  # the create form's preview draws with this salt
FORM = {
    "name": "spring", "channel": "email", "holdout_share": "0.5", "variants": "A=1",
    "consent": "", "subject": "Hello {{ member.first_name }}", "text": "Spring offers",
    "bonus": "100", "offer_days": "7", "attribution_days": "14",
}  # fmt: skip


def test_a_marketer_previews_creates_launches_and_reads_the_results(
    patron: Patron, clock: Clock, log_in: Callable[[str], TestClient]
) -> None:
    use_program(patron, PROGRAM)
    ids = [member(patron, f"c-{i}", email=f"c{i}@x.org") for i in range(10)]
    browser = log_in("marketer")
    page = browser.get("/console/campaigns")
    assert page.status_code == 200 and 'id="no-campaigns"' in page.text
    assert 'href="/console/campaigns"' in page.text  # in the nav
    csrf = token(page.text)
    shown = browser.post("/console/campaigns", data={**FORM, "csrf": csrf, "action": "preview"})
    assert shown.status_code == 200, shown.text
    held = sum(1 for m in ids if expected_arm(SALT, m, 0.5) is Arm.CONTROL)
    assert f"10 members: {held} held out, {10 - held} treated." in shown.text
    assert 'value="spring"' in shown.text  # the form keeps what was typed
    sent = browser.post("/console/campaigns", data={**FORM, "csrf": csrf, "action": "save"})
    assert sent.status_code == 303, sent.text
    location = sent.headers["location"]
    detail = browser.get(location)
    assert detail.status_code == 200 and 'id="launch-form"' in detail.text
    assert 'id="sample"' in detail.text
    assert browser.post(location + "/launch", data={"csrf": csrf}).status_code == 303
    assert [name for name, _ in patron.run_due_campaigns("cli:test")] == ["spring"]
    clock.advance(hours=2)  # sessions last 12 hours
    done = browser.get(location)
    assert 'id="runs"' in done.text and 'id="arms"' in done.text
    assert '<figure class="chart" id="means"><svg' in done.text
    assert 'id="campaign-form"' not in done.text  # it ran: no edit form


def test_a_refused_campaign_says_why_and_an_analyst_changes_nothing(
    patron: Patron, log_in: Callable[[str], TestClient]
) -> None:
    use_program(patron, PROGRAM)
    browser = log_in("owner")
    csrf = token(browser.get("/console/campaigns").text)
    refused = browser.post("/console/campaigns", data={**FORM, "segments": "winners", "csrf": csrf})
    assert refused.status_code == 422 and "is no RFM segment" in refused.text
    assert patron.read(lambda uow: uow.campaigns.all()) == []
    analyst = log_in("analyst")
    page = analyst.get("/console/campaigns")
    assert page.status_code == 200 and 'id="campaign-form"' not in page.text
    denied = analyst.post("/console/campaigns", data={**FORM, "csrf": token(page.text)})
    assert denied.status_code == 403
    assert patron.read(lambda uow: uow.campaigns.all()) == []


def test_an_unchanged_save_of_an_ab_campaign_keeps_each_variants_content(
    patron: Patron, clock: Clock, log_in: Callable[[str], TestClient]
) -> None:
    """The form's one content box shows variant A: saving it as shown changes nothing,
    and a change to it reaches A only; B keeps its own subject, text and HTML."""
    use_program(patron, PROGRAM)
    content = {
        "A": {"subject": "A subject", "text": "A text", "html": "<p>A</p>"},
        "B": {"subject": "B subject", "text": "B text", "html": "<p>B</p>"},
    }
    spec = CampaignSpec(name="ab", variants={"A": "0.5", "B": "0.5"}, salt="ab")
    cid = patron.run(create_campaign, CreateCampaign(spec, "cli:test", content)).campaign.id

    def stored() -> dict[str, tuple[str, str, str | None, object]]:
        found = patron.read(campaign_content, str(cid))
        return {v: (t[0].subject, t[0].text, t[0].html, t[0].updated_at) for v, t in found.items()}

    before = stored()
    clock.advance(minutes=5)  # a template written again would show a later updated_at
    browser = log_in("marketer")
    page = browser.get(f"/console/campaigns/{cid}")
    assert 'name="content_variant" value="A"' in page.text
    form = _edit_form(page.text)
    assert form["subject"] == "A subject" and form["text"] == "A text"
    saved = browser.post(f"/console/campaigns/{cid}", data=form)
    assert saved.status_code == 303, saved.text
    assert stored() == before  # nothing rewritten, B untouched
    changed = browser.post(f"/console/campaigns/{cid}", data={**form, "subject": "A new"})
    assert changed.status_code == 303, changed.text
    after = stored()
    assert after["A"][:3] == ("A new", "A text", "<p>A</p>")
    assert after["B"] == before["B"]


def _edit_form(page: str) -> dict[str, str]:
    """The edit form's fields as the page shows them, ready to post back."""
    body = page[page.index('id="campaign-form"') :]
    form = {
        name: html.unescape(value)
        for name, value in re.findall(r'<input[^>]* name="(\w+)"[^>]* value="([^"]*)"', body)
    }
    for name in ("text", "html"):  # the textareas
        found = re.search(rf'<textarea[^>]* name="{name}"[^>]*>(.*?)</textarea>', body, re.S)
        assert found is not None
        form[name] = html.unescape(found.group(1))
    return form | {"consent": "on", "action": "save"}


def test_a_marketer_writes_each_variant_in_each_language_from_the_console(
    patron: Patron, log_in: Callable[[str], TestClient]
) -> None:
    """The page chooses the content shown by `?variant=` and `?locale=`: variant B is
    changed alone, then given a Romanian text, and A keeps its one English content."""
    use_program(patron, PROGRAM)
    content = {
        "A": {"subject": "A subject", "text": "A text"},
        "B": {"subject": "B subject", "text": "B text"},
    }
    spec = CampaignSpec(name="ab", variants={"A": "0.5", "B": "0.5"}, salt="ab")
    cid = patron.run(create_campaign, CreateCampaign(spec, "cli:test", content)).campaign.id

    def stored() -> dict[str, dict[str, tuple[str, str]]]:
        found = patron.read(campaign_content, str(cid))
        return {v: {t.locale: (t.subject, t.text) for t in ts} for v, ts in found.items()}

    browser = log_in("marketer")
    # when B is asked for: its content is shown, and saved to B alone
    page = browser.get(f"/console/campaigns/{cid}?variant=B")
    form = _edit_form(page.text)
    assert (form["content_variant"], form["content_locale"]) == ("B", "en")
    assert (form["subject"], form["text"]) == ("B subject", "B text")
    saved = browser.post(f"/console/campaigns/{cid}", data={**form, "subject": "B new"})
    assert saved.status_code == 303, saved.text
    assert stored() == {"A": {"en": ("A subject", "A text")}, "B": {"en": ("B new", "B text")}}
    # when B in Romanian is asked for: an empty box, saved as B's Romanian content
    page = browser.get(f"/console/campaigns/{cid}?variant=B&locale=ro")
    form = _edit_form(page.text)
    assert (form["content_variant"], form["content_locale"], form["subject"]) == ("B", "ro", "")
    written = {**form, "subject": "Salut {{ member.first_name }}", "text": "Text B"}
    assert browser.post(f"/console/campaigns/{cid}", data=written).status_code == 303
    assert stored() == {
        "A": {"en": ("A subject", "A text")},
        "B": {"en": ("B new", "B text"), "ro": ("Salut {{ member.first_name }}", "Text B")},
    }
    # then the page says what is written; an unknown variant or language shows the first
    page = browser.get(f"/console/campaigns/{cid}")
    assert "variant A (en); variant B (en, ro)" in page.text
    for asked in ("?variant=Z", "?variant=B&locale=xx-yy-zz", "?variant=B&locale=RO"):
        form = _edit_form(browser.get(f"/console/campaigns/{cid}{asked}").text)
        assert (form["content_variant"], form["content_locale"]) == ("A", "en"), asked
