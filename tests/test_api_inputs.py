"""Inputs of the Python API: label dtypes, class weights and validation_split, NumPy scalars
as numbers, values beyond a float32 model's range, fresh predict outputs, predict's batch_size."""

from __future__ import annotations

import re
from fractions import Fraction

import numpy as np
import pytest

import nonlin
from nonlin import (
    SGD,
    CrossEntropy,
    Dense,
    Dropout,
    Identity,
    LearningRateScheduler,
    Sequential,
    Softmax,
)
from nonlin.metrics import Accuracy, TopKAccuracy
from nonlin.schedules import CosineDecay
from nonlin.validation import check_labels

FIT = dict(loss="cross_entropy", optimizer="adam", epochs=1, batch_size=8, verbose=0, seed=0)


def _task(n=40, k=3, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, 4)), rng.integers(0, k, n)


# -- 1. class labels of any float width, and booleans ------------------------------------
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64, np.int8, np.uint16])
def test_integral_labels_of_any_dtype_train_and_evaluate_like_int64(dtype) -> None:
    X, y = _task()
    results = []
    for labels in (y, y.astype(dtype)):
        model = Sequential([Dense(3), Softmax()])
        history = model.fit(X, labels, validation_data=(X, labels), metrics=["accuracy"], **FIT)
        results.append((history.history, model.evaluate(X, labels, metrics=["top_k_accuracy"])))
    assert results[0] == results[1]


def test_bool_labels_are_classes_0_and_1_everywhere() -> None:
    X, y = _task(k=2)
    yb = y.astype(bool)
    results = []
    for labels in (y, yb):
        model = Sequential([Dense(2), Softmax()])
        history = model.fit(X, labels, validation_split=0.25, **FIT)
        p = model.predict(X)
        results.append((history.history, model.evaluate(X, labels), CrossEntropy()(labels, p),
                        CrossEntropy().grad(labels, p), Accuracy()(labels, p),
                        TopKAccuracy(1)(labels, p)))
    for a, b in zip(*results, strict=True):
        np.testing.assert_equal(a, b)


def test_bool_labels_are_not_a_mask_when_n_samples_equals_n_classes() -> None:
    p = np.array([[0.9, 0.1], [0.2, 0.8]])
    labels = np.array([False, True])  # classes 0 and 1: -log(0.9) and -log(0.8)
    assert CrossEntropy()(labels, p) == pytest.approx(-(np.log(0.9) + np.log(0.8)) / 2)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64, bool, ">i4", np.uint64])
def test_check_labels_converts_to_int64(dtype) -> None:
    labels = check_labels(np.array([0, 1, 1, 0], dtype=dtype), 2)
    assert labels.dtype == np.int64 and labels.tolist() == [0, 1, 1, 0]


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_fractional_labels_are_refused_with_the_value(dtype) -> None:
    X, _ = _task(n=4)
    y = np.array([0, 1, 0.5, 1], dtype=dtype)
    with pytest.raises(ValueError, match=r"integer class labels in y. Received y\[2\]=0.5"):
        Sequential([Dense(2), Softmax()]).fit(X, y, **FIT)
    with pytest.raises(ValueError, match=r"Received y_true\[2\]=0.5"):
        CrossEntropy()(y, np.full((4, 2), 0.5))


# -- 2. class_weight applies to training rows only ---------------------------------------
def _val_loss(**kwargs):
    X, y = _task(n=50)
    model = Sequential([Dense(3), Softmax()])
    history = model.fit(X, y, loss="cross_entropy", optimizer=SGD(1e-300), epochs=1,
                        verbose=0, seed=0, **kwargs)
    return history.history["val_loss"][0], model, X, y


def test_class_weight_does_not_weight_validation_split_rows() -> None:
    cw = {0: 10.0, 1: 1.0, 2: 0.5}
    split, model, X, y = _val_loss(validation_split=0.2, class_weight=cw)
    given, *_ = _val_loss(validation_data=(X[40:], y[40:]), class_weight=cw)
    assert split == given == model.evaluate(X[40:], y[40:])["loss"]


def test_sample_weight_still_splits_with_the_rows_under_class_weight() -> None:
    sw = np.linspace(0.1, 2.0, 50)
    loss, model, X, y = _val_loss(validation_split=0.2, class_weight={0: 3.0}, sample_weight=sw)
    assert loss == pytest.approx(model.evaluate(X[40:], y[40:], sample_weight=sw[40:])["loss"],
                                 rel=1e-12)


