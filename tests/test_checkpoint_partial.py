"""A run stopped between two batches (Ctrl-C in ``nonlin train``) resumes exactly:
the same shuffling order, generator, running loss and metrics, from the next row."""

from __future__ import annotations

import numpy as np
import pytest

import nonlin
from io_helpers import edit_meta
from nonlin import ModelFileError
from nonlin.callbacks import Callback
from nonlin.checkpoint import load_checkpoint, save_checkpoint
from test_checkpoint import FIT, _assert_same_run, _data, _layers, _optimizer

# These tests train a Dense-last model with cross_entropy (probabilities expected) on
# purpose: fixed trajectories for resume and file checks, not a well-posed loss.
pytestmark = pytest.mark.filterwarnings(
    "ignore:.*CrossEntropy takes probabilities:UserWarning")


class _StopAt(Callback):
    """Raise KeyboardInterrupt after batch ``batch`` of epoch ``epoch`` (as a deferred Ctrl-C)."""

    def __init__(self, epoch: int, batch: int) -> None:
        self.epoch, self.batch, self.current = epoch, batch, -1

    def on_epoch_begin(self, epoch, logs=None):
        self.current = epoch

    def on_batch_end(self, batch, logs=None):
        if (self.current, batch) == (self.epoch, self.batch):
            raise KeyboardInterrupt


def _fit(model, kind, epochs, **kwargs):
    X, y = _data()
    fit = {**FIT, "metrics": ["accuracy"], **kwargs.pop("fit", {})}
    model.fit(X, y, optimizer=kwargs.pop("optimizer", None) or _optimizer(kind), epochs=epochs,
              **fit, **kwargs)
    return model


def _stopped_checkpoint(tmp_path, kind="adam", epoch=2, batch=1):
    """What ``nonlin train`` saves on Ctrl-C: the model as it is, epochs completed so far."""
    model = nonlin.Sequential(_layers())
    with pytest.raises(KeyboardInterrupt):
        _fit(model, kind, 5, seed=7, callbacks=[_StopAt(epoch, batch)])
    path = tmp_path / "stopped.safetensors"
    save_checkpoint(model, path, epoch=model.history.epoch[-1] + 1)
    return path


@pytest.mark.parametrize("kind, batch", [("adam", 1), ("sgd", 1), ("adam", 4)])
def test_a_run_stopped_mid_epoch_resumes_bit_identically(tmp_path, kind, batch):
    straight = _fit(nonlin.Sequential(_layers()), kind, 5, seed=7)
    path = _stopped_checkpoint(tmp_path, kind, batch=batch)
    checkpoint = load_checkpoint(path)
    # 72 training rows in batches of 16: after batch 1, 32 rows; after the last (4), all 72
    assert checkpoint.epoch == 2 and checkpoint.partial["rows"] == min(16 * (batch + 1), 72)
    resumed = _fit(nonlin.Sequential(_layers()), kind, 5, optimizer=kind, resume_from=path)
    _assert_same_run(resumed, straight)  # weights, loss and accuracy history, generator


def test_load_checkpoint_then_fit_carries_on_the_epoch(tmp_path):
    straight = _fit(nonlin.Sequential(_layers()), "adam", 4, seed=7)
    checkpoint = load_checkpoint(_stopped_checkpoint(tmp_path))
    model = _fit(checkpoint.model, "adam", 4, optimizer=checkpoint.optimizer,
                 initial_epoch=checkpoint.epoch)
    _assert_same_run(model, straight)


