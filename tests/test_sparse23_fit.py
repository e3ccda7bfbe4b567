"""A sparse X trains without being made dense: the same weights as on X.toarray() and as
scikit-learn's own sparse fit (1e-9 relative, float64), for every solver and task."""

import warnings

import numpy as np
import pytest

sp = pytest.importorskip("scipy.sparse")
pytest.importorskip("sklearn")

from sklearn import neural_network as skl  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402

import nonlin.sklearn as nls  # noqa: E402

RTOL = 1e-9


def data(task: str, n: int = 240, d: int = 60):
    """A sparse (n, d) CSR X (about 10% filled) and targets for ``task``."""
    rng = np.random.default_rng(0)
    X = sp.random(n, d, density=0.1, format="csr", random_state=1)
    score = X @ rng.normal(size=(d, 3))
    if task == "binary":
        y = (score[:, 0] > np.median(score[:, 0])).astype(int)
    elif task == "multiclass":
        y = score.argmax(axis=1)
    elif task == "multilabel":
        y = (score > np.median(score, axis=0)).astype(int)
    else:
        y = score[:, :2]
    return X, y


def rel(a, b) -> float:
    pairs = zip(a.coefs_ + a.intercepts_, b.coefs_ + b.intercepts_, strict=True)
    return max(float(np.max(np.abs(p - q)) / np.max(np.abs(q))) for p, q in pairs)


def fit(cls, X, y, **params):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return cls(**params).fit(X, y)


TASKS = ["binary", "multiclass", "multilabel", "regression"]


@pytest.mark.parametrize("solver", ["sgd", "adam", "lbfgs"])
@pytest.mark.parametrize("task", TASKS)
def test_sparse_fit_agrees_with_the_dense_fit(solver, task):
    X, y = data(task)
    name = "MLPRegressor" if task == "regression" else "MLPClassifier"
    params = dict(hidden_layer_sizes=(9, 5), solver=solver, max_iter=15, random_state=2,
                  batch_size=40, alpha=0.01)
    ours = fit(getattr(nls, name), X, y, **params)
    dense = fit(getattr(nls, name), X.toarray(), y, **params)
    assert rel(ours, dense) < RTOL
    assert ours.n_iter_ == dense.n_iter_
    if solver != "lbfgs":
        np.testing.assert_allclose(ours.loss_curve_, dense.loss_curve_, rtol=RTOL)


@pytest.mark.parametrize("solver", ["sgd", "adam", "lbfgs"])
@pytest.mark.parametrize("task", TASKS)
def test_sparse_fit_agrees_with_sklearns_sparse_fit(solver, task):
    X, y = data(task)
    name = "MLPRegressor" if task == "regression" else "MLPClassifier"
    params = dict(hidden_layer_sizes=(9,), solver=solver, max_iter=8, random_state=3,
                  batch_size=50)
    ours = fit(getattr(nls, name), X, y, **params)
    ref = fit(getattr(skl, name), X, y, **params)
    assert rel(ours, ref) < RTOL
    np.testing.assert_allclose(ours.predict(X), ref.predict(X), rtol=RTOL, atol=1e-12)


def test_sample_weight_and_early_stopping_agree_with_sklearn():
    X, y = data("multiclass")
    weights = np.random.default_rng(1).uniform(0.2, 2.0, X.shape[0])
    params = dict(hidden_layer_sizes=(11,), max_iter=6, random_state=3, early_stopping=True,
                  validation_fraction=0.2, batch_size=50)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours = nls.MLPClassifier(**params).fit(X, y, sample_weight=weights)
        ref = skl.MLPClassifier(**params).fit(X, y, sample_weight=weights)
        dense = nls.MLPClassifier(**params).fit(X.toarray(), y, sample_weight=weights)
    assert rel(ours, ref) < RTOL and rel(ours, dense) < RTOL
    np.testing.assert_allclose(ours.validation_scores_, ref.validation_scores_)
    assert ours.best_validation_score_ == dense.best_validation_score_


@pytest.mark.parametrize("name", ["MLPClassifier", "MLPRegressor"])
def test_partial_fit_and_warm_start_on_sparse_x(name):
    X, y = data("regression" if name == "MLPRegressor" else "multiclass")
    params = dict(hidden_layer_sizes=(8,), random_state=0, batch_size=30)
    extra = {"classes": np.unique(y)} if name == "MLPClassifier" else {}
    ours, dense = getattr(nls, name)(**params), getattr(nls, name)(**params)
    for _ in range(3):
        ours.partial_fit(X, y, **extra)
        dense.partial_fit(X.toarray(), y, **extra)
    assert rel(ours, dense) < RTOL
    for est, X_fit in ((ours, X), (dense, X.toarray())):
        est.set_params(warm_start=True, max_iter=3)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            est.fit(X_fit, y)
    assert rel(ours, dense) < RTOL


@pytest.mark.parametrize("extra", [{"dropout": 0.3}, {"batch_norm": True}])
@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_dropout_and_batch_norm_on_sparse_x(extra, solver):
    if solver == "lbfgs" and "dropout" in extra:
        pytest.skip("dropout is refused with lbfgs")
    X, y = data("multiclass")
    params = dict(hidden_layer_sizes=(9,), solver=solver, max_iter=10, random_state=4, **extra)
    ours = fit(nls.MLPClassifier, X, y, **params)
    dense = fit(nls.MLPClassifier, X.toarray(), y, **params)
    assert rel(ours, dense) < 1e-8  # batch_norm's statistics amplify the last bits a little
    np.testing.assert_allclose(ours.predict_proba(X), dense.predict_proba(X.toarray()),
                               rtol=1e-8, atol=1e-12)
