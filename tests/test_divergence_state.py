"""After a DivergenceError the whole model is as after the last finite step: weights,
BatchNorm running statistics and the generator the dropout masks come from."""

from __future__ import annotations

import numpy as np
import pytest

from nonlin import (
    SGD,
    BatchNorm,
    Callback,
    Dense,
    DivergenceError,
    Dropout,
    Normalization,
    ReLU,
    Sequential,
    Softmax,
)
from nonlin._step_snapshot import StepSnapshot

RNG = np.random.default_rng(0)
X, Y = RNG.normal(size=(64, 4)), RNG.integers(0, 3, 64)
FIT = dict(loss="cross_entropy", epochs=3, batch_size=8, seed=0, verbose=0)


def _model() -> Sequential:
    return Sequential([Dense(8), BatchNorm(), ReLU(), Dropout(0.3), Dense(3), Softmax()])


class _StopAfter(Callback):
    def __init__(self, batch: int) -> None:
        self.batch = batch

    def on_batch_end(self, batch, logs=None):
        if batch == self.batch:
            raise KeyboardInterrupt


def _snapshot(model: Sequential):
    return model.get_weights(), model.get_state(), model.rng.bit_generator.state


def test_a_diverged_step_leaves_the_model_as_after_the_last_finite_step() -> None:
    diverged = _model()
    with pytest.raises(DivergenceError) as info:
        diverged.fit(X, Y, optimizer=SGD(1e100), **FIT)
    assert (info.value.epoch, info.value.batch) == (0, 2)
    reference = _model()  # the same run, stopped after the last finite step
    with pytest.raises(KeyboardInterrupt):
        reference.fit(X, Y, optimizer=SGD(1e100), callbacks=[_StopAfter(1)], **FIT)
    weights, state, rng = _snapshot(diverged)
    want_weights, want_state, want_rng = _snapshot(reference)
    for got, want in zip(weights, want_weights, strict=True):
        np.testing.assert_array_equal(got, want)
    assert state.keys() == want_state.keys()
    for key in state:
        assert np.isfinite(state[key]).all()
        np.testing.assert_array_equal(state[key], want_state[key])
    assert rng == want_rng  # a retried fit draws the refused step's dropout masks again


def test_running_statistics_that_overflow_are_a_divergence() -> None:
    # the loss and update stay finite (the batch variance is inf, so x_hat is 0),
    # but the running variance would become inf
    model = Sequential([Dense(8), BatchNorm(), ReLU(), Dense(3), Softmax()]).build(4, seed=0)
    weights, state = model.get_weights(), model.get_state()
    with pytest.raises(DivergenceError, match="running statistics.*epoch 0, batch 0"):
        model.fit(X * 1e200, Y, optimizer=SGD(0.1), **FIT)
    for got, want in zip(model.get_weights(), weights, strict=True):
        np.testing.assert_array_equal(got, want)
    for key, value in model.get_state().items():
        np.testing.assert_array_equal(value, state[key])


def test_models_without_state_or_dropout_keep_nothing_per_step() -> None:
    plain = Sequential([Dense(8), ReLU(), Dense(3), Softmax()]).build(4, seed=0)
    assert not StepSnapshot(plain).active
    assert StepSnapshot(_model().build(4, seed=0)).active


def test_adapted_normalization_statistics_are_not_copied_each_step() -> None:
    """No training step changes Normalization's statistics: fit keeps no copy of them (it
    did, every step, as for BatchNorm's), and a diverged fit still leaves them as adapted."""
    norm = Normalization()
    norm.adapt(X)
    model = Sequential([norm, Dense(8), ReLU(), Dense(3), Softmax()]).build(4, seed=0)
    assert not StepSnapshot(model).active
    mean = norm.mean.copy()
    with pytest.raises(DivergenceError):
        model.fit(X, Y, optimizer=SGD(1e100), **FIT)
    np.testing.assert_array_equal(norm.mean, mean)


def test_a_diverged_step_leaves_no_mid_epoch_record_with_its_metrics(tmp_path) -> None:
    """The refused batch reached the streaming metrics before the loss was checked, so a
    checkpoint saved after the error must not carry on the epoch with those counts."""
    from nonlin import load_checkpoint
    from nonlin.checkpoint import save_checkpoint

    model = _model()
    with pytest.raises(DivergenceError) as info:
        model.fit(X, Y, optimizer=SGD(1e100), metrics=["accuracy"], **FIT)
    assert info.value.batch == 2
    save_checkpoint(model, tmp_path / "ck.safetensors", epoch=info.value.epoch)
    assert load_checkpoint(tmp_path / "ck.safetensors").partial is None


@pytest.mark.parametrize(("dtype", "big"), [(np.float32, 3e38), (np.float64, 1.7e308)])
def test_an_update_whose_weights_would_overflow_is_refused(dtype, big) -> None:
    # Two equal logits near the largest float: the loss (log 2) and the update
    # (lr / 2 per bias) are finite, but the raised bias would overflow to inf.
    model = Sequential([Dense(2), Softmax()]).build(1, seed=0, dtype=dtype)
    weights = [np.zeros((1, 2), dtype), np.full(2, big, dtype)]
    model.set_weights(weights)
    x, y = np.zeros((4, 1), dtype), np.array([1, 1, 0, 0])
    with pytest.raises(DivergenceError, match="at epoch 0, batch 0") as info:
        model.fit(x, y, loss="cross_entropy", optimizer=SGD(big / 3), batch_size=2, epochs=1,
                  shuffle=False, verbose=0)
    assert "Lower the learning rate" in str(info.value)
    for got, want in zip(model.get_weights(), weights, strict=True):
        np.testing.assert_array_equal(got, want)  # the refused step changed nothing
