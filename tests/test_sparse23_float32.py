"""float32 (the ``dtype`` parameter, or float32 data) stays float32 end to end on a sparse X,
and the data is cast (and CSC converted) once per fit, not per batch."""

import warnings

import numpy as np
import pytest

sp = pytest.importorskip("scipy.sparse")
pytest.importorskip("sklearn")

from sklearn.exceptions import ConvergenceWarning  # noqa: E402

import nonlin.sklearn as nls  # noqa: E402
from nonlin import _sklearn_sparse  # noqa: E402


def data(n=200, d=50):
    rng = np.random.default_rng(0)
    X = sp.random(n, d, density=0.1, format="csr", random_state=3)
    return X, (X @ rng.normal(size=d) > 0).astype(int) + (X[:, 1].toarray().ravel() > 0)


def fitted(X, y, **params):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return nls.MLPClassifier((8,), max_iter=5, random_state=0, **params).fit(X, y)


def test_float32_stays_float32_and_the_data_is_cast_once(monkeypatch):
    X, y = data()
    casts = []
    original = _sklearn_sparse.product

    def product(batch, W, b):
        assert batch.dtype == np.float32 and W.dtype == np.float32
        casts.append(batch.dtype)
        return original(batch, W, b)

    monkeypatch.setattr(_sklearn_sparse, "product", product)
    est = fitted(X, y, dtype=np.float32, batch_size=20)
    assert len(casts) >= 10  # every batch multiplied in float32
    assert all(w.dtype == np.float32 for w in est.coefs_ + est.intercepts_)
    assert est.predict_proba(X.astype(np.float32)).dtype == np.float32
    dense = fitted(X.toarray(), y, dtype=np.float32, batch_size=20)
    for p, q in zip(est.coefs_, dense.coefs_, strict=True):
        np.testing.assert_allclose(p, q, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("given", ["csr64", "csc32"])
def test_x_is_converted_once_for_the_whole_fit(monkeypatch, given):
    X, y = data()
    X = X.tocsc().astype(np.float32) if given == "csc32" else X
    made = []
    original = _sklearn_sparse.SparseRows.__init__

    def init(self, X, first):
        made.append(X)
        original(self, X, first)

    monkeypatch.setattr(_sklearn_sparse.SparseRows, "__init__", init)
    est = fitted(X, y, batch_size=20, dtype=np.float32)
    assert len(made) == 1 and made[0].dtype == np.float32 and made[0].format == "csr"
    assert est.coefs_[0].dtype == np.float32


def test_a_float32_fit_refuses_more_rows_than_float32_numbers_exactly():
    from nonlin import Dense, Sequential

    model = Sequential([Dense(2)]).build(3, seed=0, dtype=np.float32)
    X = sp.csr_matrix((2**24 + 1, 3), dtype=np.float32)  # no entries: small
    with pytest.raises(ValueError, match="Expected at most 16777216 rows"):
        with _sklearn_sparse.in_front(model, X):
            pass
    assert model.n_features_in == 3 and type(model.layers[0]) is Dense
