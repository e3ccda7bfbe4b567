"""Session 21: the core cross-entropies take the arguments Keras 3 and PyTorch users pass:
``label_smoothing`` (Keras 3's rules, integer labels too: PyTorch's), PyTorch's
``pos_weight`` (``BCEWithLogitsLoss``), Keras' ``axis``; Keras 3's ``ignore_class`` is refused
naming the value. Values and gradients against NumPy transcriptions of Keras 3's code and
against torch, in float64; finite differences; ``fit`` one step by formula; configs, files."""

from __future__ import annotations

import io

import numpy as np
import pytest

import nonlin
from nonlin import registry
from nonlin.losses import BinaryCrossEntropy, CrossEntropy

N, K = 7, 3
S = 0.2  # label smoothing
W = [0.5, 2.0, 3.5]  # one pos_weight per output
RTOL = 1e-12


def _data(seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(N, K)) * 2.0
    labels = np.array([0, 1, 2, 2, 1, 0, 2])
    return {"z": z, "p": 1 / (1 + np.exp(-z)), "probs": np.exp(z) / np.exp(z).sum(1)[:, None],
            "binary": (rng.random((N, K)) > 0.5).astype(float), "labels": labels,
            "onehot": np.eye(K)[labels], "soft": rng.dirichlet(np.ones(K), N)}


# -- NumPy transcriptions of Keras 3 (keras/src/losses/losses.py, backend/numpy/nn.py) -----
def keras_binary(y_true, y_pred, from_logits=False, label_smoothing=0.0):
    """``binary_crossentropy``: smooth, then ``ops.binary_crossentropy`` (epsilon 1e-7),
    times the outputs (Keras averages over them, nonlin sums); the batch's mean."""
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    output = 1 / (1 + np.exp(-y_pred)) if from_logits else y_pred
    output = np.clip(output, 1e-7, 1 - 1e-7)
    bce = y_true * np.log(output) + (1 - y_true) * np.log(1 - output)
    return float(np.mean(np.mean(-bce, axis=-1) * y_pred.shape[1]))


def keras_categorical(y_true, y_pred, from_logits=False, label_smoothing=0.0):
    """``categorical_crossentropy``: smooth over ``num_classes``, then
    ``ops.categorical_crossentropy``; the batch's mean."""
    if label_smoothing:
        num_classes = y_true.shape[-1]
        y_true = y_true * (1.0 - label_smoothing) + (label_smoothing / num_classes)
    if from_logits:
        shifted = y_pred - y_pred.max(-1, keepdims=True)
        log_prob = shifted - np.log(np.exp(shifted).sum(-1, keepdims=True))
    else:
        output = y_pred / np.sum(y_pred, -1, keepdims=True)
        log_prob = np.log(np.clip(output, 1e-7, 1 - 1e-7))
    return float(np.mean(-np.sum(y_true * log_prob, axis=-1)))


@pytest.mark.parametrize("from_logits", [True, False])
@pytest.mark.parametrize("target", ["binary", "soft_binary"])
def test_binary_label_smoothing_is_keras_3s(from_logits, target) -> None:
    d = _data()
    y = d["binary"] if target == "binary" else d["p"][::-1].copy()
    x = d["z"] if from_logits else d["p"]
    loss = BinaryCrossEntropy(from_logits=from_logits, label_smoothing=S)
    expected = keras_binary(y, x, from_logits, S)
    assert loss(y, x) == pytest.approx(expected, rel=RTOL)
    assert loss(y, x) != pytest.approx(keras_binary(y, x, from_logits), rel=1e-3)


@pytest.mark.parametrize("from_logits", [True, False])
@pytest.mark.parametrize("target", ["labels", "onehot", "soft"])
def test_categorical_label_smoothing_is_keras_3s(from_logits, target) -> None:
    d = _data()
    x = d["z"] if from_logits else d["probs"]
    loss = CrossEntropy(from_logits=from_logits, label_smoothing=S)
    rows = d["onehot"] if target == "labels" else d[target]
    assert loss(d[target], x) == pytest.approx(keras_categorical(rows, x, from_logits, S),
                                               rel=RTOL)


