"""SGD's update recomputed by formula (Keras / scikit-learn form)."""

import numpy as np
import pytest

from nonlin import SGD
from nonlin.core import Param


def params():
    rng = np.random.default_rng(0)
    ps = [Param(rng.normal(size=(3, 2)), "W"), Param(rng.normal(size=(2,)), "b")]
    return ps


def grads(step):
    rng = np.random.default_rng(100 + step)
    return [rng.normal(size=(3, 2)), rng.normal(size=(2,))]


@pytest.mark.parametrize("momentum, nesterov", [(0.0, False), (0.9, False), (0.9, True)])
@pytest.mark.parametrize("lr", [1.0, 0.05])
def test_sgd_matches_formula(lr, momentum, nesterov):
    ps = params()
    w = [p.value.copy() for p in ps]
    v = [np.zeros_like(x) for x in w]
    opt = SGD(lr=lr, momentum=momentum, nesterov=nesterov)
    for step in range(4):
        g = grads(step)
        for p, gi in zip(ps, g, strict=True):
            p.grad[...] = gi
        opt.step(ps)
        for i in range(2):
            if momentum == 0:
                w[i] = w[i] - lr * g[i]
                continue
            v[i] = momentum * v[i] - lr * g[i]
            w[i] = w[i] + (momentum * v[i] - lr * g[i] if nesterov else v[i])
        for p, want in zip(ps, w, strict=True):
            np.testing.assert_allclose(p.value, want, rtol=1e-13, atol=1e-15)
        for p, gi in zip(ps, g, strict=True):
            np.testing.assert_array_equal(p.grad, gi)  # gradients are left as they were
    assert opt.iterations == 4


def test_sgd_float32_state_stays_float32():
    p = Param(np.ones(3, dtype=np.float32), "w")
    p.grad[...] = 0.5
    opt = SGD(lr=0.1, momentum=0.9)
    opt.step([p])
    assert p.value.dtype == np.float32
    assert opt._velocity[0].dtype == np.float32
    np.testing.assert_allclose(p.value, 1 - 0.05, rtol=1e-6)


def test_nesterov_needs_momentum():
    with pytest.raises(ValueError, match="momentum > 0"):
        SGD(lr=0.1, nesterov=True)
