"""Session 21's audit of the model API against Keras 3's ``Trainer``: ``compile``'s keywords
and defaults, ``fit``/``evaluate``/``predict``'s positional order and ``x=``, their
``callbacks``, ``metrics_names`` and ``compiled``, written as a Keras 3 script writes them."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import nonlin


def data(n: int = 48) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, 3))
    return x, (x[:, 0] + x[:, 1] > 0).astype(int)


def classifier() -> nonlin.Sequential:
    model = nonlin.Sequential([nonlin.Dense(8), nonlin.ReLU(), nonlin.Dense(2),
                               nonlin.Softmax()])
    return model.build(3, seed=0)


def compiled_classifier() -> nonlin.Sequential:
    model = classifier()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


# -- fit, evaluate, predict: Keras 3's positional order and keyword x= ----------------------
def test_fit_takes_keras_positional_batch_size_epochs_verbose() -> None:
    x, y = data()
    positional, keywords = compiled_classifier(), compiled_classifier()
    history = positional.fit(x, y, 16, 3, 0)  # Keras: fit(x, y, batch_size, epochs, verbose)
    keywords.fit(x, y, batch_size=16, epochs=3, verbose=0)
    assert len(history.history["loss"]) == 3
    for a, b in zip(positional.get_weights(), keywords.get_weights(), strict=True):
        assert np.array_equal(a, b)


def test_fit_evaluate_predict_take_keras_keyword_x() -> None:
    x, y = data()
    model, twin = compiled_classifier(), compiled_classifier()
    model.fit(x=x, y=y, epochs=2, batch_size=16, verbose=0)
    twin.fit(x, y, epochs=2, batch_size=16, verbose=0)
    assert np.array_equal(model.predict(x=x), twin.predict(x))
    assert model.evaluate(x=x, y=y, return_dict=False) == twin.evaluate(x, y, return_dict=False)


def test_evaluate_takes_keras_positional_order() -> None:
    x, y = data()
    model = compiled_classifier()
    w = np.linspace(0.5, 1.5, len(y))
    # Keras: evaluate(x, y, batch_size, verbose, sample_weight, steps, callbacks, return_dict)
    listed = model.evaluate(x, y, 16, 0, w, 2, None, False)
    expected = model.evaluate(x[:32], y[:32], batch_size=16, sample_weight=w[:32],
                              return_dict=False)
    assert listed == expected


def test_predict_takes_keras_positional_order() -> None:
    x, _ = data()
    model = classifier()
    out = model.predict(x, 16, 0, 2)  # Keras: predict(x, batch_size, verbose, steps)
    assert np.array_equal(out, model.predict(x[:32]))


# -- evaluate and predict take callbacks ----------------------------------------------------
class Recorder(nonlin.callbacks.Callback):
    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[str, Any]] = []

    def on_test_begin(self, logs: Any = None) -> None:
        self.calls.append(("test_begin", dict(logs or {})))

    def on_test_end(self, logs: Any = None) -> None:
        self.calls.append(("test_end", dict(logs or {})))

    def on_predict_begin(self, logs: Any = None) -> None:
        self.calls.append(("predict_begin", dict(logs or {})))

    def on_predict_end(self, logs: Any = None) -> None:
        self.calls.append(("predict_end", dict(logs or {})))


def test_evaluate_calls_its_callbacks_with_the_results() -> None:
    x, y = data()
    model = compiled_classifier()
    recorder = Recorder()
    scores = model.evaluate(x, y, callbacks=[recorder], return_dict=False)
    assert recorder.calls == [("test_begin", {}),
                              ("test_end", dict(zip(model.metrics_names, scores, strict=True)))]
    assert recorder.model is model and recorder.params["epochs"] == 1


def test_predict_calls_its_callbacks() -> None:
    x, _ = data()
    model = classifier()
    recorder = Recorder()
    out = model.predict(x, callbacks=recorder)
    assert np.array_equal(out, model.predict(x))
    assert [name for name, _ in recorder.calls] == ["predict_begin", "predict_end"]


def test_evaluate_refuses_a_non_callback_before_the_pass() -> None:
    x, y = data()
    with pytest.raises(TypeError, match="Expected Callback instances"):
        compiled_classifier().evaluate(x, y, callbacks=["early_stopping"])


# -- compile ---------------------------------------------------------------------------------
def test_compile_defaults_to_keras_rmsprop_and_steps_by_its_rule() -> None:
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(10, 2)), rng.normal(size=10)
    model = nonlin.Sequential([nonlin.Dense(1)]).build(2, seed=0)
    model.compile(loss="mse")  # Keras: optimizer="rmsprop"
    assert type(model.optimizer) is nonlin.RMSprop
    W, b = (w.copy() for w in model.get_weights())
    p = x @ W + b
    # nonlin's mse is mean(0.5 * (p - y)**2) for one output: these are its gradients
    gW, gb = x.T @ (p - y[:, None]) / len(y), (p - y[:, None]).mean(axis=0)
    model.train_on_batch(x, y)
    for before, g, after in ((W, gW, model.get_weights()[0]), (b, gb, model.get_weights()[1])):
        velocity = 0.1 * g**2  # Keras' RMSprop: rho=0.9, epsilon=1e-7, learning_rate=1e-3
        assert np.allclose(after, before - 1e-3 * g / np.sqrt(velocity + 1e-7), rtol=0,
                           atol=1e-12)


def test_compile_takes_keras_execution_keywords_without_changing_training() -> None:
    x, y = data()
    plain, keras_style = compiled_classifier(), classifier()
    keras_style.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                        loss_weights=[1.0], metrics=["accuracy"], weighted_metrics=None,
                        run_eagerly=True, steps_per_execution=4, jit_compile="auto",
                        auto_scale_loss=True)
    assert keras_style.run_eagerly is True and keras_style.jit_compile is False
    assert keras_style.steps_per_execution == 4
    a = plain.fit(x, y, batch_size=16, epochs=2, verbose=0).history
    b = keras_style.fit(x, y, batch_size=16, epochs=2, verbose=0).history
    assert a == b


@pytest.mark.parametrize("keywords, match", [
    ({"loss_weights": [0.5]}, r"Received: loss_weights=\[0.5\]: nonlin's model has one output"),
    ({"loss_weights": 2.0}, "Received: loss_weights=2.0: nonlin's model has one output"),
    ({"weighted_metrics": ["accuracy"]}, "never the metrics"),
    ({"jit_compile": "xla"}, "Received: jit_compile='xla'"),
    ({"steps_per_execution": 0}, "Received: steps_per_execution=0"),
    ({"run_eagerly": "yes"}, "Received: run_eagerly='yes'"),
])
def test_compile_refuses_what_nonlin_does_not_follow(keywords: dict[str, Any],
                                                     match: str) -> None:
    model = classifier()
    with pytest.raises((TypeError, ValueError), match=match):
        model.compile("adam", "sparse_categorical_crossentropy", **keywords)
    assert model.optimizer is None and model.loss is None  # refused: nothing compiled


def test_the_weighted_metrics_message_shows_a_call_that_works() -> None:
    x, y = data()
    model = compiled_classifier()
    w = np.linspace(0.0, 1.0, len(y))
    score = nonlin.metrics.Accuracy()(y, model.predict(x), sample_weight=w)
    correct = model.predict(x).argmax(axis=1) == y
    assert np.isclose(score, (w * correct).sum() / w.sum())


def test_compile_without_loss_keeps_the_model_loss_as_keras() -> None:
    x, y = data()
    model = compiled_classifier()
    model.fit(x, y, epochs=1, verbose=0)
    loss = model.loss
    model.compile(optimizer=nonlin.Adam(1e-4))  # Keras: a new optimizer, the loss kept
    assert model.loss is loss and model.optimizer.lr == 1e-4
    model.fit(x, y, epochs=1, verbose=0)


def test_compile_without_loss_on_a_new_model_then_fit_asks_for_one() -> None:
    x, y = data()
    model = classifier()
    model.compile(optimizer="adam")
    assert model.compiled and model.loss is None and model.metrics_names == []
    with pytest.raises(TypeError, match="a loss"):
        model.fit(x, y, verbose=0)


# -- metrics_names, compiled ----------------------------------------------------------------
def test_metrics_names_pair_with_evaluate_list() -> None:
    x, y = data()
    model = classifier()
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["acc", "mae"])
    scores = model.evaluate(x, y, return_dict=False)
    assert model.metrics_names == ["loss", "acc", "mae"]
    assert dict(zip(model.metrics_names, scores, strict=True)) == model.evaluate(x, y)


def test_compiled_says_whether_compile_ran() -> None:
    model = classifier()
    assert model.compiled is False
    model.compile("sgd", "sparse_categorical_crossentropy")
    assert model.compiled is True


def test_reset_metrics_in_a_keras_train_on_batch_loop() -> None:
    x, y = data()
    model, twin = compiled_classifier(), compiled_classifier()
    for _ in range(2):  # a Keras 3 loop of its own
        model.reset_metrics()
        for start in range(0, len(y), 16):
            logs = model.train_on_batch(x[start:start + 16], y[start:start + 16],
                                        return_dict=True)
    twin.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
    assert set(logs) == {"loss", "accuracy"}
    for a, b in zip(model.get_weights(), twin.get_weights(), strict=True):
        assert np.array_equal(a, b)


# -- to_json / model_from_json ----------------------------------------------------------------
def test_to_json_and_model_from_json_round_trip_the_architecture() -> None:
    import json

    model = nonlin.Sequential([nonlin.Dense(4, name="hidden"), nonlin.ReLU(),
                               nonlin.BatchNorm(), nonlin.Dense(1)], name="mlp").build(3, seed=0)
    model.layers[0].trainable = False
    text = model.to_json()
    assert json.loads(text) == {"class_name": "Sequential", "config": model.get_config()}
    rebuilt = nonlin.model_from_json(text, seed=0)
    assert rebuilt.get_config() == model.get_config() and rebuilt.name == "mlp"
    fresh = nonlin.Sequential([nonlin.Dense(4), nonlin.ReLU(), nonlin.BatchNorm(),
                               nonlin.Dense(1)]).build(3, seed=0)
    for a, b in zip(rebuilt.get_weights(), fresh.get_weights(), strict=True):
        assert np.array_equal(a, b)  # drawn anew from the seed, as build draws them
    assert not nonlin.model_from_json(nonlin.Sequential([nonlin.Dense(2)]).to_json()).built


@pytest.mark.parametrize("text, match", [
    ("{", "JSON text of model.to_json"),
    ('{"class_name": "Functional", "config": {}}', r'Expected \{"class_name": "Sequential"'),
    ('{"class_name": "Sequential", "config": {"layers": [{"class_name": "Lambda", '
     '"config": {"function": "os.system"}}]}}', "Unknown layer 'Lambda'"),
])
def test_model_from_json_refuses_other_text_and_runs_no_code(text: str, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        nonlin.model_from_json(text)
