"""What a fitted estimator's network is built from, and parameters changed after fitting.

``hidden_layer_sizes``, ``dropout``, ``batch_norm`` and ``dtype`` decide the
network's layers, their widths and its dtype; ``record`` keeps their values
(``est._structure``, with ``activation``) when the network is built (a fit
that starts anew, or ``nonlin.sklearn.load``). After ``set_params``:

- ``activation`` is followed as scikit-learn follows it (its forward pass reads
  ``self.activation``): ``follow_activation`` swaps the network's activation
  layers before a prediction, a warm-start fit, ``partial_fit`` or ``save``;
  the weights stay.
- the others are not: ``predict`` keeps using the fitted network, and a
  warm-start fit, ``partial_fit`` or ``save`` raises (``check_unchanged``),
  naming the parameter, its fitted value and the new one. A fit that starts
  anew (``warm_start=False``) builds the network they describe. A ``dtype`` of
  ``None`` or of the network's own dtype describes the fitted network too.
- the regressor's ``loss`` decides its output activation (``exp`` for ``"poisson"``):
  changed to one of another output, a warm-start fit or ``partial_fit`` raises too.

This module does not import scikit-learn.
"""

from __future__ import annotations

import operator
from typing import Any

import numpy as np

from . import registry
from ._quoting import quoted
from .layers import Dense, Dropout
from .normalization import BatchNorm

STRUCTURAL = ("hidden_layer_sizes", "dropout", "batch_norm", "dtype")
ACTIVATIONS = ("identity", "logistic", "tanh", "relu")
_WHY = {
    "save": ("a saved file's parameters describe its network (nonlin.sklearn.load checks it)",
             "fit again (warm_start=False) to build the network they describe, or set them "
             "back to save the fitted one"),
    "fit": ("{action} continues training the fitted network",
            "set them back, or fit with warm_start=False to build a new network"),
}


def hidden_sizes(est: Any) -> list[int]:
    """``hidden_layer_sizes`` as a list (one number: one layer), each checked > 0
    (ValueError, in scikit-learn's words), then each a whole number: an int or a NumPy
    integer, not a float nor a bool (a ``TypeError`` naming the parameter, where
    scikit-learn's fails later, on ``'float' object cannot be interpreted as an integer``)."""
    hidden = est.hidden_layer_sizes
    hidden = list(hidden) if hasattr(hidden, "__iter__") else [hidden]
    if np.any(np.array(hidden) <= 0):
        raise ValueError(f"hidden_layer_sizes must be > 0, got {hidden}.")
    for size in hidden:
        if not _whole(size):
            raise TypeError(
                "Expected hidden_layer_sizes of whole numbers, one per hidden layer (int or "
                f"NumPy integer: (64,), (64, 32)). Received hidden_layer_sizes="
                f"{quoted(est.hidden_layer_sizes, 80)}, holding {quoted(size, 40)} of type "
                f"{type(size).__name__}: give ints (int(n) for a float from a search space).")
    return [operator.index(size) for size in hidden]  # Python ints: np.array(4) builds too


def _whole(size: Any) -> bool:
    """Whether ``size`` is a whole number a layer width can be: one ``operator.index``
    takes (int, a NumPy integer or a 0-d integer array), not a bool."""
    try:
        operator.index(size)
    except TypeError:
        return False
    return not isinstance(size, bool | np.bool_)


def _normal(name: str, value: Any) -> Any:
    """``value`` of the parameter ``name`` in one spelling: ``(8,)``, ``[8]`` and ``8`` are
    the same layers, ``"float32"`` and ``np.float32`` the same dtype. A value that has no
    such spelling (one not validated, set after fitting) equals no fitted value."""
    try:
        if name == "hidden_layer_sizes":
            return tuple(operator.index(v) for v in np.atleast_1d(value).tolist())
        if name == "dtype":
            return None if value is None else np.dtype(value).name
        return float(value) if name == "dropout" else bool(value)
    except (TypeError, ValueError):
        return ("unusable", repr(value))


def record(est: Any) -> None:
    """Keep the parameters the network is being built from (``build_network``)."""
    est._structure = {name: _normal(name, getattr(est, name)) for name in STRUCTURAL}
    est._structure["activation"] = est.activation


def changed(est: Any) -> list[tuple[str, Any, Any]]:
    """``(name, fitted value, value now)`` for each structural parameter changed since the
    network was built (none for an estimator without that record)."""
    fitted = est.__dict__.get("_structure")
    if fitted is None:
        return []
    return [(name, fitted[name], getattr(est, name)) for name in STRUCTURAL
            if _normal(name, getattr(est, name)) != fitted[name]
            and not (name == "dtype" and _fits_dtype(est))]


def _fits_dtype(est: Any) -> bool:
    """Whether ``est.dtype`` describes the fitted network all the same: ``None`` (the
    network keeps the dtype ``X`` gave it) or the network's own dtype, as
    ``nonlin.sklearn.load`` accepts them."""
    now = _normal("dtype", est.dtype)
    return now is None or now == est.model_.dtype.name


def check_unchanged(est: Any, action: str) -> None:
    """Raise ``ValueError`` before ``action`` (``"a warm-start fit"``, ``"partial_fit"``,
    ``"save"``) if a parameter the network is built from has changed since fitting, or
    before training, the regressor's ``loss`` to one of another output (``changed_output``)."""
    described = [f"{name}={now!r} (fitted with {fitted!r})" for name, fitted, now in changed(est)]
    if action != "save" and changed_output(est):
        described.append(f"loss={est.loss!r} (fitted with out_activation_={est.out_activation_!r})")
    if described:
        why, advice = _WHY["save" if action == "save" else "fit"]
        raise ValueError(
            f"Expected the parameters the network was fitted with. Received "
            f"{', '.join(described)}, set after fitting: {why.format(action=action)}; {advice}."
        )


def changed_output(est: Any) -> bool:
    """Whether the regressor's ``loss`` now has another output activation than the fitted
    ``out_activation_`` (``"poisson"``: ``exp``; the others: identity). Training would fit
    the new loss's output while ``predict`` applies the fitted one (scikit-learn keeps the
    fitted output and trains on a gradient of neither loss: NaN losses for ``"poisson"``
    on an identity output). A saved file records both; ``predict`` uses the fitted one."""
    # get_params (~500 Python calls) only when the outputs differ: once per partial_fit before
    return est._out_activation() != est.out_activation_ and "loss" in est.get_params(deep=False)


def follow_activation(est: Any) -> None:
    """Give the network's hidden layers ``est.activation`` if it changed since they were
    built (``set_params``), as scikit-learn's forward pass follows it. Each activation
    layer is replaced in place; the weights, and the optimizer's state, stay."""
    built = est.__dict__.get("_structure")
    if built is None or built["activation"] == est.activation:
        return
    if not isinstance(est.activation, str) or est.activation not in ACTIVATIONS:
        raise ValueError(
            f"The 'activation' parameter of {type(est).__name__} must be a str among "
            f"{sorted(ACTIVATIONS)}. Got {quoted(est.activation, 80)} instead."
        )
    from ._sklearn_engine import _TWINS

    model = est.model_
    for i, layer in enumerate(model.layers):
        if not isinstance(layer, Dense | BatchNorm | Dropout):  # a hidden activation
            swapped = registry.activation(est.activation)
            swapped.build(layer.in_features, model.rng)
            swapped.cast_state(model.dtype)  # the network's, as Sequential.build gives it
            model.layers[i] = swapped
    _TWINS.pop(model, None)  # a float64 copy of a float32 network has the old layers
    built["activation"] = est.activation
