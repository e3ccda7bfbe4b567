"""Habits a newcomer brings from PyTorch, Keras, pandas and argparse (session 16).

Each test failed before its fix: ``len(model)``, ``model[i]``, iteration and Keras'
``*weights`` lists; a hint after Keras' "not available" warning in a fit without
validation data; a warning for a ``validation_split`` that holds out one class of sorted
data; the CLI's ``--hidden 64 32`` and a column name in other capitals; the metric names
listed alone; a pandas Series given to ``predict``.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

import nonlin
from nonlin.cli import main


def _model(*, built: bool = True) -> nonlin.Sequential:
    model = nonlin.Sequential([nonlin.Dense(4), nonlin.BatchNorm(), nonlin.ReLU(),
                               nonlin.Dense(2), nonlin.Softmax()])
    return model.build(3, seed=0) if built else model


def _sorted_data(n: int = 100) -> tuple[np.ndarray, np.ndarray]:
    X = np.random.default_rng(0).normal(size=(n, 3))
    return X, np.repeat([0, 1], n // 2)


# -- 1. PyTorch's container habits, Keras' weight lists ----------------------------
def test_len_index_and_iteration_read_the_layers() -> None:
    model = _model()
    assert len(model) == 5
    assert model[0] is model.layers[0] and model[-1] is model.layers[-1]
    assert list(model) == model.layers
    with pytest.raises(IndexError, match=r"Expected a layer index in \[-5, 4\]"):
        model[5]
    with pytest.raises(TypeError, match="model.layers"):  # a slice: why not, and what instead
        model[:2]
    with pytest.raises(TypeError, match="integer layer index"):
        model["0"]
    with pytest.raises(TypeError, match="Expected a list of layers"):  # iterable now, as before
        nonlin.Sequential(model)  # would share the layers (a model may be a layer: [model])


def test_weights_lists_are_keras_order_and_live() -> None:
    model = _model()
    model.layers[0].trainable = False
    assert len(model.weights) == len(model.get_weights())
    for live, copy in zip(model.weights, model.get_weights(), strict=True):
        np.testing.assert_array_equal(live, copy)
    trainable = model.trainable_weights
    assert [w.shape for w in trainable] == [p.value.shape for p in model.parameters()]
    assert all(a is p.value for a, p in zip(trainable, model.parameters(), strict=True))
    # the frozen Dense's W and b, then BatchNorm's moving statistics
    assert [w.shape for w in model.non_trainable_weights] == [(3, 4), (4,), (4,), (4,)]
    model.weights[0][...] = 0.0  # live: the model changes
    assert not model.get_weights()[0].any()
    assert _model(built=False).weights == [] and _model(built=False).trainable_weights == []


# -- 2. the hint after Keras' "not available" ----------------------------------------
@pytest.mark.parametrize("make", [
    lambda tmp: nonlin.EarlyStopping(),
    lambda tmp: nonlin.ReduceLROnPlateau(),
    lambda tmp: nonlin.ModelCheckpoint(str(tmp / "best.safetensors"), save_best_only=True),
])
def test_a_val_monitor_without_validation_data_says_what_to_pass(make, tmp_path: Path) -> None:
    X, y = _sorted_data(20)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _model(built=False).fit(X, y, loss="cross_entropy", optimizer="sgd", epochs=3,
                                verbose=0, callbacks=[make(tmp_path)])
    found = [str(w.message) for w in caught if "not available" in str(w.message)]
    assert len(found) == 3  # every epoch, as Keras
    assert "which is not available. Available metrics are: loss,lr" in found[0]
    assert "validation_split" in found[0] and "monitor='loss'" in found[0]
    assert all("validation_split" not in message for message in found[1:])  # once


# -- 3. validation_split on data sorted by class -----------------------------------
@pytest.mark.parametrize("loss, targets, outputs", [
    ("cross_entropy", lambda y: y, 2),
    ("cross_entropy", lambda y: np.eye(2)[y], 2),
    ("binary_cross_entropy", lambda y: y[:, None].astype(float), 1),
])
def test_a_split_holding_out_one_class_warns(loss, targets, outputs) -> None:
    X, y = _sorted_data()
    model = nonlin.Sequential([nonlin.Dense(outputs),
                               nonlin.Softmax() if outputs > 1 else nonlin.Sigmoid()])
    with pytest.warns(UserWarning, match=r"last 20 rows, all of class 1.*Shuffle the data first"):
        model.fit(X, targets(y), loss=loss, optimizer="sgd", validation_split=0.2, verbose=0)


def test_a_shuffled_split_or_regression_does_not_warn() -> None:
    X, y = _sorted_data()
    order = np.random.default_rng(1).permutation(len(y))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        nonlin.Sequential([nonlin.Dense(2), nonlin.Softmax()]).fit(
            X[order], y[order], loss="cross_entropy", optimizer="sgd", validation_split=0.2,
            verbose=0)
        nonlin.Sequential([nonlin.Dense(1)]).fit(  # sorted targets of a regression
            X, np.sort(X[:, 0]), loss="mse", optimizer="sgd", validation_split=0.2, verbose=0)


# -- 4. the command line -------------------------------------------------------------
@pytest.fixture
def churn_csv(tmp_path: Path) -> Path:
    path = tmp_path / "churn.csv"
    path.write_text("a,b,churn\n" + "".join(f"{i},{i % 3},{i % 2}\n" for i in range(12)))
    return path


def test_hidden_widths_given_as_separate_numbers_say_to_use_commas(churn_csv, capsys) -> None:
    with pytest.raises(SystemExit):
        main(["train", str(churn_csv), "--target", "churn", "--hidden", "64", "32"])
    err = capsys.readouterr().err
    assert "unrecognized arguments: 32" in err and "--hidden 64,32" in err


def test_a_target_in_other_capitals_gets_did_you_mean(churn_csv, capsys) -> None:
    assert main(["train", str(churn_csv), "--target", "Churn"]) == 2
    err = capsys.readouterr().err
    assert "no column 'Churn'" in err and "did you mean 'churn'?" in err


# -- 5. the metric names -------------------------------------------------------------
def test_unknown_metric_lists_names_only() -> None:
    X, y = _sorted_data(10)
    with pytest.raises(ValueError, match="Unknown metric 'foo'") as info:
        _model(built=False).fit(X, y, loss="cross_entropy", optimizer="sgd", metrics=["foo"],
                                verbose=0)
    listed = str(info.value).split("Expected one of: ")[1].split(", ")
    assert "mape" in listed and all(name == name.lower() for name in listed)


# -- 6. a pandas Series -----------------------------------------------------------------
def test_predict_of_a_series_row_suggests_double_brackets() -> None:
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(np.ones((2, 3)), columns=["a", "b", "c"])
    with pytest.raises(ValueError, match=r"df\.iloc\[\[0\]\]"):
        _model().predict(frame.iloc[0])
    with pytest.raises(ValueError, match=r"x\.reshape\(1, -1\)"):  # NumPy's hint kept
        _model().predict(np.ones(3))
