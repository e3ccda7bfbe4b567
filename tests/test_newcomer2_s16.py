"""Frictions a newcomer met writing a layer of their own (session 16, newcomer2).

A ``ModelCheckpoint`` on a model with an unregistered layer used to train a
whole epoch before its first write refused the layer; the save and load
messages now say how to register one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

import nonlin
from nonlin import registry, schedules
from nonlin.core import Layer, Param


class Scale(Layer):
    """``y = x * s``, one trainable factor per feature."""

    def __init__(self, init: float = 1.0) -> None:
        super().__init__()
        self.init = init

    def build(self, in_features: int, rng: Any) -> int:
        self.s = Param(np.full((1, in_features), self.init), "s")
        return in_features

    def forward(self, x: np.ndarray, *, training: bool = False) -> np.ndarray:
        if training:
            self._x = x
        return x * self.s.value

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        self.s.grad[...] = (grad_out * self._x).sum(axis=0, keepdims=True)
        return grad_out * self.s.value

    def parameters(self) -> list[Param]:
        return [self.s]

    def get_config(self) -> dict[str, Any]:
        return {"init": self.init}


def _data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    return X, X @ np.array([1.0, 2.0, -1.0])


def _model() -> nonlin.Sequential:
    return nonlin.Sequential([nonlin.Dense(4), Scale(), nonlin.Dense(1)]).build(3, seed=0)


def test_model_checkpoint_refuses_an_unregistered_layer_before_training(tmp_path: Path) -> None:
    X, y = _data()
    model = _model()
    before = [w.copy() for w in model.get_weights()]
    checkpoint = nonlin.ModelCheckpoint(tmp_path / "ck.safetensors")
    with pytest.raises(TypeError, match=r"nonlin\.registry\.LAYERS\['Scale'\] = Scale"):
        model.fit(X, y, loss="mse", optimizer="sgd", epochs=2, verbose=0, callbacks=[checkpoint])
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights(), strict=True))
    assert not list(tmp_path.iterdir())


def test_save_of_an_unregistered_layer_says_how_to_register_it(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match=r"register .*LAYERS\['Scale'\] = Scale"):
        nonlin.save(_model(), tmp_path / "m.safetensors")


def test_load_of_an_unknown_layer_says_to_register_it(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "m.safetensors"
    with monkeypatch.context() as patch:
        patch.setitem(registry.LAYERS, "Scale", Scale)
        model = _model()
        nonlin.save(model, path)
        assert np.array_equal(nonlin.load(path).predict(_data()[0]), model.predict(_data()[0]))
    assert "Scale" not in registry.LAYERS
    with pytest.raises(nonlin.ModelFileError, match=r"unknown layer type 'Scale'.*add its class "
                                                    r"to nonlin\.registry\.LAYERS before loading"):
        nonlin.load(path)


def test_an_optimizer_with_a_schedule_shows_the_schedule_in_its_repr() -> None:
    schedule = schedules.CosineDecay(0.01, decay_steps=60, warmup_steps=10)
    text = repr(nonlin.Adam(schedule))
    assert text.startswith(f"Adam(lr={schedule!r}, beta_1=0.9"), text
    assert repr(nonlin.SGD(0.1)) == "SGD(lr=0.1, momentum=0.0, nesterov=False)"


def test_the_missing_callback_warning_points_at_the_users_fit(tmp_path: Path) -> None:
    X, y = _data()
    path = tmp_path / "ck.safetensors"
    run: dict[str, Any] = {"loss": "mse", "verbose": 0, "validation_split": 0.25}
    nonlin.Sequential([nonlin.Dense(1)]).fit(
        X, y, optimizer=nonlin.SGD(0.01), epochs=1, seed=0,
        callbacks=[nonlin.ReduceLROnPlateau(patience=1), nonlin.ModelCheckpoint(path)], **run)
    with pytest.warns(UserWarning, match="callback 0 .ReduceLROnPlateau.") as caught:
        nonlin.Sequential([nonlin.Dense(1)]).fit(X, y, epochs=2, resume_from=path, **run)
    assert [Path(w.filename).name for w in caught] == [Path(__file__).name]


class _Counts(nonlin.Callback):
    """A callback whose state holds a list, which a checkpoint cannot keep."""

    def __init__(self) -> None:
        self.count, self.seen = np.int64(0), [1.0]

    def state_dict(self) -> dict[str, Any]:
        return {"count": self.count, "seen": self.seen}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.count = state["count"]


def test_a_callback_state_the_reader_refuses_is_refused_when_written(tmp_path: Path) -> None:
    X, y = _data()
    path = tmp_path / "ck.safetensors"
    with pytest.raises(TypeError, match=r"state_dict\(\) of callback 0 \(_Counts\).*seen=\[1\.0\]"):
        nonlin.Sequential([nonlin.Dense(1)]).fit(
            X, y, loss="mse", optimizer="sgd", epochs=1, verbose=0,
            callbacks=[_Counts(), nonlin.ModelCheckpoint(path)])
    assert not path.exists()  # no file that load_checkpoint would then refuse
    counts = _Counts()
    counts.seen = np.float64(np.inf)  # a NumPy number: kept (inf as None)
    nonlin.Sequential([nonlin.Dense(1)]).fit(X, y, loss="mse", optimizer="sgd", epochs=1, verbose=0,
                                             callbacks=[counts, nonlin.ModelCheckpoint(path)])
    assert nonlin.load_checkpoint(path).callbacks[0]["state"] == {"count": 0, "seen": None}


@pytest.mark.parametrize("where", ["new-folder/", "a-folder"])
def test_model_checkpoint_given_a_folder_is_refused_before_training(tmp_path: Path,
                                                                     where: str) -> None:
    (tmp_path / "a-folder").mkdir()
    X, y = _data()
    model = nonlin.Sequential([nonlin.Dense(1)]).build(3, seed=0)
    before = model.get_weights()[0].copy()
    path = f"{tmp_path}/{where}"  # pathlib would drop the final slash
    with pytest.raises(IsADirectoryError, match=r"Expected a file path such as .*ck-\{epoch:02d\}"):
        model.fit(X, y, loss="mse", optimizer="sgd", epochs=1, verbose=0,
                  callbacks=[nonlin.ModelCheckpoint(path)])
    assert np.array_equal(model.get_weights()[0], before)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-folder"]


def test_fit_without_targets_says_none_not_object_array_of_numbers() -> None:
    X, y = _data()
    model = nonlin.Sequential([nonlin.Dense(1)])
    with pytest.raises(TypeError, match=r"^Expected a real numeric array for y\. Received: "
                       r"None \(fit and evaluate leave y out only when x is a batch source of "
                       r"\(x, y\) batches\)$"):
        model.fit(X, None, loss="mse", optimizer="sgd", verbose=0)
    with pytest.raises(TypeError, match=r"for x\. Received: None$"):
        model.build(3, seed=0).predict(None)
    holes = y.astype(object)
    holes[3] = None
    with pytest.raises(TypeError, match=r"dtype object \(object\); it holds None in row 3 "
                       r"\(y\[3\]\): fill in or drop"):  # where, as a NaN's message (s34)
        model.fit(X, holes, loss="mse", optimizer="sgd", verbose=0)


def test_targets_given_as_one_array_per_output_get_a_column_stack_hint() -> None:
    X, y = _data()
    model = nonlin.Sequential([nonlin.Dense(2)])
    with pytest.raises(ValueError, match=r"Received 2 rows \(shape \(2, 40\)\); y looks like one "
                                         r"array per output .*np\.column_stack\(y\)"):
        model.fit(X, [y, 2 * y], loss="mse", optimizer="sgd", verbose=0)
    with pytest.raises(ValueError, match=r"Received 5 rows \(shape \(5, 2\)\)$"):
        model.fit(X, np.c_[y, y][:5], loss="mse", optimizer="sgd", verbose=0)


def test_load_given_a_files_bytes_says_so_not_embedded_null_byte(tmp_path: Path) -> None:
    path = tmp_path / "m.safetensors"
    nonlin.save(nonlin.Sequential([nonlin.Dense(1)]).build(3, seed=0), path)
    with pytest.raises(ValueError, match=r"^Expected a file path\. Received a bytes value with a "
                                         r"NUL character .*a file's contents, not its name\?"):
        nonlin.load(path.read_bytes())
    assert nonlin.load(str(path).encode()).n_features_in == 3  # a path as bytes still loads


class _Quartic(nonlin.losses.Loss):
    """``l_i = sum_j (p_ij - y_ij)^4``: a loss of one's own, which a file leaves out."""

    def _sample_losses(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        return ((y_pred - y_true) ** 4).sum(axis=1)

    def _grad_terms(self, y_true: np.ndarray, y_pred: np.ndarray,
                    out: np.ndarray) -> np.ndarray:
        np.subtract(y_pred, y_true, out=out)
        return np.multiply(4 * out**2, out, out=out)


def test_a_left_out_loss_advises_compiling_with_the_loaded_optimizer(tmp_path: Path) -> None:
    X, y = _data()
    model = nonlin.Sequential([nonlin.Dense(1)])
    model.fit(X, y, loss=_Quartic(), optimizer=nonlin.Adam(0.01), epochs=1, verbose=0)
    with pytest.warns(UserWarning, match=r"loaded optimizer, which keeps its saved state: "
                                         r"model\.compile\(model\.optimizer, loss, metrics\)$"):
        model.save(tmp_path / "m.safetensors")
    loaded = nonlin.load(tmp_path / "m.safetensors")
    loaded.compile(loaded.optimizer, _Quartic())  # as advised: the saved Adam goes on
    assert loaded.optimizer.iterations == model.optimizer.iterations == 2
