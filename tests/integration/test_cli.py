"""The command line as a user types it: clear errors, exit codes, captured output."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from patron.cli import app
from tests.conftest import EXAMPLE_PROGRAM

runner = CliRunner()


@pytest.fixture
def db(tmp_path: Path) -> str:
    """A new, empty store (only `patron init` and `patron demo` create one)."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    assert runner.invoke(app, ["init", "--database-url", url]).exit_code == 0
    return url


def run(*args: str, db: str | None = None) -> object:
    extra = ["--database-url", db] if db else []
    return runner.invoke(app, [*args, *extra])


def test_validate_accepts_the_example_and_names_the_bad_field(tmp_path: Path) -> None:
    ok = runner.invoke(app, ["program", "validate", str(EXAMPLE_PROGRAM)])
    assert ok.exit_code == 0 and "valid" in ok.output
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "x"\ncurrency = "EUR"\n[earning]\nwelcome_bonus = -5\n')
    result = runner.invoke(app, ["program", "validate", str(bad)])
    assert result.exit_code == 2
    assert "bad.toml" in result.output and "earning.welcome_bonus" in result.output


def test_apikey_create_prints_only_the_key(db: str) -> None:
    result = runner.invoke(app, ["apikey", "create", "--scope", "pos", "--database-url", db])
    assert result.exit_code == 0
    assert result.stdout.strip().startswith("ptr_") and len(result.stdout.strip().split()) == 1
    wrong = runner.invoke(app, ["apikey", "create", "--scope", "root", "--database-url", db])
    assert wrong.exit_code == 2 and "scope" in wrong.output


def test_load_import_expire_verify(db: str, tmp_path: Path) -> None:
    assert (
        runner.invoke(
            app, ["program", "load", str(EXAMPLE_PROGRAM), "--database-url", db]
        ).exit_code
        == 0
    )
    csv = tmp_path / "p.csv"
    csv.write_text("cust,date,amount\nc1,20250101,10.00\nc2,2025-13-01,3\n")
    result = runner.invoke(
        app,
        [
            "import",
            "purchases",
            str(csv),
            "--map",
            "customer_id=cust",
            "--date-format",
            "%Y%m%d",
            "--award-points",
            "--database-url",
            db,
        ],
    )
    assert result.exit_code == 0, result.output
    assert "1 purchases imported" in result.output and "1 rejected" in result.output
    assert (tmp_path / "p.rejects.csv").exists()
    expired = runner.invoke(
        app, ["expire", "--as-of", "2030-01-01", "--force", "--database-url", db]
    )
    assert expired.exit_code == 0 and "110 points expired" in expired.output
    assert runner.invoke(app, ["verify", "--database-url", db]).exit_code == 0
    bad_date = runner.invoke(app, ["expire", "--as-of", "soon", "--database-url", db])
    assert bad_date.exit_code == 2


def test_import_of_a_missing_file_is_a_clear_error(db: str) -> None:
    runner.invoke(app, ["program", "load", str(EXAMPLE_PROGRAM), "--database-url", db])
    result = runner.invoke(app, ["import", "purchases", "nope.csv", "--database-url", db])
    assert result.exit_code == 2 and "nope.csv" in result.output


def test_a_refused_import_file_touches_neither_store_nor_folder(tmp_path: Path) -> None:
    db = tmp_path / "untouched.db"
    bad = tmp_path / "bad.csv"
    bad.write_text("client,when,total\nc-1,2026-01-05,10.00\n")
    result = run("import", "purchases", str(bad), db=f"sqlite:///{db}")
    assert result.exit_code == 2  # type: ignore[attr-defined]
    assert "missing required columns" in result.output  # type: ignore[attr-defined]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.csv"]  # no store, no rejects


