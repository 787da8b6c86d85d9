"""The console's member search (domain/directory.py): what a search may ask, and the LIKE
pattern that takes the searched text literally."""

from __future__ import annotations

import pytest

from patron.domain.directory import MemberSearch, like_pattern
from patron.domain.errors import InvalidInput


def test_the_pattern_matches_anywhere_and_escapes_the_wildcards() -> None:
    assert like_pattern("Ana") == "%ana%"
    assert like_pattern("50%_off\\") == "%50\\%\\_off\\\\%"


def test_blank_text_and_tier_mean_no_filter() -> None:
    checked = MemberSearch(text="  ", tier=" ").checked()
    assert (checked.text, checked.tier) == (None, None)
    assert MemberSearch(text=" ana ").checked().text == "ana"


@pytest.mark.parametrize(
    ("search", "message"),
    [
        (MemberSearch(limit=0), "limit: give 1 to 500 members per page, not 0"),
        (MemberSearch(limit=501), "limit: give 1 to 500 members per page, not 501"),
        (MemberSearch(offset=-1), "offset: 0 or more, not -1"),
        (MemberSearch(text="x" * 201), "search: at most 200 characters"),
    ],
)
def test_a_search_out_of_bounds_is_refused(search: MemberSearch, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        search.checked()
