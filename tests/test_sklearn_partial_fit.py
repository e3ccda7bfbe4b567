"""partial_fit next to scikit-learn's when parameters change between calls.

scikit-learn validates the parameters once (its ``_fit_context`` skips the check on
a fitted estimator's ``partial_fit``) and keeps the optimizer it made on the first
call, with its rate schedule: a new ``learning_rate_init``, ``momentum``, ``beta_1``,
``learning_rate``, ``power_t`` or ``solver`` changes nothing, a new ``alpha``,
``batch_size``, ``shuffle``, ``tol`` or ``n_iter_no_change`` applies at once.
"""

import warnings

import numpy as np
import pytest

pytest.importorskip("sklearn")

import sklearn  # noqa: E402
from sklearn import neural_network as skl  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.utils._param_validation import InvalidParameterError  # noqa: E402

import nonlin.sklearn as nls  # noqa: E402

X, Y = load_digits(return_X_y=True)
X, Y = X[:120] / 16.0, Y[:120] % 3
START = {
    "adam": {"solver": "adam"},
    "sgd": {"solver": "sgd"},
    "invscaling": {"solver": "sgd", "learning_rate": "invscaling", "learning_rate_init": 0.2},
    "adaptive": {"solver": "sgd", "learning_rate": "adaptive", "learning_rate_init": 0.2},
}
CHANGES = [
    ("adam", {"learning_rate_init": 0.1}),
    ("adam", {"alpha": 0.5}),
    ("adam", {"beta_1": 0.5, "beta_2": 0.9, "epsilon": 1e-3}),
    ("adam", {"batch_size": 7, "shuffle": False}),
    ("adam", {"solver": "sgd", "learning_rate": "invscaling"}),
    ("sgd", {"momentum": 0.1, "nesterovs_momentum": False}),
    ("sgd", {"learning_rate_init": 0.5}),
    ("sgd", {"learning_rate": "invscaling", "power_t": 0.1}),
    ("sgd", {"solver": "adam"}),
    ("invscaling", {"learning_rate_init": 0.5, "power_t": 0.1}),
    ("invscaling", {"learning_rate": "constant"}),
    ("adaptive", {"n_iter_no_change": 1, "tol": 10.0}),
    ("sgd", {"n_iter_no_change": 1, "tol": 10.0, "learning_rate": "adaptive"}),
    # out of range: scikit-learn no longer checks, and uses (alpha) or ignores (the rest)
    ("adam", {"alpha": -0.01}),
    ("adam", {"learning_rate_init": -1.0, "beta_1": 2.0}),
    ("sgd", {"momentum": 5.0, "power_t": -1.0}),
]


def _run(est, change):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(2):
            est.partial_fit(X, Y, classes=[0, 1, 2])
        est.set_params(**change)
        for _ in range(3):
            est.partial_fit(X, Y)
    return est


@pytest.mark.parametrize(("start", "change"), CHANGES)
def test_a_changed_parameter_acts_as_in_scikit_learn(start, change):
    params = {"hidden_layer_sizes": (6,), "random_state": 0, "batch_size": 40, **START[start]}
    ref = _run(skl.MLPClassifier(**params), change)
    ours = _run(nls.MLPClassifier(**params), change)
    for a, b in zip(ref.coefs_ + ref.intercepts_, ours.coefs_ + ours.intercepts_, strict=True):
        np.testing.assert_allclose(b, a, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(ours.loss_curve_, ref.loss_curve_, rtol=1e-9)
    sgd = type(ref._optimizer).__name__ == "SGDOptimizer"  # Adam's learning_rate is the
    rate = ref._optimizer.learning_rate if sgd else ref._optimizer.learning_rate_init  # step's
    assert (type(ours._optimizer.inner).__name__ == "SGD") == sgd
    assert ours._optimizer.learning_rate == pytest.approx(rate, rel=1e-12)
    assert (ours.n_iter_, ours.t_, ours._no_improvement_count) == (
        ref.n_iter_, ref.t_, ref._no_improvement_count)


@pytest.mark.parametrize("est", [skl.MLPRegressor, nls.MLPRegressor])
def test_the_first_partial_fit_checks_the_parameters(est):
    with pytest.raises(InvalidParameterError, match="alpha"):
        est(alpha=-1.0).partial_fit(X, Y)
    with pytest.raises(InvalidParameterError, match="alpha"):  # fit always checks
        est(max_iter=2).partial_fit(X, Y).set_params(alpha=-1.0).fit(X, Y)


@pytest.mark.parametrize("est", [skl.MLPRegressor, nls.MLPRegressor])
def test_the_global_switch_skips_the_check(est):
    with sklearn.config_context(skip_parameter_validation=True):
        fitted = est(alpha=-1.0, hidden_layer_sizes=(3,), max_iter=2, random_state=0)
        fitted.partial_fit(X, Y)
    assert fitted.n_iter_ == 1


def _continued(est):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(2):
            est.partial_fit(X, Y)
    return est


def test_the_schedule_survives_save_and_load(tmp_path):
    import pickle

    est = nls.MLPClassifier((6,), random_state=0, batch_size=40, **START["invscaling"])
    est = _run(est, {"learning_rate_init": 0.5, "power_t": 0.1, "learning_rate": "constant"})
    est.save(tmp_path / "est.safetensors")
    loaded = _continued(nls.load(tmp_path / "est.safetensors"))
    pickled = _continued(pickle.loads(pickle.dumps(est)))
    assert loaded._optimizer.rule == pickled._optimizer.rule == {
        "kind": "invscaling", "lr_init": 0.2, "power_t": 0.5}
    assert loaded._optimizer.lr == pickled._optimizer.lr
    for a, b in zip(pickled.coefs_, loaded.coefs_, strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(
    "rule", [{"kind": "exp"}, [], {"kind": "adam", "lr_init": "x", "power_t": 0.5},
             {"kind": "adam", "lr_init": 0.1, "power_t": True}])
def test_a_bad_rule_in_the_file_is_named(tmp_path, rule):
    import json

    from io_helpers import edit
    from nonlin import ModelFileError

    est = _run(nls.MLPClassifier((6,), random_state=0, batch_size=40), {})
    est.save(tmp_path / "est.safetensors")

    def change(header):
        record = json.loads(header["__metadata__"]["optimizer"])
        header["__metadata__"]["optimizer"] = json.dumps({**record, "rule": rule})

    path = tmp_path / "bad.safetensors"
    path.write_bytes(edit((tmp_path / "est.safetensors").read_bytes(), change))
    with pytest.raises(ModelFileError, match="rule") as info:
        nls.load(path)
    assert info.value.field == "optimizer"


@pytest.mark.parametrize("est", [skl.MLPClassifier, nls.MLPClassifier])
def test_a_refused_first_partial_fit_keeps_no_classes(est):
    # the parameters are checked before `classes` is taken, as scikit-learn's _fit_context does
    model = est(alpha=-1.0, hidden_layer_sizes=(3,), random_state=0)
    with pytest.raises(InvalidParameterError, match="alpha"):
        model.partial_fit(X, Y, classes=[0, 1, 2, 3])
    assert not hasattr(model, "classes_")
    model.set_params(alpha=1e-4).partial_fit(X, Y, classes=[0, 1, 2])
    assert model.classes_.tolist() == [0, 1, 2]