@pytest.mark.parametrize("name", ["BinaryCrossentropy", "CategoricalCrossentropy"])
def test_keras_class_names_take_label_smoothing(name) -> None:
    d = _data()
    loss = registry.lookup("loss", name)(from_logits=True, label_smoothing=0.1, axis=-1)
    if name == "BinaryCrossentropy":
        assert loss(d["binary"], d["z"]) == pytest.approx(
            keras_binary(d["binary"], d["z"], True, 0.1), rel=RTOL)
    else:
        assert loss(d["onehot"], d["z"]) == pytest.approx(
            keras_categorical(d["onehot"], d["z"], True, 0.1), rel=RTOL)


def test_sparse_categorical_crossentropy_takes_label_smoothing_as_pytorch() -> None:
    """Keras' SparseCategoricalCrossentropy has no label_smoothing (a TypeError there);
    nonlin's name is CrossEntropy, integer labels or rows, which takes it: PyTorch's
    CrossEntropyLoss(label_smoothing=s) on class indices, the one-hot rows smoothed."""
    d = _data()
    loss = nonlin.losses.SparseCategoricalCrossentropy(from_logits=True, label_smoothing=S)
    assert type(loss) is CrossEntropy
    assert loss(d["labels"], d["z"]) == pytest.approx(
        keras_categorical(d["onehot"], d["z"], True, S), rel=RTOL)


# -- torch -------------------------------------------------------------------------------
def _torch_bce(torch, y, x, from_logits, pos_weight, smoothing):
    """BCEWithLogitsLoss(pos_weight, reduction='sum') / n of the smoothed targets, and its
    gradient with respect to ``x`` (logits, or probabilities through ``logit``)."""
    xt = torch.tensor(x, requires_grad=True)
    yt = torch.tensor(y * (1 - smoothing) + 0.5 * smoothing)
    pw = None if pos_weight is None else torch.tensor(np.broadcast_to(pos_weight, (K,)).copy())
    z = xt if from_logits else torch.logit(xt)
    value = torch.nn.BCEWithLogitsLoss(pos_weight=pw, reduction="sum")(z, yt) / x.shape[0]
    value.backward()
    return value.item(), xt.grad.numpy()


@pytest.mark.parametrize("from_logits", [True, False])
@pytest.mark.parametrize("pos_weight", [2.5, W, np.array(W), 0.0])
@pytest.mark.parametrize("smoothing", [0.0, S])
def test_pos_weight_is_torchs_bce_with_logits(from_logits, pos_weight, smoothing) -> None:
    torch = pytest.importorskip("torch")
    d = _data()
    x = d["z"] if from_logits else d["p"]
    loss = BinaryCrossEntropy(from_logits=from_logits, pos_weight=pos_weight,
                              label_smoothing=smoothing)
    value, grad = _torch_bce(torch, d["binary"], x, from_logits, pos_weight, smoothing)
    assert loss(d["binary"], x) == pytest.approx(value, rel=RTOL)
    np.testing.assert_allclose(loss.grad(d["binary"], x), grad, rtol=RTOL, atol=1e-13)
    plain = BinaryCrossEntropy(from_logits=from_logits, label_smoothing=smoothing)
    assert loss(d["binary"], x) != pytest.approx(plain(d["binary"], x), rel=1e-3)


@pytest.mark.parametrize("target", ["labels", "onehot", "soft"])
def test_label_smoothing_is_torchs_cross_entropy(target) -> None:
    torch = pytest.importorskip("torch")
    d = _data()
    zt = torch.tensor(d["z"], requires_grad=True)
    yt = torch.tensor(d[target])
    value = torch.nn.CrossEntropyLoss(label_smoothing=S)(zt, yt)
    value.backward()
    loss = CrossEntropy(from_logits=True, label_smoothing=S)
    assert loss(d[target], d["z"]) == pytest.approx(value.item(), rel=RTOL)
    np.testing.assert_allclose(loss.grad(d[target], d["z"]), zt.grad.numpy(), rtol=RTOL,
                               atol=1e-15)


