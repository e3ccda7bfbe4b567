"""``layer(x)``: every layer is callable, as Keras layers and PyTorch modules are.

``Layer.__call__(x, *, training=False)`` runs ``forward`` with ``model(x)``'s rules: the
flag a bool, a list converted, the result a new array each call; an unbuilt layer says so
as its ``forward`` does. A layer being callable must not make it pass for a metric function,
a learning-rate schedule or an initializer.
"""

from __future__ import annotations

import numpy as np
import pytest

import nonlin
from nonlin import registry
from nonlin.metrics import get_metric


def _built(cls: type) -> tuple[nonlin.Sequential, object]:
    needs = {"Dense": 3, "Dropout": 0.5, "AlphaDropout": 0.5, "GaussianDropout": 0.5,
             "GaussianNoise": 0.5}
    layer = cls(needs[cls.__name__]) if cls.__name__ in needs else cls()
    model = nonlin.Sequential([layer])
    if isinstance(layer, nonlin.Normalization):
        layer.adapt(np.random.default_rng(1).normal(size=(10, 4)))
    model.build(4, seed=0)
    return model, layer


@pytest.mark.parametrize("cls", sorted(set(registry.LAYERS.values()), key=lambda c: c.__name__),
                         ids=lambda c: c.__name__)
def test_every_registered_layer_is_callable_as_its_forward(cls: type) -> None:
    assert issubclass(cls, nonlin.Layer)
    model, layer = _built(cls)
    x = np.random.default_rng(0).normal(size=(5, 4))
    out = layer(x)  # was TypeError: 'Dense' object is not callable
    np.testing.assert_array_equal(out, layer.forward(x))
    np.testing.assert_array_equal(out, model(x))  # a one-layer model agrees
    assert out is not x and not np.shares_memory(out, x)  # a new array, as model(x)'s


def test_training_call_differentiates_that_pass_and_returns_its_own_array() -> None:
    model, layer = _built(nonlin.Dense)
    x = np.random.default_rng(0).normal(size=(5, 4))
    first = layer(x, training=True)
    layer.backward(np.ones_like(first))
    np.testing.assert_allclose(layer.W.grad, x.T @ np.ones((5, 3)))
    second = layer(2 * x, training=True)
    np.testing.assert_array_equal(first, layer.forward(x))  # not overwritten by the next pass
    assert not np.shares_memory(first, second)


def test_batch_norm_call_uses_batch_statistics_only_when_training() -> None:
    model, layer = _built(nonlin.BatchNorm)
    x = np.random.default_rng(0).normal(3.0, 2.0, size=(50, 4))
    np.testing.assert_allclose(layer(x), x / np.sqrt(1 + layer.epsilon), rtol=1e-6)  # moving
    np.testing.assert_allclose(layer(x, training=True).mean(axis=0), 0, atol=1e-12)  # batch


def test_call_takes_a_list_and_refuses_a_flag_that_is_no_bool_as_model_does() -> None:
    model, layer = _built(nonlin.Dense)
    rows = [[1.0, 2.0, 3.0, 4.0]]
    np.testing.assert_array_equal(layer(rows), model(rows))
    with pytest.raises(TypeError) as by_layer:
        layer(np.ones((1, 4)), training="yes")
    with pytest.raises(TypeError) as by_model:
        model(np.ones((1, 4)), training="yes")
    assert str(by_layer.value) == str(by_model.value)


def test_an_unbuilt_layer_called_says_what_its_forward_says() -> None:
    layer = nonlin.Dense(3)
    with pytest.raises(RuntimeError) as by_forward:
        layer.forward(np.ones((2, 4)))
    with pytest.raises(RuntimeError) as by_call:
        layer(np.ones((2, 4)))
    assert str(by_call.value) == str(by_forward.value)
    assert "This Dense layer is not built yet" in str(by_call.value)


def test_a_callable_layer_is_still_no_metric_schedule_or_initializer() -> None:
    with pytest.raises(TypeError, match="Expected a metric name, Metric or callable"):
        get_metric(nonlin.Dense(3))
    with pytest.raises(ValueError, match="Expected a finite learning rate"):
        nonlin.SGD(nonlin.Dense(3))
    with pytest.raises(TypeError, match="Expected a str or callable init"):
        nonlin.Dense(3, init=nonlin.ReLU())
