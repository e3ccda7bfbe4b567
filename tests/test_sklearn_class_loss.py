"""``nonlin.sklearn.MLPClassifier(loss=<nonlin Loss>)``: focal losses and label smoothing on the
classifier's softmax or logistic outputs, trained by scikit-learn's rules."""

from __future__ import annotations

import io
import pickle
import warnings

import numpy as np
import pytest

pytest.importorskip("sklearn")

import joblib  # noqa: E402
from sklearn.base import clone  # noqa: E402
from sklearn.metrics import recall_score  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402

import nonlin  # noqa: E402
from nonlin import (  # noqa: E402
    BinaryCrossEntropy,
    BinaryFocalCrossentropy,
    CategoricalFocalCrossentropy,
    CrossEntropy,
)
from nonlin.losses import Loss  # noqa: E402
from nonlin.sklearn import MLPClassifier, load  # noqa: E402


class MySquaredProbability(Loss):
    """A user's own loss of the raw outputs: ``sum_j (sigmoid(z) - y)^2 / 2``."""

    def _sample_losses(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        return 0.5 * ((1 / (1 + np.exp(-y_pred)) - y_true) ** 2).sum(axis=1)

    def _grad_terms(self, y_true: np.ndarray, y_pred: np.ndarray, out: np.ndarray) -> np.ndarray:
        p = 1 / (1 + np.exp(-y_pred))
        out[...] = (p - y_true) * p * (1 - p)
        return out


def _data(kind: str, n: int = 40) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, 3))
    score = X @ np.array([[1.0, -2.0, 0.5], [0.3, 1.0, -1.0], [-1.0, 0.2, 1.0]])
    if kind == "multiclass":
        return X, np.argmax(score, axis=1)
    if kind == "binary":
        return X, (score[:, 0] > 0.8).astype(int)  # about a quarter positive
    return X, (score > 0).astype(int)  # multilabel


