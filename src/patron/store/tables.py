"""SQLAlchemy Core tables of the store.

Every table that grows carries `member_id`, the distribution key should the store be
sharded by member (DESIGN.md §5). Check constraints are a backstop to the domain rules:
a balance, a lot or a debt can never go negative even if a bug slipped past the services.

Every column that takes input is sized from `domain/limits.py`, whose bounds every adapter
checks: it holds every accepted value and every sum of them it keeps (a member's lifetime
spend is the widest: NUMERIC(23,2)). Money columns are NUMERIC; on SQLite they round-trip
through a float and are quantized back to their scale, which is exact for amounts of cents
below 10^13 (every single bounded amount; not a lifetime spend past it).
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
)

from patron.domain import business, joining, staff
from patron.domain import goals as g
from patron.domain import limits as lim
from patron.domain import messages as msg
from patron.domain import surveys as sv
from patron.domain import webhooks as wh

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING)

Amount = Numeric(14, 2)  # < 10^12: holds limits.MAX_AMOUNT
UnitAmount = Numeric(14, 4)  # < 10^10: holds limits.MAX_UNIT_AMOUNT
LifetimeAmount = Numeric(23, 2)  # < 10^21: holds limits.MAX_LIFETIME_SPEND
Id = BigInteger().with_variant(Integer, "sqlite")

programs = Table(
    "programs",
    metadata,
    Column("version", Integer, primary_key=True, autoincrement=True),
    Column("name", String(lim.TITLE_LENGTH), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("source", Text, nullable=False),
    Column("definition", JSON, nullable=False),
    Column("loaded_at", DateTime, nullable=False),
)

members = Table(
    "members",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("external_id", String(lim.KEY_LENGTH), nullable=False, unique=True),
    Column("email", String(lim.EMAIL_LENGTH)),
    Column("name", String(lim.NAME_LENGTH)),
    Column("tier", String(lim.TITLE_LENGTH), nullable=False),
    Column("tier_since", DateTime, nullable=False),
    Column("enrolled_at", DateTime, nullable=False),
    Column("referral_code", String(lim.REFERRAL_LENGTH), nullable=False, unique=True),
    Column("referred_by", Id, ForeignKey("members.id")),
    Column("balance", BigInteger, nullable=False, default=0),
    Column("debt", BigInteger, nullable=False, default=0),
    Column("purchase_count", Integer, nullable=False, default=0),  # limits.MAX_PURCHASES
    Column("lifetime_spend", LifetimeAmount, nullable=False, default=0),
    Column("acquisition_channel", String(lim.SHORT_LENGTH)),
    # set once when the personal fields are erased; triggers (migration 0007) keep it so
    Column("erased_at", DateTime),
    # optional, given when joining from the portal (domain/joining.py keeps their shape)
    Column("phone", String(joining.PHONE_LENGTH)),
    # portal sessions issued before it are over: a logout, the first proof of the address
    Column("portal_sessions_after", DateTime),
    # the language of the member's messages (en, ro, ...); None: the program's default
    Column("locale", String(16)),
    CheckConstraint("balance >= 0", name="balance_not_negative"),
    CheckConstraint("debt >= 0", name="debt_not_negative"),
)
# the portal finds a member by their address, compared without regard to case
# (services/login_links.py)
Index("ix_members_email_lower", func.lower(members.c.email))

# loyalty cards (domain/cards.py): issued in batches, linked to a member, blocked when
# lost; a member holds any number over time, an active one finds them (migration 0014
# moved the cards members typed at joining here from members.card)
cards = Table(
    "cards",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("number", String(joining.CARD_LENGTH[1]), nullable=False, unique=True),
    Column("status", String(16), nullable=False),
    Column("member_id", Id, ForeignKey("members.id")),
    Column("batch", String(lim.SHORT_LENGTH)),
    Column("created_at", DateTime, nullable=False),
    Column("linked_at", DateTime),
    Column("blocked_at", DateTime),
    Column("replaced_by", String(joining.CARD_LENGTH[1])),
    CheckConstraint("status IN ('issued', 'active', 'blocked')", name="known_status"),
    CheckConstraint("status <> 'active' OR member_id IS NOT NULL", name="active_has_member"),
    Index("ix_cards_member", "member_id"),
    Index("ix_cards_batch", "batch"),
)

# a member's birthday (month and day, the year if given): personal data, deleted on
# erasure; the birthday bonus (services/birthdays.py) is granted around it once a year
member_birthdays = Table(
    "member_birthdays",
    metadata,
    Column("member_id", Id, ForeignKey("members.id"), primary_key=True),
    Column("month", Integer, nullable=False),
    Column("day", Integer, nullable=False),
    Column("year", Integer),
    CheckConstraint("month BETWEEN 1 AND 12 AND day BETWEEN 1 AND 31", name="valid_day"),
)

# one birthday bonus per member and year: the key keeps a re-run or two concurrent runs
# from granting twice; the entry (points) or the redemption (a voucher) it made
birthday_grants = Table(
    "birthday_grants",
    metadata,
    Column("member_id", Id, ForeignKey("members.id"), primary_key=True),
    Column("year", Integer, primary_key=True),
    Column("granted_at", DateTime, nullable=False),
    Column("points", BigInteger, nullable=False),
    Column("entry_id", Id, ForeignKey("ledger_entries.id")),
    Column("redemption_id", Id, ForeignKey("redemptions.id")),
)

purchases = Table(
    "purchases",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("member_id", Id, ForeignKey("members.id"), nullable=False),
    Column("order_id", String(lim.KEY_LENGTH), nullable=False, unique=True),
    Column("occurred_at", DateTime, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("total", Amount, nullable=False),
    Column("cost", Amount),
    Column("refunded_total", Amount, nullable=False, default=0),
    Column("channel", String(lim.SHORT_LENGTH)),
    Column("payment_method", String(lim.SHORT_LENGTH)),
    Column("promotion_code", String(lim.LABEL_LENGTH)),
    Column("invoice_due_at", DateTime),
    Column("paid_at", DateTime),
    Column("program_version", Integer, ForeignKey("programs.version")),
    Column("points_earned", BigInteger, nullable=False, default=0),
    Column("bonus_points", BigInteger, nullable=False, default=0),
    Column("breakdown", JSON),
    Column("source", String(16), nullable=False, default="api"),
    Column("created_at", DateTime, nullable=False),
    Column("shop", String(lim.SHOP_LENGTH)),  # the recording key's shop; NULL: none
    Index("ix_purchases_member_time", "member_id", "occurred_at"),
)

purchase_lines = Table(
    "purchase_lines",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("purchase_id", Id, ForeignKey("purchases.id"), nullable=False, index=True),
    Column("member_id", Id, nullable=False),
    Column("line_no", Integer, nullable=False),
    Column("sku", String(lim.CODE_LENGTH), nullable=False),
    Column("category", String(lim.LABEL_LENGTH)),
    Column("quantity", Integer, nullable=False),
    Column("unit_price", UnitAmount, nullable=False),
    Column("unit_cost", UnitAmount),
    Column("points", BigInteger, nullable=False, default=0),
    Column("refunded_quantity", Integer, nullable=False, default=0),
    CheckConstraint("quantity > 0", name="quantity_positive"),
    CheckConstraint(
        "refunded_quantity >= 0 AND refunded_quantity <= quantity", name="refund_within_quantity"
    ),
)

refunds = Table(
    "refunds",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("purchase_id", Id, ForeignKey("purchases.id"), nullable=False, index=True),
    Column("member_id", Id, nullable=False),
    Column("amount", Amount, nullable=False),
    Column("points_taken_back", BigInteger, nullable=False),
    Column("debt", BigInteger, nullable=False, default=0),
    Column("lines", JSON, nullable=False),
    Column("reason", String(lim.REASON_LENGTH)),
    Column("created_at", DateTime, nullable=False),
)

ledger_entries = Table(
    "ledger_entries",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("member_id", Id, ForeignKey("members.id"), nullable=False),
    Column("kind", String(24), nullable=False),
    Column("points", BigInteger, nullable=False),
    Column("occurred_at", DateTime, nullable=False),
    Column("purchase_id", Id),
    Column("refund_id", Id),
    Column("redemption_id", Id),
    Column("actor", String(lim.ACTOR_LENGTH)),
    Column("reason", String(lim.NOTE_LENGTH)),
    Index("ix_ledger_member", "member_id", "id"),
    Index("ix_ledger_purchase", "purchase_id"),
)

point_lots = Table(
    "point_lots",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("member_id", Id, ForeignKey("members.id"), nullable=False),
    Column("entry_id", Id, ForeignKey("ledger_entries.id"), nullable=False, index=True),
    Column("points", BigInteger, nullable=False),
    Column("remaining", BigInteger, nullable=False),
    Column("earned_at", DateTime, nullable=False),
    Column("available_at", DateTime, nullable=False),
    Column("expires_at", DateTime),
    Column("warned_at", DateTime),
    CheckConstraint("remaining >= 0 AND remaining <= points", name="remaining_in_range"),
    Index("ix_lots_member_open", "member_id", "remaining"),
    Index("ix_lots_expiry", "expires_at"),
)

lot_allocations = Table(
    "lot_allocations",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("member_id", Id, nullable=False),
    Column("lot_id", Id, ForeignKey("point_lots.id"), nullable=False, index=True),
    Column("entry_id", Id, ForeignKey("ledger_entries.id"), nullable=False, index=True),
    Column("points", BigInteger, nullable=False),
)

rewards = Table(
    "rewards",
    metadata,
    Column("id", String(lim.CODE_LENGTH), primary_key=True),
    Column("name", String(lim.TITLE_LENGTH), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("points", BigInteger, nullable=False),
    Column("cost", Amount, nullable=False),
    Column("value", Amount),
    Column("stock", Integer),  # limits.MAX_STOCK
    Column("tiers", JSON, nullable=False),
    Column("description", Text, nullable=False, default=""),
    Column("active", Boolean, nullable=False, default=True),
    CheckConstraint("stock IS NULL OR stock >= 0", name="stock_not_negative"),
)

redemptions = Table(
    "redemptions",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("member_id", Id, ForeignKey("members.id"), nullable=False, index=True),
    Column("reward_id", String(lim.CODE_LENGTH), ForeignKey("rewards.id")),
    Column("points", BigInteger, nullable=False),
    Column("value", Amount, nullable=False),
    Column("cost", Amount, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("status", String(16), nullable=False),
    Column("entry_id", Id, ForeignKey("ledger_entries.id")),
    Column("created_at", DateTime, nullable=False),
    Column("cancelled_at", DateTime),
    Column("transaction_id", String(128)),
    Column("shop", String(lim.SHOP_LENGTH)),  # the redeeming key's shop; NULL: none
    UniqueConstraint("member_id", "transaction_id", name="uq_redemptions_member_transaction"),
)

# the fulfilment of a redemption of a discount, gift or service: its code for the till,
# its expiry (a discount's voucher) and its state (domain/fulfilment.py)
fulfilments = Table(
    "fulfilments",
    metadata,
    Column("redemption_id", Id, ForeignKey("redemptions.id"), primary_key=True),
    Column("member_id", Id, ForeignKey("members.id"), nullable=False, index=True),
    Column("reward_id", String(lim.CODE_LENGTH), ForeignKey("rewards.id"), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("code", String(16), nullable=False, unique=True),
    Column("state", String(16), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("expires_at", DateTime),
    Column("done_at", DateTime),
    Column("done_by", String(lim.ACTOR_LENGTH)),
    Column("transaction_id", String(128)),
    Index("ix_fulfilments_state_kind", "state", "kind"),
)

# a scheduled event's seats (domain/rsvp.py): its date, place and capacity from the program
# file, and the seats taken, moved only by a conditional UPDATE (never past the capacity)
event_seats = Table(
    "event_seats",
    metadata,
    Column("reward_id", String(lim.CODE_LENGTH), ForeignKey("rewards.id"), primary_key=True),
    Column("starts_at", DateTime, nullable=False),
    Column("place", String(lim.TITLE_LENGTH), nullable=False),
    Column("capacity", Integer, nullable=False),  # limits.MAX_STOCK
    Column("taken", Integer, nullable=False),
    CheckConstraint("taken >= 0", name="taken_not_negative"),
)

# a member's RSVP to a scheduled event: a seat (paid by a redemption, or free for the
# tier) or a place on the waiting list, in id order
rsvps = Table(
    "rsvps",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("reward_id", String(lim.CODE_LENGTH), ForeignKey("rewards.id"), nullable=False),
    Column("member_id", Id, ForeignKey("members.id"), nullable=False, index=True),
    Column("state", String(16), nullable=False),
    Column("points", BigInteger, nullable=False),  # paid for the seat; 0: free, or waiting
    Column("cost", Amount, nullable=False),
    Column("redemption_id", Id, ForeignKey("redemptions.id")),
    Column("created_at", DateTime, nullable=False),
    Column("seated_at", DateTime),
    Column("done_at", DateTime),
    Column("done_by", String(lim.ACTOR_LENGTH)),
    Column("reason", Text),
    Index("ix_rsvps_reward_id_state", "reward_id", "state"),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("name", String(lim.ACTOR_LENGTH), nullable=False),
    Column("prefix", String(16), nullable=False),
    Column("key_hash", String(64), nullable=False, unique=True),
    Column("scope", String(16), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("revoked_at", DateTime),
    Column("shop", String(lim.SHOP_LENGTH)),  # NULL: every shop
    Column("operations", JSON),  # a list of domain.access.Operation; NULL: every one
    Column("expires_at", DateTime),  # set by a rotation: the key stops working then
)

staff_users = Table(
    "staff_users",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("email", String(staff.EMAIL_LENGTH), nullable=False, unique=True),  # lower case
    Column("name", String(staff.NAME_LENGTH)),
    Column("role", String(16), nullable=False),
    Column("password_hash", String(255), nullable=False),  # Argon2id, PHC string
    Column("created_at", DateTime, nullable=False),
    Column("disabled_at", DateTime),
    Column("last_login_at", DateTime),
    Column("failed_logins", Integer, nullable=False, server_default="0"),
    Column("locked_until", DateTime),
    # sessions issued before this moment are over: a logout, a new password, a disable
    Column("sessions_after", DateTime),
)

# secrets the server makes for itself on first use and every worker shares: the key that
# signs the console's session cookies (web/sessions.py)
server_secrets = Table(
    "server_secrets",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", String(128), nullable=False),
    Column("created_at", DateTime, nullable=False),
)

# the portal's magic links: only the SHA-256 of a link's token is kept (domain/login_links.py)
login_links = Table(
    "login_links",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("member_id", Id, ForeignKey("members.id"), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", DateTime, nullable=False),
    Column("expires_at", DateTime, nullable=False),
    Column("used_at", DateTime),
    Index("ix_login_links_member_time", "member_id", "created_at"),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("at", DateTime, nullable=False),
    Column("actor", String(lim.ACTOR_LENGTH), nullable=False),
    Column("action", String(50), nullable=False),
    Column("member_id", Id),
    Column("reason", String(lim.NOTE_LENGTH)),
    Column("details", JSON, nullable=False),
)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("api_key_id", Id, ForeignKey("api_keys.id"), nullable=False),
    Column("key", String(255), nullable=False),
    Column("request_hash", String(64), nullable=False),
    Column("response_status", Integer),
    Column("response_body", Text),
    Column("created_at", DateTime, nullable=False),
    UniqueConstraint("api_key_id", "key", name="uq_idempotency_keys_scope"),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("member_id", Id, nullable=False, index=True),
    Column("type", String(50), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("occurred_at", DateTime, nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("published_at", DateTime),
    # set when the worker has made the event's webhook deliveries (worker.py)
    Column("routed_at", DateTime),
)
Index("ix_outbox_routed_at", outbox.c.routed_at)
Index("ix_outbox_published_at", outbox.c.published_at)

# messages to members (domain/messages.py): one row per message asked for, sent or refused
messages = Table(
    "messages",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("member_id", Id, ForeignKey("members.id"), nullable=False),
    Column("channel", String(16), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("template", String(msg.TEMPLATE_LENGTH), nullable=False),
    Column("key", String(msg.KEY_LENGTH), nullable=False, unique=True),
    Column("campaign_id", Id),
    Column("journey", String(lim.SHORT_LENGTH)),
    Column("variant", String(lim.SHORT_LENGTH)),
    Column("context", JSON, nullable=False),
    Column("status", String(16), nullable=False),
    Column("refusal", String(16)),
    Column("queued_at", DateTime, nullable=False),
    Column("not_before", DateTime, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("lease_until", DateTime),
    Column("sent_at", DateTime),
    Column("address", String(msg.ADDRESS_LENGTH)),
    Column("error", String(msg.ERROR_LENGTH)),
    CheckConstraint("attempts >= 0", name="attempts_not_negative"),
)
Index("ix_messages_status", messages.c.status, messages.c.not_before)
Index("ix_messages_member_id", messages.c.member_id, messages.c.queued_at)
Index("ix_messages_campaign_id", messages.c.campaign_id, messages.c.status)

# addresses no marketing message may reach, whatever consent says (domain/messages.py)
suppressions = Table(
    "suppressions",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("channel", String(16), nullable=False),
    Column("address", String(msg.ADDRESS_LENGTH), nullable=False),
    Column("reason", String(16), nullable=False),
    Column("source", String(lim.SHORT_LENGTH), nullable=False),
    Column("actor", String(lim.ACTOR_LENGTH)),
    Column("created_at", DateTime, nullable=False),
    UniqueConstraint("channel", "address", name="uq_suppressions_address"),
)

# templates staff write (a campaign's content); packaged ones are files (engage/templates)
message_templates = Table(
    "message_templates",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("name", String(msg.TEMPLATE_LENGTH), nullable=False),
    Column("locale", String(16), nullable=False),
    Column("subject", Text, nullable=False),
    Column("text", Text, nullable=False),
    Column("html", Text),
    Column("updated_at", DateTime, nullable=False),
    Column("updated_by", String(lim.ACTOR_LENGTH)),
    UniqueConstraint("name", "locale", name="uq_message_templates_name"),
)

webhook_subscriptions = Table(
    "webhook_subscriptions",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("url", String(wh.URL_LENGTH), nullable=False),
    Column("event_types", JSON, nullable=False),
    Column("secret", String(100), nullable=False),
    Column("description", String(wh.DESCRIPTION_LENGTH), nullable=False),
    Column("active", Boolean, nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("created_by", String(lim.ACTOR_LENGTH), nullable=False),
)

# one row per (event, subscription): the delivery's state and its next attempt
webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("event_id", Id, ForeignKey("outbox.id"), nullable=False),
    Column("subscription_id", Id, ForeignKey("webhook_subscriptions.id"), nullable=False),
    Column("member_id", Id, nullable=False),
    Column("state", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", DateTime, nullable=False),
    Column("lease_until", DateTime),
    Column("last_status", Integer),
    Column("last_error", String(wh.ERROR_LENGTH)),
    Column("created_at", DateTime, nullable=False),
    Column("done_at", DateTime),
    UniqueConstraint("event_id", "subscription_id", name="uq_webhook_deliveries_event_id"),
    CheckConstraint("attempts >= 0", name="attempts_not_negative"),
)
Index(
    "ix_webhook_deliveries_state", webhook_deliveries.c.state, webhook_deliveries.c.next_attempt_at
)
Index(
    "ix_webhook_deliveries_member_id",
    webhook_deliveries.c.member_id,
    webhook_deliveries.c.subscription_id,
    webhook_deliveries.c.event_id,
)

# the delivery log: every attempt, recorded before it is sent and completed after
webhook_attempts = Table(
    "webhook_attempts",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("delivery_id", Id, ForeignKey("webhook_deliveries.id"), nullable=False, index=True),
    Column("member_id", Id, nullable=False),
    Column("number", Integer, nullable=False),
    Column("started_at", DateTime, nullable=False),
    Column("finished_at", DateTime),
    Column("status_code", Integer),
    Column("error", String(wh.ERROR_LENGTH)),
)

acquisition_spend = Table(
    "acquisition_spend",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("month", Date, nullable=False),
    Column("channel", String(lim.SHORT_LENGTH), nullable=False),
    Column("amount", Amount, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("note", String(lim.NOTE_LENGTH)),
    Column("recorded_at", DateTime, nullable=False),
    Column("recorded_by", String(lim.ACTOR_LENGTH), nullable=False),
    CheckConstraint("amount >= 0", name="amount_not_negative"),
    Index("ix_acquisition_spend_month_channel", "month", "channel"),
)

# what a member agreed to, appended to and never rewritten: the latest row of a purpose is
# its state (domain/consent.py)
consents = Table(
    "consents",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("member_id", Id, ForeignKey("members.id"), nullable=False),
    Column("purpose", String(32), nullable=False),
    Column("granted", Boolean, nullable=False),
    Column("recorded_at", DateTime, nullable=False),
    Column("source", String(16), nullable=False),
    Column("actor", String(lim.ACTOR_LENGTH)),
    # the message whose unsubscribe link made this record (no foreign key: a message may
    # be purged, the record stays); a campaign's unsubscribes are counted by it
    Column("message_id", Id),
    Index("ix_consents_member", "member_id", "purpose", "id"),
    Index("ix_consents_message", "message_id"),
)

# purchases recorded before their customer was a member, under the customer's e-mail,
# phone or card; linked to the member who proves the address (domain/unclaimed.py)
unclaimed_purchases = Table(
    "unclaimed_purchases",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("order_id", String(lim.KEY_LENGTH), nullable=False, unique=True),
    Column("occurred_at", DateTime, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("total", Amount, nullable=False),
    Column("email", String(lim.EMAIL_LENGTH)),  # lower case
    Column("phone", String(joining.PHONE_LENGTH)),
    Column("card", String(joining.CARD_LENGTH[1])),
    Column("body", JSON, nullable=False),
    Column("shop", String(lim.SHOP_LENGTH)),
    Column("created_at", DateTime, nullable=False),
    Column("member_id", Id, ForeignKey("members.id")),  # set when linked
    Column("purchase_id", Id, ForeignKey("purchases.id")),
    Column("linked_at", DateTime),
    Index("ix_unclaimed_purchases_email", "email"),
)

# SMART goals (domain/goals.py): a KPI, a population, the baseline measured at creation,
# a target and a deadline; and the value recorded for each on each day, one a day
KpiValue = Numeric(18, 6)  # < 10^12: holds g.MAX_VALUE to six decimals
goals = Table(
    "goals",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("name", String(g.NAME_LENGTH)),
    Column("kpi", String(g.KPI_LENGTH), nullable=False),
    Column("population_kind", String(g.KIND_LENGTH), nullable=False),
    Column("population_value", String(g.POPULATION_LENGTH)),
    Column("baseline", KpiValue, nullable=False),
    Column("window_days", Integer, nullable=False),
    Column("target", KpiValue, nullable=False),
    Column("deadline", Date, nullable=False),
    Column("is_primary", Boolean, nullable=False),
    Column("owner", String(g.OWNER_LENGTH), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("created_by", String(lim.ACTOR_LENGTH), nullable=False),
    CheckConstraint("target <> baseline", name="target_moves"),
    CheckConstraint("window_days > 0", name="window_positive"),
)

goal_values = Table(
    "goal_values",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("goal_id", Id, ForeignKey("goals.id"), nullable=False),
    Column("day", Date, nullable=False),
    Column("value", KpiValue, nullable=False),
    Column("recorded_at", DateTime, nullable=False),
    UniqueConstraint("goal_id", "day", name="uq_goal_values_goal_day"),
)

# the program's budget (domain/budget.py): one planned amount per month and category,
# replaced when set again (the audit log keeps the old one) ...
budget_plans = Table(
    "budget_plans",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("month", Date, nullable=False),
    Column("category", String(32), nullable=False),
    Column("amount", Amount, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("note", String(lim.NOTE_LENGTH)),
    Column("set_at", DateTime, nullable=False),
    Column("set_by", String(lim.ACTOR_LENGTH), nullable=False),
    CheckConstraint("amount >= 0", name="amount_not_negative"),
    UniqueConstraint("month", "category", name="uq_budget_plans_month_category"),
)

# ... and what was spent on the categories Patron does not know, only ever added
budget_spend = Table(
    "budget_spend",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("month", Date, nullable=False),
    Column("category", String(32), nullable=False),
    Column("amount", Amount, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("note", String(lim.NOTE_LENGTH)),
    Column("recorded_at", DateTime, nullable=False),
    Column("recorded_by", String(lim.ACTOR_LENGTH), nullable=False),
    CheckConstraint("amount >= 0", name="amount_not_negative"),
    Index("ix_budget_spend_month_category", "month", "category"),
)

# experiments against a control group (domain/experiments.py): the experiment, and each
# member's arm, stored when first decided and never rewritten
experiments = Table(
    "experiments",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("name", String(lim.SHORT_LENGTH), nullable=False, unique=True),
    Column("kind", String(16), nullable=False),
    Column("salt", String(64), nullable=False),
    Column("control_share", Numeric(5, 4)),  # a holdout's; NULL for a pilot
    Column("shops", JSON),  # a pilot's shops; NULL for a holdout
    Column("starts_at", DateTime, nullable=False),
    Column("ends_at", DateTime),
    Column("created_at", DateTime, nullable=False),
    Column("created_by", String(lim.ACTOR_LENGTH), nullable=False),
    CheckConstraint("kind IN ('holdout', 'pilot')", name="kind_known"),
    CheckConstraint("control_share > 0 AND control_share < 1", name="share_between_0_and_1"),
)


experiment_assignments = Table(
    "experiment_assignments",
    metadata,
    Column("experiment_id", Id, ForeignKey("experiments.id"), primary_key=True),
    Column("member_id", Id, ForeignKey("members.id"), primary_key=True),
    Column("arm", String(16), nullable=False),
    Column("assigned_at", DateTime, nullable=False),
    CheckConstraint("arm IN ('control', 'treatment')", name="arm_known"),
    Index("ix_experiment_assignments_member", "member_id"),
)

# clubs (domain/clubs.py): where each member stands in each club now (a row per club and
# member: invited, requested or member; none when out) ...
club_members = Table(
    "club_members",
    metadata,
    Column("club_id", String(lim.CODE_LENGTH), primary_key=True),
    Column("member_id", Id, ForeignKey("members.id"), primary_key=True),
    Column("standing", String(16), nullable=False),
    Column("since", DateTime, nullable=False),
    CheckConstraint("standing IN ('invited', 'requested', 'member')", name="standing_known"),
    Index("ix_club_members_member", "member_id"),
)

# ... and every change that brought them in or out, only ever added: who, why and when
club_changes = Table(
    "club_changes",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("club_id", String(lim.CODE_LENGTH), nullable=False),
    Column("member_id", Id, ForeignKey("members.id"), nullable=False),
    Column("change", String(16), nullable=False),
    Column("at", DateTime, nullable=False),
    Column("actor", String(lim.ACTOR_LENGTH), nullable=False),
    Column("reason", String(lim.REASON_LENGTH)),
    CheckConstraint(
        "change IN ('invited', 'requested', 'joined', 'refused', 'declined', 'left')",
        name="change_known",
    ),
    Index("ix_club_changes_club_member", "club_id", "member_id"),
    Index("ix_club_changes_member", "member_id"),
)

# business customers (domain/business.py): a member that is a company, its buyers, the
# purchases each buyer made for it, and the uses of its tier's entitlements
businesses = Table(
    "businesses",
    metadata,
    Column("member_id", Id, ForeignKey("members.id"), primary_key=True),
    Column("company_name", String(lim.NAME_LENGTH), nullable=False),
    Column("vat_number", String(business.VAT_LENGTH), nullable=False),
    Column("account_manager_id", Id, ForeignKey("staff_users.id")),
    Column("created_at", DateTime, nullable=False),
)

business_buyers = Table(
    "business_buyers",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("member_id", Id, ForeignKey("members.id"), nullable=False, index=True),
    Column("name", String(lim.NAME_LENGTH), nullable=False),
    Column("email", String(lim.EMAIL_LENGTH)),  # lower case
    Column("phone", String(joining.PHONE_LENGTH)),
    Column("card", String(joining.CARD_LENGTH[1])),
    Column("added_at", DateTime, nullable=False),
    Column("removed_at", DateTime),
    Index("ix_business_buyers_email", "email"),
    Index("ix_business_buyers_phone", "phone"),
    Index("ix_business_buyers_card", "card"),
)

buyer_purchases = Table(
    "buyer_purchases",
    metadata,
    Column("purchase_id", Id, ForeignKey("purchases.id"), primary_key=True),
    Column("member_id", Id, ForeignKey("members.id"), nullable=False),
    Column("buyer_id", Id, ForeignKey("business_buyers.id"), nullable=False, index=True),
)

entitlement_uses = Table(
    "entitlement_uses",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("member_id", Id, ForeignKey("members.id"), nullable=False),
    Column("entitlement", String(lim.CODE_LENGTH), nullable=False),
    Column("used_at", DateTime, nullable=False),
    Column("actor", String(lim.ACTOR_LENGTH), nullable=False),
    Column("note", String(lim.NOTE_LENGTH)),
    Index("ix_entitlement_uses_member", "member_id", "entitlement", "used_at"),
)

# referrals (domain/referrals.py): a friend enrolled with a member's code, one row per
# friend (`member_id`), linked to the referrer; paid on the friend's qualifying purchase,
# taken back if it is returned within its window, or refused with a reason
referrals = Table(
    "referrals",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("member_id", Id, ForeignKey("members.id"), nullable=False, unique=True),
    Column("referrer_id", Id, ForeignKey("members.id"), nullable=False),
    Column("state", String(16), nullable=False),
    Column("reason", String(24)),
    Column("enrolled_at", DateTime, nullable=False),
    Column("purchase_id", Id, ForeignKey("purchases.id")),
    Column("qualified_at", DateTime),
    Column("rewards_at", DateTime),
    Column("ended_at", DateTime),
    Column("referrer_points", BigInteger, nullable=False, default=0),
    Column("friend_points", BigInteger, nullable=False, default=0),
    Column("referrer_lot", Id, ForeignKey("point_lots.id")),
    Column("friend_lot", Id, ForeignKey("point_lots.id")),
    CheckConstraint(
        "state IN ('enrolled', 'qualified', 'taken_back', 'refused')", name="state_known"
    ),
    CheckConstraint("state <> 'refused' OR reason IS NOT NULL", name="refusal_has_reason"),
    CheckConstraint("referrer_points >= 0 AND friend_points >= 0", name="points_not_negative"),
    Index("ix_referrals_referrer", "referrer_id", "qualified_at"),
    Index("ix_referrals_purchase", "purchase_id"),
)

# the payment fingerprint a till may send with a purchase (a hash of the card, never the
# card): compared across a referrer and their friends (docs/referrals.md)
payment_fingerprints = Table(
    "payment_fingerprints",
    metadata,
    Column("purchase_id", Id, ForeignKey("purchases.id"), primary_key=True),
    Column("member_id", Id, ForeignKey("members.id"), nullable=False),
    Column("fingerprint", String(lim.FINGERPRINT_LENGTH), nullable=False),
    Index("ix_payment_fingerprints_fingerprint", "fingerprint", "member_id"),
    Index("ix_payment_fingerprints_member", "member_id"),
)

# satisfaction surveys (domain/surveys.py): NPS or CSAT, the question per locale, open or
# closed; one answer per link (`invitation`: survey, member and purchase), with the
# context it was given in: the purchase, its shop and the member's tier then
surveys = Table(
    "surveys",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("name", String(sv.NAME_LENGTH), nullable=False, unique=True),
    Column("kind", String(8), nullable=False),
    Column("question", JSON, nullable=False),
    Column("comment_question", JSON),
    Column("after_purchase", Boolean, nullable=False),
    Column("active", Boolean, nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("created_by", String(lim.ACTOR_LENGTH), nullable=False),
    Column("closed_at", DateTime),
    CheckConstraint("kind IN ('nps', 'csat')", name="kind_known"),
)

survey_responses = Table(
    "survey_responses",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("survey_id", Id, ForeignKey("surveys.id"), nullable=False),
    Column("member_id", Id, ForeignKey("members.id"), nullable=False),
    Column("purchase_id", Id, ForeignKey("purchases.id")),
    Column("invitation", String(64), nullable=False, unique=True),
    Column("score", Integer, nullable=False),
    Column("comment", String(sv.COMMENT_LENGTH)),
    Column("locale", String(8), nullable=False),
    Column("responded_at", DateTime, nullable=False),
    Column("shop", String(lim.SHOP_LENGTH)),
    Column("tier", String(lim.TITLE_LENGTH), nullable=False),
    CheckConstraint("score >= 0 AND score <= 10", name="score_in_scale"),
    Index("ix_survey_responses_survey", "survey_id", "responded_at"),
    Index("ix_survey_responses_member", "member_id"),
)

# campaigns (domain/campaigns.py): the campaign, each member's arm and variant (stored when
# first drawn, never rewritten) with their offer's window, each run, and the purchases that
# earned a campaign's offer
campaigns = Table(
    "campaigns",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("name", String(lim.SHORT_LENGTH), nullable=False, unique=True),
    Column("channel", String(16), nullable=False),
    Column("audience", JSON, nullable=False),
    Column("variants", JSON, nullable=False),
    Column("holdout_share", Numeric(5, 4), nullable=False),
    Column("salt", String(64), nullable=False),
    Column("first_at", DateTime),
    Column("every_days", Integer),
    Column("ends_at", DateTime),
    Column("per_hour", Integer),
    Column("offer", JSON),
    Column("attribution_days", Integer, nullable=False),
    Column("status", String(16), nullable=False),
    Column("next_run_at", DateTime),
    Column("runs", Integer, nullable=False),
    Column("first_run_at", DateTime),
    Column("last_run_at", DateTime),
    Column("created_at", DateTime, nullable=False),
    Column("created_by", String(lim.ACTOR_LENGTH), nullable=False),
    CheckConstraint("status IN ('draft', 'scheduled', 'done', 'stopped')", name="status_known"),
    CheckConstraint(
        "holdout_share >= 0 AND holdout_share < 1", name="holdout_share_from_0_below_1"
    ),
    Index("ix_campaigns_due", "status", "next_run_at"),
)

campaign_members = Table(
    "campaign_members",
    metadata,
    Column("campaign_id", Id, ForeignKey("campaigns.id"), primary_key=True),
    Column("member_id", Id, ForeignKey("members.id"), primary_key=True),
    Column("arm", String(16), nullable=False),
    Column("variant", String(16)),  # NULL for the holdout
    Column("first_run", Integer, nullable=False),
    Column("assigned_at", DateTime, nullable=False),
    Column("offer_from", DateTime),  # the window of the offer, a treated member's
    Column("offer_until", DateTime),
    CheckConstraint("arm IN ('control', 'treatment')", name="arm_known"),
    Index("ix_campaign_members_member", "member_id"),
)

campaign_runs = Table(
    "campaign_runs",
    metadata,
    Column("campaign_id", Id, ForeignKey("campaigns.id"), primary_key=True),
    Column("run", Integer, primary_key=True),
    Column("started_at", DateTime, nullable=False),
    Column("audience", Integer, nullable=False),
    Column("holdout", Integer, nullable=False),
    Column("queued", Integer, nullable=False),
    Column("refused", Integer, nullable=False),
    Column("actor", String(lim.ACTOR_LENGTH), nullable=False),
)

campaign_offer_uses = Table(
    "campaign_offer_uses",
    metadata,
    Column("purchase_id", Id, ForeignKey("purchases.id"), primary_key=True),
    Column("campaign_id", Id, ForeignKey("campaigns.id"), primary_key=True),
    Column("member_id", Id, nullable=False),
    Column("points", BigInteger, nullable=False),
    Column("at", DateTime, nullable=False),
    Index("ix_campaign_offer_uses_campaign", "campaign_id"),
)
