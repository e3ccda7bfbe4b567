"""Review fixes for ``nonlin.sklearn``: parameters set after fitting, ``partial_fit`` with
``class_weight``, L-BFGS with nonlin's extras, and estimator files with float or bool
classes read by the command line."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest

pytest.importorskip("sklearn")
pd = pytest.importorskip("pandas")

import sklearn.neural_network as skl  # noqa: E402
from sklearn.datasets import load_iris  # noqa: E402
from sklearn.linear_model import SGDClassifier  # noqa: E402
from sklearn.model_selection import GridSearchCV  # noqa: E402
from sklearn.utils.class_weight import compute_sample_weight  # noqa: E402

import nonlin  # noqa: E402
import nonlin.sklearn as nls  # noqa: E402
from nonlin import cli  # noqa: E402

X, Y = load_iris(return_X_y=True)
SMALL = {"hidden_layer_sizes": (8,), "random_state": 0}


def quietly(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


def fitted(est_class=nls.MLPClassifier, **params):
    return quietly(est_class(**{**SMALL, "max_iter": 20, **params}).fit, X, Y)


# -- 1. set_params after fitting -----------------------------------------------------------
def test_a_changed_activation_is_followed_by_predict_and_warm_start_as_in_sklearn():
    ours, ref = fitted(), fitted(skl.MLPClassifier)
    for est in (ours, ref):
        est.set_params(activation="tanh")
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), rtol=1e-9)
    for est in (ours, ref):
        quietly(est.set_params(warm_start=True, max_iter=5).fit, X, Y)
    for a, b in zip(ref.coefs_ + ref.intercepts_, ours.coefs_ + ours.intercepts_, strict=True):
        np.testing.assert_allclose(b, a, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), rtol=1e-9)


def test_partial_fit_follows_a_changed_activation_as_in_sklearn():
    pair = [cls(**SMALL, solver="sgd") for cls in (nls.MLPClassifier, skl.MLPClassifier)]
    for est in pair:
        est.partial_fit(X, Y, classes=[0, 1, 2])
        est.set_params(activation="logistic").partial_fit(X, Y)
    ours, ref = pair
    np.testing.assert_allclose(ours.coefs_[0], ref.coefs_[0], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), rtol=1e-9)


def test_a_float32_network_follows_the_activation_in_its_float64_copy():
    est = quietly(nls.MLPClassifier(**{**SMALL, "max_iter": 5}).fit, X.astype(np.float32), Y)
    est.predict_proba(X)  # builds the float64 copy of the float32 network
    est.set_params(activation="identity")
    z = (X @ est.coefs_[0] + est.intercepts_[0]) @ est.coefs_[1] + est.intercepts_[1]
    expected = np.exp(z - z.max(axis=1, keepdims=True))
    np.testing.assert_allclose(est.predict_proba(X), expected / expected.sum(1, keepdims=True),
                               rtol=1e-6)


def test_a_changed_activation_is_saved_and_loads_back(tmp_path):
    est = fitted().set_params(activation="tanh")
    est.save(tmp_path / "m.safetensors")
    again = nls.load(tmp_path / "m.safetensors")
    assert again.get_params() == est.get_params()
    np.testing.assert_array_equal(again.predict_proba(X), est.predict_proba(X))


def test_an_unknown_activation_set_after_fitting_is_refused_at_predict():
    est = fitted().set_params(activation="gelu")
    with pytest.raises(ValueError, match="'activation' parameter .* Got 'gelu'"):
        est.predict(X)


STRUCTURAL = [("hidden_layer_sizes", (9,), "(8,)"), ("dropout", 0.2, "0.0"),
              ("batch_norm", True, "False"), ("dtype", "float32", "None")]


@pytest.mark.parametrize(("name", "value", "was"), STRUCTURAL)
def test_warm_start_and_partial_fit_refuse_a_changed_structure(name, value, was):
    est = fitted(solver="sgd")
    before = [a.copy() for a in est.coefs_]
    proba = est.predict_proba(X)
    est.set_params(**{name: value})
    np.testing.assert_array_equal(est.predict_proba(X), proba)  # the fitted network
    message = re.escape(f"{name}={value!r} (fitted with {was})") + ".*partial_fit continues"
    with pytest.raises(ValueError, match=message):
        est.partial_fit(X, Y)
    with pytest.raises(ValueError, match=f"{name}=.*a warm-start fit continues"):
        est.set_params(warm_start=True).fit(X, Y)
    for a, b in zip(before, est.coefs_, strict=True):
        np.testing.assert_array_equal(a, b)
    quietly(est.set_params(warm_start=False).fit, X, Y)  # a cold fit rebuilds
    assert est.predict_proba(X[:2]).shape == (2, 3)


@pytest.mark.parametrize(("name", "value", "was"), STRUCTURAL)
def test_save_refuses_a_changed_structure_before_writing(tmp_path, name, value, was):
    path = tmp_path / "m.safetensors"
    path.write_bytes(b"old")
    est = fitted().set_params(**{name: value})
    with pytest.raises(ValueError, match=f"{name}=.*fitted with.*fit again"):
        est.save(path)
    assert path.read_bytes() == b"old"


def test_respelled_structure_is_no_change(tmp_path):
    est = fitted(dtype="float32").set_params(hidden_layer_sizes=[8], dtype=np.float32,
                                              warm_start=True, max_iter=2)
    quietly(est.fit, X, Y)
    est.save(tmp_path / "m.safetensors")
    assert nls.load(tmp_path / "m.safetensors").get_params() == est.get_params()


@pytest.mark.parametrize(("fitted_with", "now"), [(None, "float64"), ("float64", None),
                                                  (None, np.float64)])
def test_a_dtype_naming_the_network_s_own_is_no_change(tmp_path, fitted_with, now):
    """None (X's dtype) and the network's own dtype describe the same fitted network."""
    est = fitted(solver="sgd", dtype=fitted_with).set_params(dtype=now)
    quietly(est.partial_fit, X, Y)
    quietly(est.set_params(warm_start=True, max_iter=2).fit, X, Y)
    est.save(tmp_path / "m.safetensors")
    assert nls.load(tmp_path / "m.safetensors").coefs_[0].dtype == np.float64


def test_load_refuses_a_dtype_parameter_unlike_the_network(tmp_path):
    est = fitted()
    est.__dict__.pop("_structure", None)  # as an older version saved it after set_params(dtype=...)
    est.set_params(dtype="float32").save(tmp_path / "m.safetensors")
    with pytest.raises(nonlin.ModelFileError, match=r"training.params.dtype.*float64"):
        nls.load(tmp_path / "m.safetensors")


# -- 2. partial_fit with class_weight -----------------------------------------------------
def test_partial_fit_weighs_a_batch_over_all_classes():
    weighted = nls.MLPClassifier(**SMALL, class_weight={2: 5.0})
    weighted.partial_fit(X[:100], Y[:100], classes=[0, 1, 2])  # no class 2 in this batch
    weighted.partial_fit(X[50:], Y[50:])
    plain = nls.MLPClassifier(**SMALL)
    plain.partial_fit(X[:100], Y[:100], classes=[0, 1, 2])
    plain.partial_fit(X[50:], Y[50:], sample_weight=np.where(Y[50:] == 2, 5.0, 1.0))
    for a, b in zip(plain.coefs_, weighted.coefs_, strict=True):
        np.testing.assert_array_equal(a, b)


def test_partial_fit_refuses_balanced_with_sklearns_message():
    with pytest.raises(ValueError) as ref:
        SGDClassifier(class_weight="balanced").partial_fit(X, Y, classes=[0, 1, 2])
    est = nls.MLPClassifier(**SMALL, class_weight="balanced")
    with pytest.raises(ValueError) as ours:
        est.partial_fit(X, Y, classes=[0, 1, 2])
    assert str(ours.value) == str(ref.value)
    assert not hasattr(est, "classes_")


@pytest.mark.parametrize("class_weight", ["balanced", {"b": 3.0, "c": 0.5}])
def test_fit_weights_classes_as_before(class_weight):
    labels = np.array(["a", "b", "c"])[Y]
    params = {**SMALL, "max_iter": 3}
    ours = quietly(nls.MLPClassifier(**params, class_weight=class_weight).fit, X, labels)
    ref = quietly(nls.MLPClassifier(**params).fit, X, labels,
                  sample_weight=compute_sample_weight(class_weight, labels))
    for a, b in zip(ref.coefs_, ours.coefs_, strict=True):
        np.testing.assert_array_equal(a, b)


# -- 3. L-BFGS with nonlin's extras --------------------------------------------------------
def test_lbfgs_refuses_dropout_before_anything_changes():
    est = fitted(dropout=0.2)
    before = [a.copy() for a in est.coefs_]
    with pytest.raises(ValueError, match=r"dropout=0 with solver='lbfgs'.*'adam' or 'sgd'"):
        est.set_params(solver="lbfgs", warm_start=True).fit(X, Y)
    for a, b in zip(before, est.coefs_, strict=True):
        np.testing.assert_array_equal(a, b)


class Hook(nonlin.Callback):
    calls = 0

    def on_epoch_end(self, epoch, logs=None):
        Hook.calls += 1


def test_lbfgs_warns_that_callbacks_do_not_run():
    Hook.calls = 0
    est = nls.MLPClassifier(**SMALL, solver="lbfgs", max_iter=300, callbacks=[Hook()])
    with pytest.warns(UserWarning, match=r"callbacks=\[Hook\(\)\] do not run with "
                      "solver='lbfgs': L-BFGS has no epochs") as caught:
        est.fit(X, Y)
    assert Hook.calls == 0
    assert any(w.filename == __file__ for w in caught)  # points at the caller's fit
    grid = GridSearchCV(nls.MLPClassifier(**SMALL, max_iter=3, callbacks=[Hook()]),
                        {"solver": ["lbfgs", "adam"]}, cv=2)
    quietly(grid.fit, X, Y)
    assert Hook.calls > 0


def test_lbfgs_batch_norm_keeps_the_training_batchs_statistics():
    est = fitted(solver="lbfgs", batch_norm=True, max_iter=50)
    z = X @ est.coefs_[0] + est.intercepts_[0]
    norm = est.model_.layers[1]
    np.testing.assert_allclose(norm.moving_mean, z.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(norm.moving_variance, z.var(axis=0), rtol=1e-12)
    assert norm.momentum == 0.99
    proba = est.predict_proba(X)  # the objective L-BFGS minimized, at its final weights
    log_loss = -np.log(proba[np.arange(len(Y)), Y]).mean()
    penalty = est.alpha / 2 * sum((w**2).sum() for w in est.coefs_) / len(Y)
    assert log_loss + penalty == pytest.approx(est.loss_, rel=1e-9)


# -- 4. float and bool classes in an estimator's file ----------------------------------------
@pytest.mark.parametrize(("labels", "stored", "printed"), [
    (Y.astype(float), [0, 1, 2], {"0", "1", "2"}),
    (Y == 1, ["False", "True"], {"False", "True"}),
])
def test_float_and_bool_classes_load_and_reach_the_command_line(tmp_path, capsys, labels,
                                                                 stored, printed):
    frame = pd.DataFrame(X, columns=list("abcd"))
    est = quietly(nls.MLPClassifier(**SMALL, max_iter=50).fit, frame, labels)
    path = str(tmp_path / "m.safetensors")
    est.save(path)
    again = nls.load(path)
    assert again.classes_.dtype == est.classes_.dtype
    np.testing.assert_array_equal(again.classes_, est.classes_)
    assert nonlin.load(path).metadata["classes"] == stored
    data = tmp_path / "d.csv"
    rows = [",".join([*map(str, x), str(t)]) for x, t in zip(X, labels, strict=True)]
    data.write_text("\n".join(["a,b,c,d,label", *rows]) + "\n")
    capsys.readouterr()
    assert cli.main(["predict", path, str(data)]) == 0
    lines = capsys.readouterr().out.splitlines()
    predicted = {line.split(",")[0] for line in lines[1:]}
    assert predicted <= printed and len(lines) == len(X) + 1
    assert {str(v).replace(".0", "") for v in est.predict(frame)} == predicted
    assert cli.main(["evaluate", path, str(data), "--target", "label", "--json"]) == 0
    assert f'"accuracy": {est.score(frame, labels)}' in capsys.readouterr().out
