"""The console's program page (web/program.py), on both stores: the running program in
plain words, its versions and what each changed, and a new program loaded from a file or
the text, refused with every error beside its line until it is valid, and then loaded as
a new version in the name of the staff user."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient

from patron.bootstrap import Patron
from patron.domain.audit import AuditQuery
from patron.services.audit import audit_trail
from patron.services.program import current_program
from tests.web.conftest import token

EXAMPLE = (Path(__file__).resolve().parents[2] / "examples" / "program.toml").read_text()
BAD_LINE = re.compile(r'<li class="bad"><code>([^<]*)</code>((?:<span class="why">[^<]*</span>)+)')


def _load(browser: TestClient, text: str | None = None, file: bytes | None = None):  # type: ignore[no-untyped-def]
    sent = token(browser.get("/console/program").text)
    files = {"file": ("shop.toml", file, "application/toml")} if file is not None else None
    return browser.post("/console/program", data={"csrf": sent, "text": text or ""}, files=files)


def test_the_running_program_in_plain_words(log_in: Callable[[str], TestClient]) -> None:
    page = log_in("analyst").get("/console/program").text
    assert "Patron Demo Rewards, version 1" in page
    assert "Members earn 1 point per EUR spent, rounded down" in page
    assert "Purchases in <em>books</em> earn 2×." in page
    assert "Points expire 24 months after they are earned" in page
    assert '<tr><td>Silver</td><td class="num">500</td><td class="num">1.25</td>' in page
    assert "Load a new version" not in page  # an analyst reads only


def test_errors_are_shown_beside_their_lines_and_nothing_is_loaded(
    log_in: Callable[[str], TestClient], patron: Patron
) -> None:
    bad = EXAMPLE.replace("threshold = 500", "threshold = -5").replace(
        "points = 200", 'points = "many"'
    )
    answer = _load(log_in("marketer"), text=bad)
    assert answer.status_code == 422
    assert "Not loaded: 2 errors, shown beside their lines. Nothing changed." in answer.text
    shown = [
        (line.strip(), re.findall(r'<span class="why">([^<]*)</span>', why))
        for line, why in BAD_LINE.findall(answer.text)
    ]
    assert shown == [
        ("threshold = -5           # 500 EUR spent over the last 12 months",
         ["tiers.levels.1.threshold: Input should be greater than or equal to 0"]),
        ('points = &#34;many&#34;',
         ["rewards.2.points: Input should be a valid integer, unable to parse string as an"
          " integer"]),
    ]  # fmt: skip
    assert patron.read(current_program)[0] == 1


def test_a_valid_file_is_loaded_as_a_new_version_by_its_user(
    log_in: Callable[[str], TestClient], patron: Patron
) -> None:
    owner = log_in("owner")
    changed = EXAMPLE.replace("welcome_bonus = 100", "welcome_bonus = 150")
    assert changed != EXAMPLE
    answer = _load(owner, file=changed.encode())
    assert answer.status_code == 303
    assert answer.headers["location"] == "/console/program?loaded=2"
    assert "Version 2 loaded." in owner.get("/console/program?loaded=2").text
    assert "loaded." not in owner.get("/console/program?loaded=1").text  # not the running one
    version, program = patron.read(current_program)
    assert (version, program.earning.welcome_bonus) == (2, 150)
    [entry] = patron.read(audit_trail, AuditQuery(action="program.loaded", after=1)).entries
    assert (entry.actor, entry.details["version"], entry.details["source"]) == (
        "user:owner@shop.ro",
        2,
        "shop.toml",
    )
    diff = owner.get("/console/program?changes=2").text
    assert '<span class="del">-welcome_bonus = 100' in diff
    assert '<span class="add">+welcome_bonus = 150' in diff


def test_a_file_that_is_not_text_and_a_form_without_its_token_change_nothing(
    log_in: Callable[[str], TestClient], patron: Patron
) -> None:
    owner = log_in("owner")
    assert _load(owner, file=b"\xff\xfe\x00binary").status_code == 422
    forged = owner.post("/console/program", data={"csrf": "forged", "text": EXAMPLE})
    assert forged.status_code == 403
    analyst = log_in("analyst")
    refused = analyst.post(
        "/console/program", data={"csrf": token(analyst.get("/console").text), "text": EXAMPLE}
    )
    assert refused.status_code == 403
    assert patron.read(current_program)[0] == 1


def test_a_file_that_differs_only_in_comments_makes_no_new_version(
    log_in: Callable[[str], TestClient], patron: Patron
) -> None:
    # a review: re-uploading the running program with a comment edited made version 2
    owner = log_in("owner")
    commented = "# checked by Ana, 3 March\n" + EXAMPLE.replace(
        "welcome_bonus = 100         # points on enrollment", "welcome_bonus = 100"
    )
    assert commented != EXAMPLE
    answer = _load(owner, file=commented.encode())
    assert answer.status_code == 303
    assert answer.headers["location"] == "/console/program?unchanged=1"
    said = owner.get("/console/program?unchanged=1").text
    assert "No change: the file defines the running program, version 1" in said
    assert patron.read(current_program)[0] == 1
    assert not patron.read(audit_trail, AuditQuery(action="program.loaded", after=1)).entries
    # a real change still makes a version
    answer = _load(
        owner, file=commented.replace("welcome_bonus = 100", "welcome_bonus = 90").encode()
    )
    assert answer.headers["location"] == "/console/program?loaded=2"
