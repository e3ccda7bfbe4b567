"""An adversarial pass over the Python API: odd but plausible inputs get a clear
ValueError/TypeError naming what was received, a failed call leaves the model as it
was, and Keras' spellings (``callbacks=None``, ``metrics=None``) are accepted."""

from __future__ import annotations

import numpy as np
import pytest

import nonlin
from nonlin import CrossEntropy, CSVLogger, Dense, EarlyStopping, ReLU, Sequential, Softmax
from nonlin.metrics import get_metric
from nonlin.schedules import (
    Constant,
    CosineDecay,
    CosineDecayRestarts,
    ExponentialDecay,
    InverseTimeDecay,
    OneCycle,
    StepDecay,
)

FIT = dict(loss="cross_entropy", optimizer="sgd", epochs=2, batch_size=8, verbose=0, seed=0)


def _task(n=40, k=2, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, 3)), rng.integers(0, k, n)


def _mlp(k=2):
    return Sequential([Dense(4), ReLU(), Dense(k), Softmax()])


def _same_weights(a, b):
    return all(np.array_equal(u, v) for u, v in zip(a.get_weights(), b.get_weights(), strict=True))


# -- a fit that fails on its inputs leaves an unbuilt model unbuilt ---------------------
def test_a_fit_refused_for_its_targets_does_not_build_the_model_for_the_wrong_width() -> None:
    X, y = _task()
    model = _mlp()
    with pytest.raises(ValueError, match="rows"):
        model.fit(X.T, y, **FIT)  # transposed by mistake: 3 rows, 40 "features"
    assert not model.built
    model.fit(X, y, **FIT)  # the corrected call trains
    assert model.n_features_in == 3


@pytest.mark.parametrize("bad", [dict(loss="cross_entropyy"), dict(optimizer="adamm"),
                                 dict(sample_weight=np.ones(3))])
def test_a_refused_fit_then_the_same_seed_gives_the_same_bits_as_a_fresh_fit(bad) -> None:
    X, y = _task()
    retried = _mlp()
    with pytest.raises(ValueError):
        retried.fit(X, y, **{**FIT, **bad})
    retried.fit(X, y, **FIT)
    fresh = _mlp()
    fresh.fit(X, y, **FIT)
    assert _same_weights(retried, fresh)


def test_a_refused_fit_keeps_a_built_model_and_its_weights() -> None:
    X, y = _task()
    model = _mlp().build(3, seed=0)
    before = model.get_weights()
    with pytest.raises(ValueError):
        model.fit(X, y + 5, **FIT)
    assert model.built and all(np.array_equal(a, b) for a, b in
                               zip(before, model.get_weights(), strict=True))


# -- R² on targets narrower than the outputs -------------------------------------------
def test_r2_on_labels_for_a_two_output_model_is_refused_with_the_shapes() -> None:
    labels, probabilities = np.array([0, 1, 1, 0]), np.full((4, 2), 0.5)
    with pytest.raises(ValueError, match=r"Received y_true of shape \(4,\)"):
        get_metric("r2")(labels, probabilities)
    X, y = _task()
    model = _mlp().build(3, seed=0)
    with pytest.raises(ValueError, match="r2"):
        model.evaluate(X, y, loss="cross_entropy", metrics=["r2"], batch_size=7)
    assert model.evaluate(X, np.eye(2)[y], loss="cross_entropy", metrics=["r2"])["r2"] < 1


# -- gradcheck's arguments -----------------------------------------------------------------
def test_gradcheck_takes_a_loss_name_as_fit_does_and_refuses_other_objects() -> None:
    X, y = _task(6)
    model = _mlp().build(3, seed=0)
    assert nonlin.gradcheck(model, "cross_entropy", X, y) == nonlin.gradcheck(
        model, CrossEntropy(), X, y)
    with pytest.raises(TypeError, match="Received: loss=None"):
        nonlin.gradcheck(model, None, X, y)
    with pytest.raises(TypeError, match="Received: model='model'"):
        nonlin.gradcheck("model", CrossEntropy(), X, y)