def test_class_weight_still_weights_the_training_rows_of_a_split() -> None:
    X, y = _task(n=50)
    sw = np.where(y == 0, 4.0, 1.0)
    runs = []
    for kwargs in ({"class_weight": {0: 4.0}}, {"sample_weight": sw}):
        model = Sequential([Dense(3), Softmax()])
        model.fit(X, y, loss="cross_entropy", optimizer=SGD(0.1), epochs=2, batch_size=8,
                  verbose=0, seed=0, validation_split=0.2, **kwargs)
        runs.append(model.get_weights())
    for a, b in zip(*runs, strict=True):
        np.testing.assert_array_equal(a, b)


# -- 3. NumPy scalars (and other real number types) are numbers --------------------------
def test_is_real_and_is_integer() -> None:
    from nonlin.validation import is_integer, is_real

    for value in (1, 0.5, np.float32(0.5), np.float16(2), np.int64(3), np.uint8(1), Fraction(1, 2)):
        assert is_real(value)
    for value in (True, np.bool_(True), "1", None, np.array(1.0), 1j):
        assert not is_real(value) and not is_integer(value)
    assert is_integer(np.int64(3)) and is_integer(np.uint8(3)) and not is_integer(np.float64(3))


@pytest.mark.parametrize("value", [np.int64(2), np.float32(2.0), np.float16(2.0), np.uint8(2)])
def test_class_weight_takes_numpy_scalars(value) -> None:
    X, y = _task()
    runs = []
    for weight in (value, 2.0):
        model = Sequential([Dense(3), Softmax()])
        runs.append(model.fit(X, y, class_weight={0: weight}, **FIT).history)
    assert runs[0] == runs[1]


@pytest.mark.parametrize("value", [np.float32(0.25), np.float64(0.25), np.int64(1), np.uint8(1)])
def test_learning_rate_scheduler_takes_numpy_scalars(value) -> None:
    X, y = _task()
    model = Sequential([Dense(3), Softmax()])
    history = model.fit(X, y, **FIT | {"optimizer": "sgd"},
                        callbacks=[LearningRateScheduler(lambda epoch, lr: value)])
    assert history.history["lr"] == [float(value)]
    assert type(model.optimizer.lr) is float


def test_constructors_take_numpy_scalars_and_store_python_numbers() -> None:
    f32, i64 = np.float32(0.5), np.int64(3)
    objects = [
        Dense(4, l2=f32), Dropout(f32), nonlin.LeakyReLU(f32), nonlin.BatchNorm(f32, f32),
        nonlin.Huber(f32), SGD(f32, momentum=f32, clipnorm=f32), nonlin.Adam(f32),
        nonlin.BinaryFocalCrossentropy(alpha=f32, gamma=f32, label_smoothing=f32),
        nonlin.EarlyStopping(min_delta=f32, patience=i64),
        nonlin.ReduceLROnPlateau(factor=f32, patience=i64, cooldown=i64),
        TopKAccuracy(i64), nonlin.ModelCheckpoint("unused.safetensors", every=i64),
        CosineDecay(f32, i64, alpha=f32, warmup_steps=i64, warmup_from=f32),
    ]
    for obj in objects:
        for key in ("l2", "rate", "alpha", "momentum", "epsilon", "delta", "lr", "clipnorm",
                    "min_delta", "patience", "factor", "cooldown", "k", "every", "decay_steps",
                    "warmup_steps", "warmup_from", "gamma", "label_smoothing"):
            value = getattr(obj, key, None)
            assert value is None or type(value) in (int, float), (obj, key, value)
    assert CosineDecay(f32, i64)(0) == 0.5


@pytest.mark.parametrize("make", [
    lambda: Dense(4, l2=np.True_), lambda: Dropout(True), lambda: nonlin.LeakyReLU(True),
    lambda: SGD(np.bool_(True)), lambda: TopKAccuracy(True), lambda: nonlin.Huber("1"),
])
def test_booleans_and_strings_are_still_not_numbers(make) -> None:
    with pytest.raises(ValueError, match="Received"):
        make()


# -- 4. finite values beyond a float32 model's range -------------------------------------
def _float32_model():
    return Sequential([Dense(2), Softmax()]).build(3, seed=0, dtype=np.float32)


def _overflowing():
    X = np.random.default_rng(0).normal(size=(20, 3))
    X[5, 1] = 1e39
    return X, (X[:, 0] > 0).astype(int)


MESSAGE = r"within float32's range for this float32 model. Received x\[5, 1\]=1e\+39"


@pytest.mark.parametrize("batch_size", [None, 4])
def test_predict_refuses_values_beyond_float32(batch_size) -> None:
    X, _ = _overflowing()
    with pytest.raises(ValueError, match=MESSAGE):
        _float32_model().predict(X, batch_size=batch_size)


