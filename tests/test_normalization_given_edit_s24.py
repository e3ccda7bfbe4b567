"""A ``Normalization`` given its statistics (``mean=``, ``variance=``) keeps them in its
config, not in tensors. Its built arrays edited since (``norm.mean[:] = 3``), which
``forward`` reads, saved the values given: the loaded model predicted otherwise. The config
now gives the values the layer computes with once they differ (and the given ones, byte for
byte, while they do not). Also: save's refusal of a layer put in unbuilt since build names
it as not built."""

from __future__ import annotations

import io

import numpy as np
import pytest

import nonlin


def _model(dtype: type, mean: object = None, variance: object = None) -> nonlin.Sequential:
    norm = nonlin.Normalization(mean=[1.0, 0.1] if mean is None else mean,
                                variance=[4.0, 1.0] if variance is None else variance)
    return nonlin.Sequential([norm, nonlin.Dense(1)]).build(2, seed=0, dtype=dtype)


def _round_trip(model: nonlin.Sequential) -> nonlin.Sequential:
    buffer = io.BytesIO()
    nonlin.save(model, buffer)
    buffer.seek(0)
    return nonlin.load(buffer)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_statistics_edited_in_place_load_as_the_layer_predicts(dtype: type) -> None:
    model = _model(dtype)
    model.layers[0].mean[:] = 3.0
    model.layers[0].variance[0] = 0.25
    X = np.array([[1.0, 2.0], [3.0, 5.0]], dtype)
    loaded = _round_trip(model)
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    np.testing.assert_array_equal(loaded.layers[0].variance, model.layers[0].variance)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_statistics_as_given_keep_their_config_entry(dtype: type) -> None:
    scalar = _model(dtype, mean=0.5, variance=2.0).layers[0].get_config()
    assert (scalar["mean"], scalar["variance"]) == (0.5, 2.0)  # not one value per feature
    listed = _model(dtype).layers[0].get_config()
    assert (listed["mean"], listed["variance"]) == ([1.0, 0.1], [4.0, 1.0])  # 0.1: float32 too


def test_a_variance_edited_below_zero_is_refused_at_save_naming_it() -> None:
    model = _model(np.float64, mean=0.5, variance=2.0)
    model.layers[0].variance[1] = -1.0
    with pytest.raises(ValueError, match=r"variance\[1\]=-1.0"):
        nonlin.save(model, io.BytesIO())


@pytest.mark.parametrize("layer", [nonlin.PReLU, lambda: nonlin.Dense(2)])
def test_a_layer_put_in_unbuilt_since_build_is_named_as_not_built(layer: object) -> None:
    """``pop`` then ``add`` of a layer with weights, no build: the refusal said a setting
    changed since build; it says the layer is not built."""
    model = nonlin.Sequential([nonlin.Dense(3), nonlin.ReLU()]).build(2, seed=0)
    model.pop()
    model.add(layer())  # type: ignore[operator]
    with pytest.raises(ValueError, match="holds no arrays: it is not built"):
        nonlin.save(model, io.BytesIO())