@pytest.mark.parametrize("flag", ["training", "check_input"])
def test_gradcheck_refuses_a_flag_that_is_not_a_bool(flag) -> None:
    X, y = _task(6)
    model = _mlp().build(3, seed=0)
    with pytest.raises(TypeError, match=f"Received: {flag}='no'"):  # 'no' is truthy
        nonlin.gradcheck(model, CrossEntropy(), X, y, **{flag: "no"})


# -- CSVLogger's file name ------------------------------------------------------------------
@pytest.mark.parametrize("filename", [None, 3, 1.5])
def test_csv_logger_refuses_a_file_name_that_is_not_a_path(filename, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)  # str(None) was a file named "None" here
    with pytest.raises(TypeError, match=f"Received: filename={filename!r}"):
        CSVLogger(filename)
    assert list(tmp_path.iterdir()) == []


def test_csv_logger_takes_a_path_object(tmp_path) -> None:
    X, y = _task()
    _mlp().fit(X, y, callbacks=[CSVLogger(tmp_path / "log.csv")], **FIT)
    assert (tmp_path / "log.csv").read_text().startswith("epoch,loss,lr")


# -- Keras' spellings of "no callbacks" and "no metrics" -------------------------------------
def test_fit_takes_callbacks_none_or_one_callback_as_keras_3_does() -> None:
    X, y = _task()
    plain = _mlp()
    plain.fit(X, y, **FIT)
    none = _mlp()
    assert none.fit(X, y, callbacks=None, metrics=None, **FIT).history.keys() == {"loss", "lr"}
    assert _same_weights(plain, none)
    stopper = EarlyStopping(monitor="loss", patience=0, min_delta=10.0)
    one = _mlp()
    one.fit(X, y, callbacks=stopper, **{**FIT, "epochs": 5})
    assert len(one.history.epoch) == 2  # it ran: no improvement of 10 after the first epoch


def test_evaluate_takes_metrics_none() -> None:
    X, y = _task()
    model = _mlp().build(3, seed=0)
    assert model.evaluate(X, y, loss="cross_entropy", metrics=None).keys() == {"loss"}


@pytest.mark.parametrize("callbacks", [3, "early_stopping"])
def test_fit_refuses_callbacks_that_are_not_callbacks_naming_them(callbacks) -> None:
    X, y = _task()
    with pytest.raises(TypeError, match=f"Received: {callbacks!r}"):
        _mlp().fit(X, y, callbacks=callbacks, **FIT)


# -- Sequential's own arguments ------------------------------------------------------------
@pytest.mark.parametrize("layers", [3, Dense(3)])  # None: no layers, as Keras' Sequential()
def test_sequential_refuses_layers_that_are_not_a_list_naming_them(layers) -> None:
    with pytest.raises(TypeError, match=r"Expected a list of layers\. Received: layers="):
        Sequential(layers)


@pytest.mark.parametrize("config", [{}, [1], {"layers": "Dense"}])
def test_from_config_refuses_a_config_without_a_layer_list(config) -> None:
    with pytest.raises(ValueError, match="Expected a config dict with a 'layers' list"):
        Sequential.from_config(config)


def test_forward_refuses_a_list_and_set_state_a_non_dict_naming_them() -> None:
    model = Sequential([Dense(3), nonlin.BatchNorm()]).build(2, seed=0)
    with pytest.raises(TypeError, match="Received: list"):
        model.forward([[0.0, 1.0]])
    with pytest.raises(TypeError, match=r"Received: state=\[1\]"):
        model.set_state([1])


# -- validation_data of the wrong form --------------------------------------------------------
@pytest.mark.parametrize(("data", "received"), [
    (lambda X, y: (X,), "a tuple of 1 item"),
    (lambda X, y: [X, y, None, None], "a list of 4 items"),
    (lambda X, y: X, "a ndarray"),
])
def test_validation_data_of_the_wrong_form_is_refused_naming_what_came(data, received) -> None:
    X, y = _task()
    with pytest.raises(ValueError, match=f"Received {received}"):
        _mlp().fit(X, y, validation_data=data(X, y), **FIT)


