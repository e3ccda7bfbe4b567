"""review22a: check_X's hint fits the array received. A 3-D array (images) or a single
number was told to "reshape 1-D data", which it is not."""

import numpy as np
import pytest

from nonlin.validation import check_X


def _message(X, name: str = "X") -> str:
    with pytest.raises(ValueError) as info:
        check_X(X, name)
    return str(info.value)


def test_a_3d_array_is_told_to_flatten_each_sample() -> None:
    message = _message(np.zeros((4, 2, 3)))
    assert "Received an array of shape (4, 2, 3)" in message
    assert "1-D" not in message
    assert "X.reshape(len(X), -1)" in message
    assert np.zeros((4, 2, 3)).reshape(4, -1).shape == (4, 6)  # what the hint gives


def test_a_single_number_is_one_sample_of_one_feature() -> None:
    message = _message(np.float64(2.5), "x")
    assert "1-D" not in message
    assert "np.reshape(x, (1, 1))" in message


def test_1d_data_keeps_its_hint() -> None:
    assert "X_new.reshape(-1, 1)" in _message(np.zeros(3), "X_new")
