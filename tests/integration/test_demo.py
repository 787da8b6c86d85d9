"""`patron demo`: a store filled from `patron.synth`, scored, and an API key that works.

The expected contents come from generating the same synthetic base here (the demo's
input), not from the demo's own report.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import text
from typer.testing import CliRunner

from patron.api.app import create_app
from patron.bootstrap import Patron
from patron.cli import app
from patron.synth import SynthParams, generate
from tests.e2e.server import free_port

KEY = re.compile(r"export KEY=(ptr_\S+)")
CURL = re.compile(r'curl -H "Authorization: Bearer \$KEY" "(http://[^/"]+)(/[^"]+)"')


def demo(url: str, *options: str) -> str:
    result = CliRunner().invoke(app, ["demo", *options, "--no-serve", "--database-url", url])
    assert result.exit_code == 0, result.output
    return result.output


def test_the_demo_fills_the_store_with_the_synthetic_base_and_prints_a_working_key(
    patron: Patron,
) -> None:
    # given: what the demo will import
    expected = list(generate(SynthParams(customers=60, seed=5)))
    lines = sum(len(p.lines) for p in expected)
    url = patron.engine.url.render_as_string(hide_password=False)
    # when
    output = demo(url, "--customers", "60", "--seed", "5")
    # then: every customer and purchase is in, each member enrolled with its event
    assert f"generated 60 customers, {lines} purchase lines" in output
    with patron.engine.connect() as conn:
        members = conn.execute(text("SELECT external_id FROM members")).scalars().all()
        totals = conn.execute(text("SELECT total FROM purchases")).scalars().all()
        enrolled = conn.execute(
            text("SELECT count(*) FROM outbox WHERE type = 'member.enrolled'")
        ).scalar_one()
    # the synthetic customers, and the demo's portal member (test_no_harm.py)
    assert sorted(members) == [*(f"C{i:06d}" for i in range(1, 61)), "demo-customer"]
    assert len(totals) == len(expected)
    in_store = sum((Decimal(str(t)).quantize(Decimal("0.01")) for t in totals), Decimal(0))
    assert in_store == sum((p.amount for p in expected), Decimal(0))
    assert enrolled == 61
    assert CliRunner().invoke(app, ["verify", "--database-url", url]).exit_code == 0
    # and the printed key reads the member the printed example names
    match = KEY.search(output)
    assert match is not None, output
    with TestClient(create_app(patron)) as client:
        ok = client.get(
            "/v1/members/C000001/balance", headers={"Authorization": f"Bearer {match[1]}"}
        )
        anonymous = client.get("/v1/members/C000001/balance")
    assert ok.status_code == 200, ok.text
    assert ok.json()["tier"] in {"Bronze", "Silver", "Gold"}
    assert anonymous.status_code == 401
    # when run again: nothing is generated twice, and a new key is printed
    again = demo(url, "--customers", "60", "--seed", "5")
    assert "demo data already present" in again and "generated" not in again
    with patron.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM purchases")).scalar_one() == len(totals)
    second = KEY.search(again)
    assert second is not None and second[1] != match[1]


def test_the_demo_serves_the_api_it_prints(tmp_path: Path) -> None:
    """The real command, as `make run` starts it: it serves until stopped."""
    port = free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "PATRON_HOST": "127.0.0.1"}
    command = [sys.executable, "-m", "patron", "demo", "--customers", "20", "--port", str(port)]
    server = subprocess.Popen(
        [*command, "--database-url", f"sqlite:///{tmp_path / 'demo.db'}"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        _wait_until_up(port, server)
        # serving starts after the instructions are printed: their lines are in the pipe
        assert server.stdout is not None
        output = ""
        while "/docs" not in output:
            output += server.stdout.readline()
        match = KEY.search(output)
        assert match is not None, output
        # the printed example, run as printed: the shop's id, named as one, in quotes
        example = CURL.search(output)
        assert example is not None, output
        assert example[1] == f"http://127.0.0.1:{port}"
        assert example[2] == "/v1/members/C000001/balance?by=external_id"
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("GET", example[2], headers={"Authorization": f"Bearer {match[1]}"})
        response = conn.getresponse()
        assert response.status == 200
        assert json.loads(response.read())["tier"] in {"Bronze", "Silver", "Gold"}
        assert "in a second terminal" in output
    finally:
        server.terminate()
        server.wait(timeout=30)


def _wait_until_up(port: int, server: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while True:
        assert server.poll() is None, "patron demo exited instead of serving"
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        try:
            conn.request("GET", "/health")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        finally:
            conn.close()
        assert time.monotonic() < deadline, "patron demo did not serve within 60 s"
        time.sleep(0.2)
