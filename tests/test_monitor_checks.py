"""A monitored key missing from the epoch's logs warns and training goes on (Keras 3),
for ``ReduceLROnPlateau`` and ``ModelCheckpoint(save_best_only=True)`` as for
``EarlyStopping``; their numeric arguments, and ``BinaryAccuracy``'s, are checked."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nonlin import SGD, Callback, ReduceLROnPlateau
from nonlin.checkpoint import ModelCheckpoint, load_checkpoint
from nonlin.metrics import BinaryAccuracy
from test_callbacks import ScriptedLoss, data, model
from test_checkpoint import _straight

# These tests train a Dense-last model with cross_entropy (probabilities expected) on
# purpose: fixed trajectories for resume and file checks, not a well-posed loss.
pytestmark = pytest.mark.filterwarnings(
    "ignore:.*CrossEntropy takes probabilities:UserWarning")


class _Drop(Callback):
    """Removes ``key`` from the logs of the given epochs (before the callbacks after it)."""

    def __init__(self, key: str, epochs: tuple[int, ...]) -> None:
        self.key, self.epochs = key, epochs

    def on_epoch_end(self, epoch, logs=None):
        if epoch in self.epochs:
            del logs[self.key]


def test_reduce_lr_missing_monitor_warns_and_training_goes_on() -> None:
    X, y = data()
    reduce = ReduceLROnPlateau(patience=1)
    with pytest.warns(UserWarning, match="Learning rate reduction is conditioned on metric "
                      "`val_loss` which is not available. Available metrics are: loss,lr"):
        h = model().fit(X, y, loss="cross_entropy", optimizer=SGD(0.1), epochs=3,
                        callbacks=[reduce], verbose=0)
    assert h.epoch == [0, 1, 2] and h.history["lr"] == [0.1, 0.1, 0.1]
    assert reduce.state_dict() == {"wait": 0, "cooldown_left": 0, "best": None}


def test_reduce_lr_epoch_without_the_monitor_counts_for_nothing() -> None:
    X, y = data()
    reduce = ReduceLROnPlateau(monitor="loss", patience=1, factor=0.5, cooldown=1)

    class Flat(Callback):  # the loss never improves after epoch 0
        def on_epoch_end(self, epoch, logs=None):
            logs["loss"] = 1.0

    with pytest.warns(UserWarning, match="`loss` which is not available"):
        h = model().fit(X, y, loss="cross_entropy", optimizer=SGD(0.1), epochs=6, verbose=0,
                        callbacks=[Flat(), _Drop("loss", (2, 3)), reduce])
    # epoch 1: wait 1 -> reduced, cooldown 1; epochs 2, 3 missing: neither the cooldown
    # nor the patience is spent; epoch 4 ends the cooldown and (Keras' rule) counts
    # wait 1 -> reduced; epoch 5 likewise
    assert h.history["lr"] == pytest.approx([0.1, 0.1, 0.05, 0.05, 0.05, 0.025])
    assert reduce.model.optimizer.lr == pytest.approx(0.0125)


def test_checkpoint_missing_monitor_warns_and_saves_as_in_keras(tmp_path) -> None:
    path = tmp_path / "ck-{epoch}.safetensors"
    # mode given: "auto" cannot tell which way a key of no metric goes (Keras 3 raises too)
    callback = ModelCheckpoint(path, save_best_only=True, monitor="val_nothing", mode="min")
    with pytest.warns(UserWarning, match="Can save best model only with metric `val_nothing` "
                      "which is not available. Available metrics are: loss,"):
        _straight("adam", 2, callbacks=[callback])
    assert [p.rsplit("-", 1)[1] for p in callback.saved] == ["1.safetensors", "2.safetensors"]
    assert callback.best is None and callback.state_dict() == {"best": None}
    assert load_checkpoint(callback.saved[-1]).callbacks[0]["state"] == {"best": None}


def test_checkpoint_epoch_without_the_monitor_keeps_the_best_value(tmp_path) -> None:
    path = tmp_path / "ck-{epoch}.safetensors"
    callback = ModelCheckpoint(path, save_best_only=True, monitor="val_loss")
    with pytest.warns(UserWarning, match="`val_loss` which is not available"):
        model = _straight("adam", 4, callbacks=[_Drop("val_loss", (1,)), callback])
    losses = model.history.history["val_loss"]
    assert callback.saved[:2] == [str(path).format(epoch=e) for e in (1, 2)]
    # the file of epoch 1 (saved unmonitored) records the best value of epoch 0
    assert load_checkpoint(callback.saved[1]).callbacks[-1]["state"] == {"best": losses[0]}
    assert callback.best == min(v for e, v in enumerate(losses) if e != 1)
    state = load_checkpoint(callback.saved[-1]).callbacks[-1]["state"]
    assert state["best"] == callback.best
    fresh = ModelCheckpoint(path, save_best_only=True)
    fresh.load_state_dict(state)
    assert fresh.best == callback.best


_NOT_FINITE = ["0.1", math.nan, math.inf, -math.inf, None, True]


@pytest.mark.parametrize(("name", "value", "bound"),
                         [("min_delta", v, "") for v in _NOT_FINITE]
                         + [("min_lr", v, " >= 0") for v in (*_NOT_FINITE, -0.1)])
def test_reduce_lr_refuses_bad_min_delta_and_min_lr(name, value, bound) -> None:
    with pytest.raises(ValueError, match=f"Expected a finite {name}{bound}. "
                       f"Received: {name}={value!r}"):
        ReduceLROnPlateau(**{name: value})


def test_reduce_lr_takes_min_delta_as_its_absolute_value_as_keras_3() -> None:
    # keras/src/callbacks/monitor_callback.py (ReduceLROnPlateau's base since 2025):
    # min_delta = abs(min_delta), improvement: monitor_op(current - min_delta, best) with the
    # sign set by the mode; so -0.05 acts as 0.05: 1.02 after 1.0 is no improvement
    X, y = data()
    reduce = ReduceLROnPlateau(min_delta=-0.05, patience=1, factor=0.5)
    assert reduce.min_delta == 0.05
    h = model().fit(X, y, loss="cross_entropy", optimizer=SGD(0.1), epochs=4, verbose=0,
                    callbacks=[ScriptedLoss([1.0, 1.02, 1.04, 1.06]), reduce])
    assert h.history["lr"] == pytest.approx([0.1, 0.1, 0.05, 0.025]) and reduce.best == 1.0
    rising = ReduceLROnPlateau(monitor="val_accuracy", min_delta=-0.05)
    assert rising._improved(0.66, 0.6, rising.min_delta)
    assert not rising._improved(0.64, 0.6, rising.min_delta)


def test_reduce_lr_checks_its_other_arguments() -> None:
    for kwargs in ({"factor": "0.5"}, {"factor": math.nan}, {"factor": 1.0},
                   {"patience": 1.5}, {"cooldown": -1}, {"mode": "up"}):
        with pytest.raises(ValueError, match="Received: "):
            ReduceLROnPlateau(**kwargs)
    for monitor in (None, 3, ""):
        with pytest.raises(TypeError, match=f"Received: monitor={monitor!r}"):
            ReduceLROnPlateau(monitor=monitor)
    ok = ReduceLROnPlateau(min_delta=np.float32(0.5), min_lr=np.int64(0))
    assert type(ok.min_delta) is float and ok.min_delta == 0.5 and ok.min_lr == 0.0


@pytest.mark.parametrize("value", ["0.5", math.nan, -math.inf, None, False])
def test_binary_accuracy_refuses_a_bad_threshold(value) -> None:
    with pytest.raises(ValueError, match=f"Expected a finite threshold. "
                       f"Received: threshold={value!r}"):
        BinaryAccuracy(threshold=value)


def test_binary_accuracy_checks_its_name_and_takes_numpy_thresholds() -> None:
    for name in (None, 3, ""):
        with pytest.raises(TypeError, match=f"Received: name={name!r}"):
            BinaryAccuracy(name=name)
    metric = BinaryAccuracy(threshold=np.float32(-0.25))
    assert type(metric.threshold) is float and metric.threshold == -0.25
