"""Review fixes for ``nonlin.sklearn`` (s12), each against scikit-learn itself: continuing an
SGD or Adam fit after an L-BFGS refit, refusals before anything changes, batches whose weights
sum to 0, a sparse regression target, ``loss`` and the NumPy float types of the losses, and
``class_weight`` with array-likes that are not NumPy arrays."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

pytest.importorskip("sklearn")

import scipy.sparse as sp  # noqa: E402
import sklearn.neural_network as skl  # noqa: E402
from sklearn.datasets import load_iris  # noqa: E402

import nonlin.sklearn as nls  # noqa: E402

X, Y = load_iris(return_X_y=True)
SMALL = {"hidden_layer_sizes": (5,), "random_state": 0}


def quietly(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


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


# -- 3. a sparse target for the regressor ----------------------------------------------------
@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
@pytest.mark.parametrize("columns", [1, 2])
def test_a_sparse_regression_target_is_densified_as_x_is(solver, columns):
    dense = X[:, :columns]
    fits = [quietly(nls.MLPRegressor(**SMALL, solver=solver, max_iter=5).fit, X, target)
            for target in (dense, sp.csr_matrix(dense))]
    for a, b in zip(fits[0].coefs_ + fits[0].intercepts_, fits[1].coefs_ + fits[1].intercepts_,
                    strict=True):
        np.testing.assert_array_equal(a, b)
    est = nls.MLPRegressor(**SMALL)
    est.partial_fit(X, sp.csc_matrix(X[:, :2]))
    assert est.n_outputs_ == 2
