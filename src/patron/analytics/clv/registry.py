"""The lifetime models by the names users give them (`--model`): the one place the
command line, the API and the benchmarks look a model up."""

from __future__ import annotations

from patron.analytics.clv.base import FittedModel, PurchaseModel
from patron.analytics.clv.bgnbd import BetaGeoModel
from patron.analytics.clv.gammagamma import GammaGammaModel
from patron.analytics.clv.paretonbd import ParetoNBDModel
from patron.domain.errors import InvalidInput

PURCHASE_MODELS: dict[str, type[PurchaseModel]] = {
    BetaGeoModel.name: BetaGeoModel,
    ParetoNBDModel.name: ParetoNBDModel,
}
SPEND_MODELS: dict[str, type[GammaGammaModel]] = {GammaGammaModel.name: GammaGammaModel}
MODELS: dict[str, type[FittedModel]] = {**PURCHASE_MODELS, **SPEND_MODELS}


def model_named(name: str) -> FittedModel:
    """A fresh, unfitted model; an unknown name is refused with the known ones."""
    try:
        return MODELS[name]()
    except KeyError:
        raise InvalidInput(f"--model must be one of {', '.join(MODELS)}, not {name!r}") from None


def purchase_model_named(name: str) -> PurchaseModel:
    """A fresh purchase model (BG/NBD or Pareto/NBD), for predictions of purchases."""
    model = model_named(name)
    if not isinstance(model, PurchaseModel):
        raise InvalidInput(
            f"--model must be a purchase model ({', '.join(PURCHASE_MODELS)}), not {name!r}"
        )
    return model
