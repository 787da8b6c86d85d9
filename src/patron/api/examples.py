"""The examples of the OpenAPI document, one story: member 1 is Ana (C-1042), who bought
two books on receipt T1-0042 and spent 150 points on a coffee (redemption 1). The
Schemathesis test seeds that story and runs the request examples as they are.

First the answers that have no model of their own (analytics, insights, the
personal-data export): the shapes a client codes against. Amounts are decimal strings, as
everywhere in the API (issue 11: the analytics answers' money goes from floats to
decimal strings); shares and rates are numbers. Then the examples of the models of
api/schemas.py, named after them (tests/e2e/test_openapi.py validates each).
"""

from __future__ import annotations

from typing import Any

_SUMMARY = {
    "customer_id": "C-1042",
    "first_purchase": "2025-11-02T00:00:00",
    "last_purchase": "2025-12-02T00:00:00",
    "purchases": 2,
    "frequency": 1,
    "recency": 4.29,
    "T": 8.71,
    "total_spend": "50.00",
    "mean_spend": "25.00",
    "monetary_value": "25.00",
    "margin": None,
    "promotions_used": 0,
    "avg_days_to_pay": None,
    "channels": 1,
    "products": 1,
    "categories": 1,
}

# GET /v1/analytics/{table}, one example per table
ANALYTICS: dict[str, Any] = {
    "summary": {"data": [_SUMMARY], "count": 2},
    "rfm": {
        "data": [
            {
                "customer_id": "C-1042",
                "purchases": 2,
                "total_spend": "50.00",
                "days_since_last": 30,
                "r": 4,
                "f": 3,
                "m": 4,
                "rfm": "434",
                "segment": "loyal",
            }
        ],
        "count": 2,
        "segments": [
            {"segment": "loyal", "customers": 2, "revenue": "90.00", "revenue_share": 1.0}
        ],
    },
    "abc": {
        "data": [
            {
                "customer_id": "C-1042",
                "volume": "50.00",
                "growth": "50.00",
                "payment_speed": None,
                "profitability": None,
                "loyalty": 2,
                "score": 1.0,
                "position": 0.5,
                "abc": "B",
            }
        ],
        "count": 2,
    },
    "pareto": {
        "data": [{"step": 5, "customer_share": 0.5, "revenue_share": 0.5556}],
        "count": 2,
        "top_20_percent_share": 0.2222,
    },
    "cohorts": {
        "data": [
            {
                "cohort_month": "2025-11-01",
                "months_since": 0,
                "customers": 2,
                "size": 2,
                "retention": 1.0,
            }
        ],
        "count": 2,
    },
    "kpis": {
        "start": "2025-10-01",
        "end": "2026-01-01",
        "customers": 2,
        "new_customers": 2,
        "purchases": 4,
        "revenue": "90.00",
        "purchase_frequency": 2.0,
        "average_basket": "22.50",
        "repurchase_rate": 1.0,
        "retention_rate": None,
        "churn_rate": None,
        "products_per_customer": 1.0,
    },
}

ECONOMICS: dict[str, Any] = {
    "by": "both",
    "basis": "revenue",
    "data": [
        {
            "month": "2026-01",
            "channel": "web",
            "spend": "1200.00",
            "new_members": 40,
            "cac": "30.00",
            "value_per_member": "45.00",
            "clv_to_cac": 1.5,
            "payback_months": 8.0,
        }
    ],
}

CROSSSELL: dict[str, Any] = {
    "data": [
        {
            "antecedent": "books",
            "consequent": "stationery",
            "baskets": 120,
            "support": 0.08,
            "confidence": 0.42,
            "lift": 2.1,
        }
    ],
    "count": 1,
}

INSIGHTS: dict[str, Any] = {
    "customer_id": "C-1042",
    "as_of": "2026-01-14",
    "segment": "loyal",
    "rfm": "434",
    "purchases": 6,
    "total_spend": "310.00",
    "p_alive": 0.87,
    "expected_purchases": 3.4,
    "clv": "172.40",
    "horizon_weeks": 52,
    "model": "mbgnbd",
    "model_basis": "holdout",
    "recommended_categories": [{"category": "stationery", "segment_share": 0.5}],
}

