"""Hostile review of session 21's lead merges (review21i): the x/X rename left Sequential's
feature-name messages saying X; sklearn.md's callbacks row missed the SwapEMAWeights refusal."""

from __future__ import annotations

import pathlib
import warnings

import numpy as np
import pytest

import nonlin

pd = pytest.importorskip("pandas")
DOCS = pathlib.Path(__file__).resolve().parents[1] / "docs"


def _fitted() -> tuple[nonlin.Sequential, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(12, 3)), rng.normal(size=(12, 1))
    model = nonlin.Sequential([nonlin.Dense(1)])
    model.fit(pd.DataFrame(x, columns=["a", "b", "c"]), y, loss="mse", optimizer="sgd",
              epochs=1, verbose=0, seed=0)
    return model, x, y


def test_feature_name_warning_names_x_the_parameter() -> None:
    model, x, y = _fitted()
    with pytest.warns(UserWarning, match="^x does not have valid feature names, but Sequential"):
        model.predict(x, verbose=0)
    with pytest.warns(UserWarning, match="^x does not have valid feature names"):
        model.evaluate(x, y, verbose=0)


def test_feature_name_mismatch_hint_indexes_x() -> None:
    model, x, _ = _fitted()
    with pytest.raises(ValueError, match=r"fit's order: x\[model\.feature_names_in_\]") as info:
        model.predict(pd.DataFrame(x, columns=["c", "b", "a"]), verbose=0)
    assert "feature names of" not in str(info.value)  # x is the inputs: no "of x"


def test_first_fit_validation_names_message_names_x() -> None:
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(12, 3)), rng.normal(size=(12, 1))
    frame = pd.DataFrame(x, columns=["a", "b", "c"])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        nonlin.Sequential([nonlin.Dense(1)]).fit(frame, y, loss="mse", optimizer="sgd",
                                                 epochs=1, verbose=0, seed=0,
                                                 validation_data=(x, y))
    texts = [str(w.message) for w in caught if "feature names" in str(w.message)]
    assert texts == ["X_val does not have valid feature names, but Sequential is being fitted "
                     "on x with feature names"]


def test_sklearn_md_callbacks_row_names_swap_ema_weights_refusal() -> None:
    row = next(line for line in (DOCS / "sklearn.md").read_text().splitlines()
               if line.startswith("| `callbacks` |"))
    assert "SwapEMAWeights" in row


@pytest.mark.parametrize(("x", "expected"), [
    (np.ones(3), "for X. Received an array of shape (3,)"),
    (np.full((2, 3), np.nan), "Expected finite values in X."),
])
def test_gradcheck_messages_name_x_its_parameter(x: np.ndarray, expected: str) -> None:
    from nonlin.gradcheck import gradcheck

    model = nonlin.Sequential([nonlin.Dense(1)]).build(3, 0)
    with pytest.raises(ValueError) as info:
        gradcheck(model, "mse", x, np.ones((2, 1)))
    assert expected in str(info.value)


def test_gradcheck_still_passes_and_leaves_x_alone() -> None:
    from nonlin.gradcheck import gradcheck

    x = np.random.default_rng(0).normal(size=(4, 3))
    kept = x.copy()
    model = nonlin.Sequential([nonlin.Dense(2), nonlin.Tanh(), nonlin.Dense(1)]).build(3, 0)
    gradcheck(model, "mse", x, np.ones((4, 1)))
    gradcheck(model, "mse", pd.DataFrame(x), np.ones((4, 1)))
    assert np.array_equal(x, kept)
