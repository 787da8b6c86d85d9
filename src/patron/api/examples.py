"""Examples of the answers that have no model of their own (analytics, insights, the
personal-data export), for the OpenAPI document: the shapes a client codes against, on
the records of the other examples (member C-1042, purchase T1-0042).

Amounts are decimal strings, as everywhere in the API (issue 11: the analytics answers'
money goes from floats to decimal strings); shares and rates are numbers.
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
    "format_version": 1,
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
    },
    "purchases": [],
    "ledger": [],
    "lots": [],
    "redemptions": [],
    "events": [],
    "audit": [],
    "segments_and_scores": {"available": False, "note": "the source has no purchases"},
    "consents": {
        "recorded": False,
        "note": "Patron records no consents: it sends no marketing itself. Consents given to"
        " the business for e-mail, SMS or profiling are held by the systems that collected"
        " them.",
    },
}
