"""The words a page uses for a consent's state (the CSV export keeps the state's own
words, `granted` / `declined` / `not recorded`, for the programs that read it)."""

from __future__ import annotations

from patron.domain.consent import ConsentState
from patron.web.i18n import N_, _

STATE_WORDS = {
    ConsentState.GRANTED: N_("granted"),
    ConsentState.DECLINED: N_("declined"),
    ConsentState.NOT_RECORDED: N_("not recorded"),
}


def consent_words(state: ConsentState) -> str:
    """The state, in the page's language."""
    return _(STATE_WORDS[state])
