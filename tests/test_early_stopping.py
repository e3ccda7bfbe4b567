"""EarlyStopping's Keras 3 arguments: baseline, start_from_epoch, verbose, a negative min_delta,
and their state in checkpoints."""

from __future__ import annotations

import math

import numpy as np
import pytest

import nonlin
from nonlin import SGD, EarlyStopping
from test_callbacks import ScriptedLoss, data, model

# These tests train a Dense-last model with cross_entropy (probabilities expected) on
# purpose: fixed trajectories for resume and file checks, not a well-posed loss.
pytestmark = pytest.mark.filterwarnings(
    "ignore:.*CrossEntropy takes probabilities:UserWarning")


def _run(values, stop, epochs=None):
    X, y = data()
    script = ScriptedLoss(values)
    m = model()
    h = m.fit(X, y, loss="cross_entropy", optimizer=SGD(0.1), epochs=epochs or len(values),
              callbacks=[script, stop], verbose=0)
    return m, h, script


def _assert_weights(m, expected) -> None:
    for got, want in zip(m.get_weights(), expected, strict=True):
        np.testing.assert_array_equal(got, want)


def test_baseline_never_beaten_stops_after_patience_and_restores_the_best() -> None:
    # keras/src/callbacks/early_stopping_test.py, "no model beats the baseline"
    stop = EarlyStopping(patience=5, baseline=0.5, restore_best_weights=True)
    m, h, script = _run([0.9, 0.8, 0.7, 0.71, 0.72, 0.73], stop)
    assert h.epoch == [0, 1, 2, 3, 4] and stop.stopped_epoch == 4 and stop.best_epoch == 2
    _assert_weights(m, script.weights[2])


def test_beating_the_baseline_restarts_the_wait() -> None:
    stop = EarlyStopping(patience=2, baseline=0.75)
    _, h, _ = _run([0.9, 0.8, 0.7, 0.72, 0.71, 0.73], stop)
    assert h.epoch == [0, 1, 2, 3, 4] and stop.best == 0.7  # waits from epoch 2, not from 0
    stop = EarlyStopping(patience=2)
    _, h, _ = _run([0.9, 0.8, 0.7, 0.72, 0.71, 0.73], stop)
    assert h.epoch == [0, 1, 2, 3, 4]


def test_start_from_epoch_ignores_the_warm_up() -> None:
    rising = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    stop = EarlyStopping(patience=0, start_from_epoch=3)
    _, h, _ = _run(rising, stop)
    assert h.epoch == [0, 1, 2, 3, 4] and stop.best_epoch == 3 and stop.stopped_epoch == 4
    stop = EarlyStopping(patience=0)
    _, h, _ = _run(rising, stop)
    assert h.epoch == [0, 1]


def test_a_negative_min_delta_counts_as_its_absolute_value() -> None:
    stop = EarlyStopping(min_delta=-0.02, patience=1)
    assert stop.min_delta == 0.02
    _, h, _ = _run([1.0, 0.9, 0.89, 0.885, 0.5], stop)
    assert h.epoch == [0, 1, 2] and stop.best == 0.9


def test_improvement_is_keras_comparison_current_plus_min_delta_below_best() -> None:
    # keras/src/callbacks/early_stopping.py: monitor_op(current - min_delta, best), min_delta
    # negated for "min": 0.3 + 0.1 == 0.4 is no improvement on 0.4, though 0.3 < 0.4 - 0.1
    stop = EarlyStopping(min_delta=0.1, patience=1)
    _, h, _ = _run([0.4, 0.3, 0.3], stop)
    assert h.epoch == [0, 1] and stop.best == 0.4 and stop.stopped_epoch == 1
    # "max": 0.4 - 0.1 > 0.3 in floating point, an improvement in Keras
    assert stop._improved(0.3, 0.4, 0.1) is False
    rising = EarlyStopping(monitor="val_accuracy", min_delta=0.1)
    assert rising._improved(0.4, 0.3, 0.1) is True
    # a tie is never an improvement, with or without min_delta
    for delta in (0.0, 0.1):
        assert not stop._improved(0.4, 0.4, delta) and not rising._improved(0.4, 0.4, delta)


def test_no_stop_in_the_first_epoch_even_on_nan() -> None:
    stop = EarlyStopping(patience=0)
    _, h, _ = _run([math.nan, 1.0, 1.5], stop)
    assert h.epoch == [0, 1, 2] and stop.stopped_epoch == 2


def test_best_weights_are_restored_also_without_an_early_stop() -> None:
    stop = EarlyStopping(patience=10, restore_best_weights=True)
    m, h, script = _run([0.5, 0.6, 0.7], stop)
    assert stop.stopped_epoch == 0 and len(h.epoch) == 3
    _assert_weights(m, script.weights[0])


def test_verbose_says_when_it_stopped_and_what_it_restored(capsys) -> None:
    _run([1.0, 0.5, 0.6, 0.7], EarlyStopping(patience=2, verbose=1, restore_best_weights=True))
    out = capsys.readouterr()
    assert out.out == ""
    assert out.err == ("Epoch 4: early stopping\n"
                       "Restoring model weights from the end of the best epoch: 2.\n")
    _run([1.0, 0.5, 0.6, 0.7], EarlyStopping(patience=2, restore_best_weights=True))
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("kwargs", [
    {"verbose": "max"}, {"verbose": -1}, {"start_from_epoch": -1}, {"start_from_epoch": 1.5},
    {"baseline": math.nan}, {"baseline": "0.5"}, {"min_delta": math.inf}, {"min_delta": None},
    {"patience": -1}, {"mode": "up"},
])
def test_bad_arguments_are_named(kwargs) -> None:
    name = next(iter(kwargs))
    with pytest.raises(ValueError, match=f"{name}="):
        EarlyStopping(**kwargs)


def test_resumed_run_with_baseline_and_warm_up_equals_the_straight_run(tmp_path) -> None:
    from nonlin.checkpoint import ModelCheckpoint
    from test_checkpoint import FIT, _assert_same_run, _data, _layers
    from test_checkpoint_callbacks import _Interrupt

    def callbacks(path):
        # this fixture's val_loss runs about -64 (raw outputs): -70 is never beaten
        return [EarlyStopping(patience=4, baseline=-70.0, start_from_epoch=2,
                              restore_best_weights=True), ModelCheckpoint(path)]

    def fit(extra=(), **kwargs):
        X, y = _data()
        cbs = callbacks(tmp_path / "ck.safetensors")
        m = nonlin.Sequential(_layers())
        m.fit(X, y, epochs=40, callbacks=[*cbs, *extra], **FIT, **kwargs)
        return m, cbs[0]

    straight, stop = fit(optimizer=nonlin.SGD(0.05, momentum=0.9), seed=7)
    assert (stop.best_epoch, stop.stopped_epoch, stop.wait) == (2, 5, 4)
    with pytest.raises(KeyboardInterrupt):
        fit([_Interrupt(3)], optimizer=nonlin.SGD(0.05, momentum=0.9), seed=7)
    resumed, again = fit(optimizer="sgd", resume_from=tmp_path / "ck.safetensors")
    _assert_same_run(resumed, straight)
    assert (again.best_epoch, again.stopped_epoch, again.wait) == (
        stop.best_epoch, stop.stopped_epoch, stop.wait)
