"""Callbacks' and optimizers' ``state_dict`` / ``load_state_dict`` as PyTorch's: the dict
returned holds copies (mutating it changes nothing), a callback's state loads before ``fit``
binds a model, and a refused state changes nothing."""

from __future__ import annotations

import numpy as np
import pytest

from nonlin import SGD, Adam, EarlyStopping, ReduceLROnPlateau
from nonlin.checkpoint import ModelCheckpoint
from test_callbacks import data, model


def _trained_stopper() -> tuple[EarlyStopping, object]:
    X, y = data(n=24)
    stopper = EarlyStopping(monitor="loss", restore_best_weights=True)
    m = model()
    m.fit(X, y, loss="sparse_categorical_crossentropy", optimizer=SGD(0.1), epochs=2,
          callbacks=[stopper], verbose=0)
    return stopper, m


def test_early_stopping_state_dict_returns_copies_of_its_best_weights() -> None:
    stopper, _ = _trained_stopper()
    assert stopper.best_weights is not None
    kept = [w.copy() for w in stopper.best_weights]
    state = stopper.state_dict()
    for value in state.values():
        if isinstance(value, np.ndarray):
            value[...] = 99.0
    for own, before in zip(stopper.best_weights, kept, strict=True):
        np.testing.assert_array_equal(own, before)


def test_early_stopping_loads_its_state_before_fit_binds_a_model() -> None:
    stopper, m = _trained_stopper()
    state = stopper.state_dict()
    fresh = EarlyStopping(monitor="loss", restore_best_weights=True)
    fresh.load_state_dict(state)  # AttributeError on None before
    again = fresh.state_dict()
    assert again.keys() == state.keys()
    for key, value in state.items():
        np.testing.assert_array_equal(again[key], value)
        if isinstance(value, np.ndarray):
            assert again[key] is not value  # copied in, copied out
    fresh.set_model(m)  # the weights are restored where they fit
    m.set_weights([np.zeros_like(w) for w in m.get_weights()])
    fresh.on_train_end({})
    for own, best in zip(m._parameter_weights(), stopper.best_weights, strict=True):
        np.testing.assert_array_equal(own, best)


def test_a_fresh_callback_has_a_state_to_give() -> None:
    assert EarlyStopping().state_dict() == {"wait": 0, "best": None, "best_epoch": 0,
                                            "stopped_epoch": 0}
    assert ReduceLROnPlateau().state_dict() == {"wait": 0, "cooldown_left": 0, "best": None}
    assert ModelCheckpoint("ck.safetensors", save_best_only=True).state_dict() == {"best": None}


@pytest.mark.parametrize("callback, state", [
    (EarlyStopping(), {"wait": 3, "best": 0.5, "best_epoch": "two"}),
    (EarlyStopping(), {"wait": 3, "best": 0.5, "stopped_epoch": -2}),
    (EarlyStopping(), {"wait": 3, "best": "low"}),
    (ReduceLROnPlateau(), {"wait": 3, "cooldown_left": -1}),
    (ReduceLROnPlateau(), {"wait": 3, "cooldown_left": 1, "best": "low"}),
])
def test_a_refused_callback_state_changes_nothing(callback, state) -> None:
    before = callback.state_dict()
    with pytest.raises(ValueError, match="Expected .*Received"):
        callback.load_state_dict(state)
    assert callback.state_dict() == before


def test_early_stopping_refuses_best_weights_of_other_shapes_for_its_model() -> None:
    stopper, m = _trained_stopper()
    state = stopper.state_dict()
    state["best_weights.0"] = np.zeros((1, 1))
    before = stopper.state_dict()
    with pytest.raises(ValueError, match="Expected EarlyStopping best weights of shapes"):
        stopper.load_state_dict(state)
    assert stopper.state_dict().keys() == before.keys()
    for key, value in before.items():
        np.testing.assert_array_equal(stopper.state_dict()[key], value)


@pytest.mark.parametrize("optimizer", [SGD(0.1, momentum=0.9), Adam(0.01)])
def test_an_optimizer_state_dict_holds_copies_of_its_slots(optimizer) -> None:
    X, y = data(n=24)
    model().fit(X, y, loss="sparse_categorical_crossentropy", optimizer=optimizer, epochs=1,
                verbose=0)
    state = optimizer.state_dict()
    kept = {k: v.copy() for k, v in state.items() if isinstance(v, np.ndarray)}
    assert kept
    for key in kept:
        state[key][...] = 99.0
    for key, value in optimizer.state_dict().items():
        if key in kept:
            np.testing.assert_array_equal(value, kept[key])
