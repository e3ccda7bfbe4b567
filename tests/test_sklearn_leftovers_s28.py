"""Leftovers of ``nonlin.sklearn``'s estimators (session 28), each checked against scikit-learn
(or Keras 3, for the logs): unknown ``class_weight`` keys named, ``partial_fit`` refusing a
rate callback beside the schedule it continues (and taking one beside the float rate it
continues), one value for ``lr`` and ``learning_rate``, no callbacks kept after a fit a
Ctrl-C or an error cut short, the ``ConvergenceWarning`` after the last epoch whatever
``verbose`` is, and a failed first fit leaving the estimator as scikit-learn's does."""

from __future__ import annotations

import pytest

pytest.importorskip("sklearn")

from sklearn.linear_model import SGDClassifier  # noqa: E402

import nonlin.sklearn as nls  # noqa: E402
from sklearn_helpers import LABELS, X  # noqa: E402
from sklearn_helpers import quiet_fit as _fit  # noqa: E402


def _clf(**kwargs):
    return nls.MLPClassifier(**{"hidden_layer_sizes": (3,), "max_iter": 3, "random_state": 0,
                                **kwargs})


# -- 1. class_weight keys that are no class ----------------------------------------------------
@pytest.mark.parametrize("how", ["fit", "partial_fit"])
def test_unknown_class_weight_keys_are_named_with_the_classes(how):
    weights = {0: 1.0, 5: 2.0, "x": 3.0}  # class 1 left out, 5 and "x" no class
    with pytest.raises(ValueError) as sklearn_error:  # scikit-learn's class, and its message
        SGDClassifier(class_weight=weights).fit(X, LABELS)
    assert "5" not in str(sklearn_error.value)
    est = _clf(class_weight=weights)
    with pytest.raises(type(sklearn_error.value)) as error:
        if how == "fit":
            est.fit(X, LABELS)
        else:
            est.partial_fit(X, LABELS, classes=[0, 1])
    message = str(error.value)
    assert "keys [5, 'x']" in message and "classes_=[0, 1]" in message
    assert "classes [1] have no weight" in message and "class_weight={0: 1.0" in message
    assert "coefs_" not in vars(est)  # refused before training


def test_a_class_weight_naming_every_class_and_more_is_taken_as_scikit_learn_takes_it():
    weights = {0: 1.0, 1: 2.0, 7: 3.0}
    SGDClassifier(class_weight=weights, max_iter=5, tol=None).fit(X, LABELS)
    assert _fit(_clf(class_weight=weights), X, LABELS).n_iter_ == 3
