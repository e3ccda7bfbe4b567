"""Predictions, CSC input and float32 on a sparse X: as on X.toarray(), never densified."""

import warnings

import numpy as np
import pytest

sp = pytest.importorskip("scipy.sparse")
pytest.importorskip("sklearn")

from sklearn.exceptions import ConvergenceWarning  # noqa: E402

import nonlin.sklearn as nls  # noqa: E402


class NoDense(sp.csr_matrix):
    """A CSR matrix that refuses to be made dense."""

    def toarray(self, *args, **kwargs):
        raise AssertionError("a sparse X was made dense")

    todense = toarray

    def __array__(self, *args, **kwargs):
        raise AssertionError("a sparse X was made dense")


def data(n=200, d=50):
    rng = np.random.default_rng(0)
    X = sp.random(n, d, density=0.1, format="csr", random_state=3)
    return X, (X @ rng.normal(size=d) > 0).astype(int) + (X[:, 1].toarray().ravel() > 0)


def fitted(X, y, **params):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return nls.MLPClassifier((8,), max_iter=5, random_state=0, **params).fit(X, y)


@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_fit_and_predict_never_make_x_dense(solver):
    X, y = data()
    X = NoDense(X)
    est = fitted(X, y, solver=solver, early_stopping=solver == "adam")
    for method in ("predict", "predict_proba", "predict_log_proba"):
        getattr(est, method)(X)
    est.score(X, y)


def test_predict_paths_agree_with_dense_input():
    X, y = data()
    est = fitted(X, y)
    D = X.toarray()
    for method in ("predict", "predict_proba", "predict_log_proba"):
        for given in (X, X.tocsc()):
            np.testing.assert_allclose(getattr(est, method)(given), getattr(est, method)(D),
                                       rtol=1e-12, atol=1e-14)
    assert est.score(X, y) == est.score(D, y)
    big = sp.vstack([X] * 30, format="csr")  # 6,000 rows: predict's chunks
    np.testing.assert_allclose(est.predict_proba(big), est.predict_proba(big.toarray()),
                               rtol=1e-12)


def test_csc_input_fits_as_csr():
    X, y = data()
    a, b = fitted(X, y), fitted(X.tocsc(), y)
    for p, q in zip(a.coefs_ + a.intercepts_, b.coefs_ + b.intercepts_, strict=True):
        np.testing.assert_array_equal(p, q)
