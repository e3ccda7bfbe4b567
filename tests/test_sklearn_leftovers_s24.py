"""Leftovers of ``nonlin.sklearn``'s estimators (session 24): which arrays a fit writes
(scikit-learn's ``id()`` behaviour, never a user's own array), a refused sparse fit that
changes nothing, ``random_state`` objects in files, nested ``set_params`` and what a
pickle of a stochastic solver's estimator holds."""

from __future__ import annotations

import copy
import io
import pickle
import re

import numpy as np
import pytest

pytest.importorskip("sklearn")
sparse = pytest.importorskip("scipy.sparse")

from sklearn.exceptions import NotFittedError  # noqa: E402

import nonlin.sklearn as nls  # noqa: E402
from nonlin import _sklearn_sparse  # noqa: E402
from sklearn_helpers import LABELS, X, Y  # noqa: E402
from sklearn_helpers import quiet_fit as _fit  # noqa: E402


def _warm(solver, **kwargs):
    return nls.MLPRegressor(hidden_layer_sizes=(5,), solver=solver, max_iter=3, random_state=0,
                            warm_start=True, **kwargs)


# -- 1. the arrays a fit writes ----------------------------------------------------------------
def test_lbfgs_warm_start_replaces_the_fitted_arrays_as_sklearn():
    """scikit-learn's L-BFGS gives coefs_ / intercepts_ new arrays (its _unpack): those
    from the fit before, which a user may hold, keep their values."""
    est = _fit(_warm("lbfgs"), X, Y)
    held = est.coefs_ + est.intercepts_
    kept = [a.copy() for a in held]
    _fit(est, X, Y)
    assert all(a is not b for a, b in zip(held, est.coefs_ + est.intercepts_, strict=True))
    assert all(np.array_equal(a, k) for a, k in zip(held, kept, strict=True))
    assert not np.array_equal(est.coefs_[0], kept[0])  # it trained


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_stochastic_fits_update_the_fitted_arrays_in_place_as_sklearn(solver):
    """scikit-learn's SGD and Adam step coefs_ in place (warm start and partial_fit),
    also after an L-BFGS fit (which left new arrays)."""
    est = _fit(_warm(solver), X, Y)
    for step in ("fit", "partial_fit", "lbfgs", "partial_fit"):
        held = list(est.coefs_)
        if step == "lbfgs":  # new arrays (above), which the next partial_fit steps in place
            _fit(est.set_params(solver="lbfgs"), X, Y)
            est.set_params(solver=solver)
            continue
        _fit(est, X, Y) if step == "fit" else est.partial_fit(X, Y)
        assert all(a is b for a, b in zip(held, est.coefs_, strict=True))


def test_early_stopping_ends_on_new_best_arrays_as_sklearn():
    """scikit-learn's early stopping ends with coefs_ = its best copies: the trained arrays
    a user holds keep the last epoch's weights; the next warm start trains in place."""
    est = nls.MLPClassifier(hidden_layer_sizes=(10,), solver="adam", max_iter=2, random_state=0,
                            early_stopping=True, warm_start=True, n_iter_no_change=3)
    Xc = np.random.RandomState(0).randn(400, 3)
    yc = (Xc[:, 0] + Xc[:, 1] > 0).astype(int)
    _fit(est, Xc, yc)
    held = est.coefs_[0]
    _fit(est.set_params(learning_rate_init=0.01, max_iter=30), Xc, yc)
    assert est.best_validation_score_ > 0.8  # (improved: the best copies became coefs_)
    assert est.coefs_[0] is not held and not np.array_equal(est.coefs_[0], held)
    held, best = est.coefs_[0], est.best_validation_score_
    _fit(est.set_params(learning_rate_init=1e-9, max_iter=1), Xc, yc)  # no better score
    assert est.best_validation_score_ == best and est.coefs_[0] is held


