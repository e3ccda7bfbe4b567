"""Review of s32-layerw32 (``Layer.get_weights`` / ``Layer.set_weights``).

A model's training pass is dropped by ``model.set_weights`` (no backward of the former
weights may follow); ``layer.set_weights`` drops it through the model that built the
layer, which a copy of a model (``copy.deepcopy``, ``pickle``) had not: the copy's
backward then ran at the weights as they were before, silently.
"""

from __future__ import annotations

import copy
import pickle
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import nonlin

COPIES: dict[str, Callable[[Any], Any]] = {
    "deepcopy": copy.deepcopy,
    "pickle": lambda model: pickle.loads(pickle.dumps(model)),
}


def _model() -> nonlin.Sequential:
    return nonlin.Sequential([nonlin.Dense(5), nonlin.ReLU(), nonlin.Dense(2)]).build(4, seed=0)


@pytest.mark.parametrize("how", sorted(COPIES))
def test_layer_set_weights_on_a_copied_model_drops_its_training_pass(how: str) -> None:
    model = COPIES[how](_model())
    x = np.random.default_rng(0).normal(size=(8, 4))
    out = model(x, training=True)
    model.layers[0].set_weights([np.zeros((4, 5)), np.zeros(5)])
    with pytest.raises(RuntimeError, match="set_weights leave none"):
        model.backward(np.ones_like(out))  # as after model.set_weights


@pytest.mark.parametrize("how", sorted(COPIES))
def test_model_set_weights_on_a_copied_model_drops_it_too(how: str) -> None:
    """Guard (passes before the fix too): the model-level call the layer's now matches."""
    model = COPIES[how](_model())
    out = model(np.ones((3, 4)), training=True)
    model.set_weights(model.get_weights())
    with pytest.raises(RuntimeError, match="set_weights leave none"):
        model.backward(np.ones_like(out))


def test_a_copied_models_layers_may_still_go_into_a_new_model() -> None:
    """Guard: the copy records that it holds its layers, not that it built them, so a
    new model may still build them (drawing them anew, with build's warning)."""
    copied = copy.deepcopy(_model())
    new = nonlin.Sequential([copied.layers[0], nonlin.Dense(3)])
    with pytest.warns(UserWarning, match="draws new weights"):
        new.build(4, seed=1)
    out = new(np.ones((2, 4)), training=True)
    new.layers[0].set_weights(new.layers[0].get_weights())
    with pytest.raises(RuntimeError, match="set_weights leave none"):
        new.backward(np.ones_like(out))
