"""Customer lifetime value: purchase models (BG/NBD, Pareto/NBD) and the spend model
(Gamma-Gamma), fitted by maximum likelihood with analytic gradients on sufficient
statistics. See docs/analytics.md for the likelihoods and references.
"""

from patron.analytics.clv.bgnbd import BetaGeoModel
from patron.analytics.clv.data import RFT, ModelNotIdentified
from patron.analytics.clv.gammagamma import GammaGammaModel
from patron.analytics.clv.paretonbd import ParetoNBDModel

__all__ = ["RFT", "BetaGeoModel", "GammaGammaModel", "ModelNotIdentified", "ParetoNBDModel"]
