"""Review s12 (fuzzing), the leftovers: ``mode`` of any type refused clearly, ``set_state``
of a non-dict, a nested fit refused, and error messages of bounded length."""

from __future__ import annotations

import copy

import numpy as np
import pytest

import nonlin
from nonlin import (
    BatchNorm,
    Dense,
    EarlyStopping,
    ModelCheckpoint,
    ReduceLROnPlateau,
    ReLU,
    Sequential,
    Softmax,
)
from nonlin.metrics import Precision, Recall

X = np.random.default_rng(0).normal(size=(30, 3))
Y = np.arange(30) % 2


def _model() -> Sequential:
    return Sequential([Dense(4), ReLU(), Dense(2), Softmax()])


def _fit(model: Sequential, callbacks=(), epochs: int = 3) -> nonlin.History:
    return model.fit(X, Y, loss="cross_entropy", optimizer=nonlin.SGD(0.5), epochs=epochs,
                     seed=0, verbose=0, callbacks=list(callbacks))


# -- 1. mode of any type ----------------------------------------------------------------------
@pytest.mark.parametrize("make", [
    lambda mode: EarlyStopping(mode=mode),
    lambda mode: ReduceLROnPlateau(mode=mode),
    lambda mode: ModelCheckpoint("never-written.safetensors", mode=mode),
])
@pytest.mark.parametrize("mode", [np.array(["min", "max"]), np.array("min"), ["min"], {}, 3])
def test_mode_that_is_no_str_is_refused_naming_it(make, mode) -> None:
    with pytest.raises(ValueError, match=r"Expected mode 'auto', 'min' or 'max'\. Received: mode="):
        make(mode)


def test_mode_message_is_capped() -> None:
    with pytest.raises(ValueError) as caught:
        EarlyStopping(mode=np.zeros(100_000))
    assert len(str(caught.value)) < 300


# -- 2. set_state of a non-dict ---------------------------------------------------------------
@pytest.mark.parametrize("state", [None, [1], 3, "x"])
def test_set_state_of_a_non_dict_is_a_type_error_naming_it(state) -> None:
    model = Sequential([Dense(3), BatchNorm()]).build(2, seed=0)
    before = model.get_state()
    with pytest.raises(TypeError, match=r"Expected a dict from get_state\(\)\. Received: state="):
        model.set_state(state)
    with pytest.raises(TypeError, match=r"Expected a dict from get_state\(\)\. Received: state="):
        model.layers[1].set_state(state)
    for key, value in model.get_state().items():
        np.testing.assert_array_equal(value, before[key])


def test_set_state_none_is_refused_also_without_state() -> None:
    model = _model().build(3, seed=0)
    with pytest.raises(TypeError, match="Received: state=None"):
        model.set_state(None)
    model.set_state({})  # what get_state() gives for it


# -- 3. a nested fit --------------------------------------------------------------------------
class _Nested(nonlin.Callback):
    def __init__(self, catch: bool = False) -> None:
        self.catch, self.refused = catch, []

    def on_epoch_begin(self, epoch, logs=None) -> None:
        if epoch == 1:
            try:
                self.model.fit(X, Y, epochs=1, verbose=0)
            except RuntimeError as exc:
                self.refused.append(str(exc))
                if not self.catch:
                    raise


def test_fit_from_a_callback_of_the_running_fit_is_refused() -> None:
    model = _model()
    with pytest.raises(RuntimeError, match="Cannot call fit on a model whose fit is running"):
        _fit(model, [_Nested()])
    assert model.history.epoch == [0]
    assert "_fit_running" not in model.__dict__  # cleared: the model fits again
    assert _fit(model, epochs=1).epoch == [0]


def test_a_refused_nested_fit_changes_nothing() -> None:
    plain, nested = _model(), _model()
    expected = _fit(plain)
    callback = _Nested(catch=True)
    history = _fit(nested, [callback])
    assert len(callback.refused) == 1
    assert history is nested.history and history.history == expected.history
    for a, b in zip(plain.get_weights(), nested.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_a_copy_of_the_running_model_may_fit_and_a_failed_fit_clears_the_flag() -> None:
    class FitCopy(nonlin.Callback):
        def on_epoch_begin(self, epoch, logs=None) -> None:
            if epoch == 1:
                self.epochs = copy.deepcopy(self.model).fit(X, Y, epochs=2, verbose=0).epoch

    callback = FitCopy()
    model = _model()
    assert _fit(model, [callback]).epoch == [0, 1, 2] and callback.epochs == [0, 1]
    with pytest.raises(ValueError):
        model.fit(X, np.full(30, 7), verbose=0)  # label 7 of 2 outputs: refused
    with pytest.raises(ZeroDivisionError):
        _fit(model, [_Raises()])
    assert "_fit_running" not in model.__dict__
    assert _fit(model, epochs=1).epoch == [0]


class _Raises(nonlin.Callback):
    def on_epoch_end(self, epoch, logs=None) -> None:
        raise ZeroDivisionError


# -- 4. thresholds (Keras 3: Precision/Recall thresholds in [0, 1]) ---------------------------
@pytest.mark.parametrize("cls", [Precision, Recall])
@pytest.mark.parametrize("value", [-0.1, 1.1, float("nan")])
def test_precision_recall_threshold_outside_0_1_is_refused(cls, value) -> None:
    with pytest.raises(ValueError, match="Expected one threshold in"):
        cls(thresholds=value)


# -- 5. messages of bounded length ------------------------------------------------------------
def test_precision_with_a_long_threshold_list_gives_a_short_message() -> None:
    with pytest.raises(ValueError, match=r"Received: thresholds=\[0\.0, 1e-05") as caught:
        Precision(thresholds=[i / 100_000 for i in range(100_000)])
    assert len(str(caught.value)) < 1000


def test_losses_and_callbacks_quote_a_long_value_briefly() -> None:
    huge = list(range(100_000))
    with pytest.raises(ValueError) as caught:
        ReduceLROnPlateau(factor=huge)
    assert len(str(caught.value)) < 300
    with pytest.raises(TypeError) as caught:
        _model().fit(X, Y, loss="mse", optimizer=huge, verbose=0)
    assert len(str(caught.value)) < 300
