"""The console's experiments (web/experiments.py), on both stores: the list with each
arm's members, and one experiment's report with its two charts (per-arm means with their
intervals; the uplift's interval against zero) beside the tables of their numbers."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

from fastapi.testclient import TestClient

from patron.bootstrap import Patron
from patron.domain.experiments import Arm
from patron.services.experiments import CreateExperiment, create_experiment
from tests.conftest import Clock
from tests.integration.helpers import member, record
from tests.usecases.test_experiments import expected_arm

SALT = "page-salt"


def test_the_list_and_a_report_with_its_charts(
    log_in: Callable[[str], TestClient], patron: Patron, clock: Clock
) -> None:
    ids = [member(patron, f"c-{i}") for i in range(10)]
    for i, m in enumerate(ids):
        record(patron, m, f"pre-{i}", at=clock() - timedelta(days=3))
    patron.run(
        create_experiment,
        CreateExperiment("h", "holdout", "cli:test", control_share=Decimal("0.5"), salt=SALT),
    )
    clock.advance(days=2)
    for i, m in enumerate(ids):
        if i % 3:  # two in three buy in the period
            record(patron, m, f"now-{i}")
    clock.advance(days=1)
    control = sum(expected_arm(SALT, m, 0.5) is Arm.CONTROL for m in ids)
    client = log_in("analyst")

    listed = client.get("/console/experiments").text
    row = re.search(r'<table class="list" id="experiments">.*?</table>', listed, re.S)
    assert row is not None and ">h</a>" in row.group(0)
    cells = re.findall(r'<td class="num">([^<]*)</td>', row.group(0))
    assert cells[-2:] == [str(control), str(10 - control)]
    assert 'href="/console/experiments"' in listed  # in the nav

    page = client.get("/console/experiments?name=h").text
    arms = re.search(r'<table class="list" id="arms">.*?</table>', page, re.S)
    assert arms is not None
    members = re.findall(r'<th scope="row">(control|treatment)</th><td class="num">(\d+)</td>',
                         arms.group(0))  # fmt: skip
    assert members == [("control", str(control)), ("treatment", str(10 - control))]
    for figure in ("means", "uplift"):
        chart = re.search(
            rf'<figure class="chart" id="{figure}">(<svg.*?</svg>)</figure>', page, re.S
        )
        assert chart is not None, figure
        assert chart.group(1).count("role-mark") >= 2  # the rules and the points
    assert "Sample ratio:" in page
    assert "<script" not in page


def test_an_unknown_experiment_is_said_on_the_page(
    log_in: Callable[[str], TestClient],
) -> None:
    page = log_in("marketer").get("/console/experiments?name=nope")
    assert page.status_code == 200
    assert "no experiment named" in page.text