EXPORT: dict[str, Any] = {
    "format": "patron.member-export",
    "format_version": 5,
    "generated_at": "2026-01-14T09:00:00Z",
    "member": {
        "id": 1,
        "external_id": "C-1042",
        "email": "ana@example.com",
        "name": "Ana Popescu",
        "enrolled_at": "2025-11-02T09:00:00Z",
        "acquisition_channel": "web",
        "tier": "Bronze",
        "tier_since": "2025-11-02T09:00:00Z",
        "referral_code": "R2BBU3NS",
        "referred_by": None,
        "members_referred": 0,
        "points": 200,
        "debt": 0,
        "purchase_count": 2,
        "lifetime_spend": "50.00",
        "erased_at": None,
        "phone": "+40722123456",
        "card": None,
    },
    "purchases": [],
    "ledger": [],
    "lots": [],
    "payment_fingerprints": [],
    "redemptions": [],
    "events": [],
    "audit": [],
    "segments_and_scores": {"available": False, "note": "the source has no purchases"},
    "consents": {
        "marketing": "granted",
        "marketing_sms": "not recorded",
        "marketing_push": "not recorded",
        "history": [
            {
                "purpose": "marketing",
                "granted": True,
                "recorded_at": "2026-01-01T09:00:00Z",
                "source": "portal",
            }
        ],
    },
    "birthday": None,
    "clubs": {"now": [], "history": []},
    "rsvps": [],
    "business": None,
    "messages": [
        {
            "id": 7,
            "channel": "email",
            "kind": "marketing",
            "template": "campaign/2/A",
            "campaign_id": 2,
            "journey": None,
            "variant": "A",
            "status": "sent",
            "refusal": None,
            "queued_at": "2026-01-10T08:00:00Z",
            "sent_at": "2026-01-10T08:00:04Z",
            "address": "ana@example.com",
        }
    ],
    "survey_answers": [
        {
            "id": 3,
            "survey_id": 1,
            "survey": "nps",
            "kind": "nps",
            "score": 9,
            "comment": "Quick and friendly",
            "locale": "en",
            "purchase_id": None,
            "responded_at": "2026-01-12T17:20:00Z",
        }
    ],
}


