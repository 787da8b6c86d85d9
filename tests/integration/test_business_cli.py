"""`patron business`: a member made a business, its buyers, its entitlements and a use
of one, from the command line (examples/program.toml: Gold from 1500 EUR has 2 visits a
quarter)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from patron.bootstrap import Patron
from patron.cli import app
from patron.services.commands import BuyerRef, Line, MemberRef, RecordPurchase
from patron.services.earn import record_purchase
from tests.conftest import EXAMPLE_PROGRAM
from tests.integration.helpers import member

runner = CliRunner()


def test_create_add_buyers_list_use_and_remove(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'p.db'}"
    assert runner.invoke(app, ["init", "--database-url", db]).exit_code == 0
    loaded = runner.invoke(app, ["program", "load", str(EXAMPLE_PROGRAM), "--database-url", db])
    assert loaded.exit_code == 0, loaded.output
    patron = Patron.from_url(db)
    biz = member(patron, "B-7")

    def business(*args: str) -> Any:
        return runner.invoke(app, ["business", *args, "--database-url", db])

    bad = business("create", "B-7", "--company", "L SRL", "--vat", "18547290")
    assert bad.exit_code == 2
    assert "vat_number: '18547290' is not a VAT number" in bad.output
    made = business("create", "B-7", "--company", "Libraria Centrala SRL", "--vat", "ro 18547290")
    assert made.exit_code == 0, made.output
    assert f"member {biz} is the business Libraria Centrala SRL (RO18547290)" in made.output
    added = business("add-buyer", "B-7", "--name", "Radu", "--email", "radu@lc.ro")
    assert added.exit_code == 0, added.output
    assert business("add-buyer", "B-7", "--name", "Ioana", "--phone", "0722 555 010").exit_code == 0
    taken = business("add-buyer", "B-7", "--name", "Again", "--email", "RADU@lc.ro")
    assert taken.exit_code == 2 and "already buyer 1's" in taken.output
    line = (Line("PAPER", None, 1, Decimal("1500.00")),)
    buyer = BuyerRef(email="radu@lc.ro")
    patron.run(
        record_purchase,
        RecordPurchase(MemberRef(), "T-1", patron.clock(), "EUR", line, buyer=buyer),
    )
    patron.dispose()
    listed = json.loads(business("buyers", "B-7", "--format", "json").output)
    assert [(b["name"], b["purchases"]) for b in listed["data"]] == [("Radu", 1), ("Ioana", 0)]
    assert "left this quarter: 1" in business("use", "B-7", "visits", "--note", "met").output
    assert "left this quarter: 0" in business("use", "B-7", "visits").output
    spent = business("use", "B-7", "visits")
    assert spent.exit_code == 2 and "all 2 uses of this quarter are spent" in spent.output
    table = json.loads(business("entitlements", "B-7", "--format", "json").output)["data"]
    assert [(e["entitlement"], e["used"], e["left"]) for e in table] == [
        ("visits", 2, 0),
        ("hotline", 0, "unlimited"),
        ("payment-terms", 0, "unlimited"),
    ]
    removed = business("remove-buyer", "B-7", "1", "--reason", "left the company")
    assert removed.exit_code == 0 and f"buyer 1 removed from member {biz}" in removed.output
    found = runner.invoke(app, ["cards", "find", "--buyer", "radu@lc.ro", "--database-url", db])
    assert found.exit_code != 0 and "no buyer of a business" in found.output
    manager = business("manager", "B-7", "nobody@lc.ro")
    assert manager.exit_code == 2 and "no active staff user" in manager.output