def test_fit_and_evaluate_refuse_values_beyond_float32() -> None:
    X, y = _overflowing()
    model = _float32_model()
    with pytest.raises(ValueError, match=MESSAGE):
        model.fit(X, y, **FIT)
    with pytest.raises(ValueError, match=MESSAGE):
        model.evaluate(X, y, loss="cross_entropy")
    with pytest.raises(ValueError, match=MESSAGE.replace("x", "X_val")):
        model.fit(np.ones_like(X), y, validation_data=(X, y), **FIT)
    with pytest.raises(ValueError, match=r"Received sample_weight\[3\]=1e\+40"):
        model.fit(np.zeros_like(X), y, sample_weight=np.r_[1, 1, 1, 1e40, np.ones(16)], **FIT)


def test_float32_model_still_takes_float64_values_within_range() -> None:
    X, y = _overflowing()
    X[5, 1] = 3e38
    model = _float32_model()
    assert np.isfinite(model.predict(X)).all()
    assert model.predict(X).dtype == np.float32


def test_set_weights_refuses_values_beyond_float32() -> None:
    model = _float32_model()
    before = model.get_weights()
    huge = [np.full_like(before[0], 1e300, dtype=np.float64), before[1]]
    message = r"float32's range .* Received weights\[0\]\[0, 0\]=1e\+300"
    with pytest.raises(ValueError, match=message):
        model.set_weights(huge)
    for a, b in zip(before, model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


# -- 5. predict never hands back the caller's array --------------------------------------
@pytest.mark.parametrize("layers", [[Identity()], [Dropout(0.5)], [Identity(), Dropout(0.2)]])
def test_predict_of_pass_through_layers_returns_a_fresh_array(layers) -> None:
    X = np.random.default_rng(0).normal(size=(5, 4))
    kept = X.copy()
    model = Sequential(layers).build(4, seed=0)
    for out in (model.predict(X), model.forward(X)):
        assert not np.shares_memory(out, X)
        np.testing.assert_array_equal(out, kept)
        out[0, 0] = 999.0
    np.testing.assert_array_equal(X, kept)


# -- 6. predict's batch_size on every path; validation_data's weights named ----------------
@pytest.mark.parametrize("batch_size", [True, False, 2.5, "a", 0, -1, 3.0])
def test_predict_validates_batch_size_on_every_path(batch_size) -> None:
    model = Sequential([Dense(2)]).build(4, seed=0)
    for n in (1, 2, 10):
        with pytest.raises(ValueError, match=r"positive integer. Received: batch_size="):
            model.predict(np.ones((n, 4)), batch_size=batch_size)


def test_wrong_validation_weights_name_validation_data() -> None:
    X, y = _task(n=60)
    with pytest.raises(ValueError, match=r"X_val sample_weight \(validation_data\[2\]\) of shape "
                                         r"\(60,\).*Received shape \(5,\)"):
        Sequential([Dense(3), Softmax()]).fit(X, y, validation_data=(X, y, np.ones(5)), **FIT)


def _text_fit(X, y, **kwargs):
    model = nonlin.Sequential([nonlin.Dense(2), nonlin.Softmax()])
    return model.fit(X, y, loss="cross_entropy", optimizer="sgd", verbose=0, **kwargs)


LABEL_HINT = re.escape("classes, y = np.unique(y, return_inverse=True)")


def test_text_labels_are_refused_with_how_to_encode_labels_not_features() -> None:
    """Text labels in y used to get the advice for features (get_dummies, OneHotEncoder,
    or "convert it to float first"), and an unnamed Series was called "column None"."""
    pd = pytest.importorskip("pandas")
    X, text = np.ones((4, 3)), np.array(["no", "yes", "no", "yes"])
    for y, received in [(text, "dtype <U3 (string)"), (text.astype(object), "dtype object"),
                        (pd.Series(text), "a Series of dtype"),
                        (pd.Series(text, name="label"), "column 'label' of dtype"),
                        (pd.Series(text).astype("category"), "a Series of dtype category")]:
        with pytest.raises(TypeError, match=rf"(for|in) y. Received {re.escape(received)}.*"
                                            rf"integers 0, 1, .* {LABEL_HINT}"):
            _text_fit(X, y)
    with pytest.raises(TypeError, match=rf"X_val targets. Received dtype <U3.*{LABEL_HINT}"):
        _text_fit(X, [0, 1, 0, 1], validation_data=(X, text))


def test_text_features_are_refused_with_how_to_encode_features() -> None:
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"a": [1.0, 2.0], "b": ["x", "y"]})
    for X, received in [(frame, "column 'b' of dtype"), (np.array([["x", "y"]] * 2), "dtype <U1")]:
        with pytest.raises(TypeError, match=rf"(for|in) x. Received {re.escape(received)}.*"
                                            "get_dummies"):
            _text_fit(X, [0, 1])