# The examples of the models of api/schemas.py.
LEDGER_ENTRY: dict[str, Any] = {
    "id": 3,
    "kind": "earn",
    "points": 50,
    "occurred_at": "2026-01-14T10:30:00Z",
    "purchase_id": 1,
    "redemption_id": None,
}
MEMBER_CREATE: list[dict[str, Any]] = [
    {
        "external_id": "C-1042",
        "email": "ana@example.com",
        "name": "Ana Popescu",
        "acquisition_channel": "web",
        "phone": "+40 722 123 456",
    },
    {
        "external_id": "C-1043",
        "name": "Ben Ionescu",
        "enrolled_at": "2025-06-01T09:00:00Z",
        "acquisition_channel": "import",
        "birthday": "04-17",
    },
]
MEMBER_PUBLIC: list[dict[str, Any]] = [
    {
        "id": 1,
        "external_id": "C-1042",
        "email": "ana@example.com",
        "name": "Ana Popescu",
        "tier": "Bronze",
        "tier_since": "2026-01-14T09:00:00Z",
        "enrolled_at": "2026-01-14T09:00:00Z",
        "referral_code": "R2BBU3NS",
        "points": 100,
        "debt": 0,
        "purchase_count": 0,
        "lifetime_spend": "0.00",
        "acquisition_channel": "web",
        "erased_at": None,
    }
]
MEMBER_ERASE: list[dict[str, Any]] = [{"reason": "ticket 1234"}]
ERASURE_PUBLIC: list[dict[str, Any]] = [
    {
        "member_id": 1,
        "external_id": "erased-5f1c2a9e",
        "erased_at": "2026-01-20T09:00:00Z",
        "points": 60,
    }
]
MEMBER_TILL: list[dict[str, Any]] = [
    {"id": 1, "external_id": "C-1042", "tier": "Bronze", "points": 150, "debt": 0}
]
PURCHASE_CREATE: list[dict[str, Any]] = [
    {
        "external_id": "C-1042",
        "order_id": "T1-0042",
        "occurred_at": "2026-01-14T10:30:00Z",
        "currency": "EUR",
        "lines": [{"sku": "BOOK-1", "category": "books", "quantity": 2, "unit_price": "12.50"}],
        "channel": "store",
        "payment_method": "card",
        "payment_fingerprint": "fp-4f9c2a7e",
    },
    {
        "external_id": "C-2001",
        "order_id": "T1-0043",
        "occurred_at": "2026-01-14T11:05:00+02:00",
        "currency": "EUR",
        "lines": [{"sku": "MUG-3", "category": "home", "unit_price": "8.90"}],
        "enroll": True,
    },
    {
        "customer": {"email": "ana@example.com", "phone": "+40 722 123 456"},
        "order_id": "T1-0044",
        "occurred_at": "2026-01-14T12:00:00Z",
        "currency": "EUR",
        "lines": [{"sku": "BOOK-1", "category": "books", "unit_price": "12.50"}],
    },
]
CUSTOMER: list[dict[str, Any]] = [{"email": "ana@example.com", "phone": "+40 722 123 456"}]
UNCLAIMED_PUBLIC: list[dict[str, Any]] = [
    {
        "order_id": "T1-0044",
        "status": "awaiting_member",
        "total": "12.50",
        "points_earned": 0,
        "occurred_at": "2026-01-14T12:00:00Z",
    }
]
PURCHASE_PUBLIC: list[dict[str, Any]] = [
    {
        "id": 1,
        "enrolled": False,
        "member_id": 1,
        "order_id": "T1-0042",
        "total": "25.00",
        "points_earned": 50,
        "breakdown": [
            {"rule": "base", "points": 25},
            {"rule": "category books x2", "points": 25},
        ],
        "available_at": "2026-01-28T10:30:00Z",
        "tier": "Bronze",
        "program_version": 1,
    }
]
PURCHASE_DETAIL: list[dict[str, Any]] = [
    {
        "id": 1,
        "order_id": "T1-0042",
        "member_id": 1,
        "external_id": "C-1042",
        "occurred_at": "2026-01-14T10:30:00Z",
        "currency": "EUR",
        "total": "25.00",
        "refunded_total": "0.00",
        "points_earned": 50,
        "bonus_points": 0,
        "channel": "store",
        "payment_method": "card",
        "promotion_code": None,
        "shop": "paris-opera",
        "program_version": 1,
        "lines": [
            {
                "line_no": 1,
                "sku": "BOOK-1",
                "category": "books",
                "quantity": 2,
                "unit_price": "12.5000",
                "refunded_quantity": 0,
                "points": 50,
            }
        ],
    }
]
REFUND_CREATE: list[dict[str, Any]] = [
    {"lines": [{"line_no": 1, "quantity": 1}], "reason": "damaged cover"},
    {"reason": "the whole order came back"},
]
REFUND_PUBLIC: list[dict[str, Any]] = [
    {
        "id": 1,
        "purchase_id": 1,
        "member_id": 1,
        "amount": "12.50",
        "points_taken_back": 25,
        "debt": 0,
        "balance": 125,
    }
]
REDEMPTION_CREATE: list[dict[str, Any]] = [
    {"external_id": "C-1042", "reward_id": "coffee", "transaction_id": "T1-0044"},
    {"external_id": "C-1042", "points": 100, "basket_total": "25.00"},
]
QUOTE_PUBLIC: list[dict[str, Any]] = [
    {
        "member_id": 1,
        "spendable": 150,
        "points": 150,
        "value": "3.00",
        "currency": "EUR",
        "max_points": None,
        "reward_id": "coffee",
        "sufficient": True,
    }
]
# the code of redemption 1, the coffee (a gift: no expiry)
_VOUCHER: dict[str, Any] = {
    "code": "K7QM4XT9PR2W",
    "redemption_id": 1,
    "member_id": 1,
    "reward_id": "coffee",
    "reward_name": "Free coffee",
    "kind": "gift",
    "state": "issued",
    "created_at": "2026-01-05T10:00:00Z",
    "expires_at": None,
    "used_at": None,
    "transaction_id": None,
}
REDEMPTION_PUBLIC: list[dict[str, Any]] = [
    {
        "id": 1,
        "member_id": 1,
        "reward_id": "coffee",
        "points": 150,
        "value": "3.00",
        "currency": "EUR",
        "balance": 0,
        "status": "completed",
        "transaction_id": "T1-0044",
        "voucher": _VOUCHER,
    }
]
VOUCHER_PUBLIC: list[dict[str, Any]] = [
    _VOUCHER,
    {
        **_VOUCHER,
        "reward_id": "five-off",
        "reward_name": "5 EUR off",
        "kind": "discount",
        "state": "used",
        "expires_at": "2026-02-04T10:00:00Z",
        "used_at": "2026-01-09T16:20:00Z",
        "transaction_id": "T1-0051",
    },
]
VOUCHER_USE: list[dict[str, Any]] = [{"transaction_id": "T1-0051"}]
CAUSE_PUBLIC: list[dict[str, Any]] = [
    {
        "reward_id": "trees",
        "name": "Plant a tree",
        "donations": 3,
        "points": 300,
        "members": 2,
        "cost": "6.00",
    }
]
CANCEL_CREATE: list[dict[str, Any]] = [{"reason": "customer changed mind"}]
ADJUSTMENT_CREATE: list[dict[str, Any]] = [
    {"points": 40, "reason": "goodwill: the coffee machine was broken"},
    {"points": -20, "reason": "ticket 1234: points credited twice"},
    {"points": 200, "reason": "autumn bonus: valid 14 days", "valid_days": 14},
]
BIRTHDAY_SET: list[dict[str, Any]] = [{"birthday": "1990-04-17"}, {"birthday": "04-17"}]
BIRTHDAY_PUBLIC: list[dict[str, Any]] = [{"member_id": 1, "birthday": "1990-04-17"}]
ADJUSTMENT_PUBLIC: list[dict[str, Any]] = [
    {"member_id": 1, "points": 40, "balance": 190, "entry_id": 7, "expires_at": None},
    {
        "member_id": 1,
        "points": 200,
        "balance": 390,
        "entry_id": 8,
        "expires_at": "2026-11-20T09:00:00Z",
    },
]
BALANCE_PUBLIC: list[dict[str, Any]] = [
    {
        "member_id": 1,
        "points": 100,
        "pending": 50,
        "total": 150,
        "debt": 0,
        "tier": "Bronze",
        "next_tier": "Silver",
        "needed_for_next_tier": "475.00",
        "qualifying": "25.00",
        "expiring": [{"points": 100, "expires_at": "2028-01-14"}],
        "point_value": "0.01",
        "currency": "EUR",
    }
]
LEDGER_ENTRY_TILL: list[dict[str, Any]] = [LEDGER_ENTRY]
LEDGER_ENTRY_PUBLIC: list[dict[str, Any]] = [{**LEDGER_ENTRY, "reason": None}]
REWARD_PUBLIC: list[dict[str, Any]] = [
    {
        "id": "coffee",
        "name": "Free coffee",
        "kind": "gift",
        "points": 150,
        "value": "3.00",
        "stock": None,
        "tiers": [],
        "description": "A coffee at the bar",
    }
]
SPEND_CREATE: list[dict[str, Any]] = [
    {
        "month": "2026-01",
        "channel": "web",
        "amount": "1200.00",
        "currency": "EUR",
        "note": "search ads",
    }
]
SPEND_PUBLIC: list[dict[str, Any]] = [
    {
        "id": 1,
        "month": "2026-01",
        "channel": "web",
        "amount": "1200.00",
        "currency": "EUR",
        "note": "search ads",
        "recorded_at": "2026-01-14T09:00:00Z",
        "recorded_by": "apikey:alice",
    }
]

