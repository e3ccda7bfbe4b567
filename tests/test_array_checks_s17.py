"""``set_weights`` and ``set_state`` check arrays through one helper (session 17).

``_weights.checked`` and ``_state_checks.checked_value`` were near-copies (shape, real
dtype, finite values, the model's dtype's range); both now call
``_state_checks.checked_array``. No message changed: this table pins them, word for word,
as the code before the merge gave them (a behaviour-preserving change, so this test passes
on that code too), for ``set_weights``, EarlyStopping's parameter list, a model's
``set_state`` and a layer's own (``BatchNorm``, ``Normalization``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import nonlin

SHAPE = (3, 2)  # the first weight's, 0.W
BAD: dict[str, Callable[[tuple[int, ...]], Any]] = {
    "shape": lambda shape: np.zeros((5, 5)),
    "complex": lambda shape: np.zeros(shape, complex),
    "object": lambda shape: np.full(shape, None),
    "nan": lambda shape: np.full(shape, np.nan),
    "inf": lambda shape: np.full(shape, -np.inf),
    "big": lambda shape: np.full(shape, 1e300),
}
WEIGHTS = {  # set_weights, and _set_parameter_weights (EarlyStopping's restore)
    "shape": "Expected weights[0] (0.W) of shape (3, 2). Received shape (5, 5)",
    "complex": "Expected finite real numbers in weights[0] (0.W). Received dtype complex128",
    "object": "Expected finite real numbers in weights[0] (0.W). Received dtype object",
    "nan": "Expected finite real numbers in weights[0] (0.W). Received weights[0][0, 0]=nan",
    "inf": "Expected finite real numbers in weights[0] (0.W). Received weights[0][0, 0]=-inf",
    "big": "Expected values within float32's range for this float32 model. Received "
           "weights[0][0, 0]=1e+300",
}
STATE = {  # {key}: the model's "1.moving_mean", the layers' own "moving_mean", "mean"
    "shape": "Expected state['{key}'] of shape (2,). Received shape (5, 5)",
    "complex": "Expected real numbers in state['{key}']. Received dtype complex128: "
               "array([0.+0.j, 0.+0.j])",
    "object": "Expected real numbers in state['{key}']. Received dtype object: "
              "array([None, None], dtype=object)",
    "nan": "Expected finite values in state['{key}']. Received state['{key}'][0]=nan",
    "inf": "Expected finite values in state['{key}']. Received state['{key}'][0]=-inf",
    "big": "Expected values within float32's range for this float32 model. Received "
           "state['{key}'][0]=1e+300",
}


def _model() -> nonlin.Sequential:
    return nonlin.Sequential([nonlin.Dense(2), nonlin.BatchNorm(), nonlin.Dense(1)]).build(
        3, seed=0, dtype=np.float32)


def _refusal(call: Callable[[], Any]) -> str:
    with pytest.raises(ValueError) as info:
        call()
    return str(info.value)


@pytest.mark.parametrize("kind", sorted(BAD))
def test_set_weights_messages_are_unchanged(kind: str) -> None:
    model = _model()
    weights = model.get_weights()
    bad = BAD[kind](SHAPE)
    assert _refusal(lambda: model.set_weights([bad, *weights[1:]])) == WEIGHTS[kind]
    params = [p.value for p in model._params]
    assert _refusal(lambda: model._set_parameter_weights([bad, *params[1:]])) == WEIGHTS[kind]
    np.testing.assert_array_equal(model.get_weights()[0], weights[0])  # nothing copied in


@pytest.mark.parametrize("kind", sorted(BAD))
def test_set_state_messages_are_unchanged(kind: str) -> None:
    model = _model()
    bad = BAD[kind]((2,))
    state = {**model.get_state(), "1.moving_mean": bad}
    message = STATE[kind].format(key="1.moving_mean")
    assert _refusal(lambda: model.set_state(state)).startswith(message)
    batch_norm = model.layers[1]
    own = {**batch_norm.get_state(), "moving_mean": bad}
    assert _refusal(lambda: batch_norm.set_state(own)) == STATE[kind].format(key="moving_mean")
    norm = nonlin.Normalization()
    norm.adapt(np.ones((4, 2)))
    norm.cast_state(np.dtype(np.float32))
    stats = {**norm.get_state(), "mean": bad}
    assert _refusal(lambda: norm.set_state(stats)) == STATE[kind].format(key="mean")


def test_a_ragged_value_keeps_its_two_messages() -> None:
    model = _model()
    weights = model.get_weights()
    with pytest.raises(ValueError, match="inhomogeneous"):  # NumPy's, as before
        model.set_weights([[[1, 2], [3]], *weights[1:]])
    state = {**model.get_state(), "1.moving_mean": [[1, 2], [3]]}
    assert _refusal(lambda: model.set_state(state)).startswith(
        "Expected an array of shape (2,) for state['1.moving_mean']. Received: [[1, 2], [3]]")
