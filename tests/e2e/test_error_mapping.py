"""Each domain error answers with the status, `type` and `code` clients rely on.

HTTP stays at the edge: the domain's errors carry a code and facts, api/errors.py gives
each class its status. EXPECTED below is written by hand from the statuses the API has
always answered (docs/api.md's table): every PatronError class that exists anywhere in
Patron must have its line here and in api/errors.STATUS, so a class added without a
mapping fails this file instead of answering whatever its base class answers.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

import patron as patron_package
from patron.analytics.clv.data import ModelNotIdentified
from patron.api import errors as api_errors
from patron.api.app import create_app
from patron.bootstrap import Patron
from patron.cli import app as cli_app
from patron.domain.cards import CardBlocked, CardMistyped, CardTaken
from patron.domain.errors import (
    AmbiguousMember,
    AmbiguousPurchase,
    BuyerTaken,
    CampaignExists,
    CampaignStarted,
    ClubJoinRefused,
    Conflict,
    EntitlementExhausted,
    EventClosed,
    ExperimentExists,
    ExperimentStarted,
    ForbiddenShop,
    IdempotencyKeyInUse,
    IdempotencyKeyReused,
    InsufficientPoints,
    InvalidInput,
    InvalidProgram,
    KeyRotated,
    LastOwner,
    MemberErased,
    MemberExists,
    NoProgram,
    NotFound,
    NothingToReturn,
    OrderTaken,
    PatronError,
    PurchaseLimit,
    RedemptionCancelled,
    ReferralRefused,
    RewardForClubs,
    RewardLimitReached,
    RewardUnavailable,
    RsvpExists,
    RsvpNotActive,
    StaffUserExists,
    TransactionIdReused,
    VatNumberInvalid,
    VoucherCancelled,
    VoucherExpired,
    VoucherUnknown,
    VoucherUsed,
)
from patron.domain.goals import GoalNotFound, InvalidGoal, PrimaryGoalExists
from patron.domain.surveys import InvalidSurvey, SurveyNotFound
from patron.domain.unclaimed import PurchaseUnclaimed
from patron.domain.webhooks import WebhookNotFound, WebhookUrlRefused
from tests.conftest import Clock, make_patron, new_key

EXPECTED: dict[type[PatronError], tuple[int, str]] = {
    PatronError: (400, "patron_error"),
    InvalidProgram: (422, "invalid_program"),
    InvalidInput: (422, "invalid_input"),
    AmbiguousMember: (422, "ambiguous_member"),
    AmbiguousPurchase: (422, "ambiguous_purchase"),
    ModelNotIdentified: (422, "model_not_identified"),
    NotFound: (404, "not_found"),
    ForbiddenShop: (403, "forbidden_shop"),
    Conflict: (409, "conflict"),
    InsufficientPoints: (409, "insufficient_points"),
    RewardUnavailable: (409, "reward_unavailable"),
    TransactionIdReused: (409, "transaction_id_reused"),
    MemberErased: (409, "member_erased"),
    NoProgram: (409, "no_program"),
    MemberExists: (409, "member_exists"),
    StaffUserExists: (409, "staff_user_exists"),
    LastOwner: (409, "last_owner"),
    OrderTaken: (409, "order_id_taken"),
    PurchaseLimit: (409, "purchase_limit_reached"),
    NothingToReturn: (409, "purchase_fully_returned"),
    PurchaseUnclaimed: (409, "purchase_unclaimed"),
    CardMistyped: (422, "card_mistyped"),
    CardTaken: (409, "card_taken"),
    CardBlocked: (409, "card_blocked"),
    RedemptionCancelled: (409, "redemption_already_cancelled"),
    KeyRotated: (409, "api_key_already_rotated"),
    IdempotencyKeyInUse: (409, "idempotency_key_in_use"),
    IdempotencyKeyReused: (422, "idempotency_key_reused"),
    ExperimentExists: (409, "experiment_exists"),
    ExperimentStarted: (409, "experiment_started"),
    CampaignExists: (409, "campaign_exists"),
    CampaignStarted: (409, "campaign_started"),
    InvalidGoal: (422, "invalid_goal"),
    GoalNotFound: (404, "goal_not_found"),
    PrimaryGoalExists: (409, "primary_goal_exists"),
    VoucherUnknown: (404, "voucher_unknown"),
    VoucherUsed: (409, "voucher_used"),
    VoucherExpired: (409, "voucher_expired"),
    VoucherCancelled: (409, "voucher_cancelled"),
    RewardLimitReached: (409, "reward_limit_reached"),
    RewardForClubs: (409, "reward_for_club_members"),
    ClubJoinRefused: (409, "club_join_refused"),
    VatNumberInvalid: (422, "vat_number_invalid"),
    BuyerTaken: (409, "buyer_taken"),
    EntitlementExhausted: (409, "entitlement_exhausted"),
    ReferralRefused: (409, "referral_refused"),
    EventClosed: (409, "event_closed"),
    RsvpExists: (409, "rsvp_exists"),
    RsvpNotActive: (409, "rsvp_not_active"),
    WebhookUrlRefused: (422, "webhook_url_refused"),
    WebhookNotFound: (404, "webhook_not_found"),
    InvalidSurvey: (422, "survey_invalid"),
    SurveyNotFound: (404, "survey_not_found"),
}

API_NO_PROGRAM = (
    "no program is loaded on this server, so points can be neither earned nor spent;"
    " the request was not applied: retry it once the server's operator has loaded one"
)
CLI_NO_PROGRAM = (
    "error: no program is loaded: run `patron program load examples/program.toml` first"
)


def every_error_class() -> set[type[PatronError]]:
    """PatronError and all its subclasses, after importing every module of Patron."""
    for module in pkgutil.walk_packages(patron_package.__path__, "patron."):
        if module.name.endswith("__main__") or ".migrations" in module.name:
            continue  # __main__ runs the CLI; alembic's env.py runs a migration
        importlib.import_module(module.name)
    found: set[type[PatronError]] = {PatronError}
    pending = [PatronError]
    while pending:
        for sub in pending.pop().__subclasses__():
            found.add(sub)
            pending.append(sub)
    return found


def instance(cls: type[PatronError]) -> PatronError:
    if cls is InsufficientPoints:
        return InsufficientPoints(500, 140)
    if cls is NoProgram:
        return NoProgram()
    return cls(f"{cls.__name__} raised by the test")


def test_every_domain_error_class_is_mapped_here_and_in_api_errors() -> None:
    classes = every_error_class()
    assert {c.__qualname__ for c in classes} == {c.__qualname__ for c in EXPECTED}
    assert classes == set(api_errors.STATUS)


@pytest.fixture
def raising_client(sqlite_patron: Patron) -> Iterator[TestClient]:
    """The real app with one more route, which raises the error class it is named."""
    app = create_app(sqlite_patron)
    by_name = {cls.__qualname__: cls for cls in EXPECTED}

    @app.get("/test/raise/{name}")
    def _raise(name: str) -> None:
        raise instance(by_name[name])

    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


@pytest.mark.parametrize("cls", list(EXPECTED), ids=lambda c: c.__qualname__)
def test_each_domain_error_answers_its_status_type_and_code(
    raising_client: TestClient, cls: type[PatronError]
) -> None:
    status, code = EXPECTED[cls]
    response = raising_client.get(f"/test/raise/{cls.__qualname__}")
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    detail = {
        InsufficientPoints: "500 points requested but only 140 are spendable",
        NoProgram: API_NO_PROGRAM,
    }.get(cls, f"{cls.__name__} raised by the test")
    expected = {
        "type": f"https://patron.dev/problems/{code}",
        "title": code.replace("_", " "),
        "status": status,
        "detail": detail,
        "code": code,
    }
    if cls is InsufficientPoints:
        expected |= {"requested": 500, "available": 140}
    assert body == expected


def test_no_program_tells_an_api_client_what_it_can_do_and_the_cli_user_what_to_run(
    store_kind: str, tmp_path: Path, clock: Clock, request: pytest.FixtureRequest
) -> None:
    """The same domain error, worded by each adapter: the API has no way to load a
    program, so its answer names no command; the CLI keeps its instruction."""
    empty = make_patron(store_kind, tmp_path, clock, request)  # no program loaded
    try:
        key = new_key(empty, "pos")
        with TestClient(create_app(empty), raise_server_exceptions=False) as client:
            response = client.post(
                "/v1/members",
                json={"external_id": "m-1"},
                headers={"Authorization": f"Bearer {key}", "Idempotency-Key": "k-1"},
            )
        assert response.status_code == 409
        body = response.json()
        assert (body["code"], body["type"]) == (
            "no_program",
            "https://patron.dev/problems/no_program",
        )
        assert body["detail"] == API_NO_PROGRAM
        url = empty.engine.url.render_as_string(hide_password=False)
        runner = CliRunner()
        for command in (
            ["expire"],
            ["tiers", "reevaluate"],
            ["economics", "spend", "add", "--month", "2026-01", "--channel", "web"]
            + ["--amount", "10.00", "--currency", "EUR"],
        ):
            result = runner.invoke(cli_app, [*command, "--database-url", url])
            assert result.exit_code == 2, command
            assert " ".join(result.output.split()) == CLI_NO_PROGRAM, command
    finally:
        empty.dispose()