# goals (api/goal_schemas.py): Ana's shop aims to raise purchases per member per year
GOAL_CREATE: list[dict[str, Any]] = [
    {
        "kpi": "purchase_frequency",
        "population": "all",
        "target": "3.3",
        "deadline": "2026-12-31",
        "owner": "ana",
        "window_days": 365,
        "primary": True,
        "name": "More visits",
    }
]
_GOAL: dict[str, Any] = {
    "id": 1,
    "name": "More visits",
    "kpi": "purchase_frequency",
    "kpi_label": "Purchases per member per year",
    "unit": "number",
    "better": "higher",
    "population": "all",
    "window_days": 365,
    "baseline_from": "2025-01-15",
    "baseline_to": "2026-01-15",
    "baseline": "3",
    "target": "3.3",
    "deadline": "2026-12-31",
    "primary": True,
    "owner": "ana",
    "created_at": "2026-01-14T09:00:00Z",
    "created_by": "apikey:alice",
    "as_of": "2026-01-14",
    "status": "on_track",
    "latest_day": "2026-01-14",
    "latest_value": "3",
    "path_today": "3",
}
GOAL_PUBLIC: list[dict[str, Any]] = [_GOAL]
GOAL_DETAIL: list[dict[str, Any]] = [
    {**_GOAL, "values": [{"day": "2026-01-14", "value": "3", "path": "3"}]}
]
GOALS_PUBLIC: list[dict[str, Any]] = [{"data": [_GOAL], "count": 1}]
SIMULATION: dict[str, Any] = {
    "currency": "EUR",
    "summary": {
        "program": "Gold at 1500",
        "from": "2026-01-10",
        "to": "2026-02-15",
        "members": 2,
        "purchases": 6,
        "revenue": "3000.00",
        "margin": "1200.00",
        "points_issued": 3350,
        "points_redeemed": 2280,
        "points_expired": 0,
        "points_outstanding": 1070,
        "liability": "10.70",
        "reward_cost": "11.40",
        "accrued_cost": "16.75",
        "cost_share_of_revenue": 0.0038,
        "cost_share_of_margin": 0.0095,
        "break_even_uplift": 0.0095,
        "break_even_uplift_accrued": 0.013958,
        "redeem_rate": 0.5,
        "point_value": "0.01",
        "point_cost": "0.005",
        "margin_rate": 0.4,
    },
    "months": [
        {
            "month": "2026-01",
            "members": 2,
            "members_Bronze": 0,
            "members_Silver": 2,
            "members_Gold": 0,
            "purchases": 3,
            "revenue": "2300.00",
            "margin": "920.00",
            "points_base": 2300,
            "points_category": 0,
            "points_tier": 125,
            "points_promotion": 0,
            "points_milestone": 0,
            "points_welcome": 0,
            "points_issued": 2425,
            "points_redeemed": 1212,
            "points_expired": 0,
            "points_outstanding": 1213,
            "points_pending": 0,
            "liability": "12.13",
            "reward_cost": "6.06",
            "cost_share_of_revenue": 0.002635,
            "cost_share_of_margin": 0.006587,
        }
    ],
    "notes": ["redemption rate 0.5 a month (given)", "margin at the given rate 0.4 of revenue"],
}

