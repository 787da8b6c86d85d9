"""Customer lifetime value: purchase models (BG/NBD, MBG/NBD, Pareto/NBD) and the spend model
(Gamma-Gamma), fitted by maximum likelihood with analytic gradients on sufficient
statistics. See docs/analytics.md for the likelihoods and references.

The models load on first use: Pareto/NBD and Gamma-Gamma import scipy.special, which a
BG/NBD fit does without (`patron clv fit` starts a third of a second sooner).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

from patron.analytics.clv.data import RFT, ModelNotIdentified

if TYPE_CHECKING:
    from patron.analytics.clv.bgnbd import BetaGeoModel
    from patron.analytics.clv.gammagamma import GammaGammaModel
    from patron.analytics.clv.mbgnbd import ModifiedBetaGeoModel
    from patron.analytics.clv.paretonbd import ParetoNBDModel

__all__ = [
    "RFT",
    "BetaGeoModel",
    "GammaGammaModel",
    "ModelNotIdentified",
    "ModifiedBetaGeoModel",
    "ParetoNBDModel",
]
_MODULES = {
    "BetaGeoModel": "bgnbd",
    "GammaGammaModel": "gammagamma",
    "ModifiedBetaGeoModel": "mbgnbd",
    "ParetoNBDModel": "paretonbd",
}


def __getattr__(name: str) -> object:
    if name in _MODULES:
        return getattr(import_module(f"{__name__}.{_MODULES[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
