"""The checkpoint record outside the callback states: epoch, generator state, optimizer
scalars and config, schedule, slots and the partial epoch's metrics. Each malformed field
is a ModelFileError naming the file and the field, on load_checkpoint and on resume."""

from __future__ import annotations

import pytest
import safetensors.numpy as stnp

import nonlin
from io_helpers import edit_meta, split
from nonlin import ModelFileError, registry, schedules
from nonlin.checkpoint import ModelCheckpoint, load_checkpoint, save_checkpoint
from test_checkpoint import FIT, _data, _layers
from test_checkpoint_partial import _stopped_checkpoint

# These tests train a Dense-last model with cross_entropy (probabilities expected) on
# purpose: fixed trajectories for resume and file checks, not a well-posed loss.
pytestmark = pytest.mark.filterwarnings(
    "ignore:.*CrossEntropy takes probabilities:UserWarning")


def _optimizer(kind):
    if kind == "cosine":
        return registry.optimizer("adam", lr=schedules.CosineDecay(0.02, 20, warmup_steps=3))
    return registry.optimizer("sgd", lr=0.05, momentum=0.9)


def _write(path, kind):
    X, y = _data()
    nonlin.Sequential(_layers()).fit(X, y, optimizer=_optimizer(kind), epochs=2, seed=0,
                                     callbacks=[ModelCheckpoint(path)], **FIT)


def _at(*keys, value):
    def apply(record):
        node = record
        for key in keys[:-1]:
            node = node[key]
        node[keys[-1]] = value
        return record

    return apply


CASES = [
    ("sgd", _at("epoch", value=10**6), "epoch"),
    ("sgd", _at("epoch", value=1), "epoch"),
    ("sgd", _at("epoch", value=-1), "epoch"),
    ("sgd", _at("epoch", value=2.5), "epoch"),
    ("sgd", _at("history", "epoch", value=[1, 0]), "history.epoch"),
    ("cosine", _at("optimizer", "config", "lr", "config", "warmup_from", value=1e308),
     "optimizer.config.lr.config.warmup_from"),
    ("cosine", _at("optimizer", "config", "lr", "config", "decay_steps", value=0),
     "optimizer.config.lr.config.decay_steps"),
    ("sgd", _at("optimizer", "config", "momentum", value=2), "optimizer.config.momentum"),
    ("sgd", _at("rng", "has_uint32", value=7), "rng.has_uint32"),
    ("sgd", _at("rng", "uinteger", value=2**32), "rng.uinteger"),
    ("sgd", _at("rng", "state", "inc", value=-1), "rng.state.inc"),
    ("sgd", _at("rng", "state", "state", value=2**128), "rng.state.state"),
    ("sgd", _at("rng", "state", "extra", value=1), "rng.state"),
    ("sgd", _at("rng", "bit_generator", value="os.system"), "rng"),
    ("sgd", _at("optimizer", "scalars", "iterations", value=10.0), "optimizer.scalars.iterations"),
    ("sgd", _at("optimizer", "scalars", "lr", value="0.05"), "optimizer.scalars.lr"),
    ("sgd", _at("optimizer", "scalars", "lr", value=True), "optimizer.scalars.lr"),
    ("sgd", _at("optimizer", "scalars", "velocity.0", value=[1.0]), "optimizer.scalars"),
]


@pytest.mark.parametrize("kind, change, field", CASES)
def test_a_malformed_record_field_is_refused_on_read_and_resume(tmp_path, kind, change, field):
    path = tmp_path / "ck.safetensors"
    _write(path, kind)
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(edit_meta(path.read_bytes(), "checkpoint", change))
    with pytest.raises(ModelFileError, match="bad.safetensors") as info:
        load_checkpoint(bad)
    assert info.value.field == "checkpoint." + field
    X, y = _data()
    with pytest.raises(ModelFileError, match="bad.safetensors"):
        nonlin.Sequential(_layers()).fit(X, y, optimizer=_optimizer(kind), epochs=4,
                                         resume_from=bad, **FIT)


def test_a_missing_optimizer_slot_tensor_is_refused(tmp_path):
    path = tmp_path / "ck.safetensors"
    _write(path, "sgd")
    header, _ = split(path.read_bytes())
    tensors = stnp.load(path.read_bytes())
    del tensors["optimizer.velocity.1"]
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(stnp.save(tensors, metadata=header["__metadata__"]))
    with pytest.raises(ModelFileError, match="bad.safetensors") as info:
        load_checkpoint(bad)
    assert info.value.field == "tensor 'optimizer.velocity.*'"


@pytest.mark.parametrize("state", [{"total": 1.0}, {"total": 1.0, "count": 1.5},
                                   {"total": 1.0, "count": -1}, {"total": "1", "count": 1}])
def test_a_malformed_partial_metric_state_is_refused(tmp_path, state):
    path = _stopped_checkpoint(tmp_path)
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(edit_meta(path.read_bytes(), "checkpoint",
                              _at("partial", "metrics", value=[state])))
    with pytest.raises(ModelFileError, match="bad.safetensors") as info:
        load_checkpoint(bad)
    assert info.value.field == "checkpoint.partial.metrics"


def test_resuming_a_checkpoint_at_or_past_epochs_trains_nothing(tmp_path):
    path = tmp_path / "ck.safetensors"
    _write(path, "sgd")
    saved = load_checkpoint(path)
    X, y = _data()
    model = nonlin.Sequential(_layers())
    history = model.fit(X, y, optimizer="sgd", epochs=1, resume_from=path, **FIT)
    assert history.epoch == [0, 1] and history.history == saved.history.history
    for a, b in zip(model.get_weights(), saved.model.get_weights(), strict=True):
        assert a.tobytes() == b.tobytes()
    assert model.optimizer.iterations == saved.step


def test_save_checkpoint_refuses_an_epoch_the_reader_would(tmp_path):
    X, y = _data()
    model = nonlin.Sequential(_layers())
    model.fit(X, y, optimizer="sgd", epochs=2, seed=0, **FIT)
    for epoch in (1, 3, -1, 2.5):
        with pytest.raises(ValueError, match=r"Expected epoch=2"):
            save_checkpoint(model, tmp_path / "ck.safetensors", epoch=epoch)
    assert not (tmp_path / "ck.safetensors").exists()


def test_cosine_warmup_starts_at_most_at_the_peak():
    assert schedules.CosineDecay(0.1, 10, warmup_steps=2, warmup_from=0.1)(0) == 0.1
    with pytest.raises(ValueError, match=r"Received: warmup_from=1e\+308"):
        schedules.CosineDecay(0.1, 10, warmup_steps=2, warmup_from=1e308)


def test_a_checkpoint_and_a_model_file_of_an_optimizer_with_lr_zero_load(tmp_path) -> None:
    """An optimizer takes lr=0 (no step, as in Keras and PyTorch); its files refused it."""
    import numpy as np

    X = np.random.default_rng(0).normal(size=(20, 3))
    model = nonlin.Sequential([nonlin.Dense(2), nonlin.Dense(1)]).build(3, seed=0)
    before = model.get_weights()
    path = tmp_path / "ck.safetensors"
    model.fit(X, X[:, :1], loss="mse", optimizer=nonlin.SGD(0.0, momentum=0.9), epochs=1,
              verbose=0, callbacks=[ModelCheckpoint(path)])
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights(), strict=True))
    assert load_checkpoint(path).optimizer.lr == 0.0
    model.save(tmp_path / "m.safetensors")
    assert nonlin.load(tmp_path / "m.safetensors").optimizer.lr == 0.0