SIMULATION_CREATE: dict[str, Any] = {
    "program": 'name = "Gold at 1500"\ncurrency = "EUR"\n',
    "against": 'name = "Gold at 1000"\ncurrency = "EUR"\n',
    "from": "2026-01-01",
    "to": "2026-12-31",
    "redeem_rate": "0.5",
    "margin": "0.4",
    "reevaluate_months": 1,
}
# loyalty cards (docs/cards.md): Ana holds card 2900 4817 2296 0530 of batch 20260114-a1b2c3
CARD_PUBLIC: list[dict[str, Any]] = [
    {
        "number": "2900481722960530",
        "status": "active",
        "member_id": 1,
        "batch": "20260114-a1b2c3",
        "created_at": "2026-01-14T09:00:00Z",
        "linked_at": "2026-01-14T10:30:00Z",
        "blocked_at": None,
        "replaced_by": None,
    }
]
CARD_LINK: list[dict[str, Any]] = [{"external_id": "C-1042"}, {"member_id": 1}]
CARD_BLOCK: list[dict[str, Any]] = [{"reason": "lost, the member called"}]
CARD_REPLACE: list[dict[str, Any]] = [{"new_card": "2900 7331 5840 9261"}, {}]
CARD_BATCH_CREATE: list[dict[str, Any]] = [{"count": 2}]
CARD_BATCH_PUBLIC: list[dict[str, Any]] = [
    {
        "batch": "20260114-a1b2c3",
        "count": 2,
        "created_at": "2026-01-14T09:00:00Z",
        "numbers": ["2900481722960530", "2900733158409261"],
    }
]
CARD_REPLACED: list[dict[str, Any]] = [
    {
        "blocked": {
            **CARD_PUBLIC[0],
            "status": "blocked",
            "blocked_at": "2026-02-01T12:00:00Z",
            "replaced_by": "2900733158409261",
        },
        "card": {
            **CARD_PUBLIC[0],
            "number": "2900733158409261",
            "linked_at": "2026-02-01T12:00:00Z",
        },
    }
]
# experiments against a control group (api/routes/experiments.py)
EXPERIMENT_CREATE: list[dict[str, Any]] = [
    {"name": "holdout-2026", "kind": "holdout", "control_share": "0.1",
     "starts_at": "2026-03-01T00:00:00Z", "ends_at": "2026-09-01T00:00:00Z"},
    {"name": "north-pilot", "kind": "pilot", "shops": ["north"],
     "starts_at": "2026-03-01T00:00:00Z"},
]  # fmt: skip
EXPERIMENT_EDIT: list[dict[str, Any]] = [{"ends_at": "2026-10-01T00:00:00Z"}]
EXPERIMENT_PUBLIC: list[dict[str, Any]] = [
    {"name": "holdout-2026", "kind": "holdout", "control_share": "0.1", "shops": [],
     "starts_at": "2026-03-01T00:00:00Z", "ends_at": "2026-09-01T00:00:00Z",
     "created_at": "2026-02-20T10:00:00Z", "created_by": "apikey:ana",
     "members": {"control": 412, "treatment": 3688}},
]  # fmt: skip
EXPERIMENT_ARM: list[dict[str, Any]] = [
    {"experiment": "holdout-2026", "member_id": 42, "arm": "control"}
]
EXPERIMENT_REPORT: dict[str, Any] = {
    "experiment": "holdout-2026",
    "kind": "holdout",
    "period": {"from": "2026-03-01T00:00:00", "to": "2026-09-01T00:00:00"},
    "pre_period": {"from": "2025-08-29T00:00:00", "to": "2026-03-01T00:00:00"},
    "confidence": 0.95,
    "margin_basis": "cost",
    "arms": [
        {"arm": "control", "members": 412, "revenue": "180.20", "purchases": 3.1,
         "margin": "54.06", "retention": 0.61},
        {"arm": "treatment", "members": 3688, "revenue": "192.75", "purchases": 3.4,
         "margin": "57.83", "retention": 0.66},
    ],  # fmt: skip
    "effects": [
        {"metric": "revenue", "adjusted": "CUPED", "control": 181.0, "treatment": 192.6,
         "difference": 11.6, "ci_low": 4.1, "ci_high": 19.1, "relative": 0.064,
         "relative_low": 0.022, "relative_high": 0.108, "p_value": 0.0025},
    ],  # fmt: skip
    "money": [
        {"figure": "incremental_revenue", "value": "42780.80", "low": "15120.80",
         "high": "70440.80"},
        {"figure": "incremental_margin", "value": "12834.24", "low": "4536.24",
         "high": "21132.24"},
        {"figure": "program_cost", "value": "6200.00", "low": "6200.00", "high": "6200.00"},
        {"figure": "net_incremental_margin", "value": "6634.24", "low": "-1663.76",
         "high": "14932.24"},
    ],  # fmt: skip
    "roi": {"value": 1.07, "low": -0.27, "high": 2.41},
    "program_cost": {"redeemed": 4200.0, "other": 2000.0},
    "sample_ratio": {"control": 412, "treatment": 3688, "expected_control_share": 0.1,
                     "chi_square": 0.38, "p_value": 0.54, "mismatch": False},
    "notes": [],
}  # fmt: skip
EXPERIMENT_POWER: dict[str, Any] = {
    "relative_uplift": 0.05,
    "weeks_needed": 13,
    "data": [
        {"weeks": 13, "members": 40000, "mean": 52.3, "variance": 9120.5,
         "purchases_per_member_week": 0.09, "members_needed": 36862, "enough": True},
    ],
}  # fmt: skip
# clubs (docs/clubs.md): the kids' club, joined by a rule on the last 12 months' purchases
CLUB_PUBLIC: list[dict[str, Any]] = [
    {
        "id": "kids",
        "name": "Kids club",
        "join": "rule",
        "multiplier": "2",
        "categories": ["kids"],
        "benefits": ["double points on kids' clothes", "the kids' events"],
        "members": 120,
        "invited": 0,
        "requested": 0,
    }
]
CLUB_MEMBER_PUBLIC: list[dict[str, Any]] = [
    {"member_id": 1, "standing": "member", "since": "2026-02-01T03:00:00Z"}
]
CLUB_CHANGE_PUBLIC: list[dict[str, Any]] = [
    {
        "club_id": "kids",
        "member_id": 1,
        "change": "joined",
        "at": "2026-02-01T03:00:00Z",
        "actor": "rule",
        "reason": "rule over purchases since 2025-02-01",
    },
    {
        "club_id": "vip",
        "member_id": 1,
        "change": "invited",
        "at": "2026-02-03T10:00:00Z",
        "actor": "apikey:console",
        "reason": "a regular of the Friday tastings",
    },
]
CLUB_STEP: list[dict[str, Any]] = [
    {"external_id": "C-1042", "step": "invite", "reason": "a regular of the Friday tastings"},
    {"member_id": 1, "step": "approve"},
]
CLUB_STEPPED: list[dict[str, Any]] = [
    {
        "club_id": "vip",
        "member_id": 1,
        "change": "invited",
        "standing": "invited",
        "at": "2026-02-03T10:00:00Z",
    }
]
CLUB_EVALUATED: list[dict[str, Any]] = [{"club_id": "kids", "admitted": [1, 7], "removed": [3]}]

