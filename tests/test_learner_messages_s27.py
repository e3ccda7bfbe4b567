"""Errors a learner meets, in plain numbers and with the way out (session 27's review)."""

from __future__ import annotations

import numpy as np
import pytest

import nonlin

X = np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]], dtype=float)
Y_COLUMN = np.array([[0], [1], [1], [0]], dtype=float)


def _sigmoid_net() -> nonlin.Sequential:
    return nonlin.Sequential([nonlin.Dense(4), nonlin.Sigmoid(), nonlin.Dense(1), nonlin.Sigmoid()])


@pytest.mark.parametrize("way", ["fit", "call", "grad"])
def test_cross_entropy_on_one_column_of_0_1_targets_names_the_binary_loss(way: str) -> None:
    """The tutorial's y (one column of 0/1) with loss='cross_entropy' on a one-output net:
    before, "Received a row summing to np.float64(0.0)", NumPy's repr and no way out."""
    loss, out = nonlin.CrossEntropy(), np.full((4, 1), 0.5)
    call = {"fit": lambda: _sigmoid_net().fit(X, Y_COLUMN, loss="cross_entropy",
                                              optimizer="sgd", epochs=1, verbose=0, seed=0),
            "call": lambda: loss(Y_COLUMN, out), "grad": lambda: loss.grad(Y_COLUMN, out)}[way]
    with pytest.raises(ValueError, match=r"Received a row summing to 0\.0 \(row 0\); a single "
                                         r"column of 0/1 targets .*'binary_crossentropy'") as info:
        call()
    assert "np.float64" not in str(info.value)


def test_rows_of_several_columns_name_the_row_in_plain_numbers() -> None:
    y = np.array([[0.5, 0.6], [1.0, 0.0]])
    with pytest.raises(ValueError, match=r"Received a row summing to 1\.1 \(row 0\)$"):
        nonlin.CrossEntropy()(y, np.full((2, 2), 0.5))
