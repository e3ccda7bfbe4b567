"""The parameters of a ``nonlin.sklearn`` network packed into one buffer (``FlatParams``).

``_sklearn_engine.flat_params`` packs them for the stochastic solvers, whose
``_sklearn_rules.PenalizedOptimizer`` then steps the one flat parameter. This module does
not import scikit-learn.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .core import Param, flat_parameter, pack_parameters


class FlatParams:
    """Parameters re-homed as views into one value and one grad buffer, weights first.

    An optimizer then steps the single flat ``param``: a dozen ufunc calls per
    step whatever the number of layers, and the L2 term is one slice
    (``coef_values``, ``coef_grads``). Layers keep working on their views.
    Rebinding a ``Param.value`` (or unpickling) breaks the sharing: ``intact``
    tells, and a new ``FlatParams`` re-homes the current values.
    """

    copied = False  # True for one unpickled or deep-copied (``__setstate__``)

    def __init__(self, params: list[Param], n_coefs: int) -> None:
        self.params = params
        pack_parameters(params)
        flat = flat_parameter(params)
        if flat is None:  # the estimator's parameters are distinct and share one dtype
            raise RuntimeError("could not pack the network's parameters into one buffer")
        self.param = flat
        n = sum(p.value.size for p in params[:n_coefs])
        self.coef_values, self.coef_grads = flat.value[:n], flat.grad[:n]

    def __getstate__(self) -> dict[str, Any]:
        """Pickling and ``copy``: the parameters alone (the network's, pickled with it).
        Their copies share no buffer, so a copy is not ``intact``: the next fit packs them
        again and moves the optimizer's state along (``_sklearn_engine.fit_stochastic``)."""
        return {"params": self.params}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.params = state["params"]
        self.param = Param(np.empty(0))  # no buffer: not intact
        self.coef_values = self.coef_grads = self.param.value
        self.copied = True

    def intact(self) -> bool:
        flat = flat_parameter(self.params)
        return flat is not None and flat.value is self.param.value
