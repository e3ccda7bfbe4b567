"""nonlin.sklearn in scikit-learn's ecosystem, and a search on a local Dask cluster."""

import pickle
import signal
import warnings
from contextlib import contextmanager

import numpy as np
import pytest

pytest.importorskip("sklearn")

from sklearn.base import clone  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.model_selection import (  # noqa: E402
    GridSearchCV,
    RandomizedSearchCV,
    cross_val_score,
)
from sklearn.pipeline import Pipeline, make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from nonlin.sklearn import MLPClassifier, MLPRegressor  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

GRID = {
    "hidden_layer_sizes": [(8,), (16,)],
    "alpha": [1e-4, 1e-1],
    "learning_rate_init": [1e-3, 1e-2],
}


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X[:300], y[:300]


def test_pipeline_and_cross_val_score(digits):
    X, y = digits
    clf = MLPClassifier((20,), learning_rate_init=0.01, max_iter=60, random_state=0)
    pipe = make_pipeline(StandardScaler(), clf)
    scores = cross_val_score(pipe, X, y, cv=3)
    assert scores.shape == (3,) and scores.mean() > 0.8
    assert isinstance(pipe, Pipeline) and pipe.fit(X, y).score(X, y) > 0.95


def test_grid_and_randomized_search(digits):
    X, y = digits
    base = MLPClassifier(max_iter=20, random_state=0)
    grid = GridSearchCV(base, GRID, cv=2).fit(X / 16, y)
    assert len(grid.cv_results_["params"]) == 8
    assert grid.best_params_ in grid.cv_results_["params"]
    assert grid.best_estimator_.hidden_layer_sizes == grid.best_params_["hidden_layer_sizes"]
    rand = RandomizedSearchCV(
        MLPRegressor(hidden_layer_sizes=(16,), max_iter=20, random_state=0),
        {"alpha": [1e-4, 1e-2, 1.0]}, n_iter=3, cv=2, random_state=0,
    ).fit(X / 16, y.astype(float))
    assert set(rand.best_params_) == {"alpha"} and np.isfinite(rand.best_score_)


def test_clone_keeps_params_and_drops_state(digits):
    X, y = digits
    est = MLPClassifier((7, 5), solver="sgd", momentum=0.5, dropout=0.1, max_iter=5).fit(X, y)
    twin = clone(est)
    assert twin.get_params() == est.get_params()
    assert not hasattr(twin, "coefs_") and hasattr(est, "coefs_")


def test_pickle_round_trip_predicts_the_same(digits):
    X, y = digits
    est = MLPClassifier((12,), max_iter=10, random_state=0).fit(X, y)
    again = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(again.predict_proba(X), est.predict_proba(X))
    again.set_params(warm_start=True, max_iter=2).fit(X, y)  # still trainable, arrays still bound
    assert again.coefs_[0] is again.model_.layers[0].W.value


def test_swapping_the_import_keeps_a_script_working(digits):
    """A typical scikit-learn script, run with either import, gives the same kind of results."""
    from sklearn import neural_network

    import nonlin.sklearn

    X, y = digits
    results = []
    for module in (neural_network, nonlin.sklearn):
        clf = module.MLPClassifier(hidden_layer_sizes=(30,), max_iter=50, random_state=1)
        clf.fit(X / 16, y)
        results.append((clf.score(X / 16, y), clf.predict_proba(X[:3] / 16).shape,
                        [w.shape for w in clf.coefs_], clf.n_iter_, len(clf.loss_curve_)))
    assert results[0][1:] == results[1][1:]
    assert results[1][0] == pytest.approx(results[0][0], abs=0.02)


@contextmanager
def time_limit(seconds: int):
    """Raise TimeoutError in the main thread after ``seconds`` (the cluster then closes)."""

    def expired(signum, frame):
        raise TimeoutError(f"the Dask test ran past {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.mark.skipif(not hasattr(signal, "SIGALRM"), reason="needs SIGALRM for the time limit")
def test_grid_search_on_a_local_dask_cluster_matches_the_local_run(digits):
    """joblib's Dask backend on a two-process LocalCluster: same best_params_ and scores."""
    distributed = pytest.importorskip("distributed")
    import joblib

    X, y = digits[0] / 16, digits[1]
    search = GridSearchCV(MLPClassifier(max_iter=15, random_state=0), GRID, cv=3)
    local = clone(search).fit(X, y)
    with (
        time_limit(180),
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
            scheduler_port=0, dashboard_address=None, silence_logs=40,
        ) as cluster,
        distributed.Client(cluster, timeout="60s") as client,
    ):
        client.wait_for_workers(n_workers=2, timeout=60)
        assert len(client.scheduler_info(n_workers=-1)["workers"]) == 2
        assert all(addr.startswith("tcp://127.0.0.1:") for addr in client.scheduler_info(
            n_workers=-1)["workers"])
        with joblib.parallel_config(backend="dask"), warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            remote = clone(search).fit(X, y)
        assert client.run(lambda: __import__("nonlin").__name__)  # ran in worker processes
    assert remote.best_params_ == local.best_params_
    np.testing.assert_array_equal(
        remote.cv_results_["mean_test_score"], local.cv_results_["mean_test_score"]
    )
