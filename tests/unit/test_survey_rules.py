"""Survey rules (domain/surveys.py): the scales, the bands, NPS and CSAT from counts worked
by hand, and the signed link that names survey, member and purchase."""

from __future__ import annotations

import pytest

from patron.domain import surveys as sv
from patron.domain.surveys import InvalidSurvey, Invite, SurveyKind, Tally

NPS, CSAT = SurveyKind.NPS, SurveyKind.CSAT


def tally(kind: SurveyKind, scores: list[int]) -> Tally:
    return Tally(
        len(scores),
        sum(s in sv.TOP[kind] for s in scores),
        sum(sv.is_detractor(kind, s) for s in scores),
    )


def test_nps_is_promoters_less_detractors_over_all_answers() -> None:
    # 10 answers: 10, 9, 9 (3 promoters), 8, 7 (2 passives), 6, 5, 0, 3, 6 (5 detractors)
    scores = [10, 9, 9, 8, 7, 6, 5, 0, 3, 6]
    counted = tally(NPS, scores)
    assert (counted.answers, counted.top, counted.bottom) == (10, 3, 5)
    # 30% − 50% = −20
    assert counted.score(NPS) == pytest.approx(-20.0)


def test_nps_of_seven_promoters_and_one_detractor_in_eight() -> None:
    # (7 − 1) / 8 × 100 = 75
    assert tally(NPS, [9] * 7 + [2]).score(NPS) == pytest.approx(75.0)


def test_csat_is_the_share_of_four_and_five() -> None:
    # 5, 4, 4 satisfied; 3 neutral; 2, 1 dissatisfied: 3 / 6 = 50%
    counted = tally(CSAT, [5, 4, 4, 3, 2, 1])
    assert (counted.top, counted.bottom) == (3, 2)
    assert counted.score(CSAT) == pytest.approx(50.0)


def test_no_answers_is_no_score_not_zero() -> None:
    assert Tally(0, 0, 0).score(NPS) is None
    assert Tally(0, 0, 0).score(CSAT) is None


@pytest.mark.parametrize(
    ("kind", "score", "expected"),
    [
        (NPS, 0, "detractor"), (NPS, 6, "detractor"), (NPS, 7, "passive"), (NPS, 8, "passive"),
        (NPS, 9, "promoter"), (NPS, 10, "promoter"), (CSAT, 1, "dissatisfied"),
        (CSAT, 2, "dissatisfied"), (CSAT, 3, "neutral"), (CSAT, 4, "satisfied"),
        (CSAT, 5, "satisfied"),
    ],
)  # fmt: skip
def test_the_bands_and_their_edges(kind: SurveyKind, score: int, expected: str) -> None:
    assert sv.band(kind, score) == expected
    assert sv.is_detractor(kind, score) == (expected in {"detractor", "dissatisfied"})


@pytest.mark.parametrize(("kind", "score"), [(NPS, -1), (NPS, 11), (CSAT, 0), (CSAT, 6)])
def test_a_score_off_the_scale_is_refused_naming_the_scale(kind: SurveyKind, score: int) -> None:
    with pytest.raises(InvalidSurvey, match="score: .* outside"):
        sv.checked_score(kind, score)


def test_questions_need_english_and_only_known_locales() -> None:
    assert sv.checked_texts("question", {"ro": " Cât? ", "en": "How?"}, required=True) == {
        "en": "How?",
        "ro": "Cât?",
    }
    with pytest.raises(InvalidSurvey, match="question: give the question in English"):
        sv.checked_texts("question", {"ro": "Cât?"}, required=True)
    with pytest.raises(InvalidSurvey, match="unknown locale 'fr'"):
        sv.checked_texts("question", {"en": "How?", "fr": "Comment?"}, required=True)
    assert sv.checked_texts("comment_question", {"en": "  "}, required=False) is None
    with pytest.raises(InvalidSurvey, match=r"question\.en: at most 500"):
        sv.checked_texts("question", {"en": "x" * 501}, required=True)


def test_a_signed_token_names_its_invite_and_is_the_same_every_time() -> None:
    invite = Invite(3, 42, 77)
    token = sv.sign("secret", invite)
    assert token.startswith("3.42.77.")
    assert token == sv.sign("secret", invite)
    assert sv.read_token("secret", token) == invite
    without = sv.sign("secret", Invite(3, 42, None))
    assert without.startswith("3.42.0.")
    assert sv.read_token("secret", without) == Invite(3, 42, None)


@pytest.mark.parametrize(
    "change",
    [
        lambda t: t.replace("3.42.", "3.43.", 1),  # another member
        lambda t: t.replace(".77.", ".78.", 1),  # another purchase
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),  # the signature altered
        lambda t: t + "x",
        lambda t: "",
        lambda t: "3.42.77",
        lambda t: "x" * 500,
    ],
)
def test_an_altered_token_names_nothing(change: object) -> None:
    token = sv.sign("secret", Invite(3, 42, 77))
    assert sv.read_token("secret", change(token)) is None  # type: ignore[operator]


def test_a_token_of_another_secret_names_nothing() -> None:
    assert sv.read_token("other", sv.sign("secret", Invite(3, 42, 77))) is None


def test_the_invitation_key_tells_a_purchase_from_none() -> None:
    assert sv.invitation_key(3, 42, 77) == "3:42:77"
    assert sv.invitation_key(3, 42, None) == "3:42:-"
