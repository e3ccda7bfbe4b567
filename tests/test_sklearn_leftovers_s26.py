"""Leftovers of ``nonlin.sklearn``'s estimators (session 26), each checked against
scikit-learn's own estimator: the lists an L-BFGS fit fills, the arrays a fit of an unpickled
(copied, loaded) estimator steps, and a pandas sparse DataFrame refused before any work."""

from __future__ import annotations

import copy
import io
import pickle

import numpy as np
import pytest

pytest.importorskip("sklearn")
sparse = pytest.importorskip("scipy.sparse")

from sklearn import neural_network  # noqa: E402

import nonlin.sklearn as nls  # noqa: E402
from nonlin import _sklearn_sparse  # noqa: E402
from sklearn_helpers import LABELS, X, Y  # noqa: E402
from sklearn_helpers import quiet_fit as _fit  # noqa: E402


def _both(name, **kwargs):
    """nonlin's estimator and scikit-learn's, with the same parameters."""
    params = dict(hidden_layer_sizes=(5,), max_iter=3, random_state=0, **kwargs)
    return getattr(nls, name)(**params), getattr(neural_network, name)(**params)


# -- 1. an L-BFGS fit fills the lists coefs_ / intercepts_ were -----------------------------------
@pytest.mark.parametrize("name", ["MLPRegressor", "MLPClassifier"])
def test_lbfgs_warm_start_puts_new_arrays_in_the_same_lists_as_sklearn(name):
    """scikit-learn's ``_unpack`` assigns ``self.coefs_[i]``: a list a user holds then holds the
    fitted arrays; the arrays held keep the values the fit began from."""
    seen = []
    for est in _both(name, solver="lbfgs", warm_start=True):
        y = LABELS if name == "MLPClassifier" else Y
        _fit(est, X, y)
        coefs, intercepts = est.coefs_, est.intercepts_
        first, kept = coefs[0], coefs[0].copy()
        _fit(est, X, y)
        seen.append((est.coefs_ is coefs, est.intercepts_ is intercepts, est.coefs_[0] is first,
                     np.array_equal(first, kept), np.array_equal(est.coefs_[0], kept)))
    assert seen[0] == seen[1] == (True, True, False, True, False)


def test_lbfgs_fit_after_a_float32_stochastic_fit_keeps_the_lists():
    """The network moves to float64 (as scikit-learn's ``coefs_``): still the same lists."""
    est = _fit(nls.MLPRegressor(hidden_layer_sizes=(5,), solver="adam", max_iter=3,
                                random_state=0, warm_start=True), X.astype(np.float32), Y)
    coefs, intercepts = est.coefs_, est.intercepts_
    _fit(est.set_params(solver="lbfgs"), X.astype(np.float32), Y)
    assert est.coefs_ is coefs and est.intercepts_ is intercepts
    assert all(a.dtype == np.float64 for a in coefs + intercepts)
    assert all(a is p.value for a, p in zip(coefs, est._coef_params, strict=True))


def test_lbfgs_fit_after_the_user_set_a_tuple_of_the_same_arrays():
    """(scikit-learn's ``_unpack`` fails on a tuple: here ``coefs_`` becomes a list.)"""
    est = _fit(nls.MLPRegressor(hidden_layer_sizes=(5,), solver="lbfgs", max_iter=3,
                                random_state=0, warm_start=True), X, Y)
    mine = tuple(est.coefs_)
    kept = [a.copy() for a in mine]
    est.coefs_ = mine
    _fit(est, X, Y)
    assert isinstance(est.coefs_, list) and est.coefs_[0] is not mine[0]
    assert all(np.array_equal(a, b) for a, b in zip(mine, kept, strict=True))


# -- 2. an unpickled, copied or loaded estimator's next fit steps its arrays in place -------------
def _pickled(est):
    return pickle.loads(pickle.dumps(est))


def _loaded(est):
    buffer = io.BytesIO()
    est.save(buffer)
    return nls.load(io.BytesIO(buffer.getvalue()))


@pytest.mark.parametrize("solver", ["sgd", "adam"])
@pytest.mark.parametrize("how", ["partial_fit", "warm_start"])
@pytest.mark.parametrize("copier", [_pickled, copy.deepcopy])
def test_unpickled_estimator_steps_the_arrays_held_in_place_as_sklearn(solver, how, copier):
    seen = []
    for est in _both("MLPClassifier", solver=solver, warm_start=how == "warm_start"):
        copied = copier(_fit(est, X, LABELS))
        coefs, first, kept = copied.coefs_, copied.coefs_[0], copied.coefs_[0].copy()
        bias = copied.intercepts_[-1]
        _fit(copied, X, LABELS) if how == "warm_start" else copied.partial_fit(X, LABELS)
        seen.append((copied.coefs_ is coefs, copied.coefs_[0] is first,
                     copied.intercepts_[-1] is bias, not np.array_equal(first, kept)))
    assert seen[0] == seen[1] == (True, True, True, True)


