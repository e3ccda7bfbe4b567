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


@pytest.mark.parametrize("how", ["partial_fit", "warm start"])
@pytest.mark.parametrize(("fitted", "now", "output"), [
    ("squared_error", "poisson", "identity"), ("poisson", "squared_error", "exp"),
    ("poisson", "huber", "exp")])
def test_a_loss_of_another_output_set_after_fitting_is_refused(how, fitted, now, output):
    """``loss`` decides the regressor's output (``exp`` for Poisson). Changed after fitting,
    nonlin trained the new loss's output while ``predict`` kept applying the fitted one
    (Poisson: a network fitting ``z ~ y`` predicting ``exp(z)``); scikit-learn keeps the
    fitted output and trains on a gradient of neither loss (Poisson on an identity output:
    NaN losses). Now it raises, as for ``hidden_layer_sizes``, before anything changes."""
    est = quietly(nls.MLPRegressor(**SMALL, solver="sgd", loss=fitted).fit, X, Y)
    weights, curve = [w.copy() for w in est.coefs_], list(est.loss_curve_)
    est.set_params(loss=now, warm_start=how == "warm start")
    message = f"loss='{now}' \\(fitted with out_activation_='{output}'\\).*fit with warm_start"
    with pytest.raises(ValueError, match=message):
        (est.partial_fit if how == "partial_fit" else est.fit)(X, Y)
    assert est.loss_curve_ == curve and est.out_activation_ == output
    for a, b in zip(weights, est.coefs_, strict=True):
        np.testing.assert_array_equal(a, b)
    quietly(est.set_params(warm_start=False).fit, X, Y)  # a new network, of the new output
    assert est.out_activation_ == ("exp" if now == "poisson" else "identity")


def test_a_loss_of_the_same_output_set_after_fitting_trains_on():
    est = quietly(nls.MLPRegressor(**SMALL, solver="sgd").fit, X, Y)
    quietly(est.set_params(loss="huber").partial_fit, X, Y)
    assert len(est.loss_curve_) == SMALL["max_iter"] + 1