@pytest.mark.parametrize("target", ["labels", "soft"])
def test_label_smoothing_from_probabilities_gradient_is_torchs(target) -> None:
    """``-sum_j y_s log p_j`` of probabilities taken as given (nonlin does not rescale rows,
    see ``CrossEntropy``), differentiated by torch: ``-y_s / p``."""
    torch = pytest.importorskip("torch")
    d = _data()
    pt = torch.tensor(d["probs"], requires_grad=True)
    rows = torch.tensor(d["onehot"] if target == "labels" else d["soft"])
    smoothed = rows * (1 - S) + S / K
    value = -(smoothed * torch.log(pt)).sum(-1).mean()
    value.backward()
    loss = CrossEntropy(label_smoothing=S)
    assert loss(d[target], d["probs"]) == pytest.approx(value.item(), rel=RTOL)
    np.testing.assert_allclose(loss.grad(d[target], d["probs"]), pt.grad.numpy(), rtol=RTOL)


def test_binary_label_smoothing_gradient_is_torchs() -> None:
    torch = pytest.importorskip("torch")
    d = _data()
    for from_logits, x in ((True, d["z"]), (False, d["p"])):
        value, grad = _torch_bce(torch, d["binary"], x, from_logits, None, S)
        loss = BinaryCrossEntropy(from_logits=from_logits, label_smoothing=S)
        assert loss(d["binary"], x) == pytest.approx(value, rel=RTOL)
        np.testing.assert_allclose(loss.grad(d["binary"], x), grad, rtol=RTOL, atol=1e-13)


# -- finite differences --------------------------------------------------------------------
def _numeric(loss, y, x, eps=1e-6):
    grad = np.empty_like(x)
    for index in np.ndindex(*x.shape):
        up, down = x.copy(), x.copy()
        up[index] += eps
        down[index] -= eps
        grad[index] = (loss(y, up) - loss(y, down)) / (2 * eps)
    return grad


@pytest.mark.parametrize("from_logits", [True, False])
@pytest.mark.parametrize("options", [{"label_smoothing": S}, {"pos_weight": 3.0},
                                     {"pos_weight": W}, {"pos_weight": W, "label_smoothing": S}])
