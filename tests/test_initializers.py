"""The initializers Keras 3 and PyTorch users reach for: lecun_normal, lecun_uniform, orthogonal.

Statistical checks use a million draws from a fixed seed, with tolerances many standard errors
wide, so that they hold for any seed.
"""

from __future__ import annotations

import numpy as np
import pytest

import nonlin
from nonlin import registry
from nonlin.initializers import INITIALIZERS, lecun_normal, lecun_uniform, orthogonal

NEW = ("lecun_normal", "lecun_uniform", "orthogonal")
FAN_IN, FAN_OUT = 100, 10_000  # a million draws


def test_lecun_normal_is_a_normal_truncated_at_two_stddevs_with_variance_one_over_fan_in():
    W = lecun_normal(np.random.default_rng(0), FAN_IN, FAN_OUT)
    assert W.shape == (FAN_IN, FAN_OUT) and W.dtype == np.float64
    stddev = np.sqrt(1 / FAN_IN) / 0.87962566103423978  # Keras' VarianceScaling
    assert np.abs(W).max() <= 2 * stddev  # truncated at 2 stddev...
    assert np.abs(W).max() > 1.99 * stddev  # ...not closer in (~1,100 draws expected there)
    # Var(W) = 1 / fan_in after truncation: standard error of the variance ~0.12%
    assert W.var() * FAN_IN == pytest.approx(1.0, rel=0.02)
    assert abs(W.mean()) < 1e-3  # standard error 1e-4
    # the truncated normal's shape: P(|z| <= 1 | |z| <= 2) = 0.6827 / 0.9545 = 0.7153 (se 5e-4)
    assert np.mean(np.abs(W) <= stddev) == pytest.approx(0.71526, abs=0.005)


def test_lecun_uniform_draws_within_sqrt_3_over_fan_in_with_variance_one_over_fan_in():
    W = lecun_uniform(np.random.default_rng(0), FAN_IN, FAN_OUT)
    limit = np.sqrt(3 / FAN_IN)
    assert W.shape == (FAN_IN, FAN_OUT) and W.dtype == np.float64
    assert np.abs(W).max() <= limit and np.abs(W).max() > 0.999 * limit
    assert W.var() * FAN_IN == pytest.approx(1.0, rel=0.02)  # standard error ~0.09%


@pytest.mark.parametrize("shape", [(7, 3), (3, 7), (5, 5), (1, 4), (4, 1), (64, 64)])
def test_orthogonal_has_orthonormal_columns_or_rows_whichever_are_fewer(shape):
    fan_in, fan_out = shape
    W = orthogonal(np.random.default_rng(1), fan_in, fan_out)
    assert W.shape == shape and W.dtype == np.float64
    gram = W.T @ W if fan_in >= fan_out else W @ W.T
    np.testing.assert_allclose(gram, np.eye(min(shape)), rtol=0, atol=1e-12)


@pytest.mark.parametrize("shape", [(7, 3), (3, 7), (5, 5)])
def test_orthogonal_is_q_of_a_standard_normal_draw_with_r_diagonal_made_positive(shape):
    # Keras 3 and PyTorch: A = QR, Q *= sign(diag(R)), so A = Q R' with R' upper
    # triangular and a positive diagonal (the unique such QR): Q is Haar distributed.
    fan_in, fan_out = shape
    W = orthogonal(np.random.default_rng(2), fan_in, fan_out)
    A = np.random.default_rng(2).standard_normal((max(shape), min(shape)))
    Q = W if fan_in >= fan_out else W.T
    R = Q.T @ A
    np.testing.assert_allclose(np.tril(R, -1), 0, atol=1e-12)
    assert (np.diagonal(R) > 0).all()
    np.testing.assert_allclose(Q @ R, A, atol=1e-12)


@pytest.mark.parametrize("name", NEW)
@pytest.mark.parametrize("make_rng", [np.random.default_rng, np.random.RandomState])
def test_the_new_initializers_are_reproducible_from_the_seed_and_leave_global_state(
        name, make_rng):
    init = INITIALIZERS[name]
    before = np.random.get_state()[1].copy()
    first = init(make_rng(5), 6, 4)
    np.testing.assert_array_equal(first, init(make_rng(5), 6, 4))
    assert not np.array_equal(first, init(make_rng(6), 6, 4))
    np.testing.assert_array_equal(np.random.get_state()[1], before)


def test_lecun_normal_resamples_only_the_draws_outside_the_bounds():
    # The first draw's entries inside [-2, 2] are kept in place: the result agrees with
    # the plain standard-normal draw wherever that one is within bounds.
    z = np.random.default_rng(3).standard_normal((40, 50))
    W = lecun_normal(np.random.default_rng(3), 40, 50) * np.sqrt(40) * 0.87962566103423978
    inside = np.abs(z) <= 2
    assert 0 < (~inside).sum() and np.abs(W).max() <= 2
    np.testing.assert_allclose(W[inside], z[inside], rtol=1e-14)


@pytest.mark.parametrize("name", NEW)
def test_the_new_initializers_are_known_by_name_to_dense_the_registry_and_model_files(
        name, tmp_path):
    assert registry.lookup("initializer", name) is INITIALIZERS[name]
    model = nonlin.Sequential([nonlin.Dense(5, init=name), nonlin.SELU(),
                               nonlin.Dense(2, init=name)]).build(3, seed=0)
    assert model.layers[0].init is INITIALIZERS[name]
    assert model.get_config()["layers"][0]["config"]["init"] == name
    nonlin.save(model, tmp_path / "m.safetensors")
    loaded = nonlin.load(tmp_path / "m.safetensors")
    assert loaded.layers[2].init is INITIALIZERS[name]
    X = np.random.default_rng(0).normal(size=(4, 3))
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    with pytest.raises(ValueError, match=name):  # the list of known names includes it
        nonlin.Dense(2, init="lecun")
