"""``Sequential.predict``'s fast inference path: the same bits as the plain math, fresh
arrays, the input untouched, and no per-call work beyond the checks."""

from __future__ import annotations

import numpy as np
import pytest

import nonlin
from nonlin import _finite, validation


def _model(dtype: type, head: str) -> nonlin.Sequential:
    output = nonlin.Softmax() if head == "softmax" else nonlin.Sigmoid()
    return nonlin.Sequential([nonlin.Dense(16), nonlin.ReLU(), nonlin.Dense(8), nonlin.ReLU(),
                              nonlin.Dense(3 if head == "softmax" else 1), output]
                             ).build(12, seed=0, dtype=dtype)


def _reference(model: nonlin.Sequential, x: np.ndarray) -> np.ndarray:
    """The previous implementation's math, layer by layer in plain NumPy."""
    h = x.astype(model.dtype)
    for layer in model.layers:
        if isinstance(layer, nonlin.Dense):
            h = h @ layer.W.value
            h += layer.b.value
        elif isinstance(layer, nonlin.Tanh):
            h = np.tanh(h)
        elif isinstance(layer, nonlin.ReLU):
            h = np.maximum(h, np.zeros_like(h))
        elif isinstance(layer, nonlin.Softmax):
            e = np.exp(h - h.max(axis=1, keepdims=True))
            h = e / e.sum(axis=1, keepdims=True)
        else:
            e = np.exp(np.minimum(-h, np.asarray(88.0 if h.dtype == np.float32 else 709.0,
                                                 h.dtype)))
            e += np.asarray(1.0, h.dtype)
            h = np.reciprocal(e)
    return h


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("head", ["softmax", "sigmoid"])
def test_predict_bits_equal_plain_numpy_math(dtype: type, head: str) -> None:
    model = _model(dtype, head)
    X = np.random.default_rng(1).normal(size=(37, 12)).astype(dtype)
    for rows in (X[:1], X[:32], X):
        np.testing.assert_array_equal(model.predict(rows), _reference(model, rows), strict=True)
    chunked = model.predict(X, batch_size=8)
    expected = np.concatenate([_reference(model, X[s : s + 8]) for s in range(0, 37, 8)])
    np.testing.assert_array_equal(chunked, expected, strict=True)
    wide = X.astype(np.float64) if dtype == np.float32 else X  # converted on the way in
    np.testing.assert_array_equal(model.predict(wide), _reference(model, wide), strict=True)


def test_predict_returns_fresh_arrays_and_leaves_input_alone() -> None:
    model = nonlin.Sequential([nonlin.ReLU(), nonlin.Dense(4), nonlin.ReLU()]).build(5, seed=0)
    X = np.random.default_rng(2).normal(size=(6, 5))
    before = X.copy()
    first, second = model.predict(X), model.predict(X)
    np.testing.assert_array_equal(first, second)
    assert not np.shares_memory(first, second) and not np.shares_memory(first, X)
    np.testing.assert_array_equal(X, before)
    identity = nonlin.Sequential([nonlin.Identity()]).build(5, seed=0)
    assert not np.shares_memory(identity.predict(X), X)


def test_silent_predict_skips_the_progress_display(monkeypatch: pytest.MonkeyPatch) -> None:
    import nonlin.progress

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a progress display was made for verbose=0")

    monkeypatch.setattr(nonlin.progress, "PassProgress", refuse)
    model = _model(np.float64, "sigmoid")
    assert model.predict(np.ones((3, 12))).shape == (3, 1)


def test_small_finite_input_is_checked_in_one_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(arr: np.ndarray) -> None:
        raise AssertionError("row scan for finite data")

    monkeypatch.setattr(_finite, "first_nonfinite_row", refuse)
    validation.check_finite(np.ones((4, 3)), "X")
    monkeypatch.undo()
    with pytest.raises(ValueError, match="NaN or infinity in row 2"):
        validation.check_finite(np.array([[1.0], [2.0], [np.inf]]), "X")


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_large_finite_input_is_proved_finite_by_row_sums(
    monkeypatch: pytest.MonkeyPatch, dtype: type
) -> None:
    def refuse(arr: np.ndarray) -> None:
        raise AssertionError("row scan for finite data")

    monkeypatch.setattr(_finite, "first_nonfinite_row", refuse)
    X = np.random.default_rng(0).random((3000, 700)).astype(dtype)  # 2.1M entries, 2 blocks
    validation.check_finite(X, "X")


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("row", [0, 1497, 2999])
def test_large_input_names_the_first_nonfinite_row(dtype: type, bad: float, row: int) -> None:
    X = np.random.default_rng(1).random((3000, 700)).astype(dtype)
    X[row, 699 if row else 0] = bad
    X[row + 1 :: 500, 3] = -bad  # later rows too: the first one is named
    named = rf"X\[{row}, {699 if row else 0}\]={bad!r}"  # the first one in the row: its value
    with pytest.raises(ValueError, match=f"NaN or infinity in row {row}: {named}$"):
        validation.check_finite(X, "X")


