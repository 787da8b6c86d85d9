"""business customers: companies, their buyers, the buyer of each purchase, and the uses
of a tier's entitlements

Four new tables (docs/business.md): `businesses` (a member that is a company: name, VAT
number, account manager), `business_buyers` (its contacts, removed ones kept),
`buyer_purchases` (which buyer made a purchase of the business) and `entitlement_uses`
(a visit made, a hotline call: who recorded it, when, a note). Nothing existing changes.

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None

# the lengths when this migration was written (domain/limits.py, joining.py, business.py)
NAME_LENGTH = 200
VAT_LENGTH = 15
EMAIL_LENGTH = 320
PHONE_LENGTH = 16
CARD_LENGTH = 32
CODE_LENGTH = 64
ACTOR_LENGTH = 100
NOTE_LENGTH = 500
_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _fk(table: str, column: str, target: str) -> sa.ForeignKey:
    return sa.ForeignKey(f"{target}.id", name=op.f(f"fk_{table}_{column}_{target}"))


def upgrade() -> None:
    op.create_table(
        "businesses",
        sa.Column("member_id", _ID, _fk("businesses", "member_id", "members"), nullable=False),
        sa.Column("company_name", sa.String(length=NAME_LENGTH), nullable=False),
        sa.Column("vat_number", sa.String(length=VAT_LENGTH), nullable=False),
        sa.Column(
            "account_manager_id", _ID, _fk("businesses", "account_manager_id", "staff_users")
        ),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("member_id", name=op.f("pk_businesses")),
    )
    op.create_table(
        "business_buyers",
        sa.Column("id", _ID, primary_key=True),
        sa.Column("member_id", _ID, _fk("business_buyers", "member_id", "members"), nullable=False),
        sa.Column("name", sa.String(length=NAME_LENGTH), nullable=False),
        sa.Column("email", sa.String(length=EMAIL_LENGTH)),
        sa.Column("phone", sa.String(length=PHONE_LENGTH)),
        sa.Column("card", sa.String(length=CARD_LENGTH)),
        sa.Column("added_at", sa.DateTime(), nullable=False),
        sa.Column("removed_at", sa.DateTime()),
    )
    op.create_index("ix_business_buyers_member_id", "business_buyers", ["member_id"])
    op.create_index("ix_business_buyers_email", "business_buyers", ["email"])
    op.create_index("ix_business_buyers_phone", "business_buyers", ["phone"])
    op.create_index("ix_business_buyers_card", "business_buyers", ["card"])
    op.create_table(
        "buyer_purchases",
        sa.Column(
            "purchase_id", _ID, _fk("buyer_purchases", "purchase_id", "purchases"), nullable=False
        ),
        sa.Column("member_id", _ID, _fk("buyer_purchases", "member_id", "members"), nullable=False),
        sa.Column(
            "buyer_id", _ID, _fk("buyer_purchases", "buyer_id", "business_buyers"), nullable=False
        ),
        sa.PrimaryKeyConstraint("purchase_id", name=op.f("pk_buyer_purchases")),
    )
    op.create_index("ix_buyer_purchases_buyer_id", "buyer_purchases", ["buyer_id"])
    op.create_table(
        "entitlement_uses",
        sa.Column("id", _ID, primary_key=True),
        sa.Column(
            "member_id", _ID, _fk("entitlement_uses", "member_id", "members"), nullable=False
        ),
        sa.Column("entitlement", sa.String(length=CODE_LENGTH), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(length=ACTOR_LENGTH), nullable=False),
        sa.Column("note", sa.String(length=NOTE_LENGTH)),
    )
    op.create_index(
        "ix_entitlement_uses_member",
        "entitlement_uses",
        ["member_id", "entitlement", "used_at"],
    )


def downgrade() -> None:
    op.drop_index("ix_entitlement_uses_member", table_name="entitlement_uses")
    op.drop_table("entitlement_uses")
    op.drop_index("ix_buyer_purchases_buyer_id", table_name="buyer_purchases")
    op.drop_table("buyer_purchases")
    for name in ("card", "phone", "email", "member_id"):
        op.drop_index(f"ix_business_buyers_{name}", table_name="business_buyers")
    op.drop_table("business_buyers")
    op.drop_table("businesses")
