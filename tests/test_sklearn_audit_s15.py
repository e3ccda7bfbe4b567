"""A second differential audit of ``nonlin.sklearn`` against scikit-learn's MLP estimators.

Each test runs ``sklearn.neural_network``'s estimator and nonlin's through the same calls
(continuing fits, mixed dtypes, ...) and checks that a script swapping the import sees the
same outcome.
"""

import warnings

import numpy as np
import pytest

pytest.importorskip("sklearn")

from sklearn import neural_network as skl  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402

import nonlin.sklearn as nls  # noqa: E402

X, Y = load_digits(return_X_y=True)
X, Y = X[:150] / 16.0, (Y[:150] % 3).astype(np.float64)
SMALL = {"hidden_layer_sizes": (5,), "random_state": 0, "max_iter": 4}


def quietly(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


def losses(est):
    return [est.loss_, getattr(est, "best_loss_", None), *getattr(est, "loss_curve_", [])]


X32, Y32 = X.astype(np.float32), Y.astype(np.float32)
CONTINUED = {  # a fit leaving float64 weights, then one on float32 data
    "adam, partial_fit": [("adam", "fit", X, Y), ("adam", "partial_fit", X32, Y32)],
    "adam, warm adam": [("adam", "fit", X, Y), ("adam", "warm", X32, Y32)],
    "adam, warm lbfgs": [("adam", "fit", X, Y), ("lbfgs", "warm", X32, Y32)],
    "lbfgs, warm lbfgs": [("lbfgs", "fit", X, Y), ("lbfgs", "warm", X32, Y32)],
    # L-BFGS leaves float64 weights after float32 data too
    "float32 lbfgs, partial_fit": [("adam", "fit", X32, Y32), ("lbfgs", "warm", X32, Y32),
                                   ("adam", "partial_fit", X32, Y32)],
}


@pytest.mark.parametrize("calls", CONTINUED.values(), ids=CONTINUED.keys())
def test_float32_data_on_float64_weights_keeps_float64_losses(calls):
    """scikit-learn's ``X @ W`` of float32 data on float64 weights (a float64 fit, or L-BFGS
    on float32 data) is float64, and so is a regression loss: nonlin gave float32 losses,
    rounded, as for a new float32 network."""
    runs = []
    for module in (skl, nls):
        est = module.MLPRegressor(**SMALL)
        for solver, how, data, target in calls:
            est.set_params(solver=solver, warm_start=how == "warm")
            quietly(est.partial_fit if how == "partial_fit" else est.fit, data, target)
        runs.append(losses(est))
    ref, ours = runs
    assert [type(v) for v in ours] == [type(v) for v in ref]
    assert type(ours[0]) is np.float64
    # scikit-learn's Adam state stays float32 there, nonlin's moves to float64 (docs/sklearn.md)
    rtol = 1e-6 if calls[0][2] is X32 else 1e-12
    np.testing.assert_allclose(
        [v for v in ours if v is not None], [v for v in ref if v is not None], rtol=rtol)
