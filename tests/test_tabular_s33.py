"""Messy tabular inputs for the Python API (session 33): sparse X and NaN hints."""

import numpy as np
import pytest

import nonlin

sp = pytest.importorskip("scipy.sparse")


def _model() -> nonlin.Sequential:
    model = nonlin.Sequential([nonlin.Dense(1)])
    model.compile(loss="mse", optimizer="sgd")
    return model


def _data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(12, 3))
    X[X < 0.2] = 0.0
    return X, (np.arange(12) % 2).reshape(-1, 1).astype(float)


@pytest.mark.parametrize("kind", ["csr_matrix", "csc_matrix", "coo_matrix", "csr_array"])
def test_sparse_x_reads_as_its_dense_twin(kind: str) -> None:
    X, y = _data()
    dense, sparse = _model(), _model()
    dense.fit(X, y, epochs=2, verbose=0, seed=0)
    Xs = getattr(sp, kind)(X)
    sparse.fit(Xs, y, epochs=2, verbose=0, seed=0)
    np.testing.assert_array_equal(sparse.predict(Xs), dense.predict(X))
    np.testing.assert_array_equal(sparse.evaluate(Xs, y, verbose=0),
                                  dense.evaluate(X, y, verbose=0))
    np.testing.assert_array_equal(Xs.toarray(), X)  # the user's matrix is untouched


@pytest.mark.parametrize("where", ["x", "y"])
def test_nan_error_names_the_cell_and_says_what_to_do(where: str) -> None:
    X, y = _data()
    (X if where == "x" else y)[3, 0] = np.nan
    with pytest.raises(ValueError, match=rf"{where}\[3, 0\]=nan; fill in or drop the missing "
                                         r"values first \(scikit-learn's SimpleImputer"):
        _model().fit(X, y, epochs=1, verbose=0, seed=0)


def test_nullable_frame_na_gets_the_hint() -> None:
    pd = pytest.importorskip("pandas")
    X, y = _data()
    frame = pd.DataFrame({"a": pd.array([1, None] * 6, dtype="Int64"), "b": X[:, 0]})
    with pytest.raises(ValueError, match=r"x\[1, 0\]=nan; fill in or drop.*SimpleImputer"):
        _model().fit(frame, y, epochs=1, verbose=0, seed=0)


def test_infinity_gets_no_missing_value_hint() -> None:
    X, y = _data()
    X[2, 1] = np.inf
    with pytest.raises(ValueError, match=r"x\[2, 1\]=inf$"):
        _model().fit(X, y, epochs=1, verbose=0, seed=0)