def test_a_stop_in_on_epoch_end_records_no_partial_epoch(tmp_path):
    class StopAtEpochEnd(Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 2:
                raise KeyboardInterrupt

    model = nonlin.Sequential(_layers())
    with pytest.raises(KeyboardInterrupt):
        _fit(model, "adam", 5, seed=7, callbacks=[StopAtEpochEnd()])
    path = tmp_path / "ck.safetensors"
    save_checkpoint(model, path, epoch=model.history.epoch[-1] + 1)
    checkpoint = load_checkpoint(path)
    assert checkpoint.epoch == 3 and checkpoint.partial is None


def test_other_metrics_on_resume_restart_the_epoch_with_a_warning(tmp_path):
    path = _stopped_checkpoint(tmp_path)
    with pytest.warns(UserWarning, match="starts again from its first batch"):
        _fit(nonlin.Sequential(_layers()), "adam", 3, optimizer="adam", resume_from=path,
             fit={"metrics": []})


def test_another_metric_with_the_same_state_shape_restarts_the_epoch(tmp_path):
    path = _stopped_checkpoint(tmp_path)  # accuracy's running mean: {"total", "count"}
    assert load_checkpoint(path).partial["metric_names"] == ["accuracy"]
    with pytest.warns(UserWarning, match="starts again from its first batch"):
        _fit(nonlin.Sequential(_layers()), "adam", 3, optimizer="adam", resume_from=path,
             fit={"metrics": ["mae"]})


def test_a_checkpoint_without_metric_names_still_resumes(tmp_path):
    straight = _fit(nonlin.Sequential(_layers()), "adam", 5, seed=7)
    path = _stopped_checkpoint(tmp_path)  # as written before the names were recorded
    path.write_bytes(edit_meta(path.read_bytes(), "checkpoint", lambda r: {
        **r, "partial": {k: v for k, v in r["partial"].items() if k != "metric_names"}}))
    resumed = _fit(nonlin.Sequential(_layers()), "adam", 5, optimizer="adam", resume_from=path)
    _assert_same_run(resumed, straight)


def test_a_plain_function_metric_records_no_partial_epoch(tmp_path):
    def hits(y_true, y_pred):
        return float(np.mean(y_pred.argmax(axis=1) == y_true))

    model = nonlin.Sequential(_layers())
    with pytest.raises(KeyboardInterrupt):
        _fit(model, "adam", 5, seed=7, callbacks=[_StopAt(2, 1)], fit={"metrics": [hits]})
    path = tmp_path / "ck.safetensors"
    save_checkpoint(model, path, epoch=2)
    assert load_checkpoint(path).partial is None


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda p: {**p, "rows": -1}, "integer >= 0 for 'rows'"),
        (lambda p: {**p, "loss_total": "x"}, "finite number"),
        (lambda p: {**p, "rng_start": {"bit_generator": "os.system"}},
         r"checkpoint\.partial\.rng_start"),
        (lambda p: {**p, "epoch": 0}, "the epoch the checkpoint stopped in"),
        (lambda p: {**p, "metrics": [1]}, "metric states"),
        (lambda p: {k: v for k, v in p.items() if k != "rows"}, "expected an object"),
        (lambda p: {**p, "metric_names": ["accuracy", "mae"]}, "one metric name"),
        (lambda p: {**p, "metric_names": [3]}, "one metric name"),
    ],
)
def test_hostile_partial_epoch_is_a_model_file_error(tmp_path, change, message):
    path = _stopped_checkpoint(tmp_path)
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(edit_meta(path.read_bytes(), "checkpoint",
                              lambda r: {**r, "partial": change(r["partial"])}))
    with pytest.raises(ModelFileError, match=message):
        load_checkpoint(bad)


def _sigint_during_step(optimizer, at_step: int, times: int):
    """Make ``optimizer`` receive ``times`` real SIGINTs at the start of step ``at_step``
    (after the forward pass and the metrics' update, before the weights change)."""
    import os
    import signal

    step = optimizer.step

    def interrupted_step(params):
        if optimizer.iterations == at_step:
            for _ in range(times):
                os.kill(os.getpid(), signal.SIGINT)
        step(params)

    optimizer.step = interrupted_step
    return optimizer


def test_a_second_ctrl_c_inside_a_step_waits_for_its_end(tmp_path):
    straight = _fit(nonlin.Sequential(_layers()), "sgd", 4, seed=7)
    model, opt = nonlin.Sequential(_layers()), _sigint_during_step(_optimizer("sgd"), 9, 2)
    with pytest.raises(KeyboardInterrupt):
        _fit(model, "sgd", 4, seed=7, optimizer=opt)
    # 72 training rows in batches of 16 (5 per epoch): step 9 is batch 4 of epoch 1, done
    assert opt.iterations == 10 and model._epoch_in_progress.rows == 72
    path = tmp_path / "ck.safetensors"
    save_checkpoint(model, path, epoch=model.history.epoch[-1] + 1)
    resumed = _fit(nonlin.Sequential(_layers()), "sgd", 4, optimizer="sgd", resume_from=path)
    _assert_same_run(resumed, straight)


def test_a_third_ctrl_c_cuts_the_step_and_leaves_no_progress_record():
    model, opt = nonlin.Sequential(_layers()), _sigint_during_step(_optimizer("sgd"), 7, 3)
    with pytest.raises(KeyboardInterrupt):
        _fit(model, "sgd", 4, seed=7, optimizer=opt)
    assert opt.iterations == 7  # cut before the update
    assert model._epoch_in_progress is None  # a resume restarts the epoch
