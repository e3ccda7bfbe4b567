"""Review s11 (training): single-class and soft targets, atomic set_state, ModelCheckpoint
paths, a Softmax on one column, a non-finite loss before any update, and the guide's
batch_size wording."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import nonlin
from nonlin import Dense, ReLU, Sequential, Sigmoid, Softmax

FIT = dict(optimizer="adam", epochs=1, batch_size=8, verbose=0, seed=0)


def _X(n: int = 20, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(n, 3))


def _no_warning(fit) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fit()


# -- 1. single-class and soft targets -----------------------------------------------------------
@pytest.mark.parametrize("loss, width, y", [
    ("cross_entropy", 2, np.c_[np.full(20, 0.6), np.full(20, 0.4)]),  # distillation
    ("bce", 1, np.full(20, 0.7)),  # label smoothing
    ("bce", 1, np.full((20, 1), 0.7)),
])
def test_soft_targets_of_one_kind_train_without_a_warning(loss, width, y) -> None:
    head = Softmax() if width == 2 else Sigmoid()
    model = Sequential([Dense(4), ReLU(), Dense(width), head])
    _no_warning(lambda: model.fit(_X(), y, loss=loss, **FIT))
    assert model.optimizer.iterations > 0


@pytest.mark.parametrize("loss, width, y", [
    ("cross_entropy", 3, np.zeros(20, dtype=int)),
    ("cross_entropy", 2, np.c_[np.zeros(20), np.ones(20)]),  # one-hot rows, all class 1
    ("bce", 1, np.ones(20)),
])
def test_hard_labels_of_one_class_warn_and_train(loss, width, y) -> None:
    head = Softmax() if width > 1 else Sigmoid()
    model = Sequential([Dense(4), ReLU(), Dense(width), head])
    with pytest.warns(UserWarning, match=r"only class .* learns to predict class") as record:
        model.fit(_X(), y, loss=loss, **FIT)
    assert record[0].filename == __file__  # points at the caller of fit
    assert model.optimizer.iterations > 0


def test_an_online_update_of_a_trained_model_on_one_class_does_not_warn() -> None:
    X = _X(30)
    model = Sequential([Dense(4), ReLU(), Dense(3), Softmax()])
    model.fit(X, np.arange(30) % 3, loss="cross_entropy", **FIT)
    before = model.get_weights()
    _no_warning(lambda: model.fit(X[:1], [2], verbose=0))
    assert not np.array_equal(model.get_weights()[0], before[0])


def test_a_loaded_model_updated_on_one_class_does_not_warn(tmp_path) -> None:
    model = Sequential([Dense(4), ReLU(), Dense(1), Sigmoid()])
    model.fit(_X(), np.arange(20) % 2, loss="bce", **FIT)
    model.save(tmp_path / "m.safetensors")
    loaded = nonlin.load(tmp_path / "m.safetensors")
    _no_warning(lambda: loaded.fit(_X(4), np.ones(4), loss="bce", **FIT))


def test_a_built_but_untrained_model_still_warns() -> None:
    model = Sequential([Dense(4), ReLU(), Dense(2), Softmax()]).build(3, seed=0)
    model.compile("sgd", "cross_entropy")
    with pytest.warns(UserWarning, match="only class 1"):
        model.fit(_X(), np.ones(20, dtype=int), verbose=0)
