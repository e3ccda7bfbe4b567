"""nonlin.sklearn in scikit-learn's meta-estimators and model-keeping habits (session 17)."""

import pickle

import numpy as np
import pytest

pytest.importorskip("sklearn")

import nonlin  # noqa: E402
from nonlin.sklearn import MLPClassifier  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3))
    return X, (X[:, 0] + X[:, 1] > 0).astype(int)


@pytest.mark.parametrize("make", [
    lambda: nonlin.EarlyStopping(monitor="loss", patience=2),
    lambda: nonlin.ReduceLROnPlateau(monitor="loss", patience=2),
])
def test_estimator_with_monitoring_callbacks_pickles_before_and_after_fit(make):
    # pickle.dumps / joblib.dump is how scikit-learn users keep an estimator; it failed on
    # the callbacks' "improved" test, a lambda made inside a function
    est = MLPClassifier(hidden_layer_sizes=(4,), max_iter=5, random_state=0, callbacks=[make()])
    again = pickle.loads(pickle.dumps(est))
    assert repr(again) == repr(est)
    X, y = _data()
    est.fit(X, y)
    again = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(again.predict_proba(X), est.predict_proba(X))


def test_unpickled_monitor_test_still_decides_as_before():
    stop = pickle.loads(pickle.dumps(nonlin.EarlyStopping(monitor="val_acc", min_delta=0.1)))
    assert stop._improved(0.8, 0.6, 0.1) and not stop._improved(0.65, 0.6, 0.1)
    lower = pickle.loads(pickle.dumps(nonlin.ReduceLROnPlateau(monitor="loss")))
    assert lower._improved(0.4, 0.6, 0.1) and not lower._improved(0.55, 0.6, 0.1)
    undecided = pickle.loads(pickle.dumps(nonlin.EarlyStopping(monitor="my_key")))
    with pytest.raises(ValueError, match="cannot tell whether 'my_key'"):
        undecided._improved(1.0, 0.0, 0.0)