def _quiet(est, *args, method: str = "fit", **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning of the few epochs
        return getattr(est, method)(*args, **kwargs)


@pytest.mark.parametrize(("kind", "loss"), [
    ("multiclass", CrossEntropy(from_logits=True)), ("multiclass", CrossEntropy()),
    ("binary", BinaryCrossEntropy(from_logits=True)), ("binary", CrossEntropy(from_logits=True)),
    ("multilabel", BinaryCrossEntropy())])
@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_the_cross_entropies_train_bit_identically_to_log_loss(kind, loss, solver) -> None:
    X, y = _data(kind)
    kwargs = {"hidden_layer_sizes": (5,), "max_iter": 5, "random_state": 0, "solver": solver,
              "class_weight": "balanced" if kind == "binary" else None}
    default = _quiet(MLPClassifier(**kwargs), X, y)
    given = _quiet(MLPClassifier(loss=loss, **kwargs), X, y)
    assert given.loss is loss and given._objective_kind == default._objective_kind
    assert given.loss_ == default.loss_ and type(given.loss_) is type(default.loss_)
    assert getattr(given, "loss_curve_", None) == getattr(default, "loss_curve_", None)
    for a, b in zip(given.coefs_ + given.intercepts_, default.coefs_ + default.intercepts_,
                    strict=True):
        np.testing.assert_array_equal(a, b)


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


def _binary_focal(Y, z, gamma, alpha):
    """Keras' binary focal loss with class balancing per sample, and its d/dz."""
    p = _sigmoid(z)
    q = Y * (1 - p) + (1 - Y) * p
    b = -(Y * np.log(p) + (1 - Y) * np.log(1 - p))
    a = alpha * Y + (1 - alpha) * (1 - Y)
    dz = a * (gamma * q ** (gamma - 1) * (1 - 2 * Y) * p * (1 - p) * b + q**gamma * (p - Y))
    return (a * q**gamma * b).sum(axis=1), dz


def _categorical_focal(Y, z, gamma, alpha, smoothing):
    """Keras' categorical focal loss with label smoothing per sample, and its d/dz."""
    Y = Y * (1 - smoothing) + smoothing / Y.shape[1]
    e = np.exp(z - z.max(axis=1, keepdims=True))
    p = e / e.sum(axis=1, keepdims=True)
    values = (alpha * (1 - p) ** gamma * -Y * np.log(p)).sum(axis=1)
    c = Y * (gamma * (1 - p) ** (gamma - 1) * p * np.log(p) - (1 - p) ** gamma)
    return values, alpha * (c - p * c.sum(axis=1, keepdims=True))


CASES = {
    "binary focal, class and sample weights": (
        "binary", BinaryFocalCrossentropy(gamma=2.0, apply_class_balancing=True, alpha=0.7),
        lambda Y, z: _binary_focal(Y, z, 2.0, 0.7)),
    "categorical focal, label smoothing": (
        "multiclass", CategoricalFocalCrossentropy(gamma=2.0, alpha=0.5, label_smoothing=0.1),
        lambda Y, z: _categorical_focal(Y, z, 2.0, 0.5, 0.1)),
    "label smoothing alone": (
        "multiclass", CategoricalFocalCrossentropy(gamma=0.0, alpha=1.0, label_smoothing=0.2),
        lambda Y, z: _categorical_focal(Y, z, 0.0, 1.0, 0.2)),
}


def _sklearn_init(units):
    rng = np.random.RandomState(0)  # scikit-learn's init: W then b per layer, U(-a, a)
    params = []
    for fan_in, fan_out in zip(units[:-1], units[1:], strict=True):
        bound = np.sqrt(6.0 / (fan_in + fan_out))
        params += [rng.uniform(-bound, bound, (fan_in, fan_out)),
                   rng.uniform(-bound, bound, fan_out)]
    return params


@pytest.mark.parametrize("case", CASES)
def test_first_epoch_is_scikit_learns_rule_with_the_loss_in_numpy(case) -> None:
    # one full batch of nesterov SGD: loss_ is (sum_i w_i l_i + alpha/2 ||W||^2) / s and the
    # step follows dL/dz = w_i dl_i/dz / s, as for log_loss
    kind, loss, reference = CASES[case]
    X, y = _data(kind)
    sw = np.random.default_rng(1).uniform(0.5, 2.0, size=len(X))
    class_weight = {0: 1.0, 1: 3.0} if kind == "binary" else None
    alpha, lr, momentum = 1e-3, 0.05, 0.9
    est = MLPClassifier(loss=loss, hidden_layer_sizes=(4,), solver="sgd", alpha=alpha,
                        batch_size=len(X), learning_rate_init=lr, max_iter=1, shuffle=False,
                        random_state=0, class_weight=class_weight)
    _quiet(est, X, y, sample_weight=sw)
    Y = np.eye(3)[y] if kind == "multiclass" else y.reshape(len(y), -1).astype(float)
    w = sw * (np.where(y == 1, 3.0, 1.0) if class_weight else 1.0)
    W1, b1, W2, b2 = _sklearn_init([3, 4, Y.shape[1]])
    h = np.maximum(X @ W1 + b1, 0)
    values, dl = reference(Y, h @ W2 + b2)
    s = w.sum()
    expected = (w @ values + 0.5 * alpha * ((W1**2).sum() + (W2**2).sum())) / s
    dz = dl * w[:, None] / s
    dh = (dz @ W2.T) * (h > 0)
    grads = [X.T @ dh + alpha * W1 / s, dh.sum(0), h.T @ dz + alpha * W2 / s, dz.sum(0)]
    after = [p - (1 + momentum) * lr * g for p, g in zip([W1, b1, W2, b2], grads, strict=True)]
    np.testing.assert_allclose(est.loss_curve_[0], expected, rtol=1e-12)
    for got, want in zip([est.coefs_[0], est.intercepts_[0], est.coefs_[1], est.intercepts_[1]],
                         after, strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-14)
    proba = est.predict_proba(X)  # still the softmax or logistic of the outputs
    z = np.maximum(X @ est.coefs_[0] + est.intercepts_[0], 0) @ est.coefs_[1] + est.intercepts_[1]
    if kind == "binary":
        np.testing.assert_allclose(proba[:, 1], _sigmoid(z[:, 0]), rtol=1e-12)
    else:
        e = np.exp(z - z.max(axis=1, keepdims=True))
        np.testing.assert_allclose(proba, e / e.sum(axis=1, keepdims=True), rtol=1e-12)


def test_a_categorical_loss_on_a_binary_target_is_its_two_class_softmax() -> None:
    # one logistic output z: the loss of the logits [0, z], alpha times the binary focal loss
    X, y = _data("binary")
    kwargs = {"hidden_layer_sizes": (5,), "max_iter": 3, "random_state": 0}
    categorical = _quiet(MLPClassifier(loss=CategoricalFocalCrossentropy(alpha=1.0), **kwargs),
                         X, y)
    binary = _quiet(MLPClassifier(loss=BinaryFocalCrossentropy(), **kwargs), X, y)
    np.testing.assert_allclose(categorical.loss_curve_, binary.loss_curve_, rtol=1e-10)
    np.testing.assert_allclose(categorical.coefs_[1], binary.coefs_[1], rtol=1e-9)
    assert categorical.out_activation_ == "logistic" and categorical.n_outputs_ == 1


@pytest.mark.parametrize(("kind", "loss", "match"), [
    ("multiclass", BinaryFocalCrossentropy(), "for a multiclass target .* independent 0/1"),
    ("multiclass", BinaryCrossEntropy(from_logits=True), "for a multiclass target"),
    ("multilabel", CategoricalFocalCrossentropy(), "multilabel-indicator target .* one softmax"),
    ("multilabel", CrossEntropy(), "multilabel-indicator target"),
    ("binary", nonlin.Huber(), "Expected a classification loss .*MLPRegressor"),
    ("binary", nonlin.MeanSquaredError(), "Expected a classification loss"),
    ("multiclass", nonlin.losses.CategoricalHinge(), "Expected a classification loss"),
    ("binary", nonlin.losses.KLDivergence(), "Expected a classification loss")])
def test_losses_that_do_not_fit_are_refused_naming_loss_and_target(kind, loss, match) -> None:
    X, y = _data(kind)
    est = MLPClassifier(loss=loss, max_iter=2)
    with pytest.raises(ValueError, match=match) as info:
        est.fit(X, y)
    assert repr(loss)[:40] in str(info.value) and "model_" not in est.__dict__
    with pytest.raises(ValueError, match=match):
        classes = np.arange(y.shape[1]) if y.ndim == 2 else np.unique(y)
        MLPClassifier(loss=loss, max_iter=2).partial_fit(X, y, classes=classes)


def test_default_loss_and_clone_get_params_keep_the_object() -> None:
    assert MLPClassifier().loss == "log_loss" and MLPClassifier().get_params()["loss"] == "log_loss"
    loss = BinaryFocalCrossentropy(gamma=1.5)
    est = MLPClassifier(loss=loss, hidden_layer_sizes=(4,), max_iter=3, random_state=0)
    assert est.get_params()["loss"] is loss
    copied = clone(est)
    assert copied.loss is not loss and repr(copied.loss) == repr(loss)
    before = joblib.hash(loss)
    _quiet(est, *_data("binary"))
    assert joblib.hash(loss) == before and est.loss is loss and not loss.from_logits
    inner = est._optimizer.objective.inner  # the objective's own copy of the raw outputs
    assert inner is not loss and inner.from_logits and inner.reduction == "sum"
    assert MLPClassifier().__sklearn_tags__().classifier_tags.multi_label
    assert not MLPClassifier(loss=CrossEntropy()).__sklearn_tags__().classifier_tags.multi_label


def _round_trip(est):
    buffer = io.BytesIO()
    est.save(buffer)
    buffer.seek(0)
    return load(buffer)


@pytest.mark.parametrize(("kind", "loss"), [
    ("multiclass", CategoricalFocalCrossentropy(gamma=1.0, label_smoothing=0.1)),
    ("multilabel", BinaryFocalCrossentropy(apply_class_balancing=True)),
    ("binary", CategoricalFocalCrossentropy()),
    ("binary", CrossEntropy(from_logits=True))])
def test_save_load_keeps_the_loss_and_partial_fit_goes_on(kind, loss) -> None:
    X, y = _data(kind)
    est = _quiet(MLPClassifier(loss=loss, hidden_layer_sizes=(5,), max_iter=2, random_state=0),
                 X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing left out
        loaded = _round_trip(est)
    assert repr(loaded.loss) == repr(loss) and loaded._objective_kind == est._objective_kind
    np.testing.assert_array_equal(loaded.predict_proba(X), est.predict_proba(X))
    for e in (est, loaded):
        _quiet(e, X, y, method="partial_fit")
    assert loaded.loss_curve_ == est.loss_curve_
    for a, b in zip(loaded.coefs_, est.coefs_, strict=True):
        np.testing.assert_array_equal(a, b)
    copy = pickle.loads(pickle.dumps(est))
    assert repr(copy.loss) == repr(loss)
    np.testing.assert_array_equal(copy.predict_proba(X), est.predict_proba(X))


def test_a_users_own_loss_trains_on_the_raw_outputs_and_is_left_out_of_the_file() -> None:
    X, y = _data("multilabel")
    est = _quiet(MLPClassifier(loss=MySquaredProbability(), hidden_layer_sizes=(5,),
                               max_iter=30, learning_rate_init=0.05, random_state=0), X, y)
    assert est._objective_kind == "nonlin_loss" and est.loss_curve_[-1] < est.loss_curve_[0]
    buffer = io.BytesIO()
    with pytest.warns(UserWarning, match="leaves out loss=MySquaredProbability"):
        est.save(buffer)
    buffer.seek(0)
    loaded = load(buffer)
    assert loaded.loss is None
    np.testing.assert_array_equal(loaded.predict(X), est.predict(X))
    with pytest.raises(ValueError, match="left out loss=MySquaredProbability"):
        loaded.partial_fit(X, y)
    loaded.set_params(loss=MySquaredProbability())
    for e in (est, loaded):
        _quiet(e, X, y, method="partial_fit")
    for a, b in zip(loaded.coefs_, est.coefs_, strict=True):
        np.testing.assert_array_equal(a, b)


def _edited(est, name: str, value=None, drop: bool = False) -> io.BytesIO:
    """``est``'s file with ``training.params[name]`` replaced by ``value`` (or dropped)."""
    import json
    import struct

    buffer = io.BytesIO()
    est.save(buffer)
    data = buffer.getvalue()
    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + length])
    metadata = header["__metadata__"]
    key = next(k for k, v in metadata.items() if "training" in v)
    record = json.loads(metadata[key])
    if drop:
        del record["training"]["params"][name]
    else:
        record["training"]["params"][name] = value
    metadata[key] = json.dumps(record)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    return io.BytesIO(struct.pack("<Q", len(text)) + text + data[8 + length:])