@pytest.mark.parametrize("solver", ["sgd", "adam", "lbfgs"])
def test_a_fit_never_writes_a_users_arrays(solver):
    """Arrays the user assigned (the list, or one item) are copied into the network."""
    est = _fit(_warm(solver), X, Y)
    mine = [np.full_like(a, 0.1) for a in est.coefs_]
    est.coefs_ = mine
    _fit(est, X, Y)
    one = np.full_like(est.intercepts_[0], 0.2)
    est.intercepts_[0] = one
    if solver == "lbfgs":
        _fit(est, X, Y)
    else:
        est.partial_fit(X, Y)
    assert all((a == 0.1).all() for a in mine) and (one == 0.2).all()
    assert est.coefs_[0] is not mine[0] and est.intercepts_[0] is not one


# -- 4. a refused sparse fit changes nothing -----------------------------------------------------
def test_refused_float32_sparse_fit_leaves_an_unfitted_estimator_unfitted(monkeypatch):
    monkeypatch.setattr(_sklearn_sparse, "_FLOAT32_ROWS", 10)
    est = nls.MLPClassifier(hidden_layer_sizes=(4,), max_iter=2, random_state=0)
    Xs = sparse.csr_matrix(X.astype(np.float32))
    with pytest.raises(ValueError, match="Expected at most 10 rows of sparse X.*Received 60"):
        est.fit(Xs, LABELS)
    assert not hasattr(est, "coefs_") and not hasattr(est, "n_features_in_")
    with pytest.raises(NotFittedError):
        est.predict(X)


@pytest.mark.parametrize("warm_start", [False, True])
def test_refused_float32_sparse_fit_leaves_a_fitted_estimator_as_it_was(monkeypatch, warm_start):
    est = _fit(nls.MLPRegressor(hidden_layer_sizes=(4,), max_iter=2, random_state=0,
                                warm_start=warm_start, dtype="float32"), X[:, :2], Y)
    before = [a.copy() for a in est.coefs_ + est.intercepts_]
    predicted = est.predict(X[:, :2])
    monkeypatch.setattr(_sklearn_sparse, "_FLOAT32_ROWS", 10)
    with pytest.raises(ValueError, match="Expected at most 10 rows"):
        est.fit(sparse.csr_matrix(X[:, :2] if warm_start else X.astype(np.float32)), Y)
    assert est.n_features_in_ == 2 and est.n_iter_ == 2
    assert all(np.array_equal(a, b) for a, b in zip(before, est.coefs_ + est.intercepts_,
                                                      strict=True))
    np.testing.assert_array_equal(est.predict(X[:, :2]), predicted)


# -- 5. what a pickle of a stochastic solver's estimator holds ------------------------------------
@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_pickle_and_deepcopy_hold_no_scratch_and_continue_bit_identically(solver):
    """No packed copy of the weights, nor the optimizer's or the objective's scratch arrays
    (rebuilt by the next step); the optimizer's state is kept: a copy continues as the
    estimator does, bit for bit."""
    Xc = np.random.RandomState(0).rand(300, 20)
    yc = np.random.RandomState(1).randint(0, 4, 300)
    est = _fit(nls.MLPClassifier(hidden_layer_sizes=(50,), solver=solver, max_iter=3,
                                 random_state=0), Xc, yc)
    weights = sum(a.nbytes for a in est.coefs_ + est.intercepts_)
    data = pickle.dumps(est)
    slots = 2 if solver == "adam" else 1  # moments, velocities
    assert len(data) < (3 + slots) * weights + 20000  # + values, grads, the best weights
    copies = [pickle.loads(data), copy.deepcopy(est)]
    for e in [est, *copies]:
        e.partial_fit(Xc, yc)
        _fit(e.set_params(warm_start=True, max_iter=2), Xc, yc)
    for c in copies:
        assert c.loss_curve_ == est.loss_curve_ and c.t_ == est.t_
        for a, b in zip(est.coefs_ + est.intercepts_, c.coefs_ + c.intercepts_, strict=True):
            np.testing.assert_array_equal(a, b)


