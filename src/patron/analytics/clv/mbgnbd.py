"""The modified BG/NBD model (Batislam, Denizel & Filiztekin 2007, "Empirical validation
and comparison of models for customer base analysis", IJRM 24(3)).

BG/NBD lets a customer drop out only after a *repeat* purchase, so a customer who never
came back is certainly still active: P(alive) = 1 for x = 0, however long ago they
bought. MBG/NBD gives the drop-out chance p ~ Beta(a, b) after the first purchase too.
Given (λ, p), a customer with x repeat purchases, the last at t_x, observed to T:

    alive at T:                 (1−p)^(x+1) λ^x e^(−λT)
    dropped out after purchase x:  p (1−p)^x λ^x e^(−λ t_x)     (x = 0 included)

and integrating λ ~ Gamma(r, α) and p ~ Beta(a, b) out,

    L = Γ(r+x) α^r / Γ(r) · B(a, b+x+1) / B(a, b)
        · [ (α+T)^−(r+x) + a/(b+x) · (α+t_x)^−(r+x) ],

BG/NBD's eq. 6 with x + 1 drop-out chances for x: `BetaGeoModel` computes both, this
class only switches the extra chance on. Hence P(alive) = 1 / (1 + a/(b+x) ·
((α+T)/(α+t_x))^(r+x)), below 1 for every customer, and the conditional expectation is
BG/NBD's eq. 10 with b+1 for b (a customer alive at T has p ~ Beta(a, b+x+1)), computed
with the same Euler transformation that keeps ₂F₁ finite.
"""

from __future__ import annotations

from typing import ClassVar

from patron.analytics.clv.bgnbd import BetaGeoModel


class ModifiedBetaGeoModel(BetaGeoModel):
    name = "mbgnbd"
    dropout_at_first_purchase: ClassVar[bool] = True
