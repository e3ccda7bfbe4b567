"""CategoricalFocalCrossentropy as Keras 3's ``categorical_focal_crossentropy`` (session 20's
leftover): ``alpha`` one float or one per class, and probability rows rescaled to sum to 1
before the loss; checks, configs, files and gradients (float64 finite differences)."""

from __future__ import annotations

import copy
import io
import pickle
import warnings

import numpy as np
import pytest

import nonlin
from nonlin import CategoricalFocalCrossentropy, Identity, Sequential, gradcheck

EPS = 1e-7  # Keras' backend.epsilon()
K = 4
ALPHA = [0.25, 1.0, 0.5, 2.0]


def keras_focal(y, p, alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0):
    """keras.losses.categorical_focal_crossentropy (Keras 3), per sample, in NumPy."""
    if label_smoothing:
        y = y * (1.0 - label_smoothing) + label_smoothing / y.shape[1]
    if from_logits:
        e = np.exp(p - p.max(axis=1, keepdims=True))
        p = e / e.sum(axis=1, keepdims=True)
    output = np.clip(p / p.sum(axis=1, keepdims=True), EPS, 1 - EPS)
    return (np.multiply((1.0 - output) ** gamma, np.asarray(alpha)) * -y * np.log(output)).sum(
        axis=1)


def _labels(n):
    return np.random.default_rng(n).integers(0, K, size=n)


def _rows(n):
    y = np.eye(K)[_labels(n)]
    y[0] = [0.5, 0.25, 0.25, 0.0]  # a soft row
    return y


def _scores(n, kind):
    rng = np.random.default_rng(50 + n)
    if kind == "logits":
        return rng.normal(size=(n, K)) * 3
    p = rng.uniform(0.05, 1.0, size=(n, K))
    return p if kind == "unnormalized" else p / p.sum(axis=1, keepdims=True)


KINDS = ("probabilities", "unnormalized", "logits")
CONFIGS = [{}, {"alpha": ALPHA}, {"alpha": tuple(ALPHA), "gamma": 0.5, "label_smoothing": 0.1},
           {"alpha": np.array(ALPHA), "gamma": 3.0}, {"alpha": [0.0, 0.0, 1.0, 0.0]}]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("config", CONFIGS)
def test_values_are_keras_values(kind, config):
    y, p = _rows(7), _scores(7, kind)
    logits = kind == "logits"
    loss = CategoricalFocalCrossentropy(**config, from_logits=logits, reduction="none")
    alpha = config.get("alpha", 0.25)
    keras = dict(alpha=alpha, gamma=config.get("gamma", 2.0), from_logits=logits,
                 label_smoothing=config.get("label_smoothing", 0.0))
    np.testing.assert_allclose(loss(y, p), keras_focal(y, p, **keras), rtol=1e-12)
    np.testing.assert_allclose(loss(_labels(7), p), keras_focal(np.eye(K)[_labels(7)], p,
                                                                **keras), rtol=1e-12)


def test_unnormalized_probability_rows_are_rescaled_as_keras_does():
    y = np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    p = np.array([[0.1, 0.9, 0.5], [0.2, 0.2, 0.2]])  # rows summing to 1.5 and 0.6
    loss = CategoricalFocalCrossentropy(reduction="none")
    np.testing.assert_allclose(loss(y, p), keras_focal(y, p), rtol=1e-12)
    np.testing.assert_allclose(loss(y, p), loss(y, p / p.sum(axis=1, keepdims=True)),
                               rtol=1e-12)
    np.testing.assert_allclose(loss(y, p * 0.5), loss(y, p), rtol=1e-12)  # scale-free


def test_keras_documented_examples():
    """keras.losses.CategoricalFocalCrossentropy's docstring (float32 there)."""
    y = np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    p = np.array([[0.05, 0.95, 0.0], [0.1, 0.8, 0.1]])
    assert CategoricalFocalCrossentropy()(y, p) == pytest.approx(0.23315276, rel=1e-6)
    assert CategoricalFocalCrossentropy()(y, p, sample_weight=np.array([0.3, 0.7])) == (
        pytest.approx(0.1632, abs=1e-4))
    assert CategoricalFocalCrossentropy(reduction="sum")(y, p) == pytest.approx(0.46631,
                                                                                abs=1e-5)
    np.testing.assert_allclose(CategoricalFocalCrossentropy(reduction=None)(y, p),
                               [3.2058331e-05, 4.6627346e-01], rtol=1e-6)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("config", CONFIGS[1:] + [{"gamma": 0.5, "alpha": 0.7}])