# -- a schedule at a negative step ------------------------------------------------------------
@pytest.mark.parametrize("schedule", [
    Constant(0.1), StepDecay(0.1, 2), ExponentialDecay(0.1, 10, 0.5), CosineDecay(0.1, 10),
    CosineDecay(0.1, 10, warmup_steps=5), InverseTimeDecay(0.1, 10, 0.5),
    CosineDecayRestarts(0.1, 10), OneCycle(0.1, 100)])
def test_a_schedule_refuses_a_negative_step_naming_it(schedule) -> None:
    with pytest.raises(ValueError, match=r"Expected a step >= 0\. Received: step=-3"):
        schedule(-3)  # CosineDecay raised ZeroDivisionError, StepDecay gave 10 x lr
    assert schedule(0) == schedule(np.int64(0))


# -- cross-entropy target rows with negative entries -------------------------------------------
def test_cross_entropy_refuses_target_rows_with_negative_entries_that_sum_to_one() -> None:
    X, y = _task()
    rows = np.where(np.eye(2)[y] == 1, 2.0, -1.0)  # [2, -1]: sums to 1, not a distribution
    with pytest.raises(ValueError, match=r"Received -1\.0"):  # the loss went negative
        _mlp().fit(X, rows, **FIT)
    with pytest.raises(ValueError, match=r"Received -1\.0"):
        _mlp().build(3, seed=0).evaluate(X, rows, loss="cross_entropy")
    smooth = np.where(np.eye(2)[y] == 1, 0.9, 0.1)  # label smoothing still trains
    assert np.isfinite(_mlp().fit(X, smooth, **FIT).history["loss"]).all()


# -- class_weight on targets that are not classes --------------------------------------------
def test_class_weight_refuses_one_output_targets_outside_0_1_naming_one() -> None:
    X, _ = _task()
    reg = Sequential([Dense(4), ReLU(), Dense(1)])
    targets = 10.0 * X[:, 0]  # a regression: which rows are "class 1"?
    with pytest.raises(ValueError, match=r"class_weight.*Received y\[\d+\]="):
        reg.fit(X, targets, **{**FIT, "loss": "mse", "class_weight": {0: 1.0, 1: 5.0}})
    binary = (X[:, 0] > 0).astype(float)  # 0/1 targets under a squared error: weighted
    reg.fit(X, binary, **{**FIT, "loss": "mse", "class_weight": {0: 1.0, 1: 5.0}})


# -- one layer object in two places --------------------------------------------------------------
def test_a_layer_object_twice_in_one_model_is_refused() -> None:
    dense, relu = Dense(3), ReLU()
    for layers in ([dense, relu, dense], [Dense(3), relu, Dense(3), relu]):  # relu: one cache
        with pytest.raises(ValueError, match=r"Expected each layer once.*layers\[2\] is layers"
                                             r"|layers\[3\] is layers\[1\]"):
            Sequential(layers)


def test_a_sub_model_over_a_trained_models_layers_is_refused_and_leaves_it_intact() -> None:
    X, y = _task()
    trained = _mlp()
    trained.fit(X, y, **FIT)
    before = trained.predict(X)
    head = Sequential([*trained.layers[:2], Dense(1)])  # Keras would share the two layers
    with pytest.raises(ValueError, match=r"layers\[0\]=Dense.*built by another model"):
        head.fit(X, y.astype(float), **{**FIT, "loss": "mse"})
    assert np.array_equal(trained.predict(X), before)  # its weights were re-initialized
    assert not head.built


def test_a_model_rebuilds_its_own_layers_and_a_fresh_model_takes_unbuilt_ones() -> None:
    X, y = _task()
    relu = ReLU()  # a layer without weights may serve two models
    model = Sequential([Dense(4), relu, Dense(2), Softmax()])
    with pytest.raises(ValueError, match="rows"):
        model.fit(X.T, y, **FIT)  # built for 40 features, then refused and unbuilt
    model.fit(X, y, **FIT)  # its own layers: built again
    model.build(3, seed=1)  # and again
    Sequential([Dense(4), relu, Dense(2), Softmax()]).fit(X, y, **FIT)


