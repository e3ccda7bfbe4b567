"""Review of s19's L2 overflow message in ``fit`` (review19): a float32 model whose L2
gradient ``2 * l2 * W`` overflows at the first step was told to lower its learning rate,
which cannot help (the CLI's ``--l2`` check named it; ``fit`` did only for a penalty beyond
float64)."""

from __future__ import annotations

import numpy as np
import pytest

import nonlin


def _model(l2: float) -> nonlin.Sequential:
    return nonlin.Sequential([nonlin.Dense(4, l2=l2), nonlin.ReLU(), nonlin.Dense(1)])


def test_fit_names_l2_when_its_float32_gradient_overflows_at_the_start() -> None:
    # before: "A gradient or update became NaN or infinite ...; the model is as after the
    # last finite step. Lower the learning rate or clip gradients (clipnorm=...)."
    X = np.random.default_rng(0).normal(size=(16, 3)).astype(np.float32)
    model = _model(1e300)
    with pytest.raises(nonlin.DivergenceError, match=r"before any update of this fit: the L2 "
                       r"penalty.* overflows \(l2=1e\+300; the data's loss is .*\)\. Use a "
                       r"smaller l2") as caught:
        model.fit(X, X[:, :1], loss="mse", optimizer="sgd", epochs=1, verbose=0, seed=0)
    assert "learning rate" not in str(caught.value)


def test_penalty_overflow_tells_the_value_from_the_gradient() -> None:
    from nonlin.evaluation import penalty_overflow

    model = _model(1e30).build(3, seed=0, dtype=np.float32)
    assert penalty_overflow(model) is None
    model.layers[0].W.value[:] = 0.0
    model.layers[0].W.value[0, 0] = 1e-6
    model.layers[0].l2 = 1e43  # l2 * W**2 = 1e31, 2 * l2 * W = 2e37: finite in float32
    assert penalty_overflow(model) is None
    model.layers[0].l2 = 1e45  # value 1e33 finite, gradient 2e39 beyond float32
    assert penalty_overflow(model) == "gradient"
    model.layers[0].W.value[0, 0] = 1.0
    assert penalty_overflow(model) == "penalty"
    model.layers[0].trainable = False  # a frozen layer's term is not in the loss
    assert penalty_overflow(model) is None


def test_a_float64_model_and_a_usual_l2_train_as_before() -> None:
    X = np.random.default_rng(0).normal(size=(16, 3))
    model = _model(1e-2)
    history = model.fit(X, X[:, :1], loss="mse", optimizer="sgd", epochs=2, verbose=0, seed=0)
    assert np.isfinite(history.history["loss"]).all()
    with pytest.raises(nonlin.DivergenceError, match=r"the L2 penalty l2 \* sum\(W\*\*2\) of the "
                       r"weights fit started from overflows \(l2=1e\+308"):
        _model(1e308).fit(X, X[:, :1], loss="mse", optimizer="sgd", epochs=1, verbose=0, seed=0)
