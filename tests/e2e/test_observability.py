"""What an operator sees of the API: /health, /ready, /metrics in the Prometheus text format,
a request id on every answer and one JSON access line per request without personal data.

The counts expected below are those of the requests each test sends, counted by hand.
"""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text

from patron.api.app import create_app
from patron.api.logs import JsonFormatter, RequestIdFilter
from patron.bootstrap import Patron
from patron.config import get_settings
from tests.conftest import Clock
from tests.e2e.conftest import Api
from tests.e2e.test_api import PURCHASE, enroll

HEX_ID = re.compile(r"[0-9a-f]{32}")


def scrape(
    client: TestClient, **headers: str
) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """/metrics parsed by the Prometheus text parser: {(sample name, labels): value}."""
    answer = client.get("/metrics", headers=headers)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/plain; version=0.0.4")
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(answer.text)
        for s in family.samples
    }


def value(samples: dict, name: str, **labels: str) -> float | None:  # type: ignore[type-arg]
    return samples.get((name, frozenset(labels.items())))


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    """The lines Patron's handler (JSON formatter, request-id filter) writes while a test
    runs; the root logger is put back as it was afterwards."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield stream
    root.removeHandler(handler)
    root.setLevel(level)


def records(stream: io.StringIO, logger: str) -> list[dict]:  # type: ignore[type-arg]
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    return [line for line in lines if line["logger"] == logger]


def test_health_and_ready_answer_without_a_key(client: TestClient, patron: Patron) -> None:
    with patron.engine.connect() as conn:
        stored = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    assert client.get("/health").json() == {"status": "ok"}
    ready = client.get("/ready")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready", "revision": stored}


def test_ready_is_503_problem_on_a_store_that_is_not_migrated(tmp_path: Path) -> None:
    bare = Patron.from_url(f"sqlite:///{tmp_path / 'bare.db'}")  # never migrated
    with TestClient(create_app(bare)) as client:
        answer = client.get("/ready")
        assert client.get("/health").status_code == 200  # alive, not ready
    bare.dispose()
    assert answer.status_code == 503
    assert answer.headers["content-type"] == "application/problem+json"
    body = answer.json()
    assert body["code"] == "store_not_migrated"
    assert "revision none" in body["detail"] and "patron init" in body["detail"]


def test_ready_is_503_problem_when_the_store_does_not_answer(
    tmp_path: Path, log_lines: io.StringIO
) -> None:
    # a directory where the database file should be: SQLite cannot open it
    broken = Patron.from_url(f"sqlite:///{tmp_path}")
    with TestClient(create_app(broken), raise_server_exceptions=False) as client:
        answer = client.get("/ready", headers={"X-Request-ID": "probe-7"})
        samples = scrape(client)
    broken.dispose()
    assert answer.status_code == 503
    assert answer.json()["code"] == "store_unavailable"
    assert "OperationalError" in answer.json()["detail"]
    # the warning logged while serving the probe carries the probe's request id
    warnings = records(log_lines, "patron.api")
    assert [(w["level"], w["request_id"]) for w in warnings] == [("warning", "probe-7")]
    # and a scrape reports the store down instead of failing
    assert value(samples, "patron_store_up") == 0
    assert value(samples, "patron_outbox_backlog") is None


def test_metrics_count_requests_by_route_template_and_status_and_the_ledger_writes(
    client: TestClient, pos: Api, patron: Patron, clock: Clock
) -> None:
    # given: a member, a purchase sent twice under one key (the second is a replay), a
    # redemption, a refused redemption, two health checks, an unknown path, a call
    # without a key
    member = enroll(pos)
    bought = pos.post("/v1/purchases", {**PURCHASE, "member_id": member["id"]}, idem="k-1")
    replay = pos.post("/v1/purchases", {**PURCHASE, "member_id": member["id"]}, idem="k-1")
    assert (bought.status_code, replay.status_code) == (201, 201)
    assert replay.headers["Idempotent-Replayed"] == "true"
    clock.advance(days=20)
    assert (
        pos.post("/v1/redemptions", {"member_id": member["id"], "points": 100}).status_code == 201
    )
    refused = pos.post("/v1/redemptions", {"member_id": member["id"], "points": 10_000})
    assert refused.status_code == 409
    client.get("/health")
    client.get("/health")
    assert client.get(f"/v1/members/{member['id']}/balance").status_code == 401
    assert client.get("/no/such/path").status_code == 404

    # when the metrics are scraped
    samples = scrape(client)

    # then each request is counted under its route's template, method and status
    def requests(method: str, route: str, status: str) -> float | None:
        return value(
            samples, "patron_http_requests_total", method=method, route=route, status=status
        )

    assert requests("POST", "/v1/members", "201") == 1
    assert requests("POST", "/v1/purchases", "201") == 2
    assert requests("POST", "/v1/redemptions", "201") == 1
    assert requests("POST", "/v1/redemptions", "409") == 1
    assert requests("GET", "/health", "200") == 2
    assert requests("GET", "/v1/members/{id}/balance", "401") == 1
    assert requests("GET", "unmatched", "404") == 1
    # templates only, never a path with an id in it
    routes = {dict(labels)["route"] for name, labels in samples if name.startswith("patron_http")}
    assert routes == {
        "/v1/members", "/v1/purchases", "/v1/redemptions", "/health",
        "/v1/members/{id}/balance", "unmatched",
    }  # fmt: skip
    # the latency histogram holds one observation per request
    health = {"method": "GET", "route": "/health"}
    assert value(samples, "patron_http_request_duration_seconds_count", **health) == 2
    assert value(samples, "patron_http_request_duration_seconds_bucket", le="+Inf", **health) == 2
    # one earn (the replay is not another), one redemption (the refused one is not)
    assert value(samples, "patron_earns_total") == 1
    assert value(samples, "patron_redemptions_total") == 1
    assert value(samples, "patron_refunds_total") == 0
    assert value(samples, "patron_store_up") == 1


def test_the_outbox_backlog_counts_the_events_not_yet_published(
    client: TestClient, pos: Api, patron: Patron
) -> None:
    enroll(pos, "c-1")
    enroll(pos, "c-2")
    with patron.engine.begin() as conn:
        ids = conn.execute(text("SELECT id FROM outbox ORDER BY id")).scalars().all()
    assert len(ids) >= 2  # at least one event per enrolment
    assert value(scrape(client), "patron_outbox_backlog") == len(ids)
    # when the first two events are published
    with patron.engine.begin() as conn:
        conn.execute(
            text("UPDATE outbox SET published_at = created_at WHERE id IN (:a, :b)"),
            {"a": ids[0], "b": ids[1]},
        )
    assert value(scrape(client), "patron_outbox_backlog") == len(ids) - 2


def test_pool_use_is_read_off_the_engine_at_scrape_time(
    client: TestClient, patron: Patron, store_kind: str
) -> None:
    # SQLAlchemy's QueuePool keeps 5 connections by default (SQLite); the PostgreSQL
    # stores of the tests are made with pool_size=10 (tests/conftest.py)
    expected_size = 5 if store_kind == "sqlite" else 10
    with patron.engine.connect(), patron.engine.connect():
        held = scrape(client)
    assert value(held, "patron_db_pool_size") == expected_size
    assert value(held, "patron_db_pool_connections", state="in_use") == 2
    released = scrape(client)
    assert value(released, "patron_db_pool_connections", state="in_use") == 0
    assert value(released, "patron_db_pool_connections", state="idle") >= 2  # type: ignore[operator]


def test_a_request_id_is_taken_from_the_client_or_made_and_always_returned(
    client: TestClient,
) -> None:
    assert (
        client.get("/health", headers={"X-Request-ID": "abc-123"}).headers["X-Request-ID"]
        == "abc-123"
    )
    made = client.get("/health").headers["X-Request-ID"]
    assert HEX_ID.fullmatch(made)
    # an id that is not a plain token (here a space and a quote) is not echoed nor logged
    unsafe = client.get("/health", headers={"X-Request-ID": 'a b"c'}).headers["X-Request-ID"]
    assert HEX_ID.fullmatch(unsafe)
    assert (
        client.get("/health", headers={"X-Request-ID": "x" * 129}).headers["X-Request-ID"]
        != "x" * 129
    )


def test_one_json_access_line_per_request_with_no_personal_data(
    client: TestClient, pos: Api, log_lines: io.StringIO
) -> None:
    member = enroll(pos, "ana-ext-77")
    pos.client.get(
        f"/v1/members/{member['id']}/balance?secret=1",
        headers={**pos.headers(None), "X-Request-ID": "req-42"},
    )
    lines = records(log_lines, "patron.access")
    assert len(lines) == 2  # the enrolment and the balance
    line = lines[1]
    assert set(line) == {
        "time", "level", "logger", "message", "request_id", "pid", "method", "route",
        "status", "duration_ms",
    }  # fmt: skip
    assert line["request_id"] == "req-42"
    assert (line["method"], line["route"], line["status"]) == (
        "GET",
        "/v1/members/{id}/balance",
        200,
    )
    assert line["duration_ms"] >= 0
    # nothing the server logged (the test client's own lines aside) holds personal data
    written = " ".join(
        line for line in log_lines.getvalue().splitlines() if '"logger": "httpx"' not in line
    )
    for personal in ("ana-ext-77", "ana@example.com", "Ana", "secret", pos.key):
        assert personal not in written
    assert f"/{member['id']}/" not in written


def test_an_unhandled_error_is_a_500_problem_with_the_request_id(
    patron: Patron, log_lines: io.StringIO
) -> None:
    app = create_app(patron)

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("kaput")

    with TestClient(app, raise_server_exceptions=False) as client:
        answer = client.get("/boom", headers={"X-Request-ID": "boom-1"})
        samples = scrape(client)
    assert answer.status_code == 500
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.headers["X-Request-ID"] == "boom-1"
    assert answer.json()["code"] == "internal_error" and "kaput" not in answer.text
    assert (
        value(samples, "patron_http_requests_total", method="GET", route="/boom", status="500") == 1
    )
    assert [line["status"] for line in records(log_lines, "patron.access")][0] == 500


def test_metrics_can_ask_for_a_token(patron: Patron, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATRON_METRICS_TOKEN", "s3cret")
    get_settings.cache_clear()
    try:
        with TestClient(create_app(patron)) as client:
            refused = client.get("/metrics")
            wrong = client.get("/metrics", headers={"Authorization": "Bearer nope"})
            samples = scrape(client, Authorization="Bearer s3cret")
    finally:
        get_settings.cache_clear()
    assert (refused.status_code, wrong.status_code) == (401, 401)
    assert refused.headers["content-type"] == "application/problem+json"
    assert value(samples, "patron_store_up") == 1


def test_openmetrics_is_served_to_a_scraper_that_asks_for_it(client: TestClient) -> None:
    from prometheus_client.openmetrics.parser import (
        text_string_to_metric_families as parse_openmetrics,
    )

    client.get("/health")
    answer = client.get("/metrics", headers={"Accept": "application/openmetrics-text"})
    assert answer.headers["content-type"].startswith("application/openmetrics-text")
    families = {f.name: f for f in parse_openmetrics(answer.text)}
    assert "patron_http_requests" in families


def test_the_store_is_queried_at_each_scrape_and_not_when_the_app_is_built(
    patron: Patron,
) -> None:
    from patron.api.metrics import Metrics

    queries: list[int] = []
    metrics = Metrics(patron.engine, lambda: len(queries) + (queries.append(1) or 0))
    assert queries == []  # registering the collector ran no query
    metrics.exposition(None)
    metrics.exposition(None)
    assert queries == [1, 1]


def test_the_servers_traceback_line_carries_the_request_id(
    patron: Patron, log_lines: io.StringIO, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading
    import time as clock_time

    import httpx
    import uvicorn

    from tests.e2e.server import LOADED, free_port

    app = create_app(patron)

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("kaput")

    # uvicorn as `patron serve` runs it: its loggers propagate to Patron's handler (and
    # not to the handlers another test's uvicorn.Config gave them in this process)
    for name in ("uvicorn", "uvicorn.error"):
        monkeypatch.setattr(logging.getLogger(name), "handlers", [])
        monkeypatch.setattr(logging.getLogger(name), "propagate", True)
    port = free_port()
    config = uvicorn.Config(app, port=port, log_config=None, access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        clock_time.sleep(0.05)
    try:
        answer = httpx.get(
            f"http://127.0.0.1:{port}/boom", headers={"X-Request-ID": "tb-9"}, timeout=LOADED
        )
    finally:
        server.should_exit = True
        thread.join(timeout=20)
    assert (answer.status_code, answer.headers["X-Request-ID"]) == (500, "tb-9")
    errors = [r for r in records(log_lines, "uvicorn.error") if r["level"] == "error"]
    assert len(errors) == 1
    assert errors[0]["request_id"] == "tb-9"
    assert "RuntimeError: kaput" in errors[0]["exception"]


def test_the_workers_metrics_directory_is_made_or_emptied_of_stale_metric_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    from patron.api.serving import metrics_directory

    # none given: a temporary one, named in the environment while serving, then removed
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
    with metrics_directory() as made:
        assert os.environ["PROMETHEUS_MULTIPROC_DIR"] == made and Path(made).is_dir()
    assert "PROMETHEUS_MULTIPROC_DIR" not in os.environ and not Path(made).exists()
    # the operator's: the last run's metric files go, anything else stays
    given = tmp_path / "prom"
    given.mkdir()
    for name in ("counter_12.db", "gauge_livesum_12.db", "histogram_7.db", "notes.txt"):
        (given / name).write_text("x")
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(given))
    with metrics_directory() as used:
        assert used == str(given)
        assert sorted(p.name for p in given.iterdir()) == ["notes.txt"]
    assert given.is_dir()