# business customers (docs/business.md): member 7 is a bookshop company, Radu buys for it
BUYER_IN: list[dict[str, Any]] = [
    {"email": "radu@librariacentrala.ro"},
    {"phone": "+40 722 555 010"},
    {"id": 1},
]
BUSINESS_CREATE: list[dict[str, Any]] = [
    {
        "external_id": "B-0007",
        "company_name": "Libraria Centrala SRL",
        "vat_number": "RO18547290",
        "account_manager": "maria@patron.example",
    }
]
BUSINESS_PUBLIC: list[dict[str, Any]] = [
    {
        "member_id": 7,
        "company_name": "Libraria Centrala SRL",
        "vat_number": "RO18547290",
        "account_manager": "maria@patron.example",
        "created_at": "2026-01-14T09:00:00Z",
    }
]
BUYER_CREATE: list[dict[str, Any]] = [
    {"name": "Radu Ionescu", "email": "radu@librariacentrala.ro", "phone": "+40 722 555 010"},
    {"name": "Ioana Pop", "card": "2900 4817 2296 0530"},
]
BUYER_PUBLIC: list[dict[str, Any]] = [
    {
        "id": 1,
        "member_id": 7,
        "name": "Radu Ionescu",
        "email": "radu@librariacentrala.ro",
        "phone": "+40722555010",
        "card": None,
        "added_at": "2026-01-14T09:05:00Z",
        "removed_at": None,
    }
]
BUYER_REMOVE: list[dict[str, Any]] = [{"reason": "left the company"}, {}]
ENTITLEMENT_PUBLIC: list[dict[str, Any]] = [
    {
        "id": "visits",
        "name": "Account manager's visits",
        "quantity": 2,
        "per": "quarter",
        "period_start": "2026-01-01T00:00:00Z",
        "period_end": "2026-04-01T00:00:00Z",
        "used": 1,
        "left": 1,
    },
    {
        "id": "hotline",
        "name": "Priority hotline",
        "quantity": None,
        "per": "quarter",
        "period_start": "2026-01-01T00:00:00Z",
        "period_end": "2026-04-01T00:00:00Z",
        "used": 3,
        "left": None,
    },
]
BUSINESS_DETAIL: list[dict[str, Any]] = [
    {
        **BUSINESS_PUBLIC[0],
        "tier": "Gold",
        "buyers": [{**BUYER_PUBLIC[0], "purchases": 4}],
        "entitlements": ENTITLEMENT_PUBLIC,
    }
]
ENTITLEMENT_USE_CREATE: list[dict[str, Any]] = [
    {"note": "visit: new catalog presented to the buyers"},
    {},
]
ENTITLEMENT_USED: list[dict[str, Any]] = [
    {
        "id": 12,
        "member_id": 7,
        "entitlement": "visits",
        "used_at": "2026-02-10T11:00:00Z",
        "actor": "user:maria@patron.example",
        "note": "visit: new catalog presented to the buyers",
        "left": 0,
    }
]

