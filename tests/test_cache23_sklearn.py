"""Fitted ``MLPClassifier`` / ``MLPRegressor`` pickle and copy without the training data
(every solver, dense and sparse ``X``), and keep no reference to the user's ``X``."""

from __future__ import annotations

import copy
import gc
import pickle
import warnings
import weakref
from typing import Any

import numpy as np
import pytest

pytest.importorskip("sklearn")  # the sklearn extra: skipped where it is not installed

import scipy.sparse as sp  # noqa: E402

from cache23_helpers import batch_arrays, rows_in  # noqa: E402
from nonlin.sklearn import MLPClassifier, MLPRegressor  # noqa: E402

N, BATCH = 120, 40


def _data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(3)
    X = rng.normal(size=(N, 30))
    return X, (X[:, 0] > 0).astype(int)


def _fit(cls: type, solver: str, X: Any, y: np.ndarray) -> Any:
    est = cls(hidden_layer_sizes=(7,), solver=solver, max_iter=4, batch_size=BATCH,
              random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return est.fit(X, y)


def _weights(est: Any) -> int:
    return sum(a.nbytes for a in est.coefs_ + est.intercepts_)


CASES = [(cls, solver, sparse) for cls in (MLPClassifier, MLPRegressor)
         for solver in ("lbfgs", "adam", "sgd") for sparse in (False, True)]


@pytest.mark.parametrize(("cls", "solver", "sparse"), CASES)
def test_a_fitted_estimator_pickles_without_its_training_data(cls: type, solver: str,
                                                               sparse: bool) -> None:
    X, y = _data()
    est = _fit(cls, solver, sp.csr_matrix(X) if sparse else X, y)
    blob = pickle.dumps(est)
    assert rows_in(blob, X) == []
    assert batch_arrays(pickle.loads(blob), (N, BATCH, N - N // 10)) == []
    assert batch_arrays(copy.deepcopy(est), (N, BATCH, N - N // 10)) == []
    # weights, gradients, the solver's slots and best weights: about ten times the weights
    assert len(blob) < 12 * _weights(est) + 40_000, (len(blob), _weights(est))


@pytest.mark.parametrize(("cls", "solver", "sparse"), CASES)
def test_a_fitted_estimator_keeps_no_reference_to_x(cls: type, solver: str,
                                                    sparse: bool) -> None:
    X, y = _data()
    X = sp.csr_matrix(X) if sparse else X
    ref = weakref.ref(X.data if sparse else X)
    est = _fit(cls, solver, X, y)
    del X
    gc.collect()
    assert ref() is None
    assert est.predict(_data()[0]).shape[0] == N  # the model is kept


@pytest.mark.parametrize("solver", ["lbfgs", "adam", "sgd"])
def test_partial_fit_and_warm_start_keep_no_reference_to_x(solver: str) -> None:
    X, y = _data()
    ref = weakref.ref(X)
    est = MLPClassifier(hidden_layer_sizes=(7,), solver=solver, max_iter=3, warm_start=True,
                        batch_size=N, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(X, y)
        est.fit(X, y)
        if solver != "lbfgs":
            est.partial_fit(X, y)
    del X
    gc.collect()
    assert ref() is None  # the scratch buffers the model owns may stay
