"""``model.build(input_shape=...)``, Keras 3's keyword (``build(input_shape)``): a shape
``(None, n)`` or ``(n,)``, or the int ``n``, builds for ``n`` features; the positional
form keeps its meaning (an int; a shape refused with the int to pass)."""

from __future__ import annotations

import numpy as np
import pytest

import nonlin


def _model(*first: object) -> nonlin.Sequential:
    return nonlin.Sequential([*first, nonlin.Dense(3), nonlin.ReLU(), nonlin.Dense(2)])


@pytest.mark.parametrize("shape", [(None, 20), [None, 20], (20,), 20, np.int64(20)])
def test_the_keras_keyword_builds_as_the_positional_width(shape: object) -> None:
    built = _model().build(input_shape=shape, seed=0)
    same = _model().build(20, seed=0)
    assert built.n_features_in == 20 and built.input_shape == (None, 20)
    for a, b in zip(built.get_weights(), same.get_weights(), strict=True):
        assert np.array_equal(a, b)


def test_it_agrees_with_an_input_and_keeps_seed_and_dtype() -> None:
    model = _model(nonlin.Input(shape=(4,))).build(input_shape=(None, 4), seed=1,
                                                     dtype=np.float32)
    assert model.n_features_in == 4 and model.dtype == np.float32
    with pytest.raises(ValueError, match=r"Input\(shape=\(4,\)\). Received: n_features=5"):
        _model(nonlin.Input(shape=(4,))).build(input_shape=(None, 5))


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    ({"input_shape": (None, 28, 28)}, ValueError,
     r"^Expected input_shape=\(None, n_features\) or \(n_features,\).*"
     r"Received: input_shape=\(None, 28, 28\)$"),
    ({"input_shape": (None, None)}, ValueError, r"Received: input_shape=\(None, None\)$"),
    ({"input_shape": (None, 0)}, ValueError, "Expected a positive integer"),
    ({"input_shape": "20"}, TypeError, "Expected an int n_features"),
    ({"n_features": 3, "input_shape": (None, 3)}, TypeError,
     r"Expected n_features or input_shape \(Keras' name\), not both"),
])
def test_other_shapes_are_refused_saying_what_is_taken(kwargs: dict, error: type,
                                                      match: str) -> None:
    with pytest.raises(error, match=match):
        _model().build(**kwargs)


def test_the_positional_forms_are_unchanged() -> None:
    assert _model().build(5, 0).n_features_in == 5
    with pytest.raises(TypeError, match=r"not a shape: build\(20\)"):
        _model().build((None, 20))  # type: ignore[arg-type]