@pytest.mark.parametrize("batch", [1, 5])
def test_gradients_match_finite_differences(kind, config, batch):
    y, p = _rows(batch) if batch > 1 else np.eye(K)[_labels(1)], _scores(batch, kind)
    model = Sequential([Identity()]).build(K)
    for reduction in ("mean", "sum"):
        loss = CategoricalFocalCrossentropy(**config, from_logits=kind == "logits",
                                            reduction=reduction)
        assert gradcheck(model, loss, p, y) < 1e-6
        assert gradcheck(model, loss, p, _labels(batch)) < 1e-6


def test_through_a_softmax_the_rescaling_changes_the_gradient_by_rounding_only():
    """A Softmax's rows sum to 1: its backward removes the rescaling's per-row term."""
    y, z = _labels(6), _scores(6, "logits")
    softmax = nonlin.Softmax()
    p = softmax.forward(z, training=True)
    loss = CategoricalFocalCrossentropy(alpha=ALPHA)
    g = softmax.backward(loss.grad(y, p))
    fused = CategoricalFocalCrossentropy(alpha=ALPHA, from_logits=True).grad(y, z)
    np.testing.assert_allclose(g, fused, rtol=1e-9, atol=1e-15)


def test_a_scalar_alpha_and_the_same_alpha_per_class_agree():
    y, z = _rows(6), _scores(6, "logits")
    for logits in (True, False):
        p = z if logits else _scores(6, "unnormalized")
        one = CategoricalFocalCrossentropy(alpha=0.3, from_logits=logits)
        each = CategoricalFocalCrossentropy(alpha=[0.3] * K, from_logits=logits)
        assert one(y, p) == pytest.approx(each(y, p), rel=1e-14)
        np.testing.assert_allclose(one.grad(y, p), each.grad(y, p), rtol=1e-13, atol=1e-16)


@pytest.mark.parametrize("alpha", [[], [[0.1, 0.2]], np.ones((2, 2)), [0.1, float("nan")],
                                   [0.1, float("inf")], [0.1, -0.5], [0.1, True], ["0.1"],
                                   [10**400], (None,)])
def test_a_bad_per_class_alpha_is_refused(alpha):
    with pytest.raises(ValueError, match=r"Expected .*alpha.*Received: alpha"):
        CategoricalFocalCrossentropy(alpha=alpha)


def test_the_number_of_alphas_must_be_the_number_of_classes():
    y, p = _labels(5), _scores(5, "probabilities")
    message = r"Expected one alpha per class: 4 values for the 4 classes .*Received 3: alpha="
    loss = CategoricalFocalCrossentropy(alpha=[1.0, 2.0, 3.0])
    for call in (loss, loss.grad):
        with pytest.raises(ValueError, match=message):
            call(y, p)
    with pytest.raises(ValueError, match=r"Expected one alpha per class: 4 values .* Received 1"):
        CategoricalFocalCrossentropy(alpha=[2.0])(y, p)  # not broadcast as one alpha
    model = Sequential([nonlin.Dense(K), nonlin.Softmax()])
    with pytest.raises(ValueError, match=message):
        model.fit(np.ones((5, 2)), y, loss=loss, optimizer="sgd", verbose=0)
    assert not model.built


def test_a_row_of_zeros_is_refused_by_a_public_call():
    loss = CategoricalFocalCrossentropy()
    with pytest.raises(ValueError, match=r"Expected probability rows with a positive sum in "
                                         r"y_pred .* Received a row of zeros at index 1"):
        loss(np.array([0, 1]), np.array([[0.2, 0.8], [0.0, 0.0]]))
    assert np.isfinite(CategoricalFocalCrossentropy(from_logits=True)(
        np.array([0, 1]), np.zeros((2, 2))))


