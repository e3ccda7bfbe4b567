"""Review fixes for ``nonlin.sklearn`` (s12), each against scikit-learn itself: continuing an
SGD or Adam fit after an L-BFGS refit, refusals before anything changes, batches whose weights
sum to 0, a sparse regression target, ``loss`` and the NumPy float types of the losses, and
``class_weight`` with array-likes that are not NumPy arrays."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("sklearn")

import sklearn.neural_network as skl  # noqa: E402
from sklearn.datasets import load_iris  # noqa: E402

import nonlin.sklearn as nls  # noqa: E402

X, Y = load_iris(return_X_y=True)
SMALL = {"hidden_layer_sizes": (5,), "random_state": 0}


# -- 2. a batch whose sample weights sum to 0 ----------------------------------------------
@pytest.mark.parametrize("name", ["MLPClassifier", "MLPRegressor"])
def test_a_batch_of_zero_weight_sum_raises_sklearns_error(name):
    weights = (np.arange(150) >= 10).astype(float)  # the first batch of 10 sums to 0
    target = Y if name == "MLPClassifier" else X[:, 0]
    messages = []
    for module in (nls, skl):
        est = getattr(module, name)(hidden_layer_sizes=(4,), solver="sgd", batch_size=10,
                                    shuffle=False, max_iter=2)
        with pytest.raises(ZeroDivisionError) as error:
            est.fit(X, target, sample_weight=weights)
        messages.append(str(error.value))
    assert messages[0] == messages[1] == "Weights sum to zero, can't be normalized"
