"""Keras 3's loss-like metrics (session 21): the cross-entropies, KL divergence, Poisson, MSLE,
cosine similarity, log-cosh and the hinges, as ``keras.metrics`` defines them.

Each is checked against a NumPy transcription of Keras' function (``keras/src/losses/
losses.py``; cosine similarity: ``keras/src/metrics/regression_metrics.py``) and its
``MeanMetricWrapper`` (``sum_i w_i v_i / sum_i w_i`` over every batch), streamed and weighted;
against PyTorch and scikit-learn where they define the same quantity; by name, in ``fit`` on a
model that outputs logits, through configs, saved files and a mid-epoch checkpoint.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

import nonlin
from nonlin import BinaryCrossEntropy, CrossEntropy, registry
from nonlin.checkpoint import load_checkpoint
from nonlin.metrics import (
    BinaryCrossentropy,
    CategoricalCrossentropy,
    CategoricalHinge,
    CosineSimilarity,
    Hinge,
    KLDivergence,
    LogCoshError,
    MeanSquaredLogarithmicError,
    Poisson,
    SparseCategoricalCrossentropy,
    SquaredHinge,
    get_metric,
    get_metrics,
)
from test_checkpoint import _assert_same_run, _data, _optimizer
from test_metrics_keras import _run, _stopped

EPS = 1e-7  # Keras' backend.epsilon()
K = 4  # outputs


# --- Keras' functions, transcribed (one value per sample) ---------------------------------

def k_bce(y, p, from_logits=False, label_smoothing=0.0):
    if label_smoothing:
        y = y * (1.0 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:  # tf.nn.sigmoid_cross_entropy_with_logits
        return (np.maximum(p, 0) - p * y + np.log1p(np.exp(-np.abs(p)))).mean(-1)
    q = np.clip(p, EPS, 1.0 - EPS)
    bce = y * np.log(q)
    bce += (1.0 - y) * np.log(1.0 - q)
    return (-bce).mean(-1)


def k_cce(y, p, from_logits=False, label_smoothing=0.0):
    if label_smoothing:
        y = y * (1.0 - label_smoothing) + label_smoothing / y.shape[-1]
    if from_logits:
        top = np.max(p, -1, keepdims=True)
        log_q = p - top - np.log(np.exp(p - top).sum(-1, keepdims=True))
    else:
        log_q = np.log(np.clip(p / np.sum(p, -1, keepdims=True), EPS, 1.0 - EPS))
    return -np.sum(y * log_q, -1)


def k_kl(y, p):
    t, q = np.clip(y, EPS, 1), np.clip(p, EPS, 1)
    return np.sum(t * np.log(t / q), -1)


def k_poisson(y, p):
    return np.mean(p - y * np.log(p + EPS), -1)


def k_msle(y, p):
    return np.mean(np.square(np.log(np.maximum(p, EPS) + 1.0)
                             - np.log(np.maximum(y, EPS) + 1.0)), -1)


def k_cosine(y, p):
    def normalize(x):  # ops.nn.normalize(order=2): x * min(rsqrt(sum x^2), 1 / eps)
        with np.errstate(divide="ignore"):
            return x * np.minimum(1.0 / np.sqrt(np.sum(np.square(x), -1, keepdims=True)),
                                  1.0 / EPS)
    return np.sum(normalize(y) * normalize(p), -1)


def k_logcosh(y, p):
    x = p - y
    return np.mean(x + np.logaddexp(-2.0 * x, 0.0) - np.log(2.0), -1)


def _hinge_targets(y):
    return 2.0 * y - 1.0 if np.all((y == 0) | (y == 1)) else y


def k_hinge(y, p):
    return np.mean(np.maximum(1.0 - _hinge_targets(y) * p, 0.0), -1)


def k_squared_hinge(y, p):
    return np.mean(np.square(np.maximum(1.0 - _hinge_targets(y) * p, 0.0)), -1)


def k_categorical_hinge(y, p):
    pos, neg = np.sum(y * p, -1), np.max((1.0 - y) * p, -1)
    return np.maximum(neg - pos + 1.0, 0.0)


# --- batches -----------------------------------------------------------------------------

def _binary(rng, n):
    p = rng.random((n, K))
    p[0, :2] = [0.0, 1.0]  # clipped to eps, 1 - eps
    return rng.integers(0, 2, (n, K)).astype(float), p


def _logits(rng, n):
    return rng.integers(0, 2, (n, K)).astype(float), rng.normal(0.0, 4.0, (n, K))


def _one_hot(rng, n):
    return np.eye(K)[rng.integers(0, K, n)], rng.random((n, K)) * 3.0  # rows not summing to 1


def _one_hot_logits(rng, n):
    return np.eye(K)[rng.integers(0, K, n)], rng.normal(0.0, 3.0, (n, K))


def _distributions(rng, n):
    y, p = rng.dirichlet(np.ones(K), n), rng.dirichlet(np.ones(K), n)
    y[0, 1], p[1, 2] = 0.0, 0.0  # clipped to eps
    return y, p


def _counts(rng, n):
    return rng.poisson(2.0, (n, K)).astype(float), rng.random((n, K)) * 4.0


def _mixed_signs(rng, n):
    y, p = rng.normal(0.0, 2.0, (n, K)), rng.normal(0.0, 2.0, (n, K))
    y[0], p[1] = 0.0, 0.0  # a zero row: normalized to 0; msle: max(., eps)
    p[2, 0] = 30.0  # log-cosh without overflow
    return y, p


def _signs(rng, n):
    y = rng.choice([-1.0, 1.0], (n, K)) if n % 2 else rng.integers(0, 2, (n, K)).astype(float)
    return y, rng.normal(0.0, 1.5, (n, K))


CASES = {
    "bce": (BinaryCrossentropy(), k_bce, _binary),
    "bce-smoothing": (BinaryCrossentropy(label_smoothing=0.2),
                      lambda y, p: k_bce(y, p, label_smoothing=0.2), _binary),
    "bce-logits": (BinaryCrossentropy(from_logits=True),
                   lambda y, p: k_bce(y, p, from_logits=True), _logits),
    "bce-logits-smoothing": (BinaryCrossentropy(from_logits=True, label_smoothing=0.3),
                             lambda y, p: k_bce(y, p, True, 0.3), _logits),
    "cce": (CategoricalCrossentropy(), k_cce, _one_hot),
    "cce-soft-smoothing": (CategoricalCrossentropy(label_smoothing=0.1),
                           lambda y, p: k_cce(y, p, label_smoothing=0.1), _distributions),
    "cce-logits": (CategoricalCrossentropy(from_logits=True, axis=1),
                   lambda y, p: k_cce(y, p, from_logits=True), _one_hot_logits),
    "cce-logits-smoothing": (CategoricalCrossentropy(from_logits=True, label_smoothing=0.25),
                             lambda y, p: k_cce(y, p, True, 0.25), _one_hot_logits),
    "sparse": (SparseCategoricalCrossentropy(), k_cce, _one_hot),
    "sparse-logits": (SparseCategoricalCrossentropy(from_logits=True),
                      lambda y, p: k_cce(y, p, from_logits=True), _one_hot_logits),
    "kl": (KLDivergence(), k_kl, _distributions),
    "poisson": (Poisson(), k_poisson, _counts),
    "msle": (MeanSquaredLogarithmicError(), k_msle, _mixed_signs),
    "cosine": (CosineSimilarity(), k_cosine, _mixed_signs),
    "logcosh": (LogCoshError(), k_logcosh, _mixed_signs),
    "hinge": (Hinge(), k_hinge, _signs),
    "squared_hinge": (SquaredHinge(), k_squared_hinge, _signs),
    "categorical_hinge": (CategoricalHinge(), k_categorical_hinge, _one_hot_logits),
}
LABELS = ("cce", "cce-logits", "cce-logits-smoothing", "sparse", "sparse-logits",
          "categorical_hinge")  # one-hot rows that also go in as integer labels


def _batches(make, seed=0, sizes=(7, 12, 5, 9)):
    rng = np.random.default_rng(seed)
    return [(*make(rng, n), rng.random(n) * 2.0) for n in sizes]


def _weighted(reference, batches, weighted=True):
    values = np.concatenate([reference(y, p) for y, p, _ in batches])
    w = np.concatenate([w for _, _, w in batches]) if weighted else np.ones(len(values))
    return float(np.sum(w * values) / np.sum(w))


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("weighted", [True, False])
def test_streamed_batches_equal_keras_formula(case, weighted):
    metric, reference, make = CASES[case]
    batches = _batches(make)
    metric.reset_state()
    for y, p, w in batches:
        metric.update_state(y, p, sample_weight=w if weighted else None)
    expected = _weighted(reference, batches, weighted)
    assert metric.result() == pytest.approx(expected, rel=1e-12, abs=1e-12)
    # one call on the whole arrays: Keras' hinges read 0/1 targets as -1/1 per call (batch)
    whole = [tuple(np.concatenate(part) for part in zip(*batches, strict=True))]
    y, p, w = whole[0]
    assert metric(y, p, w if weighted else None) == pytest.approx(
        _weighted(reference, whole, weighted), rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("case", LABELS)
def test_integer_labels_equal_their_one_hot_rows(case):
    metric, reference, make = CASES[case]
    batches = _batches(make, seed=3)
    metric.reset_state()
    for y, p, w in batches:
        metric.update_state(y.argmax(axis=1), p, sample_weight=w)
    assert metric.result() == pytest.approx(_weighted(reference, batches), rel=1e-12)
    y, p, _ = batches[0]
    assert metric(y.argmax(axis=1)[:, None].astype(float), p) == pytest.approx(metric(y, p))


def test_keras_documented_examples():
    a, b = [[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]]
    rows, probs = [[0, 1, 0], [0, 0, 1]], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]]
    counts = [[1, 1], [0, 0]]
    for value, expected in [
            (BinaryCrossentropy()(a, b), 0.81492424),
            (BinaryCrossentropy()(a, b, [1, 0]), 0.9162905),
            (CategoricalCrossentropy()(rows, probs), 1.1769392),
            (CategoricalCrossentropy()(rows, probs, np.array([0.3, 0.7])), 1.6271976),
            (SparseCategoricalCrossentropy()([1, 2], probs), 1.1769392),
            (KLDivergence()(a, b), 0.45814306), (KLDivergence()(a, b, [1, 0]), 0.9162892),
            (Poisson()(a, counts), 0.49999997), (Poisson()(a, counts, [1, 0]), 0.99999994),
            (MeanSquaredLogarithmicError()(a, counts), 0.12011322),
            (CosineSimilarity(axis=1)([[0., 1.], [1., 1.]], [[1., 0.], [1., 1.]], [0.3, 0.7]),
             0.7),
            (LogCoshError()(a, counts), 0.10844523),
            (LogCoshError()(a, counts, [1, 0]), 0.21689045),
            (Hinge()(a, b), 1.3), (Hinge()(a, b, [1, 0]), 1.1), (SquaredHinge()(a, b), 1.86),
            (SquaredHinge()(a, b, [1, 0]), 1.46), (CategoricalHinge()(a, b), 1.4),
            (CategoricalHinge()(a, b, [1, 0]), 1.2)]:
        assert value == pytest.approx(expected, rel=1e-6)


def test_float32_outputs_are_computed_in_float32_close_to_float64():
    for case in ("bce", "bce-logits", "cce-logits", "kl", "poisson", "cosine", "hinge"):
        metric, reference, make = CASES[case]
        y, p, w = _batches(make)[1]
        assert metric._rows(y.astype(np.float32), p.astype(np.float32)).dtype == np.float32
        value = metric(y.astype(np.float32), p.astype(np.float32), w)
        assert value == pytest.approx(_weighted(reference, [(y, p, w)]), rel=2e-5), case


# --- PyTorch and scikit-learn --------------------------------------------------------------

def test_cross_entropies_equal_torch_and_scikit_learn():
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    rng = np.random.default_rng(5)
    n = 40
    labels, z, w = rng.integers(0, K, n), rng.normal(0.0, 3.0, (n, K)), rng.random(n)
    y01, q = rng.integers(0, 2, (n, K)).astype(float), rng.uniform(0.01, 0.99, (n, K))
    T = torch.from_numpy

    def mean(v):
        return float((v * T(w)).sum() / T(w).sum())

    assert BinaryCrossentropy()(y01, q, w) == pytest.approx(
        mean(F.binary_cross_entropy(T(q), T(y01), reduction="none").mean(-1)), rel=1e-12)
    smoothed = y01 * 0.8 + 0.1
    assert BinaryCrossentropy(from_logits=True, label_smoothing=0.2)(y01, z, w) == pytest.approx(
        mean(F.binary_cross_entropy_with_logits(T(z), T(smoothed), reduction="none").mean(-1)),
        rel=1e-12)
    for smoothing in (0.0, 0.15):
        torch_value = mean(F.cross_entropy(T(z), T(labels), reduction="none",
                                           label_smoothing=smoothing))
        metric = CategoricalCrossentropy(from_logits=True, label_smoothing=smoothing)
        assert metric(labels, z, w) == pytest.approx(torch_value, rel=1e-12)
        assert metric(np.eye(K)[labels], z, w) == pytest.approx(torch_value, rel=1e-12)
    assert SparseCategoricalCrossentropy(from_logits=True)(labels, z, w) == pytest.approx(
        mean(F.cross_entropy(T(z), T(labels), reduction="none")), rel=1e-12)
    sklearn_metrics = pytest.importorskip("sklearn.metrics")
    probs = q / q.sum(axis=1, keepdims=True)
    assert CategoricalCrossentropy()(labels, probs, w) == pytest.approx(
        sklearn_metrics.log_loss(labels, probs, sample_weight=w, labels=range(K)), rel=1e-12)
    assert BinaryCrossentropy()(y01[:, :1], q[:, :1], w) == pytest.approx(
        sklearn_metrics.log_loss(y01[:, 0], q[:, 0], sample_weight=w), rel=1e-12)


def test_the_others_equal_torch_where_it_defines_them():
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    rng = np.random.default_rng(6)
    n = 30
    w = rng.random(n)
    T = torch.from_numpy

    def mean(v):
        return float((v * T(w)).sum() / T(w).sum())

    y, p = rng.dirichlet(np.ones(K), n), rng.dirichlet(np.ones(K), n)
    assert KLDivergence()(y, p, w) == pytest.approx(
        mean(F.kl_div(T(np.log(p)), T(y), reduction="none").sum(-1)), rel=1e-12)
    counts, rates = rng.poisson(3.0, (n, K)).astype(float), rng.uniform(0.5, 5.0, (n, K))
    assert Poisson()(counts, rates, w) == pytest.approx(mean(F.poisson_nll_loss(
        T(rates), T(counts), log_input=False, eps=EPS, reduction="none").mean(-1)), rel=1e-12)
    a, b = rng.uniform(0.0, 9.0, (n, K)), rng.uniform(0.0, 9.0, (n, K))
    assert MeanSquaredLogarithmicError()(a, b, w) == pytest.approx(
        mean(((torch.log1p(T(b)) - torch.log1p(T(a))) ** 2).mean(-1)), rel=1e-12)
    a, b = rng.normal(size=(n, K)), rng.normal(size=(n, K))
    assert CosineSimilarity()(a, b, w) == pytest.approx(
        mean(F.cosine_similarity(T(a), T(b), dim=-1)), rel=1e-12)
    assert LogCoshError()(a, b, w) == pytest.approx(
        mean(torch.log(torch.cosh(T(b) - T(a))).mean(-1)), rel=1e-12)


# --- names ---------------------------------------------------------------------------------

NAMES = {
    "binary_crossentropy": BinaryCrossentropy, "bce": BinaryCrossentropy,
    "BCE": BinaryCrossentropy, "BinaryCrossentropy": BinaryCrossentropy,
    "categorical_crossentropy": CategoricalCrossentropy,
    "CategoricalCrossentropy": CategoricalCrossentropy,
    "sparse_categorical_crossentropy": SparseCategoricalCrossentropy,
    "SparseCategoricalCrossentropy": SparseCategoricalCrossentropy,
    "kl_divergence": KLDivergence, "KLDivergence": KLDivergence, "kld": KLDivergence,
    "KLD": KLDivergence, "kullback_leibler_divergence": KLDivergence,
    "poisson": Poisson, "Poisson": Poisson,
    "mean_squared_logarithmic_error": MeanSquaredLogarithmicError,
    "msle": MeanSquaredLogarithmicError,
    "MSLE": MeanSquaredLogarithmicError,
    "MeanSquaredLogarithmicError": MeanSquaredLogarithmicError,
    "cosine_similarity": CosineSimilarity, "CosineSimilarity": CosineSimilarity,
    "log_cosh_error": LogCoshError, "logcosh": LogCoshError, "log_cosh": LogCoshError,
    "LogCoshError": LogCoshError, "hinge": Hinge, "Hinge": Hinge,
    "squared_hinge": SquaredHinge, "SquaredHinge": SquaredHinge,
    "categorical_hinge": CategoricalHinge, "CategoricalHinge": CategoricalHinge,
}


@pytest.mark.parametrize("name", NAMES)
def test_keras_names_resolve_under_the_name_given(name):
    metric = get_metric(name, loss=nonlin.MeanSquaredError(), n_outputs=3)
    assert type(metric) is NAMES[name] and metric.name == name
    assert registry.lookup("metric", name) is NAMES[name]


def test_default_names_and_directions_are_keras():
    names = {BinaryCrossentropy: "binary_crossentropy",
             CategoricalCrossentropy: "categorical_crossentropy",
             SparseCategoricalCrossentropy: "sparse_categorical_crossentropy",
             KLDivergence: "kl_divergence", Poisson: "poisson",
             MeanSquaredLogarithmicError: "mean_squared_logarithmic_error",
             CosineSimilarity: "cosine_similarity", LogCoshError: "logcosh", Hinge: "hinge",
             SquaredHinge: "squared_hinge", CategoricalHinge: "categorical_hinge"}
    for cls, name in names.items():
        assert cls().name == name and cls(name="m").name == "m"
        assert cls.greater_is_better is (cls is CosineSimilarity)


def test_cross_entropy_names_take_logits_when_the_loss_does():
    logits, softmax_logits = BinaryCrossEntropy(from_logits=True), CrossEntropy(from_logits=True)
    assert get_metric("binary_crossentropy", loss=logits).from_logits is True
    assert get_metric("BinaryCrossentropy", loss=BinaryCrossEntropy()).from_logits is False
    assert get_metric("categorical_crossentropy", loss=softmax_logits).from_logits is True
    assert get_metric("sparse_categorical_crossentropy", loss=softmax_logits).from_logits is True
    assert get_metric("categorical_crossentropy", loss=CrossEntropy()).from_logits is False
    mine = BinaryCrossentropy(name="mine")  # an object keeps its own from_logits, as in Keras
    assert get_metrics([mine], loss=logits)[0].from_logits is False
    with pytest.raises(ValueError, match=r"'binary_crossentropy'.*Received CrossEntropy\("):
        get_metric("binary_crossentropy", loss=softmax_logits)
    with pytest.raises(ValueError, match=r"'categorical_crossentropy'.*BinaryCrossEntropy\("):
        get_metric("categorical_crossentropy", loss=logits)


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def test_fit_on_logits_logs_the_cross_entropy_of_the_probabilities():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 3))
    y = (X[:, :2].sum(axis=1) > 0).astype(float)
    model = nonlin.Sequential([nonlin.Dense(4), nonlin.Tanh(), nonlin.Dense(1)])
    history = model.fit(X[:60], y[:60], loss=BinaryCrossEntropy(from_logits=True),
                        optimizer="adam", epochs=3, batch_size=20, seed=0, verbose=0,
                        validation_data=(X[60:], y[60:]),
                        metrics=["binary_crossentropy", BinaryCrossentropy(name="raw")]).history
    z = model.predict(X[60:])
    assert history["val_binary_crossentropy"][-1] == pytest.approx(
        float(k_bce(y[60:, None], _sigmoid(z)).mean()), rel=1e-12)
    assert history["val_raw"][-1] == pytest.approx(float(k_bce(y[60:, None], z).mean()),
                                                   rel=1e-12)  # logits read as probabilities
    # one output, from logits: the metric is the loss (nonlin's sums over one output)
    assert history["binary_crossentropy"] == pytest.approx(history["loss"], rel=1e-12)


def test_fit_on_softmax_logits_logs_the_categorical_cross_entropy_of_the_softmax():
    rng = np.random.default_rng(1)
    X, labels = rng.normal(size=(60, 3)), rng.integers(0, 3, 60)
    model = nonlin.Sequential([nonlin.Dense(3)])
    history = model.fit(X[:45], labels[:45], loss=CrossEntropy(from_logits=True),
                        optimizer="sgd", epochs=2, seed=0, verbose=0,
                        validation_data=(X[45:], labels[45:]),
                        metrics=["categorical_crossentropy", "sparse_categorical_crossentropy",
                                 "kl_divergence", "categorical_hinge"]).history
    z = model.predict(X[45:])
    probs = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    expected = float(k_cce(np.eye(3)[labels[45:]], probs).mean())
    assert history["val_categorical_crossentropy"][-1] == pytest.approx(expected, rel=1e-12)
    assert history["val_sparse_categorical_crossentropy"][-1] == pytest.approx(expected, rel=1e-12)
    assert history["val_categorical_hinge"][-1] == pytest.approx(
        float(k_categorical_hinge(np.eye(3)[labels[45:]], z).mean()), rel=1e-12)
    scores = model.evaluate(X[45:], labels[45:], metrics=["categorical_crossentropy"])
    assert scores["categorical_crossentropy"] == pytest.approx(expected, rel=1e-12)


# --- configs, files, checkpoints -----------------------------------------------------------

CONFIGURED = [
    BinaryCrossentropy(name="b", from_logits=True, label_smoothing=0.1),
    CategoricalCrossentropy(from_logits=True, label_smoothing=0.2, axis=1),
    SparseCategoricalCrossentropy(name="s", from_logits=True), KLDivergence(name="k"),
    Poisson(), MeanSquaredLogarithmicError(), CosineSimilarity(axis=1, name="cos"),
    LogCoshError(), Hinge(), SquaredHinge(name="sq"), CategoricalHinge(),
]


@pytest.mark.parametrize("metric", CONFIGURED, ids=lambda m: type(m).__name__)
def test_get_config_round_trips_through_json_and_from_config(metric):
    config = json.loads(json.dumps(metric.get_config()))
    again = type(metric).from_config(config)
    assert type(again) is type(metric) and again.get_config() == metric.get_config()
    y, p = np.eye(3)[[0, 1, 2, 1]], np.random.default_rng(8).random((4, 3))
    assert again(y, p) == metric(y, p)


def test_a_saved_model_keeps_its_configured_metrics(tmp_path):
    model = nonlin.Sequential([nonlin.Dense(3)]).build(2, seed=0)
    metrics = [BinaryCrossentropy(label_smoothing=0.1, name="smooth"), "kld", "categorical_hinge"]
    model.compile("adam", CrossEntropy(from_logits=True), metrics)
    nonlin.io.save(model, tmp_path / "m.safetensors")
    loaded = nonlin.io.load(tmp_path / "m.safetensors")
    first = loaded._metrics[0]
    assert type(first) is BinaryCrossentropy and first.get_config() == metrics[0].get_config()
    assert loaded._metrics[1:] == ["kld", "categorical_hinge"]


def test_a_run_stopped_mid_epoch_with_these_metrics_resumes_bit_identically(tmp_path):
    _, labels = _data()
    metrics = ["categorical_crossentropy", "sparse_categorical_crossentropy",
               CategoricalHinge(), CategoricalCrossentropy(from_logits=True,
                                                           label_smoothing=0.1, name="smooth")]
    loss = CrossEntropy(from_logits=True)
    straight = _run(metrics, loss, labels, optimizer=_optimizer("adam"), seed=7)
    path = _stopped(tmp_path, metrics, loss, labels)
    partial = load_checkpoint(path).partial
    assert len(partial["metrics"]) == 4 and partial["metrics"][0]["count"] == 32
    resumed = _run(metrics, loss, labels, optimizer="adam", resume_from=path)
    _assert_same_run(resumed, straight)


def test_state_dict_round_trips_and_result_is_nan_before_any_batch():
    metric = KLDivergence()
    assert math.isnan(metric.result())
    y, p, w = _batches(_distributions)[0]
    metric.update_state(y, p, sample_weight=w)
    other = KLDivergence()
    other.load_state_dict(json.loads(json.dumps(metric.state_dict())))
    assert other.result() == metric.result()
    metric.reset_state()
    assert math.isnan(metric.result())


# --- bad arguments and inputs --------------------------------------------------------------

@pytest.mark.parametrize("make, message", [
    (lambda: BinaryCrossentropy(label_smoothing=-0.1), r"Received: label_smoothing=-0\.1"),
    (lambda: BinaryCrossentropy(label_smoothing=1.5), r"Received: label_smoothing=1\.5"),
    (lambda: CategoricalCrossentropy(label_smoothing=float("nan")), "label_smoothing=nan"),
    (lambda: CategoricalCrossentropy(label_smoothing="0.1"), "label_smoothing='0.1'"),
    (lambda: BinaryCrossentropy(label_smoothing=True), "label_smoothing=True"),
    (lambda: BinaryCrossentropy(from_logits="yes"), "from_logits='yes'"),
    (lambda: CategoricalCrossentropy(axis=0), "Received: axis=0"),
    (lambda: SparseCategoricalCrossentropy(axis=2), "Received: axis=2"),
    (lambda: CosineSimilarity(axis=True), "Received: axis=True"),
    (lambda: CosineSimilarity(axis=1.0), r"Received: axis=1\.0"),
    (lambda: Poisson(name=""), "Received: name=''"),
    (lambda: Hinge(name=3), "Received: name=3"),
])
def test_bad_arguments_name_the_value(make, message):
    with pytest.raises((ValueError, TypeError), match=message):
        make()


def test_bad_inputs_name_the_value():
    p = np.random.default_rng(9).random((4, 3))
    with pytest.raises(ValueError, match=r"Received label 3"):
        CategoricalCrossentropy()([0, 1, 2, 3], p)
    with pytest.raises(ValueError, match=r"Received label 5"):
        CategoricalHinge()([0, 1, 2, 5], p)
    with pytest.raises(ValueError, match=r"Received shape \(4, 2\)"):
        KLDivergence()(np.ones((4, 2)), p)
    with pytest.raises(ValueError, match=r"Received row 1 summing to 0"):
        CategoricalCrossentropy()([0, 1, 2, 1], np.vstack([p[:1], np.zeros((1, 3)), p[2:]]))
    with pytest.raises(ValueError, match="finite y_pred"):
        Poisson()(np.ones((2, 3)), [[1.0, np.nan, 1.0], [1.0, 1.0, 1.0]])


def test_the_guides_claims_about_nonlins_cross_entropy_losses():
    # "with k outputs the binary_crossentropy metric is 1 / k of the BinaryCrossEntropy loss,
    # and categorical_crossentropy equals CrossEntropy ... from logits, both are exact"
    rng = np.random.default_rng(11)
    z, y = rng.normal(0.0, 3.0, (30, 3)), rng.integers(0, 2, (30, 3)).astype(float)
    p, labels = rng.uniform(0.01, 0.99, (30, 3)), rng.integers(0, 3, 30)
    for from_logits, out in ((True, z), (False, p)):
        assert BinaryCrossentropy(from_logits=from_logits)(y, out) == pytest.approx(
            BinaryCrossEntropy(from_logits=from_logits)(y, out) / 3, rel=1e-12)
    probs = p / p.sum(axis=1, keepdims=True)
    assert CategoricalCrossentropy(from_logits=True)(labels, z) == pytest.approx(
        CrossEntropy(from_logits=True)(labels, z), rel=1e-12)
    assert CategoricalCrossentropy()(labels, probs) == pytest.approx(
        CrossEntropy()(labels, probs), rel=1e-12)