# -- a metric function that returns no number ------------------------------------------------
@pytest.mark.parametrize("value", [None, "x", np.array([1.0, 2.0])])
def test_a_metric_function_returning_no_number_is_named_with_the_value(value) -> None:
    X, y = _task()

    def odd(y_true, y_pred):
        return value

    with pytest.raises(TypeError, match=r"Expected a number from metric 'odd'\. Received: "):
        _mlp().fit(X, y, metrics=[odd], **FIT)


# -- a learning rate set on the optimizer after construction ------------------------------------
@pytest.mark.parametrize("lr", [-0.1, float("inf"), None, "0.1"])
def test_fit_refuses_a_bad_learning_rate_set_after_construction(lr) -> None:
    X, y = _task()
    optimizer = nonlin.SGD(0.1)
    with pytest.raises(ValueError, match=f"Received: lr={lr!r}"):  # -0.1 ascended silently
        optimizer.lr = lr  # refused when set (s12), as Keras' optimizer.learning_rate = ...
    model = _mlp()
    model.fit(X, y, **{**FIT, "optimizer": optimizer})
    assert optimizer.lr == 0.1


def test_fit_takes_an_integer_learning_rate_set_after_construction() -> None:
    X, y = _task()
    optimizer = nonlin.SGD(0.1)
    optimizer.lr = 1  # was "'int' object is not callable" at the first step
    _mlp().fit(X, y, **{**FIT, "optimizer": optimizer})
    assert optimizer.lr == 1.0 and isinstance(optimizer.lr, float)


# -- a custom layer whose build forgets to return the width ---------------------------------------
class _PassThrough(nonlin.Layer):
    def __init__(self, width=None):
        self.width = width

    def build(self, in_features, rng):
        return self.width  # None: the "return in_features" was forgotten

    def forward(self, x, *, training=False):
        return x

    def backward(self, grad_out):
        return grad_out


@pytest.mark.parametrize("width", [None, 0, 2.0])
def test_build_refuses_a_layer_whose_build_returns_no_width(width) -> None:
    model = Sequential([Dense(3), _PassThrough(width), Dense(2)])
    with pytest.raises(TypeError, match=rf"layers\[1\]\.build.*Received {width!r}"):
        model.build(2, seed=0)
    assert not model.built


# -- resuming a checkpoint of another model names the difference ----------------------------------
@pytest.mark.parametrize(("model", "data", "difference"), [
    (_mlp, np.float32, "dtype: the checkpoint's 'float64', this model's 'float32'"),
    (lambda: _mlp(3), np.float64, "layers[2]: the checkpoint's {'class_name': 'Dense', "
                                  "'config': {'units': 2"),
    (lambda: Sequential([Dense(2), Softmax()]), np.float64, "2 layers here, 4 in the checkpoint"),
])
def test_resuming_another_models_checkpoint_names_where_they_differ(model, data, difference,
                                                                     tmp_path) -> None:
    X, y = _task()
    path = tmp_path / "ck.safetensors"
    _mlp().fit(X, y, callbacks=[nonlin.ModelCheckpoint(path)], **{**FIT, "optimizer": "adam"})
    with pytest.raises(ValueError, match="holds a different model") as caught:
        model().fit(X.astype(data), y, resume_from=path, **{**FIT, "optimizer": "adam",
                                                             "epochs": 4})
    assert difference in str(caught.value)  # the whole configs were cut at 300 characters


# -- a metric called with all-zero sample weights ------------------------------------------------
@pytest.mark.parametrize("name", ["accuracy", "top_k_accuracy", "mae", "mse", "rmse", "mape"])
def test_a_mean_metric_with_all_zero_weights_is_0_as_keras_without_a_warning(name) -> None:
    y_true, y_pred = np.array([0, 1, 1]), np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]])
    assert get_metric(name)(y_true, y_pred, sample_weight=np.zeros(3)) == 0.0  # divide_no_nan


def test_r2_with_all_zero_weights_is_nan_without_a_warning() -> None:
    assert np.isnan(get_metric("r2")(np.array([1.0, 2.0]), np.array([1.5, 2.5]),
                                     sample_weight=np.zeros(2)))
