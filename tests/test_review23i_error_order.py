"""A ``partial_fit`` whose targets and ``loss`` are both wrong raises the loss's error
first, as before the fast input checks (review 23i): ``_objective_kind`` is set after the
labels are checked and before ``LabelBinarizer.transform`` refuses them."""

import numpy as np
import pytest

pytest.importorskip("sklearn")

import nonlin  # noqa: E402
from nonlin.sklearn import MLPClassifier  # noqa: E402

rng = np.random.RandomState(0)
X = rng.randn(30, 4)
y3 = rng.randint(0, 3, 30)
Y = (rng.rand(30, 3) > 0.5).astype(int)


def test_multiclass_fit_then_multilabel_y_with_a_binary_loss() -> None:
    est = MLPClassifier(hidden_layer_sizes=(3,), random_state=0)
    est.partial_fit(X, y3, classes=[0, 1, 2])
    est.set_params(loss=nonlin.BinaryCrossEntropy())
    with pytest.raises(ValueError, match="Expected a loss for a multiclass target"):
        est.partial_fit(X, Y)


def test_multilabel_fit_then_narrow_y_with_a_softmax_loss() -> None:
    est = MLPClassifier(hidden_layer_sizes=(3,), random_state=0)
    est.partial_fit(X, Y, classes=[0, 1, 2])
    est.set_params(loss=nonlin.CrossEntropy())
    with pytest.raises(ValueError, match="Expected a loss for a multilabel-indicator target"):
        est.partial_fit(X, Y[:, :2])


def test_the_fast_path_still_checks_the_loss() -> None:
    est = MLPClassifier(hidden_layer_sizes=(3,), random_state=0)
    est.partial_fit(X, y3, classes=[0, 1, 2])
    est.set_params(loss=nonlin.BinaryCrossEntropy())
    with pytest.raises(ValueError, match="Expected a loss for a multiclass target"):
        est.partial_fit(X, y3)