def test_binary_gradient_matches_finite_differences(from_logits, options) -> None:
    d = _data(1)
    x = d["z"] if from_logits else np.clip(d["p"], 0.05, 0.95)
    loss = BinaryCrossEntropy(from_logits=from_logits, **options)
    np.testing.assert_allclose(loss.grad(d["binary"], x), _numeric(loss, d["binary"], x),
                               rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("from_logits", [True, False])
@pytest.mark.parametrize("target", ["labels", "onehot", "soft"])
def test_categorical_gradient_matches_finite_differences(from_logits, target) -> None:
    d = _data(2)
    x = d["z"] if from_logits else np.clip(d["probs"], 0.05, None)  # FD's step: p >> 1e-6
    loss = CrossEntropy(from_logits=from_logits, label_smoothing=S)
    np.testing.assert_allclose(loss.grad(d[target], x), _numeric(loss, d[target], x),
                               rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize(("last", "loss", "target"), [
    (None, lambda: CrossEntropy(from_logits=True, label_smoothing=S), "labels"),
    (nonlin.Softmax, lambda: CrossEntropy(label_smoothing=S), "onehot"),
    (None, lambda: BinaryCrossEntropy(from_logits=True, pos_weight=W, label_smoothing=S),
     "binary"),
    (nonlin.Sigmoid, lambda: BinaryCrossEntropy(pos_weight=W, label_smoothing=S), "binary"),
])
def test_gradcheck_through_a_model(last, loss, target) -> None:
    loss = loss()
    d = _data(3)
    X = np.random.default_rng(4).normal(size=(N, 4))
    layers = [nonlin.Dense(K)] + ([last()] if last else [])
    model = nonlin.Sequential(layers).build(4, seed=0, dtype=np.float64)
    assert nonlin.gradcheck(model, loss, X, d[target]) < 1e-7


# -- fit ------------------------------------------------------------------------------------
def _one_step(layers, loss, y, lr=0.5):
    X = np.random.default_rng(5).normal(size=(N, 4))
    model = nonlin.Sequential(layers).build(4, seed=0, dtype=np.float64)
    W0, b0 = model.layers[0].W.value.copy(), model.layers[0].b.value.copy()
    history = model.fit(X, y, loss=loss, optimizer=nonlin.optimizers.SGD(lr), epochs=1,
                        batch_size=N, shuffle=False, verbose=0)
    return X, W0, b0, model, history.history["loss"][0]


def _expected(X, W0, b0, G, lr=0.5):
    return W0 - lr * X.T @ G, b0 - lr * G.sum(0)


@pytest.mark.parametrize("softmax", [False, True])
@pytest.mark.parametrize("target", ["labels", "onehot"])
def test_fit_with_label_smoothing_is_one_step_by_formula(softmax, target) -> None:
    d = _data()
    layers = [nonlin.Dense(K)] + ([nonlin.Softmax()] if softmax else [])
    loss = CrossEntropy(from_logits=not softmax, label_smoothing=S)
    X, W0, b0, model, value = _one_step(layers, loss, d[target])
    z = X @ W0 + b0
    p = np.exp(z - z.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    smoothed = d["onehot"] * (1 - S) + S / K
    assert value == pytest.approx(-(smoothed * np.log(p)).sum(1).mean(), rel=RTOL)
    W1, b1 = _expected(X, W0, b0, (p - smoothed) / N)
    np.testing.assert_allclose(model.layers[0].W.value, W1, rtol=RTOL, atol=1e-14)
    np.testing.assert_allclose(model.layers[0].b.value, b1, rtol=RTOL, atol=1e-14)


@pytest.mark.parametrize("sigmoid", [False, True])
def test_fit_with_pos_weight_and_smoothing_is_one_step_by_formula(sigmoid) -> None:
    d = _data()
    layers = [nonlin.Dense(K)] + ([nonlin.Sigmoid()] if sigmoid else [])
    loss = BinaryCrossEntropy(from_logits=not sigmoid, pos_weight=W, label_smoothing=S)
    X, W0, b0, model, value = _one_step(layers, loss, d["binary"])
    z = X @ W0 + b0
    p, y, w = 1 / (1 + np.exp(-z)), d["binary"] * (1 - S) + 0.5 * S, np.array(W)
    assert value == pytest.approx(-(w * y * np.log(p) + (1 - y) * np.log(1 - p)).sum(1).mean(),
                                  rel=RTOL)
    W1, b1 = _expected(X, W0, b0, ((1 + (w - 1) * y) * p - w * y) / N)
    np.testing.assert_allclose(model.layers[0].W.value, W1, rtol=RTOL, atol=1e-14)
    np.testing.assert_allclose(model.layers[0].b.value, b1, rtol=RTOL, atol=1e-14)


def test_evaluate_of_a_softmax_model_applies_label_smoothing() -> None:
    d = _data()
    X = np.random.default_rng(5).normal(size=(N, 4))
    model = nonlin.Sequential([nonlin.Dense(K), nonlin.Softmax()]).build(4, seed=0,
                                                                          dtype=np.float64)
    dense = model.layers[0]
    z = X @ dense.W.value + dense.b.value
    for loss in (CrossEntropy(label_smoothing=S), CrossEntropy(from_logits=False)):
        expected = CrossEntropy(**(loss.get_config() | {"from_logits": True}))
        value = model.evaluate(X, d["labels"], loss=loss)["loss"]
        assert value == pytest.approx(expected(d["labels"], z), rel=RTOL)


@pytest.mark.parametrize(("layers", "loss", "target"), [
    (lambda: [nonlin.Dense(K)], lambda **o: CrossEntropy(from_logits=True, **o), "labels"),
    (lambda: [nonlin.Dense(K), nonlin.Softmax()], CrossEntropy, "onehot"),
    (lambda: [nonlin.Dense(K), nonlin.Sigmoid()], BinaryCrossEntropy, "binary"),
])
def test_options_at_their_defaults_keep_the_fused_path_bit_for_bit(layers, loss, target) -> None:
    from nonlin.objective import fused_kind

    d = _data()
    X = np.random.default_rng(5).normal(size=(N, 4))
    weights = []
    for options in ({}, {"label_smoothing": 0.0}, {"axis": 1}):
        model = nonlin.Sequential(layers()).build(4, seed=0, dtype=np.float64)
        assert fused_kind(model, loss(**options))[0] in ("softmax", "sigmoid")
        model.fit(X, d[target], loss=loss(**options), optimizer="adam", epochs=3,
                  batch_size=3, verbose=0, seed=1)
        weights.append(model.get_weights())
    for other in weights[1:]:
        for a, b in zip(weights[0], other, strict=True):
            assert a.tobytes() == b.tobytes()


def test_mlp_classifier_applies_the_options() -> None:
    pytest.importorskip("sklearn")
    import warnings

    from nonlin.sklearn import MLPClassifier

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(40, 3)), np.arange(40) % 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning

        def fitted(loss):
            return MLPClassifier(hidden_layer_sizes=(4,), max_iter=5, random_state=0,
                                 loss=loss).fit(X, y).loss_

        assert fitted(BinaryCrossEntropy()) == fitted("log_loss")
        assert fitted(BinaryCrossEntropy(pos_weight=3.0)) != fitted("log_loss")
        assert fitted(CrossEntropy(label_smoothing=S)) != fitted("log_loss")
        with pytest.raises(ValueError, match=r"one pos_weight per output: 1 values .* "
                                             r"Received 2"):
            fitted(BinaryCrossEntropy(pos_weight=[1.0, 2.0]))


# -- configs and files -----------------------------------------------------------------------
def test_config_carries_the_options_only_when_set() -> None:
    assert BinaryCrossEntropy(label_smoothing=0.0, axis=1).get_config() == {
        "from_logits": False, "reduction": "mean"}
    assert CrossEntropy(axis=-1, ignore_class=None).get_config() == {
        "from_logits": False, "reduction": "mean"}
    loss = BinaryCrossEntropy(from_logits=True, label_smoothing=0.1, pos_weight=np.array(W))
    config = loss.get_config()
    assert config == {"from_logits": True, "label_smoothing": 0.1, "pos_weight": W,
                      "reduction": "mean"}
    assert BinaryCrossEntropy(**config).get_config() == config
    assert repr(loss) == ("BinaryCrossEntropy(from_logits=True, label_smoothing=0.1, "
                          "pos_weight=[0.5, 2.0, 3.5], reduction='mean')")
    assert CrossEntropy(label_smoothing=0.3).get_config()["label_smoothing"] == 0.3
    keras = {"from_logits": True, "label_smoothing": 0.1, "axis": -1, "reduction": "mean"}
    assert registry.lookup("loss", "CategoricalCrossentropy")(**keras).label_smoothing == 0.1


def _saved(loss, target="binary"):
    d = _data()
    X = np.random.default_rng(5).normal(size=(N, 4))
    model = nonlin.Sequential([nonlin.Dense(K)]).build(4, seed=0, dtype=np.float64)
    model.fit(X, d[target], loss=loss, optimizer="sgd", epochs=1, verbose=0)
    buffer = io.BytesIO()
    model.save(buffer)
    return buffer.getvalue(), model, X


@pytest.mark.parametrize("loss", [
    lambda: BinaryCrossEntropy(from_logits=True, pos_weight=W, label_smoothing=S),
    lambda: BinaryCrossEntropy(from_logits=True, pos_weight=2.0),
    lambda: CrossEntropy(from_logits=True, label_smoothing=S),
])
def test_a_file_keeps_the_options_and_trains_on_with_them(loss) -> None:
    loss = loss()
    target = "labels" if isinstance(loss, CrossEntropy) else "binary"
    data, model, X = _saved(loss, target)
    loaded = nonlin.load(io.BytesIO(data))
    assert type(loaded.loss) is type(loss) and loaded.loss.get_config() == loss.get_config()
    loaded.fit(X, _data()[target], epochs=1, seed=1, verbose=0)
    model.fit(X, _data()[target], epochs=1, seed=1, verbose=0)
    for a, b in zip(loaded.get_weights(), model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(("key", "value", "field", "message"), [
    ("pos_weight", [1.0, 2.0], "compile.loss.config.pos_weight", "one pos_weight per output"),
    ("pos_weight", [1.0, float("nan"), 1.0], "compile", "NaN is not allowed"),  # JSON's check
    ("pos_weight", [1.0] * 4, "compile.loss.config.pos_weight", "Received 4"),
    ("pos_weight", [1.0, -1.0, 1.0], "compile.loss.config", r"pos_weight\[1\]=-1.0"),
    ("pos_weight", "abc", "compile.loss.config", "pos_weight='abc'"),
    ("label_smoothing", float("nan"), "compile", "NaN is not allowed"),
    ("label_smoothing", -0.5, "compile.loss.config", "label_smoothing=-0.5"),
    ("ignore_class", 0, "compile.loss.config", "ignore_class"),  # not BinaryCrossEntropy's
    ("label_smoothing", 1.5, "compile.loss.config", "label_smoothing=1.5"),
    ("axis", 0, "compile.loss.config", "axis=0"),
])
def test_a_file_with_hostile_options_is_refused_naming_the_field(key, value, field,
                                                                 message) -> None:
    from io_helpers import edit_meta

    data = _saved(BinaryCrossEntropy(from_logits=True, pos_weight=W))[0]

    def change(record):
        record["loss"]["config"][key] = value
        return record

    with pytest.raises(nonlin.ModelFileError, match=message) as info:
        nonlin.load(io.BytesIO(edit_meta(data, "compile", change)))
    assert field in str(info.value)


# -- bad arguments ------------------------------------------------------------------------
@pytest.mark.parametrize(("cls", "kwargs", "message"), [
    (BinaryCrossEntropy, {"pos_weight": -1.0}, r"finite numbers >= 0 in pos_weight\. "
                                               r"Received: pos_weight=-1\.0"),
    (BinaryCrossEntropy, {"pos_weight": float("inf")}, r"Received: pos_weight=inf"),
    (BinaryCrossEntropy, {"pos_weight": [1.0, float("nan")]}, r"Received: pos_weight\[1\]=nan"),
    (BinaryCrossEntropy, {"pos_weight": True}, r"Received: pos_weight=True"),
    (BinaryCrossEntropy, {"pos_weight": []}, r"one per output \(a non-empty list\)\. "
                                             r"Received: pos_weight=\[\]"),
    (BinaryCrossEntropy, {"pos_weight": np.ones((2, 2))}, r"Received: pos_weight="),
    (BinaryCrossEntropy, {"pos_weight": "2"}, r"Received: pos_weight='2'"),
    (BinaryCrossEntropy, {"pos_weight": range(3)}, r"Received: pos_weight=range"),
    (BinaryCrossEntropy, {"label_smoothing": 1.5}, r"in \[0, 1\]\. Received: label_smoothing=1"),
    (CrossEntropy, {"label_smoothing": float("nan")}, r"Received: label_smoothing=nan"),
    (CrossEntropy, {"label_smoothing": -0.1}, r"Received: label_smoothing=-0.1"),
    (BinaryCrossEntropy, {"axis": 0}, r"Expected axis=-1 \(or 1\).*Received: axis=0"),
    (CrossEntropy, {"axis": 2}, r"Received: axis=2"),
    (CrossEntropy, {"axis": True}, r"Received: axis=True"),
    (CrossEntropy, {"axis": "-1"}, r"Received: axis='-1'"),
    (CrossEntropy, {"ignore_class": 0}, r"Expected ignore_class=None.*Received: "
                                        r"ignore_class=0.*sample_weight=\(y != 0\)"),
    (CrossEntropy, {"ignore_class": -1}, r"Received: ignore_class=-1"),
])
def test_bad_arguments_are_refused_naming_them(cls, kwargs, message) -> None:
    with pytest.raises(ValueError, match=message) as info:
        cls(**kwargs)
    assert str(info.value).startswith("Expected ")


def test_keras_sparse_name_refuses_ignore_class_naming_it() -> None:
    cls = registry.lookup("loss", "SparseCategoricalCrossentropy")
    assert cls(ignore_class=None).get_config() == {"from_logits": False, "reduction": "mean"}
    with pytest.raises(ValueError, match=r"Received: ignore_class=255"):
        cls(from_logits=True, ignore_class=255)


def test_a_pos_weight_of_another_width_is_refused() -> None:
    d = _data()
    loss = BinaryCrossEntropy(from_logits=True, pos_weight=[1.0, 2.0])
    for call in (loss, loss.grad):
        with pytest.raises(ValueError, match=r"Expected one pos_weight per output: 3 values .*"
                                             r"Received 2: pos_weight=\[1\.0, 2\.0\]"):
            call(d["binary"], d["z"])
    X = np.zeros((N, 4))
    model = nonlin.Sequential([nonlin.Dense(K)]).build(4, seed=0)
    with pytest.raises(ValueError, match="one pos_weight per output: 3 values"):
        model.fit(X, d["binary"], loss=loss, optimizer="sgd", verbose=0)


def test_a_file_whose_cross_entropy_has_an_ignore_class_is_refused() -> None:
    from io_helpers import edit_meta

    data = _saved(CrossEntropy(from_logits=True, label_smoothing=S), "labels")[0]

    def change(record):
        record["loss"]["config"]["ignore_class"] = 3
        return record

    with pytest.raises(nonlin.ModelFileError, match=r"ignore_class=3") as info:
        nonlin.load(io.BytesIO(edit_meta(data, "compile", change)))
    assert "compile.loss.config" in str(info.value)


def test_a_loss_without_options_holds_and_pickles_what_it_did() -> None:
    """The defaults live on the classes: a loss holds an option only when set, so its
    attributes and pickle are those of a loss made before the options existed."""
    import pickle

    plain = CrossEntropy(label_smoothing=0.0, axis=-1, ignore_class=None)
    assert vars(plain) == {"from_logits": False, "reduction": "mean"}
    assert pickle.dumps(plain) == pickle.dumps(CrossEntropy())
    assert vars(BinaryCrossEntropy(pos_weight=None, label_smoothing=0, axis=1)) == {
        "from_logits": False, "reduction": "mean"}
    loaded = pickle.loads(pickle.dumps(BinaryCrossEntropy(pos_weight=W, label_smoothing=S)))
    assert loaded.pos_weight == tuple(W) and loaded.label_smoothing == S


@pytest.mark.parametrize(("cls", "name", "value", "shown"), [
    (BinaryCrossEntropy, "pos_weight", [1.0, 2.0, 3.0], r"pos_weight=\[1.0, 2.0, 3.0\]"),
    (BinaryCrossEntropy, "pos_weight", (1.0, -1.0, 1.0), r"pos_weight\[1\]=-1.0"),
    (BinaryCrossEntropy, "label_smoothing", 2.0, "label_smoothing=2.0"),
    (CrossEntropy, "label_smoothing", float("nan"), "label_smoothing=nan"),
])
def test_an_option_set_after_construction_is_checked(cls, name, value, shown) -> None:
    d = _data()
    loss = cls(from_logits=True)
    setattr(loss, name, value)
    target = d["binary"] if cls is BinaryCrossEntropy else d["labels"]
    with pytest.raises(ValueError, match=shown):
        loss(target, d["z"])
    model = nonlin.Sequential([nonlin.Dense(K)]).build(4, seed=0)
    with pytest.raises(ValueError, match=shown):
        model.fit(np.zeros((N, 4)), target, loss=loss, optimizer="sgd", verbose=0)
