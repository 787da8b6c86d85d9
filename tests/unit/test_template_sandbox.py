"""The one sandbox of saving and sending a template (domain/template_sandbox.py): the
save-time render is stopped when it runs too long or writes too much."""

from __future__ import annotations

import pytest
from jinja2.exceptions import SecurityError

from patron.domain.template_sandbox import MAX_OUTPUT, TooSlow, trial_render

FIELDS = {"member": {"first_name": "Ana"}}
# 10^8 turns of an empty loop, within every size bound of the sandbox: seconds untimed,
# a minute or more under the trace (and so stopped at 2 s) whatever the machine
NESTED = "{% for a in range(10000) %}{% for b in range(10000) %}{% endfor %}{% endfor %}"


def test_a_template_renders_as_jinja2_renders_it() -> None:
    assert trial_render("Hi {{ member.first_name }}!", html=False, fields=FIELDS) == "Hi Ana!"
    assert trial_render("<b>{{ '<i>' }}</b>", html=True, fields=FIELDS) == "<b>&lt;i&gt;</b>"


def test_loops_nested_past_the_time_are_stopped() -> None:
    with pytest.raises(TooSlow, match="renders for longer than 2 s"):
        trial_render(NESTED, html=False, fields=FIELDS)


def test_a_render_over_the_output_bound_is_refused() -> None:
    source = "{% for a in range(3) %}{{ 'x' * 400000 }}{% endfor %}"  # 1,200,000
    with pytest.raises(SecurityError, match="renders over 1,000,000 characters"):
        trial_render(source, html=False, fields=FIELDS)
    assert len(trial_render("{{ 'x' * 1000000 }}", html=False, fields=FIELDS)) == MAX_OUTPUT


def test_the_trace_of_the_caller_is_put_back() -> None:
    import sys

    def mine(*_: object) -> None:
        return None

    before = sys.gettrace()
    sys.settrace(mine)  # type: ignore[arg-type]
    try:
        trial_render("{{ 1 }}", html=False, fields=FIELDS)
        with pytest.raises(TooSlow):
            trial_render(NESTED, html=False, fields=FIELDS)
        assert sys.gettrace() is mine
    finally:
        sys.settrace(before)


@pytest.mark.parametrize(
    "source",
    [
        "{{ (((10**100)**100)**100)**100 > 0 }}",  # one C operation: no time check stops it
        "{{ (10**400) * (10**400) * (10**400) * (10**400) }}",  # 5,300 bits
        "{% set l = [0] * 1000000 %}{{ ([l] * 1000)|sum(start=[])|length }}",
        '{{ "x".ljust(900000000)|length }}',
        '{{ "x"|center(900000000)|length }}',
        '{{ "{:>900000000}".format(1)|length }}',
        '{{ "%0900000000d"|format(1)|length }}',
        '{{ "%0900000000d" % 1 }}',
        '{{ "a\nb"|indent(900000000)|length }}',
        '{{ ("a" * 1000000).replace("", "b" * 900)|length }}',
        '{{ ("a" * 1000)|list|join("b" * 1000000)|length }}',
        "{{ lipsum(n=100000000)|length }}",
    ],
)
def test_one_operation_too_big_for_any_clock_is_refused_before_it_runs(source: str) -> None:
    """Found by a fresh-eyes review: each ran for minutes or took gigabytes within the
    earlier bounds (the save then held SQLite's write lock all along)."""
    with pytest.raises(SecurityError):
        trial_render(source, html=False, fields=FIELDS)


@pytest.mark.parametrize(
    ("source", "rendered"),
    [
        (
            "{{ 2 ** 10 }} {{ 12 * 3 }} {{ '%05d' % 42 }} {{ '{:>6}'.format('ab') }}",
            "1024 36 00042     ab",
        ),
        ("{{ 'ab'|center(6) }}|{{ [1, 2, 3]|sum }}|{{ ['a', 'b']|join(', ') }}", "  ab  |6|a, b"),
        ("{{ 150000|tojson }} {{ 'a-b'.replace('-', '+') }} {{ '%s'|format(7) }}", "150000 a+b 7"),
    ],
)
def test_what_a_message_needs_still_renders(source: str, rendered: str) -> None:
    assert trial_render(source, html=False, fields=FIELDS) == rendered
