"""The columns of a purchases file, defined once for everything that reads or writes one.

`patron import purchases` (services/purchase_file.py) reads them into the store, the
analytics read the same files where they lie (analytics/frames.py), and `patron.synth`
writes them. A file has one row per purchase line; the required columns alone make one
row per purchase.
"""

from __future__ import annotations

# In the order synthetic files write them.
COLUMNS = (
    "customer_id",
    "order_id",
    "date",
    "amount",
    "sku",
    "category",
    "quantity",
    "unit_price",
    "unit_cost",
    "channel",
    "payment_method",
    "promotion",
    "acquisition_channel",  # the member's, read when the import enrolls them (CAC by channel)
    "due_at",
    "paid_at",
)
REQUIRED = ("customer_id", "date", "amount")
OPTIONAL = tuple(c for c in COLUMNS if c not in REQUIRED)
# The analytics also take a purchase's whole cost of goods, where the import wants the
# cost per unit of each line.
ANALYTICS_ONLY = ("cost",)