# /v1/referrals (docs/referrals.md)
REFERRAL_FUNNEL: dict[str, Any] = {
    "from": "2026-01-01",
    "to": "2026-02-01",
    "codes_shared": 12,
    "enrolled": 19,
    "qualified": 11,
    "rewarded": 8,
    "taken_back": 1,
    "refused": 2,
}
REFERRAL_LEADERS: dict[str, Any] = {
    "data": [
        {
            "member_id": 1,
            "external_id": "C-1042",
            "friends": 4,
            "customers": 3,
            "revenue": "412.50",
        }
    ],
    "count": 1,
}
MEMBER_REFERRALS: dict[str, Any] = {
    "member_id": 1,
    "referral_code": "R2BBU3NS",
    "referred_by": None,
    "points_earned": 200,
    "friends": [
        {
            "friend_id": 7,
            "state": "rewarded",
            "reason": None,
            "enrolled_at": "2026-01-03T10:00:00Z",
            "qualified_at": "2026-01-05T16:20:00Z",
            "rewards_at": "2026-01-19T16:20:00Z",
            "referrer_points": 200,
            "friend_points": 200,
        },
        {
            "friend_id": 9,
            "state": "refused",
            "reason": "same_payment",
            "enrolled_at": "2026-01-04T09:00:00Z",
            "qualified_at": None,
            "rewards_at": None,
            "referrer_points": 0,
            "friend_points": 0,
        },
    ],
}

