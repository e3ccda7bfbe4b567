"""Flags take real booleans only: ``bool("false")`` is True, so a string, a number or None
given for a flag is a TypeError naming it, not a silently flipped flag. Files that hold a
non-bool flag are a ModelFileError naming the field."""

from __future__ import annotations

import json

import numpy as np
import pytest

import nonlin
from io_helpers import edit_meta, model_bytes
from nonlin import ModelFileError, schedules
from nonlin.callbacks import CSVLogger, EarlyStopping
from nonlin.checkpoint import ModelCheckpoint, load_checkpoint
from nonlin.layers import Dense
from nonlin.losses import BinaryCrossEntropy, CrossEntropy
from nonlin.metrics import AUC
from nonlin.sgd import SGD

FLAGS = [
    ("bias", lambda v: Dense(3, bias=v)),
    ("nesterov", lambda v: SGD(0.1, momentum=0.9, nesterov=v)),
    ("staircase", lambda v: schedules.ExponentialDecay(0.1, 10, 0.5, staircase=v)),
    ("from_logits", lambda v: BinaryCrossEntropy(from_logits=v)),
    ("from_logits", lambda v: CrossEntropy(from_logits=v)),
    ("restore_best_weights", lambda v: EarlyStopping(restore_best_weights=v)),
    ("save_best_only", lambda v: ModelCheckpoint("ck.safetensors", save_best_only=v)),
    ("append", lambda v: CSVLogger("log.csv", append=v)),
    ("multi_label", lambda v: AUC(multi_label=v)),
    ("from_logits", lambda v: AUC(from_logits=v)),
]


@pytest.mark.parametrize("name, make", FLAGS)
@pytest.mark.parametrize("value", ["false", "True", 0, 1, None, 1.0, np.array(True)])
def test_a_non_bool_flag_is_refused(name, make, value):
    # bool() coercion made Dense(bias="false") a layer with a bias
    with pytest.raises(TypeError, match=f"Expected a bool. Received: {name}="):
        make(value)


@pytest.mark.parametrize("name, make", FLAGS)
@pytest.mark.parametrize("value", [True, False, np.True_, np.False_])
def test_real_bools_are_kept_as_python_bools(name, make, value):
    obj = make(value)
    stored = getattr(obj, name)
    assert type(stored) is bool and stored == bool(value)


def test_check_bool_message():
    from nonlin.validation import check_bool

    with pytest.raises(TypeError, match=r"^Expected a bool. Received: bias='false'$"):
        check_bool("bias", "false")
    assert check_bool("bias", np.bool_(False)) is False


def test_model_file_with_a_string_bias_names_the_field(tmp_path):
    def change(arch):
        arch["layers"][0]["config"]["bias"] = "false"
        return arch

    path = tmp_path / "bad.safetensors"
    path.write_bytes(edit_meta(model_bytes(), "architecture", change))
    with pytest.raises(ModelFileError, match="bias='false'") as info:
        nonlin.load(path)
    assert "layers[0]" in str(info.value) and "bad.safetensors" in str(info.value)


def test_model_file_flags_round_trip(tmp_path):
    model = nonlin.Sequential([Dense(4, bias=False), nonlin.Tanh(), Dense(1)]).build(3, seed=0)
    nonlin.save(model, tmp_path / "m.safetensors")
    loaded = nonlin.load(tmp_path / "m.safetensors")
    assert loaded.layers[0].bias is False and loaded.layers[2].bias is True


def _checkpoint(tmp_path, optimizer):
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(20, 3)), rng.integers(0, 2, size=20)
    model = nonlin.Sequential([Dense(4), nonlin.Tanh(), Dense(2)])
    path = tmp_path / "ck.safetensors"
    model.fit(X, y, loss=CrossEntropy(from_logits=True), optimizer=optimizer, epochs=1,
              batch_size=10, seed=0, verbose=0, callbacks=[ModelCheckpoint(path)])
    return path


def test_checkpoint_flags_round_trip(tmp_path):
    lr = schedules.ExponentialDecay(0.1, 10, 0.5, staircase=True)
    path = _checkpoint(tmp_path, SGD(lr, momentum=0.9, nesterov=True))
    optimizer = load_checkpoint(path).optimizer
    assert optimizer.nesterov is True and optimizer.lr.staircase is True


@pytest.mark.parametrize("keys, field", [
    (("nesterov",), "checkpoint.optimizer.config.nesterov"),
    (("lr", "config", "staircase"), "checkpoint.optimizer.config.lr.config.staircase"),
])
def test_checkpoint_with_a_string_flag_names_the_field(tmp_path, keys, field):
    # SGD(nesterov="false") read back as nesterov=True
    lr = schedules.ExponentialDecay(0.1, 10, 0.5, staircase=True)
    path = _checkpoint(tmp_path, SGD(lr, momentum=0.9, nesterov=True))

    def change(record):
        node = record["optimizer"]["config"]
        for key in keys[:-1]:
            node = node[key]
        node[keys[-1]] = "false"
        return record

    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(edit_meta(path.read_bytes(), "checkpoint", change))
    with pytest.raises(ModelFileError, match="Received: .*='false'") as info:
        load_checkpoint(bad)
    assert info.value.field == field


def test_sklearn_file_with_a_string_nesterov_is_refused(tmp_path):
    nls = pytest.importorskip("nonlin.sklearn")
    pytest.importorskip("sklearn")
    import safetensors.numpy

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(30, 3)), rng.integers(0, 2, size=30)
    est = nls.MLPClassifier((4,), solver="sgd", max_iter=2, random_state=0)
    with pytest.warns(Warning):  # not converged in 2 iterations
        est.fit(X, y)
    path = tmp_path / "est.safetensors"
    est.save(path)
    data = path.read_bytes()
    header = json.loads(data[8 : 8 + int.from_bytes(data[:8], "little")])["__metadata__"]
    record = json.loads(header["optimizer"])
    assert record["config"]["nesterov"] is True
    record["config"]["nesterov"] = "false"  # was read back as nesterov=True
    header["optimizer"] = json.dumps(record)
    safetensors.numpy.save_file(safetensors.numpy.load(data), path, metadata=header)
    with pytest.raises(ModelFileError, match="nesterov='false'"):
        nls.load(path)


def test_fit_refuses_a_shuffle_that_is_not_a_bool():
    model = nonlin.Sequential([nonlin.Dense(1)])
    X, y = np.zeros((4, 2)), np.zeros((4, 1))
    with pytest.raises(TypeError, match="Received: shuffle='false'"):
        model.fit(X, y, loss="mse", optimizer="sgd", shuffle="false", verbose=0)
    model.fit(X, y, loss="mse", optimizer="sgd", shuffle=np.bool_(False), verbose=0)
