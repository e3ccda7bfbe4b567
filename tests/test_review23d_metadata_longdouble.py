"""Metadata holding a NumPy longdouble (float128 statistics, ``np.mean(x, dtype=np.longdouble)``):
``tolist`` keeps it a longdouble, so ``json.dumps`` asked its default again and again and saving
failed with "maximum recursion depth exceeded", naming nothing. It is stored as a float, as
every other NumPy number is; one beyond float64's range is refused naming it."""

from __future__ import annotations

import io

import numpy as np
import pytest

import nonlin
from nonlin.io import to_bytes


def _model() -> nonlin.Sequential:
    return nonlin.Sequential([nonlin.Dense(2)]).build(3, seed=0)


def test_longdouble_metadata_is_stored_as_floats() -> None:
    metadata = {"x": np.longdouble(1.5), "y": np.array([0.25, 2.0], dtype=np.longdouble)}
    loaded = nonlin.load(io.BytesIO(to_bytes(_model(), metadata=metadata)))
    assert loaded.metadata == {"x": 1.5, "y": [0.25, 2.0]}


def test_a_complex_longdouble_is_refused_naming_its_type() -> None:
    with pytest.raises(ValueError, match="'clongdouble' values are not JSON-serializable"):
        to_bytes(_model(), metadata={"x": np.clongdouble(1)})


def test_a_longdouble_beyond_float64_is_refused_naming_it() -> None:
    if np.finfo(np.longdouble).max <= np.finfo(np.float64).max:
        pytest.skip("longdouble is float64 here")
    with pytest.raises(ValueError, match=r"Out of range float.*metadata\['x'\]"):
        to_bytes(_model(), metadata={"x": np.longdouble("1e400")})
