"""Checkpoints: resume equals straight-through training, bit for bit; no NaN checkpoint."""

from __future__ import annotations

import json

import numpy as np
import pytest
import safetensors.numpy as stnp

import nonlin
from io_helpers import edit_meta, join, split
from nonlin import ModelFileError, registry
from nonlin.callbacks import Callback
from nonlin.checkpoint import ModelCheckpoint, load_checkpoint, save_checkpoint

# These tests train a Dense-last model with cross_entropy (probabilities expected) on
# purpose: fixed trajectories for resume and file checks, not a well-posed loss.
pytestmark = pytest.mark.filterwarnings(
    "ignore:.*CrossEntropy takes probabilities:UserWarning")


def _data(n=90, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4))
    y = (X[:, 0] * X[:, 1] + X[:, 2] > 0).astype(int) + (X[:, 3] > 1)
    return X, y


def _layers():
    return [
        nonlin.Dense(8),
        nonlin.BatchNorm(),
        nonlin.ReLU(),
        nonlin.Dropout(0.3),
        nonlin.Dense(3),
    ]


def _optimizer(kind):
    from nonlin import schedules

    if kind == "adam":
        return registry.optimizer("adam", lr=schedules.ExponentialDecay(0.02, 5, 0.9))
    return registry.optimizer("sgd", lr=0.05, momentum=0.9, nesterov=True)


FIT = dict(loss="cross_entropy", batch_size=16, validation_split=0.2, verbose=0, shuffle=True)


def _straight(kind, epochs, seed=7, **kwargs):
    X, y = _data()
    model = nonlin.Sequential(_layers())
    model.fit(X, y, optimizer=_optimizer(kind), epochs=epochs, seed=seed, **FIT, **kwargs)
    return model


def _assert_same_run(a, b):
    for wa, wb in zip(a.get_weights(), b.get_weights(), strict=True):
        assert wa.tobytes() == wb.tobytes()
    assert a.history.history == b.history.history and a.history.epoch == b.history.epoch
    assert a.optimizer.iterations == b.optimizer.iterations
    assert a.rng.bit_generator.state == b.rng.bit_generator.state


@pytest.mark.parametrize("kind", ["adam", "sgd"])
def test_resume_from_equals_straight_through(tmp_path, kind):
    path = tmp_path / "ck.safetensors"
    straight = _straight(kind, 5)
    _straight(kind, 3, callbacks=[ModelCheckpoint(path)])
    X, y = _data()
    resumed = nonlin.Sequential(_layers())  # a fresh model, another seed: all replaced
    resumed.fit(X, y, optimizer=_optimizer(kind), epochs=5, seed=99, resume_from=path, **FIT)
    _assert_same_run(resumed, straight)


def test_load_checkpoint_then_fit_equals_straight_through(tmp_path):
    path = tmp_path / "ck.safetensors"
    straight = _straight("adam", 4)
    _straight("adam", 2, callbacks=[ModelCheckpoint(path)])
    checkpoint = load_checkpoint(path)
    assert (checkpoint.epoch, checkpoint.history.epoch) == (2, [0, 1])
    X, y = _data()
    model = checkpoint.model
    model.fit(X, y, optimizer=checkpoint.optimizer, epochs=4, initial_epoch=checkpoint.epoch, **FIT)
    _assert_same_run(model, straight)