# -- 3. nested parameters of a nonlin object ----------------------------------------------------
def test_nested_set_params_on_a_nonlin_loss_is_a_clear_refusal_that_changes_nothing():
    """scikit-learn's nested names set an estimator's parameters in place; a nonlin Loss
    has none (and is the user's): refused before anything is set, naming what to do."""
    from nonlin.losses import Huber

    loss = Huber(delta=2.0)
    est = nls.MLPRegressor(loss=loss)
    with pytest.raises(ValueError, match=r"Expected a parameter of MLPRegressor .*Received "
                       r"loss__delta=3\.0.*est\.set_params\(loss=\.\.\.\)"):
        est.set_params(alpha=0.5, loss__delta=3.0)
    assert est.loss is loss and loss.delta == 2.0 and est.alpha == 0.0001
    with pytest.raises(ValueError, match="Invalid parameter 'foo'"):  # scikit-learn's own
        est.set_params(foo__bar=1)
    assert est.set_params(loss=Huber(delta=3.0)).loss.delta == 3.0


# -- 2. a RandomState as random_state, in a file -------------------------------------------------
def test_saved_random_state_object_keeps_its_state_as_pickle_does():
    """A ``RandomState`` parameter is saved as its state (what pickle keeps), not as None
    (NumPy's global stream): the loaded estimator's refit draws what the pickled one's does."""
    est = _fit(nls.MLPRegressor(hidden_layer_sizes=(4,), max_iter=3,
                                random_state=np.random.RandomState(1)), X, Y)
    buffer = io.BytesIO()
    est.save(buffer)
    loaded = nls.load(io.BytesIO(buffer.getvalue()))
    unpickled = pickle.loads(pickle.dumps(est))
    assert isinstance(loaded.random_state, np.random.RandomState)
    assert loaded.random_state is not est.random_state
    for e in (loaded, unpickled, est):
        _fit(e, X, Y)
    for a, b, c in zip(loaded.coefs_, unpickled.coefs_, est.coefs_, strict=True):
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(a, c)


def test_random_state_on_another_bit_generator_is_refused_at_save(tmp_path):
    est = _fit(nls.MLPRegressor(hidden_layer_sizes=(4,), max_iter=3,
                                random_state=np.random.RandomState(np.random.PCG64(0))), X, Y)
    with pytest.raises(ValueError, match="Expected random_state an int, None or a RandomState "
                       "on MT19937.*Received a RandomState on PCG64"):
        est.save(tmp_path / "m.safetensors")
    assert not (tmp_path / "m.safetensors").exists()


@pytest.mark.parametrize(("change", "received"), [
    (lambda r: r.update(pos=625), "pos=625"), (lambda r: r.update(key=r["key"][:-1]),
                                               "key with 623 entries"),
    (lambda r: r["key"].__setitem__(3, 2**32), "key[3]=4294967296"),
    (lambda r: r["key"].__setitem__(5, 1.0), "key[5]=1.0"),
    (lambda r: r.update(has_gauss=True), "has_gauss=True"),
    (lambda r: r.update(gauss="nan"), "gauss='nan'"),
    (lambda r: r.update(extra=1), "the keys extra or missing ['extra']"),
    (lambda r: r.pop("pos"), "the keys extra or missing ['pos']")])
def test_a_damaged_random_state_record_is_refused_naming_the_field(change, received):
    """The record is 7 KB: a file's message shows 200 characters, so it names the field
    (before, the start of the key list, which hid a wrong ``pos`` or ``gauss``)."""
    from io_helpers import edit_meta
    from nonlin import ModelFileError

    est = _fit(nls.MLPRegressor(hidden_layer_sizes=(4,), max_iter=3,
                                random_state=np.random.RandomState(1)), X, Y)
    buffer = io.BytesIO()
    est.save(buffer)

    def apply(meta):
        change(meta["training"]["params"]["random_state"]["RandomState"])
        return meta

    data = edit_meta(buffer.getvalue(), "metadata", apply)
    expected = (r"training.params.random_state.*Expected random_state as \{'RandomState': "
                r"\{'key': \[624 ints.*Received " + re.escape(received) + "$")
    with pytest.raises(ModelFileError, match=expected):
        nls.load(io.BytesIO(data))