def test_row_sums_that_overflow_prove_nothing_finite_data_passes() -> None:
    X = np.full((2000, 1000), np.finfo(np.float32).max / 2, dtype=np.float32)
    with np.errstate(over="raise"):  # the sums overflow; no warning, no error
        validation.check_finite(X, "X")


def test_hidden_activations_reuse_the_dense_output() -> None:
    import tracemalloc

    model = nonlin.Sequential([nonlin.Dense(256), nonlin.ReLU(), nonlin.Dense(8), nonlin.Tanh(),
                               nonlin.Dense(1), nonlin.Sigmoid()]).build(4, seed=0)
    X = np.random.default_rng(3).normal(size=(1000, 4))
    model.predict(X)
    hidden = 1000 * 256 * 8  # bytes of the widest layer's output
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    out = model.predict(X)
    peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    assert peak < 1.5 * hidden  # not a second 1000 x 256 array for the ReLU
    np.testing.assert_array_equal(out, _reference(model, X), strict=True)


def test_every_built_in_layer_has_a_kind_and_noise_layers_pass_their_input() -> None:
    """An unclassified layer is taken for one whose output may be shared: correct, but the
    activation after it then makes a new array. The noise layers are identities at
    inference, as Dropout: the ReLU after one computes over the Dense output in place."""
    import tracemalloc

    from nonlin import _inference, registry

    fresh, in_place, passing = _inference._layer_kinds()
    assert set(registry.LAYERS.values()) <= {*fresh, *in_place, *passing}
    for noise in (nonlin.AlphaDropout(0.2), nonlin.GaussianDropout(0.2),
                  nonlin.GaussianNoise(0.2)):
        model = nonlin.Sequential([nonlin.Dense(256), noise, nonlin.ReLU(), nonlin.Dense(1)])
        X = np.random.default_rng(3).normal(size=(1000, 4))
        model.build(4, seed=0).predict(X)
        tracemalloc.start()
        base = tracemalloc.get_traced_memory()[0]
        model.predict(X)
        peak = tracemalloc.get_traced_memory()[1] - base
        tracemalloc.stop()
        assert peak < 1.5 * 1000 * 256 * 8, type(noise).__name__



def test_estimator_logistic_output_needs_no_registry_lookup(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import warnings

    from nonlin import registry
    pytest.importorskip("sklearn")
    from nonlin.sklearn import MLPClassifier

    X = np.random.default_rng(4).random((40, 3))
    y = (X[:, 0] > 0.5).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf = MLPClassifier(hidden_layer_sizes=(5,), max_iter=3, random_state=0).fit(X, y)
    z = clf.model_.forward(X)
    expected = nonlin.Sigmoid().forward(z)

    def refuse(name: str) -> None:
        raise AssertionError(f"registry lookup of {name!r} per predict call")

    monkeypatch.setattr(registry, "activation", refuse)
    proba = clf.predict_proba(X)
    np.testing.assert_array_equal(proba[:, 1], expected[:, 0], strict=True)


def test_evaluate_converts_wide_input_a_chunk_at_a_time() -> None:
    import tracemalloc

    model = _model(np.float32, "softmax")
    X = np.random.default_rng(5).normal(size=(60000, 12))  # float64 for a float32 model
    y = np.arange(60000) % 3
    kwargs = {"loss": "cross_entropy", "metrics": ["accuracy"]}
    expected = model.evaluate(X.astype(np.float32), y, **kwargs)
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    results = model.evaluate(X, y, **kwargs)
    peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    assert results == expected
    assert peak < X.size * 4 / 2  # far below a float32 copy of all of X
    X[4100, 7] = 1e39
    with pytest.raises(ValueError, match=r"float32's range .* Received x\[4100, 7\]=1e\+39"):
        model.evaluate(X, y, **kwargs)