def test_config_repr_copies_and_registry_round_trip():
    loss = CategoricalFocalCrossentropy(alpha=np.array(ALPHA, np.float32), gamma=1.0)
    assert loss.alpha == tuple(ALPHA) and all(type(a) is float for a in loss.alpha)
    config = loss.get_config()
    assert config["alpha"] == ALPHA and type(config["alpha"]) is list
    assert "alpha=[0.25, 1.0, 0.5, 2.0]" in repr(loss)
    for other in (nonlin.registry.loss("categorical_focal_crossentropy", **config),
                  CategoricalFocalCrossentropy(**config), copy.deepcopy(loss),
                  *(pickle.loads(pickle.dumps(loss, p)) for p in range(6))):
        assert other.get_config() == config and other.alpha == loss.alpha
    assert CategoricalFocalCrossentropy(alpha=2).get_config()["alpha"] == 2.0


def _fitted(loss, dtype=np.float64):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(48, 3)).astype(dtype)
    y = (X[:, 0] > 0).astype(int) + (X[:, 1] > 0) + (X[:, 2] > 1)
    model = Sequential([nonlin.Dense(6), nonlin.Tanh(), nonlin.Dense(K), nonlin.Softmax()])
    model.fit(X, y, loss=loss, optimizer="adam", epochs=2, batch_size=16, seed=0, verbose=0)
    return model, X, y


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fit_save_and_load_keep_a_per_class_alpha(dtype):
    model, X, y = _fitted(CategoricalFocalCrossentropy(alpha=ALPHA, label_smoothing=0.1), dtype)
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the loss is saved, not left out with a warning
        model.save(buffer)
    loaded = nonlin.load(io.BytesIO(buffer.getvalue()))
    assert type(loaded.loss) is CategoricalFocalCrossentropy
    assert loaded.loss.get_config() == model.loss.get_config()
    assert loaded.loss.alpha == tuple(ALPHA)
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    loaded.fit(X, y, epochs=1, seed=1, verbose=0)  # trains on with the loss from the file
    model.fit(X, y, epochs=1, seed=1, verbose=0)
    for a, b in zip(loaded.get_weights(), model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_mlp_classifier_takes_a_per_class_alpha():
    pytest.importorskip("sklearn")
    from nonlin.sklearn import MLPClassifier, load

    model, X, y = _fitted(CategoricalFocalCrossentropy())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning
        for target, alpha in ((y, ALPHA), (y > 0, [0.3, 0.7])):
            est = MLPClassifier(hidden_layer_sizes=(5,), max_iter=3, random_state=0,
                                loss=CategoricalFocalCrossentropy(alpha=alpha)).fit(X, target)
            assert np.isfinite(est.loss_)
            buffer = io.BytesIO()
            est.save(buffer)
            assert load(io.BytesIO(buffer.getvalue())).loss.alpha == tuple(alpha)
        wrong = MLPClassifier(hidden_layer_sizes=(5,), max_iter=3,
                              loss=CategoricalFocalCrossentropy(alpha=ALPHA))
        with pytest.raises(ValueError, match=r"one alpha per class: 2 values .* Received 4"):
            wrong.fit(X, y > 0)


@pytest.mark.parametrize(("alpha", "field", "message"), [
    ([1.0, 2.0], "compile.loss.config.alpha", "one alpha per class: 4 values"),
    ([1.0, "x", 1.0, 1.0], "compile.loss.config", r"alpha\[1\]='x'"),
    ([1.0, -1.0, 1.0, 1.0], "compile.loss.config", r"alpha\[1\]=-1.0"),
])
def test_a_file_whose_alpha_does_not_fit_is_refused_naming_the_field(alpha, field, message):
    from io_helpers import edit_meta

    model, _, _ = _fitted(CategoricalFocalCrossentropy(alpha=ALPHA))
    buffer = io.BytesIO()
    model.save(buffer)

    def change(record):
        record["loss"]["config"]["alpha"] = alpha
        return record

    data = edit_meta(buffer.getvalue(), "compile", change)
    with pytest.raises(nonlin.ModelFileError, match=message) as info:
        nonlin.load(io.BytesIO(data))
    assert field in str(info.value)