CAMPAIGN_CREATE: list[dict[str, Any]] = [
    {"name": "spring-winback", "channel": "email",
     "audience": {"segments": ["at risk", "can't lose"], "max_days_since_purchase": 365},
     "variants": [{"name": "A", "share": "0.5"}, {"name": "B", "share": "0.5"}],
     "holdout_share": "0.1",
     "offer": {"multiplier": "2", "categories": ["shoes"], "days": 14},
     "content": {"A": {"subject": "We miss you, {{ member.first_name }}",
                       "text": "Double points on shoes for two weeks."},
                 "B": {"subject": "Double points on shoes",
                       "text": "Until {{ expiring.date }}: double points on shoes."}},
     "per_hour": 20000, "attribution_days": 14},
]  # fmt: skip
CAMPAIGN_LAUNCH: list[dict[str, Any]] = [{"at": "2026-03-02T09:00:00Z"}]
CAMPAIGN_PUBLIC: list[dict[str, Any]] = [
    {"id": 3, "name": "spring-winback", "channel": "email", "status": "done",
     "audience": {"segments": ["at risk", "can't lose"], "max_days_since_purchase": 365,
                  "consent": True},
     "variants": [{"name": "A", "share": "0.5"}, {"name": "B", "share": "0.5"}],
     "holdout_share": "0.1", "offer": {"days": 14, "multiplier": "2", "categories": ["shoes"]},
     "first_at": None, "every_days": None, "ends_at": None, "per_hour": 20000,
     "attribution_days": 14, "next_run_at": None,
     "runs": [{"run": 1, "started_at": "2026-03-02T09:00:00Z", "audience": 4210,
               "holdout": 418, "queued": 3701, "refused": 91}],
     "members": {"control": 418, "treatment": 3792}, "variant_members": {"A": 1903, "B": 1889},
     "created_at": "2026-02-27T16:00:00Z", "created_by": "apikey:ana"},
]  # fmt: skip
CAMPAIGN_PREVIEW: dict[str, Any] = {
    "audience": 4210, "holdout": 418, "treated": 3792, "variants": {"A": 1903, "B": 1889},
    "sample": [{"member_id": 42, "external_id": "C-1042", "name": "Ana Pop", "tier": "Gold",
                "last_purchase_at": "2025-09-14T10:12:00", "arm": "treatment", "variant": "A"}],
}  # fmt: skip
CAMPAIGN_RESULTS: dict[str, Any] = {
    "campaign": "spring-winback",
    "window": {"from": "2026-03-02T09:00:00", "to": "2026-03-16T09:00:00"},
    "pre_window": {"from": "2026-02-16T09:00:00", "to": "2026-03-02T09:00:00"},
    "confidence": 0.95, "margin_basis": "cost",
    "messages": {"sent": 3650, "bounced": 51, "refused:no_consent": 91},
    "sent": 3650, "delivered": 3650, "bounced": 51, "unsubscribed": None, "offers_used": 412,
    "arms": [
        {"arm": "control", "members": 418, "revenue": 21.3, "purchases": 0.31, "margin": 7.1,
         "retention": 0.22, "revenue_low": 17.9, "revenue_high": 24.7},
        {"arm": "treatment", "members": 3792, "revenue": 25.9, "purchases": 0.38, "margin": 8.4,
         "retention": 0.27, "revenue_low": 24.6, "revenue_high": 27.2},
    ],
    "effects": [
        {"metric": "revenue", "cuped": True, "control": 21.5, "treatment": 25.9,
         "difference": 4.4, "ci_low": 0.9, "ci_high": 7.9, "relative": 0.2,
         "relative_low": 0.03, "relative_high": 0.4, "p_value": 0.014},
    ],
    "incremental_revenue": {"value": 16685.0, "low": 3413.0, "high": 29957.0},
    "incremental_margin": {"value": 4929.0, "low": 1020.0, "high": 8838.0},
    "cost": {"currency": "EUR", "messages": 3650, "unit_cost": "0.002", "messages_cost": "7.300",
             "offer_points": 61800, "point_value": "0.01", "vouchers_cost": "0",
             "offer_cost": "618.00",
             "total": "625.300"},
    "net_incremental_margin": {"value": 4303.7, "low": 394.7, "high": 8212.7},
    "roi": {"value": 6.88, "low": 0.63, "high": 13.13},
    "sample_ratio": {"control": 418, "treatment": 3792, "expected_control_share": 0.1,
                     "chi_square": 0.09, "p_value": 0.76, "mismatch": False},
    "variants": [{"variant": "A", "share": 0.5, "members": 1903, "expected": 1896.0,
                  "bound": 120.8, "within": True}],
    "notes": ["unsubscribes per campaign are not counted yet"],
}  # fmt: skip
