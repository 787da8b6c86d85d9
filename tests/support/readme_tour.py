"""The README tour as steps to run, and the check of what each step printed.

The convention (also written in a comment at the top of the README's tour section):
every ```sh block of the section runs, in order, in one bash session. A comment line
`# -> ...` shows what the commands above it print; lines right after it that start with
`#    ` continue it. A shown answer that starts with `{` or `[` is JSON and must equal the
output field by field (every field, no more, same types). Any other shown line must be
found in one output line, compared as words (quotes, commas, colons, semicolons and
table rules dropped), so tables may be wider or framed differently than shown.
`<words>` stands for a value that changes from run to run: it matches any one JSON
value that is not an object or a list (in text, one word), and the same words must match
the same value everywhere in the tour.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

SECTION = "## A five-minute tour"
SHOWN, CONTINUED = "# -> ", "#    "
PLACEHOLDER = re.compile(r"<([^<>\n]+)>")
MARK = "@@readme tour step {}@@"
_IGNORED = re.compile(r"[\"',:;|\u2500-\u257f]")  # quotes, separators, box drawing


@dataclass(frozen=True)
class Step:
    """Shell lines to run, and what the README shows they print (None: nothing shown)."""

    code: str
    shown: str | None
    line: int  # the README line of the step's first shown line, or of its code


def tour_steps(readme: str) -> list[Step]:
    """The steps of the tour section's ```sh blocks, in order."""
    lines = readme.splitlines()
    if SECTION not in lines:
        raise AssertionError(f"the README has no section {SECTION!r}")
    start = lines.index(SECTION) + 1
    end = next((i for i in range(start, len(lines)) if lines[i].startswith("## ")), len(lines))
    steps: list[Step] = []
    code: list[str] = []
    shown: list[str] = []
    inside, at = False, 0
    for number, text in enumerate(lines[start:end], start=start + 1):
        if not inside:
            inside = text.strip() == "```sh"
        elif text.strip() == "```":
            steps += _step(code, shown, at)
            inside, code, shown = False, [], []
        elif text.startswith(SHOWN):
            at = at if shown else number
            shown.append(text[len(SHOWN) :])
        elif text.startswith(CONTINUED) and shown:
            shown[-1] += " " + text[len(CONTINUED) :].strip()
        else:
            if shown:  # a command after a shown output starts the next step
                steps += _step(code, shown, at)
                code, shown = [], []
            at = at if code else number
            code.append(text)
    if inside:
        raise AssertionError("a ```sh block of the tour is never closed")
    return steps


def _step(code: list[str], shown: list[str], line: int) -> list[Step]:
    if not code and not shown:
        return []
    if not code:
        raise AssertionError(f"README line {line}: an output is shown with no command above it")
    return [Step("\n".join(code), "\n".join(shown) if shown else None, line)]


def script(steps: list[Step]) -> str:
    """One bash script: a mark before each step, so its output can be told apart."""
    parts = ["set -eo pipefail", "exec 2>&1"]
    for index, step in enumerate(steps):
        parts += [f"printf '\\n%s\\n' '{MARK.format(index)}'", step.code]
    return "\n".join(parts) + "\n"


def outputs(printed: str, count: int) -> list[str | None]:
    """Each step's output, from the script's; None for the steps it never reached."""
    found: list[str | None] = [None] * count
    pieces = re.split(r"\n@@readme tour step (\d+)@@\n", "\n" + printed)
    for index, text in zip(pieces[1::2], pieces[2::2], strict=True):
        found[int(index)] = text
    return found


def check(step: Step, output: str, bound: dict[str, Any]) -> list[str]:
    """What differs between the output and what the README shows; `bound` holds the
    values the placeholders took so far, and takes the new ones."""
    if step.shown is None:
        return []
    if step.shown.lstrip()[:1] in ("{", "["):
        return _check_json(step.shown, output, bound)
    return [p for line in step.shown.splitlines() for p in _check_line(line, output, bound)]


def _check_json(shown: str, output: str, bound: dict[str, Any]) -> list[str]:
    expected = json.loads(PLACEHOLDER.sub(lambda m: json.dumps("\0" + m[1]), shown))
    try:
        actual = json.loads(output)
    except ValueError:
        return [f"the output is not JSON: {output.strip()!r}"]
    return _compare(expected, actual, "", bound)


def _compare(expected: Any, actual: Any, path: str, bound: dict[str, Any]) -> list[str]:
    where = path or "the answer"
    if isinstance(expected, str) and expected.startswith("\0"):
        if isinstance(actual, dict | list):
            return [f"{where}: <{expected[1:]}> stands for one value, got {actual!r}"]
        return _bind(expected[1:], actual, where, bound)
    if isinstance(expected, dict) and isinstance(actual, dict):
        missing, extra = expected.keys() - actual.keys(), actual.keys() - expected.keys()
        problems = [f"{where}: shown but not answered: {sorted(missing)}"] if missing else []
        problems += [f"{where}: answered but not shown: {sorted(extra)}"] if extra else []
        for key in expected.keys() & actual.keys():
            problems += _compare(expected[key], actual[key], f"{path}.{key}", bound)
        return problems
    if isinstance(expected, list) and isinstance(actual, list) and len(expected) == len(actual):
        pairs = zip(expected, actual, strict=True)
        return [p for i, (e, a) in enumerate(pairs) for p in _compare(e, a, f"{path}[{i}]", bound)]
    if type(expected) is type(actual) and expected == actual:
        return []
    return [f"{where}: shown {expected!r}, answered {actual!r}"]


def _bind(name: str, value: Any, where: str, bound: dict[str, Any]) -> list[str]:
    if name not in bound:
        bound[name] = value
        return []
    if bound[name] == value and type(bound[name]) is type(value):
        return []
    return [f"{where}: <{name}> was {bound[name]!r} before, here {value!r}"]


def _words(text: str) -> list[str]:
    return _IGNORED.sub(" ", text).split()


def _pattern(shown: str) -> list[tuple[bool, str]]:
    """The shown line as words, each (is a placeholder, word or placeholder name)."""
    words: list[tuple[bool, str]] = []
    for index, part in enumerate(PLACEHOLDER.split(shown)):
        words += [(True, part)] if index % 2 else [(False, w) for w in _words(part)]
    return words


def _check_line(shown: str, output: str, bound: dict[str, Any]) -> list[str]:
    pattern = _pattern(shown)
    for line in output.splitlines():
        words = _words(line)
        for start in range(len(words) - len(pattern) + 1):
            taken = _match(pattern, words[start : start + len(pattern)], bound)
            if taken is not None:
                bound.update(taken)
                return []
    return [f"no output line reads {shown!r}"]


def _match(
    pattern: list[tuple[bool, str]], words: list[str], bound: dict[str, Any]
) -> dict[str, str] | None:
    taken: dict[str, str] = {}
    for (is_placeholder, expected), word in zip(pattern, words, strict=True):
        if not is_placeholder:
            if word != expected:
                return None
        elif bound.get(expected, taken.get(expected, word)) != word:
            return None
        else:
            taken[expected] = word
    return taken
