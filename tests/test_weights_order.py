"""``get_weights`` / ``set_weights`` in Keras' order: every layer's weights, trainable or
not, layer by layer (``BatchNorm``: gamma, beta, moving_mean, moving_variance), so that a
copy through them predicts exactly as the original."""

from __future__ import annotations

import numpy as np
import pytest

import nonlin
from nonlin import BatchNorm, Dense, ReLU, Sequential, Softmax

RNG = np.random.default_rng(0)
X = RNG.normal(size=(64, 3)) * 4 + 2
Y = RNG.integers(0, 2, 64)


def net() -> Sequential:
    return Sequential([Dense(4), BatchNorm(), ReLU(), Dense(2), Softmax()])


def trained() -> Sequential:
    model = net()
    model.fit(X, Y, loss="cross_entropy", optimizer="adam", epochs=3, verbose=0, seed=0)
    return model


def test_a_copy_through_get_and_set_weights_predicts_identically() -> None:
    a, b = trained(), net().build(3, seed=1)
    weights = a.get_weights()
    assert [w.shape for w in weights] == [(3, 4), (4,), (4,), (4,), (4,), (4,), (4, 2), (2,)]
    bn = a.layers[1]
    for got, want in zip(weights[2:6], [bn.gamma.value, bn.beta.value, bn.moving_mean,
                                         bn.moving_variance], strict=True):
        np.testing.assert_array_equal(got, want)
    b.set_weights(weights)
    np.testing.assert_array_equal(b.predict(X), a.predict(X))
    np.testing.assert_array_equal(b.get_state()["1.moving_mean"], bn.moving_mean)
    weights[4][0] = 1e9  # copies: the model is not affected
    assert bn.moving_mean[0] != 1e9


def test_a_wrong_length_names_the_expected_layout() -> None:
    model = trained()
    parameters_alone = [p.value for p in model.parameters()]
    with pytest.raises(ValueError, match=r"Expected 8 arrays. Received 6 arrays \(6 is the number "
                                         r"of parameters alone.*0.W \(3, 4\), 0.b \(4,\), "
                                         r"1.gamma \(4,\), 1.beta \(4,\), 1.moving_mean \(4,\), "
                                         r"1.moving_variance \(4,\), 3.W \(4, 2\), 3.b \(2,\)"):
        model.set_weights(parameters_alone)
    with pytest.raises(ValueError, match=r"Expected 8 arrays. Received 3 arrays. get_weights"):
        model.set_weights(model.get_weights()[:3])


def test_a_refused_list_changes_nothing() -> None:
    model = trained()
    before = model.get_weights()
    bad = [np.zeros_like(w) for w in before]
    bad[5] = -np.ones(4)  # a negative moving_variance: BatchNorm's own check
    with pytest.raises(ValueError, match=r"moving_variance >= 0.*set_weights changed nothing"):
        model.set_weights(bad)
    bad[5] = np.ones(4)
    bad[4] = np.full(4, np.nan)
    with pytest.raises(ValueError, match=r"finite real numbers in weights\[4\] \(1.moving_mean\)"):
        model.set_weights(bad)
    for a, b in zip(before, model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_early_stopping_restores_parameters_and_statistics_of_the_best_epoch() -> None:
    model = net()
    stop = nonlin.EarlyStopping(monitor="loss", patience=10, restore_best_weights=True)
    model.fit(X, Y, loss="cross_entropy", optimizer=nonlin.SGD(5.0), epochs=6, verbose=0,
              seed=0, callbacks=[stop])
    assert len(stop.best_weights) == 6  # the parameters, with the statistics beside them
    best = stop.best_weights
    want = [*best[:4], stop.best_state["1.moving_mean"], stop.best_state["1.moving_variance"],
            *best[4:]]
    for got, expected in zip(model.get_weights(), want, strict=True):
        np.testing.assert_array_equal(got, expected)
