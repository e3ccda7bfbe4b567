"""Every malformed field of a checkpoint's callback states is a ModelFileError naming the
file and the field, when the file is read (load_checkpoint and fit(resume_from=...))."""

from __future__ import annotations

import numpy as np
import pytest
import safetensors.numpy as stnp

import nonlin
from io_helpers import edit_meta, split
from nonlin import EarlyStopping, ModelFileError, ReduceLROnPlateau
from nonlin.callbacks import Callback
from nonlin.checkpoint import ModelCheckpoint, load_checkpoint
from test_checkpoint import FIT, _data, _layers

# These tests train a Dense-last model with cross_entropy (probabilities expected) on
# purpose: fixed trajectories for resume and file checks, not a well-posed loss.
pytestmark = pytest.mark.filterwarnings(
    "ignore:.*CrossEntropy takes probabilities:UserWarning")


def _write(path, extra=()):
    X, y = _data()
    callbacks = [EarlyStopping(monitor="loss", patience=9, restore_best_weights=True),
                 ReduceLROnPlateau(monitor="loss", patience=1), *extra, ModelCheckpoint(path)]
    nonlin.Sequential(_layers()).fit(X, y, optimizer="sgd", epochs=2, seed=0, callbacks=callbacks,
                                     **FIT)
    return callbacks


def _state(index, change):
    def apply(record):
        entry = next(e for e in record["callbacks"] if e["index"] == index)
        change(entry["state"])
        return record

    return apply


def _set(index, key, value):
    return _state(index, lambda state: state.__setitem__(key, value))


@pytest.mark.parametrize(
    "change, field",
    [
        (_set(0, "best_epoch", None), "callbacks[0].state.best_epoch"),
        (_set(0, "best_epoch", 1.5), "callbacks[0].state.best_epoch"),
        (_set(0, "best_epoch", -2), "callbacks[0].state.best_epoch"),
        (_set(0, "wait", 1.5), "callbacks[0].state.wait"),
        (_set(0, "wait", -1), "callbacks[0].state.wait"),
        (_set(0, "wait", None), "callbacks[0].state.wait"),
        (_set(1, "cooldown_left", 2.5), "callbacks[1].state.cooldown_left"),
        (_set(1, "wait", -3), "callbacks[1].state.wait"),
        (_set(0, "best_state.7.moving_mean", 3), "callbacks[0].state.best_state"),
        (_set(0, "best_weights.9", 3), "callbacks[0].state.best_weights"),
    ],
)
def test_a_malformed_callback_field_is_refused_when_the_file_is_read(tmp_path, change, field):
    path = tmp_path / "ck.safetensors"
    _write(path)
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(edit_meta(path.read_bytes(), "checkpoint", change))
    with pytest.raises(ModelFileError, match="bad.safetensors") as info:
        load_checkpoint(bad)
    assert info.value.field == "checkpoint." + field
    X, y = _data()
    callbacks = [EarlyStopping(monitor="loss", restore_best_weights=True),
                 ReduceLROnPlateau(monitor="loss")]
    with pytest.raises(ModelFileError, match="bad.safetensors"):
        nonlin.Sequential(_layers()).fit(X, y, optimizer="sgd", epochs=4, callbacks=callbacks,
                                         resume_from=bad, **FIT)


@pytest.mark.parametrize(
    "tensor, value, field",
    [
        ("callback.0.best_state.1.moving_variance", -np.ones(8), "callbacks[0].state.best_state.1"),
        ("callback.0.best_weights.0", np.ones((3, 8)), "callbacks[0].state.best_weights.0"),
        ("callback.1.wait", np.ones(2), "callbacks[1].state.wait"),
    ],
)
def test_best_weights_and_state_are_checked_against_the_model(tmp_path, tensor, value, field):
    path = tmp_path / "ck.safetensors"
    _write(path)
    checkpoint = load_checkpoint(path)  # the unedited file reads, its model's state intact
    np.testing.assert_array_equal(checkpoint.model.get_state()["1.moving_variance"],
                                  nonlin.load(path).get_state()["1.moving_variance"])
    header, _ = split(path.read_bytes())
    tensors = stnp.load(path.read_bytes())
    tensors[tensor] = value
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(stnp.save(tensors, metadata=header["__metadata__"]))
    with pytest.raises(ModelFileError, match="bad.safetensors") as info:
        load_checkpoint(bad)
    assert info.value.field == "checkpoint." + field


class _Picky(Callback):
    """A callback of the user's whose own checks refuse a state."""

    def __init__(self, count=0):
        self.count = count

    def state_dict(self):
        return {"count": self.count}

    def load_state_dict(self, state):
        if state["count"] > 10:
            raise ValueError(f"Expected a count <= 10. Received: {state['count']}")
        self.count = state["count"]


def test_a_state_the_users_callback_refuses_names_the_file(tmp_path):
    path = tmp_path / "ck.safetensors"
    _write(path, extra=[_Picky()])
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(edit_meta(path.read_bytes(), "checkpoint", _set(2, "count", 99)))
    X, y = _data()
    callbacks = [EarlyStopping(monitor="loss"), ReduceLROnPlateau(monitor="loss"), _Picky()]
    with pytest.raises(ModelFileError, match=r"bad.safetensors.*callbacks\[2\].*count <= 10"):
        nonlin.Sequential(_layers()).fit(X, y, optimizer="sgd", epochs=4, callbacks=callbacks,
                                         resume_from=bad, **FIT)
