"""The README tour's checker (tests/support/readme_tour.py) catches what it must.

The tour test passes when the README is true; these show that the checker it relies on
fails when a shown output is not, and tolerates exactly the placeholders.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.readme_tour import Step, check, outputs, script, tour_steps

README = """# Thing

## A five-minute tour

<!-- a comment -->

```sh
X=1                       # prints nothing, joins the next step
echo '{"id": 7, "n": 1}'
# -> {"id": <its id>,
#     "n": 1}
echo 'total: 5 members'
# -> total: 5 members
```

```text
not run
```

## Next

```sh
echo never
```
"""


def test_the_section_s_sh_blocks_split_into_steps_at_each_shown_output() -> None:
    steps = tour_steps(README)
    assert steps == [
        Step(
            "X=1                       # prints nothing, joins the next step\n"
            'echo \'{"id": 7, "n": 1}\'',
            '{"id": <its id>, "n": 1}',
            10,
        ),
        Step("echo 'total: 5 members'", "total: 5 members", 13),
    ]


def test_a_block_left_open_or_an_output_without_a_command_is_refused() -> None:
    with pytest.raises(AssertionError, match="never closed"):
        tour_steps("## A five-minute tour\n```sh\necho x\n")
    with pytest.raises(AssertionError, match="no command above it"):
        tour_steps("## A five-minute tour\n```sh\n# -> x\n```\n")
    with pytest.raises(AssertionError, match="no section"):
        tour_steps("## A tour\n")


def test_the_script_marks_each_step_so_outputs_come_apart() -> None:
    steps = [Step("echo a", "a", 1), Step("true", None, 2), Step("echo b", "b", 3)]
    text = script(steps)
    assert text.startswith("set -eo pipefail\nexec 2>&1\n")
    printed = "\n@@readme tour step 0@@\na\n\n@@readme tour step 1@@\n\n@@readme tour step 2@@\nb\n"
    assert outputs(printed[1:], 4) == ["a\n", "", "b\n", None]


def json_step(shown: str) -> Step:
    return Step("run", shown, 1)


def test_json_is_compared_field_by_field_with_types() -> None:
    shown = json_step('{"points": 100, "value": "1.00", "expiring": [], "tier": null}')
    same = '{"tier": null, "expiring": [], "value": "1.00", "points": 100}'
    assert check(shown, same, {}) == []
    assert check(shown, same.replace("100", "101"), {}) == [".points: shown 100, answered 101"]
    assert check(shown, same.replace('"1.00"', "1.0"), {}) == [".value: shown '1.00', answered 1.0"]
    assert check(shown, same.replace("100", "100.0"), {}) == [".points: shown 100, answered 100.0"]
    assert check(shown, same.replace("[]", "[1]"), {}) == [".expiring: shown [], answered [1]"]


def test_json_fields_answered_but_not_shown_or_shown_but_not_answered_fail() -> None:
    shown = json_step('{"a": 1, "b": 2}')
    assert check(shown, '{"a": 1, "c": 2}', {}) == [
        "the answer: shown but not answered: ['b']",
        "the answer: answered but not shown: ['c']",
    ]
    assert check(shown, "not json", {}) == ["the output is not JSON: 'not json'"]


def test_a_placeholder_takes_any_one_value_and_the_same_one_everywhere() -> None:
    bound: dict[str, Any] = {}
    assert check(json_step('{"id": <Ana>, "at": <time>}'), '{"id": 5001, "at": "x"}', bound) == []
    assert bound == {"Ana": 5001, "time": "x"}
    assert check(json_step('{"member_id": <Ana>}'), '{"member_id": 5001}', bound) == []
    assert check(json_step('{"member_id": <Ana>}'), '{"member_id": 5002}', bound) == [
        ".member_id: <Ana> was 5001 before, here 5002"
    ]
    assert check(json_step('{"member_id": <Ana>}'), '{"member_id": "5001"}', bound) == [
        ".member_id: <Ana> was 5001 before, here '5001'"
    ]
    assert check(json_step('{"lines": <x>}'), '{"lines": [1]}', {}) == [
        ".lines: <x> stands for one value, got [1]"
    ]


def test_a_text_line_is_found_as_words_in_one_output_line() -> None:
    step = Step("run", 'top 20% of customers bring 74.3% of revenue\n"revenue": 4277.91,', 1)
    output = "table\ntop 20% of customers bring 74.3% of revenue\n│ revenue │ 4277.91 │\n"
    assert check(step, output, {}) == []
    assert check(step, output.replace("74.3", "74.4"), {}) == [
        "no output line reads 'top 20% of customers bring 74.3% of revenue'"
    ]
    # words split over two lines are not one line
    assert check(step, output.replace("bring 74.3%", "bring\n74.3%"), {}) != []


def test_a_text_placeholder_is_one_word_bound_like_a_json_one() -> None:
    bound: dict[str, Any] = {}
    step = Step("run", "5121 members: <up> up, <down> down", 1)
    assert check(step, "5121 members: 4 up, 99 down", bound) == []
    assert bound == {"up": "4", "down": "99"}
    assert check(step, "5121 members: 5 up, 99 down", bound) == [
        "no output line reads '5121 members: <up> up, <down> down'"
    ]
    assert check(Step("run", "<n> members", 1), "members", {}) == [
        "no output line reads '<n> members'"
    ]
