"""The lifetime models by the names users give them (`--model`): the one place the
command line, the API and the benchmarks look a model up. A model's module is imported
when the model is asked for (Pareto/NBD and Gamma-Gamma import scipy.special)."""

from __future__ import annotations

from importlib import import_module

from patron.analytics.clv.base import FittedModel, PurchaseModel
from patron.domain.errors import InvalidInput

_WHERE = {  # name: (module of patron.analytics.clv, class)
    "bgnbd": ("bgnbd", "BetaGeoModel"),
    "mbgnbd": ("mbgnbd", "ModifiedBetaGeoModel"),
    "pareto-nbd": ("paretonbd", "ParetoNBDModel"),
    "gamma-gamma": ("gammagamma", "GammaGammaModel"),
}
PURCHASE_MODELS = ("bgnbd", "mbgnbd", "pareto-nbd")
SPEND_MODELS = ("gamma-gamma",)
MODELS = (*PURCHASE_MODELS, *SPEND_MODELS)


def model_named(name: str) -> FittedModel:
    """A fresh, unfitted model; an unknown name is refused with the known ones."""
    if name not in _WHERE:
        raise InvalidInput(f"--model must be one of {', '.join(MODELS)}, not {name!r}")
    module, cls = _WHERE[name]
    model = getattr(import_module(f"patron.analytics.clv.{module}"), cls)()
    assert isinstance(model, FittedModel)
    return model


def purchase_model_named(name: str) -> PurchaseModel:
    """A fresh purchase model (BG/NBD, MBG/NBD or Pareto/NBD), for predictions of purchases."""
    model = model_named(name)
    if not isinstance(model, PurchaseModel):
        raise InvalidInput(
            f"--model must be a purchase model ({', '.join(PURCHASE_MODELS)}), not {name!r}"
        )
    return model
