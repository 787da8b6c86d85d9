"""The audit trail: who changed what by hand, when, and why.

Points earned at a till follow from the program and leave ledger entries; what a person
decides (an adjustment, a program loaded, a key created, rotated or revoked, a redemption
cancelled, a member's personal data erased) is not derived from anything, so it is
written to an append-only log with its actor. Reading it is filtered by actor, action,
member and time, newest last, in pages that continue after the last id seen (ids only
grow, so a page never repeats or skips a row that was already there when the first page
was read).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from patron.domain.errors import InvalidInput

MAX_PAGE = 500


class AuditAction(StrEnum):
    """What a person did (docs/audit.md lists the same words and their details)."""

    POINTS_ADJUSTED = "points.adjusted"
    PROGRAM_LOADED = "program.loaded"
    APIKEY_CREATED = "apikey.created"
    APIKEY_REVOKED = "apikey.revoked"
    APIKEY_ROTATED = "apikey.rotated"
    REDEMPTION_CANCELLED = "redemption.cancelled"
    MEMBER_ERASED = "member.erased"
    USER_CREATED = "user.created"
    USER_ROLE_CHANGED = "user.role_changed"
    USER_PASSWORD_SET = "user.password_set"
    USER_DISABLED = "user.disabled"
    USER_ENABLED = "user.enabled"
    PROFILE_CHANGED = "member.profile_changed"  # by the member, in the portal
    GOAL_CREATED = "goal.created"
    BUDGET_PLANNED = "budget.planned"
    BUDGET_SPENT = "budget.spend_recorded"
    CARDS_ISSUED = "cards.issued"  # a printing batch (domain/cards.py)
    CARD_LINKED = "card.linked"
    CARD_BLOCKED = "card.blocked"
    CARD_REPLACED = "card.replaced"
    VOUCHER_USED = "voucher.used"  # a discount's voucher used at the till
    REWARD_HANDED_OVER = "reward.handed_over"  # a gift or service given to the member
    RSVP_CANCELLED = "rsvp.cancelled"  # a seat or a place in line given up (domain/rsvp.py)
    EVENT_CHECKED_IN = "event.checked_in"  # an attendee checked in at the door
    EXPERIMENT_CREATED = "experiment.created"
    EXPERIMENT_CHANGED = "experiment.changed"
    CAMPAIGN_CREATED = "campaign.created"  # domain/campaigns.py
    CAMPAIGN_CHANGED = "campaign.changed"
    CAMPAIGN_LAUNCHED = "campaign.launched"
    CAMPAIGN_RAN = "campaign.ran"  # a run enqueued its messages
    CAMPAIGN_STOPPED = "campaign.stopped"
    BUSINESS_CREATED = "business.created"  # a member made a business (domain/business.py)
    MANAGER_ASSIGNED = "business.manager_assigned"
    BUYER_ADDED = "business.buyer_added"
    BUYER_REMOVED = "business.buyer_removed"
    ENTITLEMENT_USED = "business.entitlement_used"  # a visit made, a hotline call
    WEBHOOK_ADDED = "webhook.added"
    WEBHOOK_REMOVED = "webhook.removed"
    WEBHOOKS_REPLAYED = "webhook.replayed"
    SURVEY_ADDED = "survey.added"
    SURVEY_CLOSED = "survey.closed"
    SURVEY_REOPENED = "survey.reopened"


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    at: datetime
    actor: str
    action: str
    member_id: int | None
    reason: str | None
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class AuditQuery:
    """Which entries to read: every filter given must hold; `after` is the last id of the
    previous page."""

    actor: str | None = None
    action: str | None = None
    member_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None
    after: int = 0
    limit: int = 100

    def checked(self) -> AuditQuery:
        """The query itself, or InvalidInput naming the filter that cannot be right."""
        if self.action is not None and self.action not in set(AuditAction):
            known = ", ".join(a.value for a in AuditAction)
            raise InvalidInput(f"action: {self.action!r} is not an audited action ({known})")
        if not 1 <= self.limit <= MAX_PAGE:
            raise InvalidInput(f"limit: give 1 to {MAX_PAGE} entries per page, not {self.limit}")
        if self.after < 0:
            raise InvalidInput(f"after: an entry id is not negative ({self.after})")
        if self.since is not None and self.until is not None and self.since > self.until:
            raise InvalidInput("since: the period starts after it ends (since > until)")
        return self
