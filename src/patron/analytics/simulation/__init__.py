"""Replaying a purchase history under a program before it is launched, writing nothing.

`history.py` holds purchases as exact integer columns, `engine.simulate` replays them
(`tiers.py`, `scoring.py`, `balances.py`: the domain's rules, vectorised), `report.py`
turns a replay into monthly figures, a comparison of two programs and the break-even
uplift, and `calibration.py` measures how members redeem on the store's ledger. The
method and its assumptions: docs/simulation.md.
"""

from patron.analytics.simulation.engine import Assumptions, Replay, simulate
from patron.analytics.simulation.history import History, history_of

__all__ = ["Assumptions", "History", "Replay", "history_of", "simulate"]
