"""nonlin.sklearn's estimators train deep copies of the given callbacks (``callbacks_``)
and leave the given ones as they were (session 18).

Before, a fit trained the user's own callback objects: after it they held counters and
``model`` (the trained network), scikit-learn's ``check_estimators_overwrite_params``
failed, and ``clone`` of a fitted estimator deep-copied that network along.
"""

import pickle
import threading
import warnings

import numpy as np
import pytest

pytest.importorskip("sklearn")

import joblib  # noqa: E402
from sklearn.base import clone  # noqa: E402
from sklearn.model_selection import GridSearchCV  # noqa: E402
from sklearn.utils.estimator_checks import check_estimators_overwrite_params  # noqa: E402

import nonlin  # noqa: E402
from nonlin.sklearn import MLPClassifier, MLPRegressor, load  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
SMALL = {"hidden_layer_sizes": (4,), "random_state": 0}


class Recorder(nonlin.Callback):
    """Records each epoch's logs (state a fit must not leave in the given object)."""

    def __init__(self) -> None:
        self.logs: list[dict] = []

    def on_epoch_end(self, epoch, logs=None):
        self.logs.append(dict(logs))


def _data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    return X, (X[:, 0] + X[:, 1] > 0).astype(int)


def _given() -> list[nonlin.Callback]:
    return [nonlin.EarlyStopping(monitor="loss", min_delta=10.0, patience=1), Recorder()]


@pytest.mark.parametrize("Estimator", [MLPClassifier, MLPRegressor])
def test_fit_trains_copies_and_leaves_the_given_callbacks_as_they_were(Estimator):
    X, y = _data()
    given = _given()
    before = [joblib.hash(cb) for cb in given]
    est = Estimator(**SMALL, max_iter=20, callbacks=given).fit(X, y)
    assert [joblib.hash(cb) for cb in given] == before
    assert all("model" not in cb.__dict__ for cb in given) and given[1].logs == []
    assert est.callbacks is given
    stop, record = est.callbacks_  # the trained copies, in the given order
    assert type(stop) is nonlin.EarlyStopping and type(record) is Recorder
    assert stop.stopped_epoch == 1 and est.n_iter_ == 2 and given[0].stopped_epoch == 0
    assert [log["loss"] for log in record.logs] == est.loss_curve_
    assert stop.model is est.model_ and record.model is est.model_


def test_sklearns_overwrite_params_check_passes_with_callbacks():
    est = MLPClassifier(**SMALL, max_iter=5, callbacks=_given())
    check_estimators_overwrite_params("MLPClassifier", est)


def test_partial_fit_continues_the_copies_and_leaves_the_given_ones():
    X, y = _data()
    record = Recorder()
    est = MLPClassifier(**SMALL, callbacks=[record])
    for _ in range(3):
        est.partial_fit(X, y, classes=[0, 1])
    assert record.logs == [] and "model" not in record.__dict__
    assert len(est.callbacks_[0].logs) == 3  # one copy, continued by each later call
    first = est.callbacks_[0]
    est.set_params(warm_start=True).fit(X, y)  # a warm start continues it too
    assert est.callbacks_[0] is first and len(first.logs) == 3 + est.n_iter_
    other = Recorder()
    est.set_params(callbacks=[other]).partial_fit(X, y)  # other callbacks: new copies
    assert len(est.callbacks_[0].logs) == 1 and other.logs == []
    est.set_params(warm_start=False).fit(X, y)  # a new run: new copies
    assert est.callbacks_[0] is not first and len(est.callbacks_[0].logs) == est.n_iter_


def test_grid_search_leaves_the_given_callbacks_and_its_best_estimator_has_copies():
    X, y = _data()
    given = _given()
    before = [joblib.hash(cb) for cb in given]
    grid = GridSearchCV(MLPClassifier(**SMALL, max_iter=5, callbacks=given),
                        {"alpha": [1e-4, 1e-2]}, cv=2).fit(X, y)
    assert [joblib.hash(cb) for cb in given] == before
    best = grid.best_estimator_
    assert len(best.callbacks_[1].logs) == best.n_iter_ and given[1].logs == []


