"""Analytics on purchase histories: customer summaries, segments, KPIs, lifetime value."""
