"""Rendering a message (engage/render.py): the member's locale before English, the store's
template before the package's, HTML autoescaped with its <style> rules inlined, undefined
fields and broken templates a clear RenderFailed."""

from __future__ import annotations

import signal
import time

import pytest

from patron.engage.render import RenderFailed, Template, choose, locales, render

FIELDS = {"member": {"first_name": "Ana", "name": "Ana <b>Pop</b>"}, "confirm_url": "https://x/u/t"}


def test_a_locale_is_tried_as_itself_then_its_language_then_english() -> None:
    assert locales("ro_RO") == ["ro_RO", "ro", "en"]
    assert locales("ro") == ["ro", "en"]
    assert locales(None) == ["en"]


def test_the_packaged_template_in_the_members_language_is_chosen() -> None:
    ro = choose("consent/confirm", "ro_RO", {})
    assert ro.subject.startswith("Confirmați")
    assert choose("consent/confirm", "de", {}).subject.startswith("Confirm that")


def test_the_stores_template_comes_before_the_packaged_one_in_each_locale() -> None:
    stored = {"en": Template("from the store", "t")}
    assert choose("consent/confirm", "en", stored).subject == "from the store"
    # the package's Romanian one beats the store's English one for a Romanian member
    assert choose("consent/confirm", "ro", stored).subject.startswith("Confirmați")


def test_a_name_without_a_template_anywhere_is_refused_by_name() -> None:
    with pytest.raises(RenderFailed, match="no template 'campaign/9/A'"):
        choose("campaign/9/A", "en", {})
    with pytest.raises(RenderFailed):
        choose("../render", "en", {})


def test_the_html_part_is_escaped_and_its_style_rules_inlined() -> None:
    template = Template(
        "Hi {{ member.first_name }}",
        "Hello {{ member.name }}",
        "<html><head><style>p.lead { color: #c00 }</style></head>"
        '<body><p class="lead">Hello {{ member.name }}</p></body></html>',
    )
    done = render("t", template, FIELDS)
    assert done.subject == "Hi Ana"
    assert done.text == "Hello Ana <b>Pop</b>"  # the text part is text: nothing escaped
    assert done.html is not None
    assert '<p class="lead" style="color: #c00;">Hello Ana &lt;b&gt;Pop&lt;/b&gt;</p>' in done.html
    assert "<style>" not in done.html


def test_an_undefined_field_or_a_broken_template_is_a_render_failure() -> None:
    with pytest.raises(RenderFailed, match="'t' does not render: .*balance"):
        render("t", Template("s", "{{ member.balance }}"), FIELDS)
    with pytest.raises(RenderFailed, match="'t' does not render"):
        render("t", Template("s", "{% if %}"), FIELDS)


def test_the_sandbox_keeps_a_template_from_reaching_python() -> None:
    with pytest.raises(RenderFailed):
        render("t", Template("s", "{{ ''.__class__.__mro__[1].__subclasses__() }}"), FIELDS)


def test_a_subject_is_one_line() -> None:
    assert render("t", Template("a\n{{ member.first_name }}\n", "x"), FIELDS).subject == "a Ana"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("{% for i in range(100000000) %}x{% endfor %}", "a number above 100,000"),  # calls bounded
        ('{{ "x" * 300000000 }}', "a repetition of more than 1,000,000 items"),
        ("{{ [1] * 300000000 }}", "a repetition of more than 1,000,000 items"),
        ("{{ 10 ** 1000000 }}", "an exponent above 100"),
        ("{{ 1 // 0 }}", "ZeroDivisionError"),
        ("{% for i in range(100000) %}{{ 'x' * 20 }}{% endfor %}", "over 1,000,000 characters"),
    ],
)
def test_a_template_that_would_exhaust_the_worker_fails_alone(text: str, reason: str) -> None:
    # any error of a template staff wrote fails its message, never the worker (an
    # OverflowError from the sandbox's range bound once stopped every delivery)
    with pytest.raises(RenderFailed, match=reason):
        render("campaign/1/A", Template("s", text, None), FIELDS)
    assert render("campaign/1/A", Template("s", '{{ "ab" * 3 }}', None), FIELDS).text == "ababab"


def test_a_template_slow_only_for_some_members_is_stopped_in_the_worker() -> None:
    """It passes the save-time check with the sample member, and for another member
    loops 10^8 times: the worker gives up its message after 2 s (found by a fresh-eyes
    review: minutes of CPU on each message, SIGTERM waiting behind it)."""
    slow = (
        "{% if member.first_name != 'Sample' %}{% for a in range(10000) %}"
        "{% for b in range(10000) %}{% endfor %}{% endfor %}{% endif %}Hi"
    )
    with pytest.raises(RenderFailed, match="renders for longer than 2 s"):
        render("campaign/1/A", Template("s", slow, None), FIELDS)
    # the timer is gone: a render after it, and a wait longer than the limit, are not hit
    assert render("campaign/1/A", Template("s", "{{ 1 }}", None), FIELDS).text == "1"
    time.sleep(2.5)
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
