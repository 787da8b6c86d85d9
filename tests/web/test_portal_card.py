"""The member's card in the portal (web/portal_card.py): the QR code and the Code 128
barcode a till scans hold the card number, read back by an independent decoder
(zxing-cpp) from the SVGs drawn; a
card typed in is linked, a mistyped one refused beside the field, and a digital card is
made on request."""

from __future__ import annotations

import re
from collections.abc import Iterator

import numpy as np
import pytest
import zxingcpp
from fastapi.testclient import TestClient

from patron.bootstrap import Patron
from patron.domain.cards import luhn_valid
from patron.services.cards import IssueCards, issue_cards
from tests.conftest import load_example
from tests.integration.helpers import member
from tests.support.portal import CSRF, form_value, logged_in, portal_app

SVG = re.compile(r'<svg [^>]*viewBox="0 0 (\d+) (\d+)"[^>]*>.*?<path fill="#000" d="([^"]*)"', re.S)
RUN = re.compile(r"M(\d+) (\d+)h(\d+)v1h-\d+z")


@pytest.fixture
def setup(sqlite_patron: Patron) -> tuple[Patron, int]:
    load_example(sqlite_patron)
    return sqlite_patron, member(sqlite_patron, "ana", email="ana@shop.example")


@pytest.fixture
def browser(setup: tuple[Patron, int]) -> Iterator[TestClient]:
    with logged_in(portal_app(setup[0]), "ana@shop.example") as client:
        yield client


def decoded(svg_page: str) -> list[str]:
    """The text of every QR code drawn on the page: each SVG's path rasterised (8 pixels a
    module, black on white) and read by zxing-cpp, which shares no code with segno."""
    texts = []
    for width, height, path in SVG.findall(svg_page):
        pixels = np.full((int(height) * 8, int(width) * 8), 255, dtype=np.uint8)
        for x, y, run in RUN.findall(path):
            x0, y0 = int(x) * 8, int(y) * 8
            pixels[y0 : y0 + 8, x0 : x0 + int(run) * 8] = 0
        texts += [found.text for found in zxingcpp.read_barcodes(pixels)]
    return texts


BARCODE = re.compile(
    r'<svg [^>]*class="barcode"[^>]*viewBox="0 0 (\d+) (\d+)"[^>]*>.*?<g fill="#000">(.*?)</g>',
    re.S,
)
BAR = re.compile(r'<rect x="(\d+)" y="0" width="(\d+)" height="\d+"/>')


def decoded_barcodes(svg_page: str) -> list[tuple[str, str]]:
    """The format and text of every barcode drawn on the page: each SVG's bars drawn (3
    pixels a module, 60 pixels high, black on white) and read by zxing-cpp, which shares
    no code with python-barcode."""
    found = []
    for width, _height, rects in BARCODE.findall(svg_page):
        pixels = np.full((60, int(width) * 3), 255, dtype=np.uint8)
        for x, w in BAR.findall(rects):
            pixels[:, int(x) * 3 : (int(x) + int(w)) * 3] = 0
        found += [(r.format.name, r.text) for r in zxingcpp.read_barcodes(pixels)]
    return found


def test_the_card_page_shows_a_code_128_barcode_of_the_card_number(
    browser: TestClient, setup: tuple[Patron, int]
) -> None:
    # given a card linked to the member
    patron, _ = setup
    (card,) = patron.run(issue_cards, IssueCards(1, "cli:alice")).numbers
    assert _post(browser, number=card).status_code == 303  # type: ignore[attr-defined]
    # when the card page is drawn
    page = browser.get("/portal/card").text
    # then beside the QR code a Code 128 barcode holds the card number, and nothing else
    assert decoded_barcodes(page) == [("Code128", card)]
    assert decoded(page) == [card]
    assert f"<title>Barcode of card {card}</title>" in page


def _post(browser: TestClient, **form: str) -> object:
    csrf = form_value(CSRF, browser.get("/portal/card").text)
    return browser.post("/portal/card", data={"csrf": csrf, **form})


def test_a_card_typed_in_is_linked_and_shown_as_a_qr_code_holding_its_number(
    browser: TestClient, setup: tuple[Patron, int]
) -> None:
    patron, ana = setup
    (card,) = patron.run(issue_cards, IssueCards(1, "cli:alice")).numbers
    spaced = " ".join(card[i : i + 4] for i in range(0, 16, 4))
    assert _post(browser, number=spaced).status_code == 303  # type: ignore[attr-defined]
    page = browser.get("/portal/card").text
    assert decoded(page) == [card]
    assert f'<figcaption class="card-number">{spaced}</figcaption>' in page
    assert patron.read(lambda uow: uow.cards.holder(card)) == ana


def test_a_mistyped_number_is_refused_beside_the_field_and_nothing_is_linked(
    browser: TestClient, setup: tuple[Patron, int]
) -> None:
    patron, ana = setup
    (card,) = patron.run(issue_cards, IssueCards(1, "cli:alice")).numbers
    typo = card[:-1] + str((int(card[-1]) + 1) % 10)
    answer = _post(browser, number=typo)
    assert answer.status_code == 422  # type: ignore[attr-defined]
    assert "This card number is not right" in answer.text  # type: ignore[attr-defined]
    assert patron.read(lambda uow: uow.cards.of_member(ana)) == []


def test_a_member_without_a_card_gets_a_digital_one(
    browser: TestClient, setup: tuple[Patron, int]
) -> None:
    patron, ana = setup
    assert 'id="no-card"' in browser.get("/portal/card").text
    assert _post(browser, digital="yes").status_code == 303  # type: ignore[attr-defined]
    [card] = patron.read(lambda uow: uow.cards.of_member(ana))
    assert luhn_valid(card.number) and card.number.startswith("2900")
    assert decoded(browser.get("/portal/card").text) == [card.number]
