"""The estimator's network in another dtype: ``predict`` on ``X`` of another float.

scikit-learn computes in ``X``'s dtype, so a float64 ``X`` on a float32 network runs
a float64 copy of it (``widened``), kept per network in ``_TWINS`` (``twin``) and
refreshed from the live weights at each ``forward``. Re-exported by
``nonlin._sklearn_engine``, whose names these were.
"""

from __future__ import annotations

import weakref
from typing import Any, cast

import numpy as np

from ._inference import forward_in_chunks
from ._sklearn_sparse import is_sparse, outputs
from .core import Sequential
from .normalization import BatchNorm


def widened(model: Sequential, dtype: Any) -> Sequential:
    """A copy of ``model`` computing in ``dtype``: the same weights and layer state."""
    twin = Sequential.from_config({**model.get_config(), "dtype": np.dtype(dtype).name}, seed=0)
    for mine, theirs in zip(twin.parameters(), model.parameters(), strict=True):
        np.copyto(mine.value, theirs.value)
    twin.set_state(model.get_state())
    return twin


_TWINS: weakref.WeakKeyDictionary[Sequential, Sequential] = weakref.WeakKeyDictionary()


def forward(est: Any, X: np.ndarray) -> np.ndarray:
    """The network's raw outputs for ``X``, computed in ``X``'s dtype as scikit-learn does (a
    float64 ``X`` on a float32 network runs a float64 copy of it), in ``predict``'s chunks."""
    model = est.model_
    net = model if X.dtype == model.dtype else twin(model, X.dtype)
    if type(X) is not np.ndarray and is_sparse(X):  # SciPy's (never densified)
        return outputs(net, X)
    return forward_in_chunks(net, X)


def twin(model: Sequential, dtype: Any) -> Sequential:
    """``widened(model, dtype)``, built once per network and kept while ``model`` lives.

    Each call copies ``model``'s current weights and layer state into it
    (``np.copyto``, no new arrays), so a fit, a ``bind`` or an in-place edit
    of ``coefs_`` shows at once; the estimator's ``__dict__`` is not touched.
    """
    copy = _TWINS.get(model)
    if copy is None or copy.dtype != dtype:
        copy = _TWINS[model] = widened(model, dtype)
        return copy
    for mine, theirs in zip(copy.parameters(), model.parameters(), strict=True):
        np.copyto(mine.value, theirs.value)
    for copied, layer in zip(copy.layers, model.layers, strict=True):
        if isinstance(layer, BatchNorm):  # the only layer here with state (its copy: one too)
            np.copyto(cast(BatchNorm, copied).moving_mean, layer.moving_mean)
            np.copyto(cast(BatchNorm, copied).moving_variance, layer.moving_variance)
    return copy