def test_clv_fit_prints_the_documented_json() -> None:
    import json

    summary = EXAMPLE_PROGRAM.parents[1] / "tests" / "data" / "cdnow_summary.csv"
    result = runner.invoke(app, ["clv", "fit", str(summary), "--model", "bgnbd", "--json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert set(body) >= {"model", "params", "log_likelihood", "n_customers"}
    assert set(body["params"]) == {"r", "alpha", "a", "b"}
    assert round(body["params"]["alpha"], 2) == 4.41 and body["n_customers"] == 2357
    bad = runner.invoke(app, ["clv", "fit", str(summary), "--model", "nope"])
    assert bad.exit_code == 2 and "--model" in bad.output


def test_clv_predict_and_analytics_write_files(tmp_path: Path) -> None:
    data = EXAMPLE_PROGRAM.parents[1] / "tests" / "data" / "cdnow_sample.csv"
    out = tmp_path / "clv.csv"
    result = runner.invoke(app, ["clv", "predict", str(data), "--horizon", "52", "--out", str(out)])
    assert result.exit_code == 0, result.output
    header = out.read_text().splitlines()[0].split(",")
    assert {"customer_id", "expected_purchases", "p_alive", "clv"} <= set(header)
    missing = runner.invoke(app, ["analytics", "summary", "nope.csv"])
    assert missing.exit_code == 2 and "nope.csv" in missing.output


def test_clv_predict_gives_the_published_figures(tmp_path: Path) -> None:
    """On the BG/NBD paper's CDNOW summary (x, t_x, T, zbar), customer 1 (x = 2,
    t_x = 30.43, T = 38.86, mean repeat spend 22.35) over 39 weeks, with BG/NBD asked
    for by name (the default picks the best model: see test_clv_choice.py)."""
    import csv

    from tests.unit.test_clv_published import bgnbd_by_integration

    data = EXAMPLE_PROGRAM.parents[1] / "tests" / "data" / "cdnow_summary.csv"

    def customer_1(*options: str) -> dict[str, float]:
        out = tmp_path / "clv.csv"
        result = runner.invoke(
            app, ["clv", "predict", str(data), "--model", "bgnbd", "--out", str(out), *options]
        )
        assert result.exit_code == 0, result.output
        assert "model: bgnbd (as asked)" in result.output
        row = next(r for r in csv.DictReader(out.open()) if r["customer_id"] == "1")
        assert (row.pop("model"), row.pop("as_of")) == ("bgnbd", "")  # a summary has no day
        return {k: float(v) for k, v in row.items() if k != "customer_id"}

    plain = customer_1("--horizon", "39")
    # Fader, Hardie & Lee (2005): 1.226 expected purchases; P(alive) 0.7266 from the
    # integration with the published estimates (the fit lands within 0.001 of them)
    alive, _ = bgnbd_by_integration(2, 30.43, 38.86, 39)
    assert plain["expected_purchases"] == pytest.approx(1.226, abs=1e-3)
    assert plain["p_alive"] == pytest.approx(alive, abs=1e-3)
    # Gamma-Gamma with the published p = 6.25, q = 3.74, gamma = 15.44, by hand:
    # (15.44 + 2 * 22.35) * 6.25 / (2 * 6.25 + 3.74 - 1) = 375.875 / 15.24 = 24.664
    assert plain["expected_spend"] == pytest.approx(375.875 / 15.24, abs=0.01)
    # undiscounted CLV = expected purchases x expected spend = 1.226 x 24.664 = 30.24
    assert plain["clv"] == pytest.approx(1.226 * 375.875 / 15.24, abs=0.03)
    # 30% margin, 10% a year: week k's expected purchases discounted by 1.1^(7k/365.25)
    weekly = [bgnbd_by_integration(2, 30.43, 38.86, k)[1] for k in range(40)]
    discounted = sum((weekly[k] - weekly[k - 1]) / 1.1 ** (7 * k / 365.25) for k in range(1, 40))
    paid = customer_1("--horizon", "39", "--margin", "0.3", "--discount-rate", "0.1")
    assert paid["clv"] == pytest.approx(discounted * 375.875 / 15.24 * 0.3, rel=2e-3)
    # the old reading, 10% a week, would have cut the value to about a third
    assert paid["clv"] > 0.95 * plain["clv"] * 0.3


def test_analytics_commands_write_the_hand_computed_figures(tmp_path: Path) -> None:
    import json

    import pandas as pd

    from tests.integration.test_analytics import HAND, HAND_EXPECTED

    # RFM as of the last purchase (Jun 30, a day before the hand figures' Jul 1): every
    # customer is a day closer, ranks and segments are the same
    parquet = tmp_path / "rfm.parquet"
    result = runner.invoke(app, ["analytics", "rfm", str(HAND), "--out", str(parquet)])
    assert result.exit_code == 0, result.output
    rows = pd.read_parquet(parquet).to_dict("records")
    assert {f"rfm[{r['customer_id']}]": f"{r['rfm']} {r['segment']}" for r in rows} == {
        k: v for k, v in HAND_EXPECTED.items() if k.startswith("rfm[")
    }
    # March against the 31 days before it, [Jan 29, Mar 1): ann 40 and bob 50 (new) on
    # Jan 31, fay 60 on Feb 5, cid 20 on Feb 15: 4 customers, 4 purchases, 170, basket
    # 42.5; their 31 days before, [Dec 29, Jan 29): ann, cid, fay, ivy, of whom ann, cid
    # and fay came back: retention 3/4. March: 4 customers, 1 new, 5 purchases, 235,
    # basket 47, repurchase 1/4, retention 1/2 (see HAND_EXPECTED)
    result = runner.invoke(
        app, ["analytics", "kpis", str(HAND), "--start", "2025-03-01", "--end", "2025-04-01",
              "--compare", "--format", "json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    # money as decimal strings, as the API writes it (analytics/columns.py)
    assert json.loads(result.stdout) == {
        "customers": {"previous": 4, "current": 4, "change": 0.0},
        "new_customers": {"previous": 1, "current": 1, "change": 0.0},
        "purchases": {"previous": 4, "current": 5, "change": 0.25},
        "revenue": {"previous": "170.00", "current": "235.00", "change": pytest.approx(65 / 170)},
        "purchase_frequency": {"previous": 1.0, "current": 1.25, "change": 0.25},
        "average_basket": {
            "previous": "42.50",
            "current": "47.00",
            "change": pytest.approx(4.5 / 42.5),
        },
        "repurchase_rate": {"previous": 0.0, "current": 0.25, "change": None},
        "retention_rate": {"previous": 0.75, "current": 0.5, "change": pytest.approx(-1 / 3)},
        "churn_rate": {"previous": 0.25, "current": 0.5, "change": 1.0},
        # the file has no sku column: products per customer cannot be counted
        "products_per_customer": {"previous": None, "current": None, "change": None},
    }


def test_apikey_revoke_stops_the_key_and_is_audited(db: str) -> None:
    from sqlalchemy import select

    from patron.bootstrap import Patron
    from patron.services.apikeys import authenticate
    from patron.store import tables

    key = runner.invoke(app, ["apikey", "create", "--name", "till-3", "--database-url", db])
    key_text = key.stdout.strip()
    prefix = key_text.split("_")[1]
    patron = Patron.from_url(db)
    try:
        assert patron.read(authenticate, key_text) is not None
        revoked = runner.invoke(app, ["apikey", "revoke", prefix, "--database-url", db])
        assert revoked.exit_code == 0, revoked.output
        assert patron.read(authenticate, key_text) is None
        again = runner.invoke(app, ["apikey", "revoke", prefix, "--database-url", db])
        assert again.exit_code == 2 and "no active API key" in again.output
        listed = runner.invoke(app, ["apikey", "list", "--database-url", db])
        assert prefix in listed.stdout and "till-3" in listed.stdout
        assert key_text not in listed.stdout
        actions = patron.read(
            lambda uow: uow.connection.execute(select(tables.audit_log.c.action)).scalars().all()
        )
        assert "apikey.revoked" in actions
    finally:
        patron.dispose()


def test_purge_idempotency_keys_keeps_a_day_at_least(db: str) -> None:
    from datetime import timedelta

    from patron.bootstrap import Patron
    from patron.domain.clock import utcnow
    from patron.store.apikeys import NewApiKey

    assert runner.invoke(app, ["init", "--database-url", db]).exit_code == 0
    patron = Patron.from_url(db)
    try:
        key_id = patron.run(
            lambda uow, _: uow.api_keys.add(NewApiKey("t", "p", "h", "pos", uow.now, None, None)),
            None,
        )
        now = utcnow()

        def store(uow, _):  # type: ignore[no-untyped-def]
            for name, age in (("old", 72), ("recent", 30), ("new", 1)):
                uow.idempotency.store(key_id, name, "x", 201, "{}", now - timedelta(hours=age))

        patron.run(store, None)
        purge = ["purge-idempotency-keys", "--database-url", db]
        short = runner.invoke(app, [*purge, "--older-than", "2"])
        assert short.exit_code == 2 and "at least 24 hours" in short.output
        assert patron.read(lambda uow: uow.idempotency.get(key_id, "old")) is not None
        done = runner.invoke(app, purge)
        assert done.exit_code == 0 and "1 idempotency keys purged" in done.output
        kept = [
            patron.read(lambda uow, k=k: uow.idempotency.get(key_id, k)) is not None
            for k in ("old", "recent", "new")
        ]
        assert kept == [False, True, True]
    finally:
        patron.dispose()