@pytest.mark.parametrize("solver", ["sgd", "adam", "lbfgs"])
def test_loaded_estimator_steps_the_arrays_held_in_place(solver):
    """``nonlin.sklearn.load`` too: as the estimator that was saved."""
    est = _fit(nls.MLPRegressor(hidden_layer_sizes=(5,), solver=solver, max_iter=3,
                                random_state=0), X, Y)
    for e in (est, _loaded(est)):
        if solver == "lbfgs":  # L-BFGS keeps no loss curve: a new SGD fit first
            _fit(e.set_params(solver="sgd"), X, Y)
        first, kept = e.coefs_[0], e.coefs_[0].copy()
        e.partial_fit(X, Y)
        assert e.coefs_[0] is first and not np.array_equal(first, kept)


def test_unpickled_estimator_continues_bit_identically_and_takes_assigned_arrays():
    """Packed again when unpickled: the same numbers as the estimator pickled; arrays set
    since fitting are not packed then, but copied in by the next fit (never written)."""
    est = _fit(nls.MLPRegressor(hidden_layer_sizes=(5,), solver="adam", max_iter=3,
                                random_state=0, warm_start=True), X, Y)
    mine = [np.full_like(a, 0.1) for a in est.coefs_]
    assigned = copy.deepcopy(est)
    assigned.coefs_ = mine
    again = _pickled(assigned)
    assert again.coefs_[0] is not again._coef_params[0].value  # left for the next fit
    copied = _pickled(est)
    for e in (est, copied, again):
        e.partial_fit(X, Y)
    for a, b in zip(est.coefs_ + est.intercepts_, copied.coefs_ + copied.intercepts_,
                    strict=True):
        np.testing.assert_array_equal(a, b)
    assert all((a == 0.1).all() for a in mine) and not np.array_equal(again.coefs_[0], mine[0])


# -- 3. a pandas DataFrame of sparse columns, refused before any work -----------------------------
def _sparse_frame(rows):
    pd = pytest.importorskip("pandas")
    Xs = sparse.random(rows, 3, density=0.3, random_state=0, format="csr", dtype=np.float32)
    return pd.DataFrame.sparse.from_spmatrix(Xs), (np.arange(rows) % 2)


@pytest.mark.parametrize("how", ["fit", "partial_fit"])
def test_sparse_frame_is_refused_before_validation_leaving_the_estimator(monkeypatch, how):
    """A float32 network (the ``dtype`` parameter, or a continuing fit) on a DataFrame of
    more rows than float32 numbers exactly: the message of a SciPy matrix, before the
    frame is validated (converted) and before the estimator changes."""
    frame, y = _sparse_frame(11)
    est = _fit(nls.MLPClassifier(hidden_layer_sizes=(4,), max_iter=2, random_state=0,
                                 dtype=np.float32 if how == "fit" else None),
               X.astype(np.float32), LABELS)
    before = [a.copy() for a in est.coefs_ + est.intercepts_]
    monkeypatch.setattr(_sklearn_sparse, "_FLOAT32_ROWS", 10)
    monkeypatch.setattr(nls, "validate_data", _no_validation)
    with pytest.raises(ValueError, match=r"Expected at most 10 rows of sparse X for a float32 "
                       r"fit .*Received 11 rows: fit with dtype=np.float64"):
        _fit(est, frame, y) if how == "fit" else est.partial_fit(frame, y)
    assert est.n_iter_ == 2 and est.n_features_in_ == 3
    assert all(np.array_equal(a, b) for a, b in zip(before, est.coefs_ + est.intercepts_,
                                                      strict=True))


def _no_validation(*args, **kwargs):
    raise AssertionError("validated: the refusal came late")


def test_sparse_frame_within_the_limit_or_in_float64_still_fits(monkeypatch):
    frame, y = _sparse_frame(11)
    monkeypatch.setattr(_sklearn_sparse, "_FLOAT32_ROWS", 10)
    est = _fit(nls.MLPClassifier(hidden_layer_sizes=(4,), max_iter=2, random_state=0), frame, y)
    assert est.coefs_[0].dtype == np.float64  # validation's dtype for a frame: float64
    monkeypatch.setattr(_sklearn_sparse, "_FLOAT32_ROWS", 11)
    est = _fit(est.set_params(dtype=np.float32), frame, y)
    assert est.coefs_[0].dtype == np.float32


def test_shallow_copy_leaves_the_shared_network_as_it_was():
    """``copy.copy`` also calls ``__setstate__``, but its estimator shares the network (and
    its packing): nothing is packed again, the original's ``coefs_`` stay the network's."""
    est = _fit(nls.MLPRegressor(hidden_layer_sizes=(5,), solver="adam", max_iter=3,
                                random_state=0), X, Y)
    est.coefs_ = [a + 0.0 for a in est.coefs_]
    est.predict(X)  # copied into the network: its parameters not packed now
    shallow = copy.copy(est)
    assert shallow.model_ is est.model_ and shallow.coefs_ is est.coefs_
    assert all(a is p.value for a, p in zip(est.coefs_, est._coef_params, strict=True))