def test_a_lambda_callbacks_functions_run_as_given():
    X, y = _data()
    seen: list[int] = []
    given = nonlin.LambdaCallback(on_epoch_end=lambda epoch, logs: seen.append(epoch))
    est = MLPClassifier(**SMALL, max_iter=3, callbacks=[given]).fit(X, y)
    assert seen == [0, 1, 2] and "model" not in given.__dict__
    assert est.callbacks_[0] is not given
    assert est.callbacks_[0].on_epoch_end is given.on_epoch_end  # deepcopy shares functions


def test_clone_of_a_fitted_estimator_carries_no_network():
    X, y = _data()
    est = MLPClassifier(**SMALL, max_iter=3, callbacks=_given()).fit(X, y)
    twin = clone(est)
    assert not hasattr(twin, "callbacks_") and not hasattr(twin, "model_")
    assert all("model" not in cb.__dict__ for cb in twin.callbacks)
    assert b"Sequential" not in pickle.dumps(twin)


def test_pickle_and_save_of_a_fitted_estimator(tmp_path):
    X, y = _data()
    est = MLPClassifier(**SMALL, max_iter=3, callbacks=_given()).fit(X, y)
    again = pickle.loads(pickle.dumps(est))
    assert again.callbacks_[0].model is again.model_ and again.callbacks_[1].logs
    assert all("model" not in cb.__dict__ for cb in again.callbacks)
    np.testing.assert_array_equal(again.predict_proba(X), est.predict_proba(X))
    est.save(tmp_path / "est.safetensors")
    loaded = load(tmp_path / "est.safetensors")
    assert loaded.callbacks is None and loaded.callbacks_ == []
    record = Recorder()
    loaded.set_params(callbacks=[record]).partial_fit(X, y)
    assert len(loaded.callbacks_[0].logs) == 1 and record.logs == []


class Locked(nonlin.Callback):
    def __init__(self) -> None:
        self.lock = threading.Lock()


class Shared(Recorder):
    def __deepcopy__(self, memo):
        return self  # its owner's choice: trained as given


class Watcher(nonlin.Callback):
    def __init__(self, est) -> None:
        self.est = est


def test_a_callback_deepcopy_cannot_copy_is_refused_before_anything_changes():
    X, y = _data()
    est = MLPClassifier(**SMALL, max_iter=2, callbacks=[Recorder(), Locked()])
    with pytest.raises(TypeError, match=r"Expected callbacks that copy.deepcopy can copy.*"
                                        r"callbacks\[1\]=Locked\(\).*lock"):
        est.fit(X, y)
    assert not hasattr(est, "coefs_") and not hasattr(est, "callbacks_")


def test_deepcopy_returning_self_and_references_to_the_estimator():
    X, y = _data()
    shared = Shared()
    est = MLPClassifier(**SMALL, max_iter=2)
    est.set_params(callbacks=[shared, Watcher(est)]).fit(X, y)
    assert est.callbacks_[0] is shared and len(shared.logs) == 2
    assert est.callbacks_[1].est is est  # not a copy of the estimator


def test_training_is_the_same_with_callbacks_that_only_watch_and_with_lbfgs():
    X, y = _data()
    plain = MLPClassifier(**SMALL, max_iter=6).fit(X, y)
    watched = MLPClassifier(**SMALL, max_iter=6, callbacks=[Recorder()]).fit(X, y)
    assert watched.loss_curve_ == plain.loss_curve_
    for a, b in zip(watched.coefs_ + watched.intercepts_, plain.coefs_ + plain.intercepts_,
                    strict=True):
        np.testing.assert_array_equal(a, b)
    record = Recorder()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # callbacks do not run with L-BFGS
        est = MLPClassifier(**SMALL, solver="lbfgs", max_iter=5, callbacks=[record]).fit(X, y)
    assert est.callbacks_[0] is not record and est.callbacks_[0].logs == []