def test_interrupted_run_resumes_bit_identically(tmp_path):
    class Interrupt(Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 2:
                raise KeyboardInterrupt

    path = tmp_path / "ck.safetensors"
    straight = _straight("sgd", 5)
    with pytest.raises(KeyboardInterrupt):
        _straight("sgd", 5, callbacks=[ModelCheckpoint(path), Interrupt()])
    assert load_checkpoint(path).epoch == 3
    X, y = _data()
    resumed = nonlin.Sequential(_layers())
    resumed.fit(X, y, optimizer="sgd", epochs=5, resume_from=path, **FIT)
    _assert_same_run(resumed, straight)


def test_checkpoint_file_layout(tmp_path):
    path = tmp_path / "ck.safetensors"
    model = _straight("adam", 1, callbacks=[ModelCheckpoint(path)])
    tensors = stnp.load_file(str(path))
    assert sorted(n for n in tensors if not n.startswith("optimizer.")) == sorted(
        ["0.W", "0.b", "1.gamma", "1.beta", "1.moving_mean", "1.moving_variance", "4.W", "4.b"]
    )
    assert {f"optimizer.{s}.{i}" for s in "mv" for i in range(6)} == {
        n for n in tensors if n.startswith("optimizer.")
    }
    np.testing.assert_array_equal(tensors["0.W"], model.layers[0].W.value)
    loaded = nonlin.load(path)  # a checkpoint is also a model file
    np.testing.assert_array_equal(loaded.predict(_data()[0]), model.predict(_data()[0]))
    record = json.loads(
        __import__("safetensors").safe_open(str(path), "np").metadata()["checkpoint"]
    )
    assert record["epoch"] == 1 and record["step"] == model.optimizer.iterations
    assert record["optimizer"]["class_name"] == "Adam"


def test_every_and_epoch_in_path(tmp_path):
    pattern = str(tmp_path / "ck-{epoch:02d}.safetensors")
    callback = ModelCheckpoint(pattern, every=2)
    _straight("sgd", 5, callbacks=[callback])
    assert [p[-len("ck-02.safetensors") :] for p in callback.saved] == [
        "ck-02.safetensors",
        "ck-04.safetensors",
    ]
    assert load_checkpoint(callback.saved[-1]).epoch == 4


def test_save_best_only(tmp_path):
    path = tmp_path / "best.safetensors"
    callback = ModelCheckpoint(path, save_best_only=True, monitor="val_loss")
    model = _straight("adam", 6, callbacks=[callback])
    losses = model.history.history["val_loss"]
    best_epoch = int(np.argmin(losses))
    assert load_checkpoint(path).epoch == best_epoch + 1
    assert callback.best == min(losses)


def test_never_writes_a_nan_checkpoint(tmp_path):
    path = tmp_path / "ck.safetensors"
    callback = ModelCheckpoint(path)
    model = _straight("adam", 2, callbacks=[callback])
    before = path.read_bytes()
    model.layers[0].W.value[0, 0] = np.nan
    with pytest.warns(UserWarning, match="did not write"):
        callback.on_epoch_end(2, {"loss": 1.0})
    assert path.read_bytes() == before and load_checkpoint(path).epoch == 2
    with pytest.raises(ValueError, match="NaN or infinite"):
        save_checkpoint(model, path, epoch=3)
    best = ModelCheckpoint(tmp_path / "best.safetensors", save_best_only=True, monitor="loss")
    best.set_model(model)
    best.on_epoch_end(0, {"loss": float("nan")})
    assert not (tmp_path / "best.safetensors").exists()


def test_divergence_keeps_the_last_good_checkpoint(tmp_path):
    from nonlin.callbacks import LearningRateScheduler
    from nonlin.exceptions import DivergenceError

    path = tmp_path / "ck.safetensors"
    X, y = _data()
    model = nonlin.Sequential(_layers())
    blow_up = LearningRateScheduler(lambda epoch, lr: lr if epoch < 2 else 1e300)
    with pytest.raises(DivergenceError):
        model.fit(
            X,
            y,
            optimizer=registry.optimizer("sgd", lr=0.05),
            epochs=4,
            seed=0,
            callbacks=[blow_up, ModelCheckpoint(path)],
            **FIT,
        )
    assert model.history.epoch == [0, 1]
    checkpoint = load_checkpoint(path)
    assert checkpoint.epoch == 2
    assert all(np.isfinite(w).all() for w in checkpoint.model.get_weights())


def test_resume_refuses_another_model_or_optimizer(tmp_path):
    path = tmp_path / "ck.safetensors"
    _straight("sgd", 1, callbacks=[ModelCheckpoint(path)])
    X, y = _data()
    other = nonlin.Sequential([nonlin.Dense(5), nonlin.Dense(3)])
    with pytest.raises(ValueError, match="different model"):
        other.fit(X, y, optimizer="sgd", epochs=2, resume_from=path, **FIT)
    with pytest.raises(ValueError, match="trained with SGD"):
        nonlin.Sequential(_layers()).fit(X, y, optimizer="adam", epochs=2, resume_from=path, **FIT)


def test_model_file_is_not_a_checkpoint(tmp_path):
    path = tmp_path / "m.safetensors"
    nonlin.save(_straight("sgd", 1), path)
    with pytest.raises(ModelFileError, match="not a checkpoint"):
        load_checkpoint(path)


@pytest.mark.parametrize(
    "change, field",
    [
        (lambda r: {**r, "rng": {**r["rng"], "bit_generator": "os.system"}}, "checkpoint.rng"),
        (lambda r: {**r, "rng": {**r["rng"], "state": "x"}}, "checkpoint.rng"),
        (lambda r: {**r, "rng": {**r["rng"], "bit_generator": []}}, "checkpoint.rng"),
        (lambda r: {**r, "optimizer": {**r["optimizer"], "class_name": {}}}, "optimizer"),
        (lambda r: {**r, "epoch": -1}, "checkpoint.epoch"),
        (lambda r: {**r, "step": r["step"] + 1}, "checkpoint.step"),
        (lambda r: {**r, "optimizer": {**r["optimizer"], "class_name": "Evil"}}, "optimizer"),
        (
            lambda r: {**r, "optimizer": {**r["optimizer"], "config": {"lr": -1.0}}},
            "checkpoint.optimizer",
        ),
        (lambda r: {**r, "history": {"epoch": [0], "history": {"loss": []}}}, "history"),
        (lambda r: {k: v for k, v in r.items() if k != "history"}, "checkpoint"),
    ],
)
def test_hostile_checkpoint_fields(tmp_path, change, field):
    path = tmp_path / "ck.safetensors"
    _straight("adam", 1, callbacks=[ModelCheckpoint(path)])
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(edit_meta(path.read_bytes(), "checkpoint", change))
    with pytest.raises(ModelFileError, match=field.replace(".", r"\.")) as info:
        load_checkpoint(bad)
    assert "bad.safetensors" in str(info.value)


def test_missing_optimizer_slot_is_refused(tmp_path):
    path = tmp_path / "ck.safetensors"
    _straight("adam", 1, callbacks=[ModelCheckpoint(path)])
    tensors = stnp.load_file(str(path))
    meta = __import__("safetensors").safe_open(str(path), "np").metadata()
    del tensors["optimizer.m.1"]
    bad = tmp_path / "bad.safetensors"
    stnp.save_file(tensors, str(bad), metadata=meta)
    with pytest.raises(ModelFileError, match="optimizer"):
        load_checkpoint(bad)


class RunningMean(nonlin.Layer):
    """A BatchNorm-like layer with state that is not trained: ``y = x - mean``."""

    def build(self, in_features, rng):
        self.in_features = in_features
        self.mean = np.zeros(in_features)
        return in_features

    def cast_state(self, dtype):
        self.mean = self.mean.astype(dtype)

    def get_state(self):
        return {"running_mean": self.mean}

    def set_state(self, state):
        if np.any(np.abs(state["running_mean"]) > 1e6):
            raise ValueError("running_mean out of range")
        np.copyto(self.mean, state["running_mean"])

    def forward(self, x, *, training=False):
        if training:
            self.mean *= 0.9
            self.mean += 0.1 * x.mean(axis=0)
        return x - self.mean

    def backward(self, grad_out):
        return grad_out


@pytest.fixture
def stateful(monkeypatch):
    monkeypatch.setitem(registry.LAYERS, "RunningMean", RunningMean)
    return lambda: [nonlin.Dense(6), RunningMean(), nonlin.Tanh(), nonlin.Dense(3)]


def test_layer_state_round_trips_and_resumes(tmp_path, stateful):
    X, y = _data()
    straight = nonlin.Sequential(stateful())
    straight.fit(X, y, optimizer="adam", epochs=4, seed=2, **FIT)
    state = straight.layers[1].mean.copy()
    assert np.any(state != 0)
    nonlin.save(straight, tmp_path / "m.safetensors")
    loaded = nonlin.load(tmp_path / "m.safetensors")
    assert loaded.layers[1].mean.tobytes() == state.tobytes()
    assert loaded.predict(X).tobytes() == straight.predict(X).tobytes()
    assert "1.running_mean" in stnp.load_file(str(tmp_path / "m.safetensors"))

    path = tmp_path / "ck.safetensors"
    first = nonlin.Sequential(stateful())
    first.fit(X, y, optimizer="adam", epochs=2, seed=2, callbacks=[ModelCheckpoint(path)], **FIT)
    resumed = nonlin.Sequential(stateful())
    resumed.fit(X, y, optimizer="adam", epochs=4, resume_from=path, **FIT)
    assert resumed.layers[1].mean.tobytes() == state.tobytes()
    _assert_same_run(resumed, straight)


def test_bad_layer_state_in_file(tmp_path, stateful):
    model = nonlin.Sequential(stateful()).build(4, seed=0)
    path = tmp_path / "bad.safetensors"
    nonlin.save(model, path)
    header, buffer = split(path.read_bytes())
    begin, end = header["1.running_mean"]["data_offsets"]
    path.write_bytes(join(header, buffer[:begin] + np.full(6, 1e7).tobytes() + buffer[end:]))
    with pytest.raises(ModelFileError, match=r"layers\[1\].*running_mean out of range"):
        nonlin.load(path)
    model.layers[1].mean[:] = 1e7
    with pytest.raises(ValueError, match=r"layers\[1\] cannot be saved"):
        nonlin.save(model, path)
    model.layers[1].mean[:] = 0
    nonlin.save(model, path)
    tensors = stnp.load_file(str(path))
    meta = __import__("safetensors").safe_open(str(path), "np").metadata()
    del tensors["1.running_mean"]
    stnp.save_file(tensors, str(path), metadata=meta)
    with pytest.raises(ModelFileError, match="'1.running_mean'.*missing"):
        nonlin.load(path)


def test_other_bit_generators_round_trip(tmp_path):
    model = _straight("sgd", 1)
    model.rng = np.random.Generator(np.random.MT19937(5))
    model.rng.random(3)
    save_checkpoint(model, tmp_path / "ck.safetensors", epoch=1)
    restored = load_checkpoint(tmp_path / "ck.safetensors").model.rng
    assert restored.random(4).tobytes() == model.rng.random(4).tobytes()
    model.rng = np.random.RandomState(0)
    with pytest.raises(TypeError, match="Generator"):
        save_checkpoint(model, tmp_path / "ck.safetensors", epoch=1)


@pytest.mark.parametrize(
    "rename, shape, message",
    [
        ("optimizer.m.99", None, "index < 6"),
        ("optimizer.m.²", None, "index < 6"),
        ("optimizer.m0", None, "optimizer.<slot>"),
        (None, (2, 2), "expected shape"),
    ],
)
def test_optimizer_slot_tensors_are_checked(tmp_path, rename, shape, message):
    path = tmp_path / "ck.safetensors"
    _straight("adam", 1, callbacks=[ModelCheckpoint(path)])
    tensors = stnp.load_file(str(path))
    meta = __import__("safetensors").safe_open(str(path), "np").metadata()
    if rename:
        tensors[rename] = tensors.pop("optimizer.m.1")
    if shape:
        tensors["optimizer.m.1"] = np.zeros(shape)
    bad = tmp_path / "bad.safetensors"
    stnp.save_file(tensors, str(bad), metadata=meta)
    with pytest.raises(ModelFileError, match=message):
        load_checkpoint(bad)


def test_path_with_unknown_field_is_a_clear_error(tmp_path):
    callback = ModelCheckpoint(str(tmp_path / "ck-{nothing}.safetensors"))
    with pytest.raises(ValueError, match=r"\{epoch\} or the logs' keys"):
        _straight("sgd", 1, callbacks=[callback])
    pattern = str(tmp_path / "ck-{epoch}-{val_loss:.3f}.safetensors")
    callback = ModelCheckpoint(pattern)
    _straight("sgd", 1, callbacks=[callback])
    assert callback.saved[0].endswith(".safetensors") and "ck-1-" in callback.saved[0]


@pytest.mark.parametrize("kwargs", [{"every": 0}, {"every": True}, {"mode": "best"}])
def test_bad_callback_arguments(tmp_path, kwargs):
    with pytest.raises(ValueError, match="Expected"):
        ModelCheckpoint(tmp_path / "ck.safetensors", **kwargs)