def test_a_file_without_a_loss_loads_as_log_loss() -> None:
    # files written before the classifier had a loss parameter
    X, y = _data("multiclass")
    est = _quiet(MLPClassifier(hidden_layer_sizes=(3,), max_iter=1, random_state=0), X, y)
    loaded = load(_edited(est, "loss", drop=True))
    assert loaded.loss == "log_loss"
    np.testing.assert_array_equal(loaded.predict_proba(X), est.predict_proba(X))


@pytest.mark.parametrize(("kind", "value", "match"), [
    ("multiclass", {"name": "huber", "config": {}}, "a classification loss"),
    ("multiclass", {"name": "binary_focal_crossentropy", "config": {}}, "training.fitted.y_type"),
    ("binary", {"name": "categorical_focal_crossentropy", "config": {}}, "objective"),
    ("binary", {"name": "categorical_focal_crossentropy", "config": {"gamma": -1}}, ">= 0"),
])
def test_a_files_loss_goes_through_the_allowlist_and_fits_its_target(kind, value,
                                                                     match) -> None:
    from nonlin.io import ModelFileError

    X, y = _data(kind)
    est = _quiet(MLPClassifier(hidden_layer_sizes=(3,), max_iter=1, random_state=0), X, y)
    with pytest.raises(ModelFileError, match=match):
        load(_edited(est, "loss", value))


