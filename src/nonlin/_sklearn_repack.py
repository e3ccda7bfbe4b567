"""A ``nonlin.sklearn`` estimator unpickled, copied or loaded: its parameters packed again.

SGD and Adam step the network's parameters as views into one buffer
(``_sklearn_flat.FlatParams``), so ``coefs_`` / ``intercepts_``, the parameters' own
arrays, change in place, as scikit-learn's optimizers update its ``coefs_``. A pickle (and
``copy.deepcopy``) gives each parameter an array of its own, and ``nonlin.sklearn.load``
builds a network whose parameters are not packed: were they packed again only by the
next fit, that fit would step new arrays and leave those a user took from the estimator
(``w = est.coefs_[0]``) behind. ``repack`` packs them when the estimator is made, before
anything can be taken from it. This module does not import scikit-learn.
"""

from __future__ import annotations

from typing import Any


def repack(est: Any) -> None:
    """Pack a fitted ``est``'s parameters into one buffer again (``coefs_`` / ``intercepts_``
    become the views), unless ``coefs_`` or ``intercepts_`` were set to other arrays since
    fitting: the next fit copies those in (``_sklearn_engine.bind``) and packs then."""
    from ._sklearn_engine import flat_params

    if "model_" not in est.__dict__ or "_coef_params" not in est.__dict__:
        return
    for attr, params in (("coefs_", est._coef_params), ("intercepts_", est._intercept_params)):
        arrays = est.__dict__.get(attr)
        if not isinstance(arrays, list) or len(arrays) != len(params) or any(
                a is not p.value for a, p in zip(arrays, params, strict=True)):
            return
    flat_params(est)


class Repacked:
    """``__setstate__`` (unpickling, ``copy.deepcopy``): ``BaseEstimator``'s, then
    ``repack`` where the packing was copied too (``FlatParams.copied``; not ``copy.copy``,
    whose estimator shares the network). Placed before ``BaseEstimator``."""

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)  # type: ignore[misc]  # BaseEstimator's
        if getattr(self.__dict__.get("_flat"), "copied", False):
            repack(self)
