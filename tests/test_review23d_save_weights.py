"""A weight replaced by hand (``layer.W.value = ...``) with another dtype or shape than the
model's as built: ``save`` wrote a file that ``load`` then refused, over any good file at that
path. It is refused before anything is written, the old file intact."""

from __future__ import annotations

import numpy as np
import pytest

import nonlin


def _model(dtype: str = "float64") -> nonlin.Sequential:
    return nonlin.Sequential([nonlin.Dense(4), nonlin.ReLU(), nonlin.Dense(2)]).build(
        3, seed=0, dtype=dtype)


@pytest.mark.parametrize(("dtype", "value"), [
    ("float64", np.zeros((2, 4), np.float32).T),   # a float32 torch weight, transposed
    ("float32", np.zeros((4, 2), np.float64)),
    ("float64", np.zeros((4, 5))),                  # another shape
])
def test_save_refuses_a_weight_load_would_refuse(tmp_path, dtype, value) -> None:
    path = tmp_path / "m.safetensors"
    nonlin.save(_model(dtype), path)
    before = path.read_bytes()
    model = _model(dtype)
    model.layers[2].W.value = value
    with pytest.raises(ValueError, match=r"Expected tensor '2\.W' of shape \(4, 2\).*Received"):
        nonlin.save(model, path)
    assert path.read_bytes() == before
    nonlin.load(path)


def test_a_weight_of_the_right_dtype_and_shape_in_any_layout_saves(tmp_path) -> None:
    model = _model()
    weight = np.arange(8.0).reshape(2, 4).T  # F order, as torch_weight.T
    model.layers[2].W.value = weight
    nonlin.save(model, tmp_path / "m.safetensors")
    np.testing.assert_array_equal(nonlin.load(tmp_path / "m.safetensors").layers[2].W.value,
                                  weight)
