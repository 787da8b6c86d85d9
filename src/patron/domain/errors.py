"""Domain errors: each one names what was wrong so adapters can map it to a clear answer.

The domain says what happened, not how a channel answers it: an error carries a stable,
machine-readable `code` and a message of facts for people. The adapters word and number
it for their channel: api/errors.py maps each class to an HTTP status and problem+json,
cli/errors.py to a CLI message and exit code. No HTTP status lives here.
"""

from __future__ import annotations


class PatronError(Exception):
    """Base of every error a user can cause and correct."""

    code = "patron_error"

    def __init__(self, message: str, **facts: object) -> None:
        super().__init__(message)
        self.message = message
        # what a program needs to act without parsing the message: the existing object's
        # id, the points asked and available (JSON values; the API adds them to its answer)
        self.facts = facts


class InvalidProgram(PatronError):
    code = "invalid_program"


class InvalidInput(PatronError):
    code = "invalid_input"


class NotFound(PatronError):
    code = "not_found"


class AmbiguousMember(InvalidInput):
    """A number names one member by Patron's id and another by their external id."""

    code = "ambiguous_member"


class AmbiguousPurchase(InvalidInput):
    """A number names one purchase by Patron's id and another by its order id."""

    code = "ambiguous_purchase"


class Conflict(PatronError):
    code = "conflict"


class InsufficientPoints(Conflict):
    code = "insufficient_points"

    def __init__(self, requested: int, available: int) -> None:
        super().__init__(
            f"{requested} points requested but only {available} are spendable",
            requested=requested,
            available=available,
        )
        self.requested = requested
        self.available = available


class MemberExists(Conflict):
    """An enrollment names an external id that a member already has (`member_id`)."""

    code = "member_exists"


class OrderTaken(Conflict):
    """A purchase names an order id already recorded (`purchase_id`, when the caller's
    key may see that purchase)."""

    code = "order_id_taken"


class PurchaseLimit(Conflict):
    """The member has the most purchases one member may have."""

    code = "purchase_limit_reached"


class NothingToReturn(Conflict):
    """Every line of the purchase has been returned already."""

    code = "purchase_fully_returned"


class RedemptionCancelled(Conflict):
    """The redemption was cancelled already; its points are back."""

    code = "redemption_already_cancelled"


class KeyRotated(Conflict):
    """The API key was rotated already: the key that replaced it is the one to rotate."""

    code = "api_key_already_rotated"


class RewardUnavailable(Conflict):
    code = "reward_unavailable"


class TransactionIdReused(Conflict):
    """A redemption names a transaction id the member has already redeemed under, for
    something else: the till's sale is already a redemption with other terms."""

    code = "transaction_id_reused"


class MemberErased(Conflict):
    """The member's personal data was erased: their record stays for the books (past
    purchases can still be refunded) but takes no new earning, spending or erasure."""

    code = "member_erased"


class StaffUserExists(Conflict):
    """A staff user with this e-mail exists (`user_id`)."""

    code = "staff_user_exists"


class ExperimentExists(Conflict):
    """An experiment of this name exists (`experiment_id`)."""

    code = "experiment_exists"


class ExperimentStarted(Conflict):
    """The change would redraw the arms of an experiment that has started."""

    code = "experiment_started"


class CampaignExists(Conflict):
    """A campaign of this name exists (`campaign_id`)."""

    code = "campaign_exists"


class CampaignStarted(Conflict):
    """The change needs a campaign that has not run (or is not due, for a run)."""

    code = "campaign_started"


class LastOwner(Conflict):
    """The change would leave the store without an active owner (`user_id`)."""

    code = "last_owner"


class IdempotencyKeyInUse(Conflict):
    """Another request with the same Idempotency-Key is still being applied."""

    code = "idempotency_key_in_use"


class IdempotencyKeyReused(PatronError):
    """An Idempotency-Key already answered another request: a client's bug, not a retry."""

    code = "idempotency_key_reused"


class ForbiddenShop(PatronError):
    """A key bound to a shop asked to touch a record of another shop, or of none
    (domain/access.py)."""

    code = "forbidden_shop"


class NoProgram(PatronError):
    """No loyalty program is loaded, so nothing that earns, spends or prices points can run.

    How to load one depends on the channel (the CLI has a command, the API has none), so
    the adapters add their own advice to this message.
    """

    code = "no_program"

    def __init__(self) -> None:
        super().__init__("no program is loaded")


class VoucherUnknown(NotFound):
    """No voucher has this code (a typo, or a guess)."""

    code = "voucher_unknown"


class VoucherUsed(Conflict):
    """The voucher was used already (a gift or service: handed over already)."""

    code = "voucher_used"


class VoucherExpired(Conflict):
    """The voucher's expiry moment has passed: it can no longer be used."""

    code = "voucher_expired"


class VoucherCancelled(Conflict):
    """The voucher's redemption was cancelled and its points given back."""

    code = "voucher_cancelled"


class RewardLimitReached(Conflict):
    """The member has had the reward as many times as its `limit` allows in this period."""

    code = "reward_limit_reached"


class RewardForClubs(Conflict):
    """The reward is for the members of some clubs (`clubs`), and the member is in none."""

    code = "reward_for_club_members"


class ClubJoinRefused(Conflict):
    """The club's way of joining does not allow this change now: a request to a club
    joined by invitation, an invitation to a rule club, an approval with no request, a
    member already in (docs/clubs.md)."""

    code = "club_join_refused"


class VatNumberInvalid(InvalidInput):
    """A VAT number that does not have the shape of one: two letters of a country, then
    2 to 13 letters and digits (domain/business.py)."""

    code = "vat_number_invalid"


class BuyerTaken(Conflict):
    """The e-mail, phone or card is already a buyer's of another business: a till must
    find one business through it."""

    code = "buyer_taken"


class EntitlementExhausted(Conflict):
    """Every use of an entitlement in its period is spent: nothing is left until the next."""

    code = "entitlement_exhausted"


class ReferralRefused(Conflict):
    """A friend enrolling with a code looks like the referrer or one of their friends
    (`reason`: self_referral, same_email, same_phone; domain/referrals.py)."""

    code = "referral_refused"


class EventClosed(Conflict):
    """The event has begun: RSVPs and their cancellations are closed."""

    code = "event_closed"


class RsvpExists(Conflict):
    """The member already holds a seat or a place on the waiting list for this event."""

    code = "rsvp_exists"


class RsvpNotActive(Conflict):
    """The RSVP was cancelled, skipped or checked in already: it cannot change so."""

    code = "rsvp_not_active"
