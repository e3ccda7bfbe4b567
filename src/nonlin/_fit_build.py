"""Building the model as ``fit`` starts, undone when the call is refused.

``nonlin.train.fit`` (and ``_source_fit.fit_source``, both through ``_fit_plan.FitPlan``;
``_on_batch``'s ``train_on_batch``) build an unbuilt model from the first data they get,
before checking the rest of the call; ``_unbuilt_if_refused`` puts the model back as it
was if a check then fails (its layers too: none keeps that build's parameters), so a
corrected retry with the same seed gives the bits of a fresh fit.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from .core import Sequential
from .validation import check_X


@contextmanager
def _unbuilt_if_refused(model: Sequential) -> Iterator[None]:
    """Put an unbuilt ``model`` back as it was, unbuilt, when the block raises.

    ``fit`` builds a new model from ``X`` before it checks ``y``, the loss and
    the rest; a refused call must not leave it built for the wrong width, nor
    its generator advanced (a corrected retry with the same seed then gives
    the bits of a fresh fit), nor its layers holding that build's parameters
    (``summary`` would count them): the attributes of the model and of each
    layer (what ``Sequential.build`` sets) are put back, none of the block's kept.
    """
    if model.built:
        yield
        return
    unbuilt = dict(model.__dict__)
    layers = [(vars(layer), dict(vars(layer))) for layer in model.layers
              if hasattr(layer, "__dict__")]  # a layer of __slots__ alone: none to keep
    try:
        yield
    except BaseException:
        for state in (model.__dict__, *(now for now, _ in layers)):
            state.clear()
        model.__dict__.update(unbuilt)
        for now, was in layers:
            now.update(was)
        raise


def _trained(model: Sequential, built_here: bool, resume_from: Any) -> bool:
    """Whether ``fit`` starts from trained weights: a model loaded (``nonlin.load`` sets
    ``metadata``), resumed from a checkpoint, or trained by an earlier ``fit`` (its history,
    or the optimizer the model keeps). Updating one on a single class does not warn."""
    if built_here:
        return False
    if resume_from is not None or "metadata" in model.__dict__:
        return True
    if getattr(getattr(model, "history", None), "epoch", None):  # compile since: new optimizer
        return True
    return int(getattr(model.optimizer, "iterations", 0) or 0) > 0


def _build_if_needed(model: Sequential, X: Any, seed: Any) -> None:
    """Build an unbuilt ``model`` for ``X``'s width, in its dtype if float32 or float64
    (else float64), with ``seed``'s generator; a built one is left as it is."""
    if model.built:
        return
    X = check_X(X, "x")  # fit's parameter
    dtype = X.dtype if X.dtype in (np.float32, np.float64) else np.float64
    model.build(X.shape[1], seed, dtype=dtype)
