"""scikit-learn's own estimator checks on nonlin's drop-in estimators."""

import pytest

pytest.importorskip("sklearn")

from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402

import nonlin  # noqa: E402
from nonlin.schedules import CosineDecay  # noqa: E402
from nonlin.sklearn import MLPClassifier, MLPRegressor  # noqa: E402

ESTIMATORS = [
    MLPClassifier(max_iter=100),
    MLPRegressor(max_iter=100),
    MLPClassifier(solver="sgd", max_iter=100, random_state=0),
    MLPRegressor(solver="lbfgs", hidden_layer_sizes=(20,), max_iter=100),
    # nonlin objects as parameters: a Loss and a learning-rate schedule
    MLPRegressor(loss=nonlin.Huber(delta=2.0), max_iter=100),
    MLPClassifier(solver="sgd", learning_rate=CosineDecay(0.01, 1000, warmup_steps=10),
                  max_iter=100, random_state=0),
    # a focal loss with label smoothing (binary and multiclass targets: no multilabel tag)
    MLPClassifier(loss=nonlin.CategoricalFocalCrossentropy(gamma=2.0, label_smoothing=0.1),
                  max_iter=100),
]


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)