def test_focal_loss_raises_minority_recall_on_5_percent_positives() -> None:
    # docs/sklearn.md's example
    from sklearn.datasets import make_classification

    X, y = make_classification(n_samples=1000, n_features=6, n_informative=3, n_redundant=1,
                               weights=[0.95], class_sep=1.0, flip_y=0.0, random_state=1)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.5, stratify=y,
                                                        random_state=0)
    focal = BinaryFocalCrossentropy(gamma=2.0, apply_class_balancing=True, alpha=0.75)
    recalls = {}
    for name, loss in (("log_loss", "log_loss"), ("focal", focal)):
        recalls[name] = [recall_score(y_test, _quiet(MLPClassifier(
            (16,), loss=loss, learning_rate_init=0.01, max_iter=300, random_state=seed),
            X_train, y_train).predict(X_test)) for seed in range(3)]
    assert recalls["log_loss"][0] == pytest.approx(0.52) and recalls["focal"][0] == (
        pytest.approx(0.60))
    assert min(recalls["focal"]) > max(recalls["log_loss"]) + 0.05


def test_loss_values_are_float64_on_float32_data_as_log_losss() -> None:
    X, y = _data("binary")
    est = _quiet(MLPClassifier(loss=BinaryFocalCrossentropy(), hidden_layer_sizes=(4,),
                               max_iter=3, random_state=0), X.astype(np.float32), y)
    assert est.model_.dtype == np.float32
    assert {type(est.loss_), type(est.loss_curve_[0]), type(est.best_loss_)} == {np.float64}
