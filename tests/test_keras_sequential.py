"""Keras 3's ``Sequential`` methods: ``Sequential()`` with ``add`` / ``pop``, and
``train_on_batch``, ``test_on_batch``, ``predict_on_batch``."""

from __future__ import annotations

import numpy as np
import pytest

import nonlin


def _layers() -> list:
    return [nonlin.Dense(5), nonlin.Tanh(), nonlin.Dense(2), nonlin.Softmax()]


# -- Sequential(), add, pop ---------------------------------------------------------------
def test_an_empty_model_then_add_is_the_model_built_from_the_list() -> None:
    stacked = nonlin.Sequential()
    for layer in _layers():
        assert stacked.add(layer) is None  # Keras' add returns None
    listed = nonlin.Sequential(_layers())
    assert nonlin.Sequential([]).layers == []
    assert stacked.get_config() == listed.get_config()
    stacked.build(3, seed=7)
    listed.build(3, seed=7)
    for a, b in zip(stacked.get_weights(), listed.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    x = np.random.default_rng(0).normal(size=(4, 3))
    np.testing.assert_array_equal(stacked.predict(x), listed.predict(x))


def test_add_refuses_a_non_layer_a_class_and_a_layer_already_there() -> None:
    model = nonlin.Sequential([nonlin.Dense(2)])
    with pytest.raises(TypeError, match=r"Received: layer='relu'"):
        model.add("relu")
    with pytest.raises(TypeError, match=r"Received: layer=<class .*Dense'>; create one: Dense\(\)"):
        model.add(nonlin.Dense)
    with pytest.raises(ValueError, match=r"Received: layer=Dense\(units=2.*which is layers\[0\]"):
        model.add(model.layers[0])
    assert len(model.layers) == 1


def test_pop_returns_the_top_layer_and_an_empty_model_says_so() -> None:
    model = nonlin.Sequential(_layers())
    top = model.layers[-1]
    assert model.pop() is top and len(model.layers) == 3
    empty = nonlin.Sequential()
    with pytest.raises(IndexError, match=r"model\.layers=\[\]"):  # Keras 3: IndexError
        empty.pop()
    with pytest.raises(ValueError, match=r"model\.add\(layer\).*Received: layers=\[\]"):
        empty.build(3, seed=0)


def test_add_or_pop_on_a_built_model_asks_to_build_again() -> None:
    X = np.random.default_rng(1).normal(size=(8, 3))
    y = np.arange(8) % 2
    message = r"layers changed since it was built \(built with 4 layers, it has {} now\)"
    model = nonlin.Sequential(_layers()).build(3, seed=0)
    head = model.pop()
    for call in (lambda: model.predict(X), lambda: model(X),
                 lambda: model.fit(X, y, loss="cross_entropy", optimizer="sgd", verbose=0),
                 lambda: model.evaluate(X, y, loss="cross_entropy")):
        with pytest.raises(RuntimeError, match=message.format("3 layers")):
            call()
    model.add(nonlin.Dense(2))  # as many layers as built: the new one says it is not built
    with pytest.raises(RuntimeError, match=r"not built yet.*model\.build\(n_features, seed\)"):
        model.predict(X)
    model.pop()
    model.add(head)  # the layers as built again: runs as before
    assert model.predict(X).shape == (8, 2)
    model.add(nonlin.Dense(1))
    with pytest.raises(RuntimeError, match=message.format("5 layers")):
        model.predict(X)
    model.build(3, seed=0)
    assert model.predict(X).shape == (8, 1)


def test_save_after_add_asks_to_build_again_and_leaves_the_file(tmp_path) -> None:
    model = nonlin.Sequential([nonlin.Dense(4), nonlin.Dense(2)]).build(3, seed=0)
    path = tmp_path / "model.safetensors"
    model.save(path)
    before = path.read_bytes()
    model.add(nonlin.Dense(5))  # no weights yet: the file could not be loaded
    with pytest.raises(RuntimeError, match=r"changed since it was built.*model\.build\(3, seed\)"):
        model.save(path)
    assert path.read_bytes() == before
    model.build(3, seed=0)
    model.save(path)
    assert nonlin.load(path).n_outputs == 5


def test_a_popped_layer_may_be_built_by_another_model() -> None:
    model = nonlin.Sequential([nonlin.Dense(4), nonlin.Dense(2)]).build(3, seed=0)
    head = model.pop()
    other = nonlin.Sequential([head]).build(4, seed=1)  # no longer the first model's
    assert other.predict(np.ones((1, 4))).shape == (1, 2)
    kept = nonlin.Sequential([nonlin.Dense(4), nonlin.Dense(2)]).build(3, seed=0)
    with pytest.raises(ValueError, match="built by another model"):
        nonlin.Sequential([kept.layers[1]]).build(4, seed=1)  # not popped: still kept's


# -- train_on_batch -----------------------------------------------------------------------
RNG = np.random.default_rng(0)
X, Y = RNG.normal(size=(24, 3)), RNG.integers(0, 2, 24)


def _compiled(dtype: type = np.float64, metrics: tuple = ("accuracy",)) -> nonlin.Sequential:
    model = nonlin.Sequential([nonlin.Dense(6), nonlin.BatchNorm(), nonlin.ReLU(),
                               nonlin.Dropout(0.3), nonlin.Dense(2), nonlin.Softmax()])
    model.build(3, seed=1, dtype=dtype)
    model.compile(nonlin.Adam(0.01), "cross_entropy", list(metrics))
    return model


class _BatchLosses(nonlin.Callback):
    def __init__(self) -> None:
        super().__init__()
        self.losses: list[float] = []

    def on_train_batch_end(self, batch, logs=None):
        self.losses.append(logs["loss"])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_train_on_batch_calls_are_fit_over_the_batches_bit_for_bit(dtype: type) -> None:
    stepped, fitted = _compiled(dtype), _compiled(dtype)
    weight = np.linspace(0.5, 2.0, 24)
    kwargs = dict(class_weight={1: 3.0})
    losses = [stepped.train_on_batch(X[i : i + 8].astype(dtype), Y[i : i + 8],
                                     sample_weight=weight[i : i + 8], **kwargs)
              for i in range(0, 24, 8)]
    recorder = _BatchLosses()
    fitted.fit(X.astype(dtype), Y, epochs=1, batch_size=8, shuffle=False, verbose=0,
               sample_weight=weight, callbacks=[recorder], **kwargs)
    # fit's batch-end loss is the epoch's running one (Keras 3): the batch losses so far,
    # added up as fit adds them (each times its 8 rows), over the rows so far
    total, running = 0.0, []
    for i, (loss, _) in enumerate(losses):
        total += loss * 8
        running.append(total / (8 * (i + 1)))
    assert running == recorder.losses  # each batch's loss, before its update, bit for bit
    assert all(type(loss) is float and type(acc) is float for loss, acc in losses)
    for a, b in zip(stepped.get_weights(), fitted.get_weights(), strict=True):
        assert a.dtype == dtype
        np.testing.assert_array_equal(a, b)
    assert stepped.optimizer.iterations == fitted.optimizer.iterations == 3  # state kept
    state, want = stepped.optimizer.state_dict(), fitted.optimizer.state_dict()
    assert state.keys() == want.keys() and "m.0" in state
    for key in state:
        np.testing.assert_array_equal(state[key], want[key])
    assert stepped.rng.bit_generator.state == fitted.rng.bit_generator.state  # dropout draws


def test_train_on_batch_returns_keras_forms_of_this_batch_alone() -> None:
    model = _compiled()
    first = model.train_on_batch(X[:8], Y[:8], return_dict=True)
    assert list(first) == ["loss", "accuracy"]
    second = model.train_on_batch(X[:8], Y[:8])
    assert isinstance(second, list) and len(second) == 2
    plain = nonlin.Sequential(_layers()).build(3, seed=2)  # training pass = inference pass
    plain.compile("sgd", "cross_entropy", ["accuracy"])
    plain.train_on_batch(X[:8], Y[:8])
    before = plain.predict(X[8:12])  # the outputs the next step computes its metrics on
    logs = plain.train_on_batch(X[8:12], Y[8:12], return_dict=True)
    assert logs["accuracy"] == np.mean(before.argmax(axis=1) == Y[8:12])  # this batch alone
    assert logs["loss"] == pytest.approx(-np.log(before[np.arange(4), Y[8:12]]).mean(),
                                         rel=1e-12)
    bare = _compiled(metrics=())
    assert isinstance(bare.train_on_batch(X[:8], Y[:8]), float)
    assert model.history is None  # no History: Keras' train_on_batch records none


def test_train_on_batch_needs_compile_and_leaves_history_alone() -> None:
    model = nonlin.Sequential(_layers()).build(3, seed=0)
    with pytest.raises(ValueError, match=r"compile\(\) before train_on_batch.*"
                                         r"Received: model\.loss=None, model\.optimizer=None"):
        model.train_on_batch(X[:8], Y[:8])
    with pytest.raises(ValueError, match=r"compile\(\) before test_on_batch.*model\.loss=None"):
        model.test_on_batch(X[:8], Y[:8])
    model.fit(X, Y, loss="cross_entropy", optimizer="sgd", epochs=2, verbose=0)
    history = model.history
    model.train_on_batch(X[:8], Y[:8])  # the last fit's loss and optimizer, as fit's default
    assert model.history is history and len(history.epoch) == 2


def test_train_on_batch_checks_its_batch_as_fit_does() -> None:
    model = _compiled()
    before = model.get_weights()
    with pytest.raises(ValueError, match="Received"):
        model.train_on_batch(X[:8], Y[:7])
    with pytest.raises(ValueError, match=r"Expected input with 3 features|3 features"):
        model.train_on_batch(X[:8, :2], Y[:8])
    with pytest.raises(TypeError, match="return_dict='yes'"):
        model.train_on_batch(X[:8], Y[:8], return_dict="yes")
    for a, b in zip(model.get_weights(), before, strict=True):
        np.testing.assert_array_equal(a, b)
    assert model.optimizer.iterations == 0


def test_train_on_batch_builds_an_unbuilt_model_as_fit_does() -> None:
    model = nonlin.Sequential(_layers())
    model.compile("sgd", "cross_entropy")
    model.train_on_batch(X[:8].astype(np.float32), Y[:8])
    assert (model.n_features_in, model.dtype) == (3, np.float32)


def test_a_diverged_train_on_batch_leaves_the_model_as_before_it() -> None:
    model = _compiled()
    model.compile(nonlin.SGD(1e100), "cross_entropy")
    model.train_on_batch(X[:8], Y[:8])
    weights, state, rng = model.get_weights(), model.get_state(), model.rng.bit_generator.state
    with pytest.raises(nonlin.DivergenceError, match="in train_on_batch"):
        for _ in range(5):
            weights, state = model.get_weights(), model.get_state()
            rng = model.rng.bit_generator.state
            model.train_on_batch(X[:8], Y[:8])
    for a, b in zip(model.get_weights(), weights, strict=True):
        assert np.isfinite(a).all()
        np.testing.assert_array_equal(a, b)
    for key, value in model.get_state().items():
        np.testing.assert_array_equal(value, state[key])
    assert model.rng.bit_generator.state == rng


def test_train_on_batch_after_pop_asks_to_build_again() -> None:
    model = _compiled()
    model.pop()
    with pytest.raises(RuntimeError, match=r"changed since it was built.*model\.build\(3, seed\)"):
        model.train_on_batch(X[:8], Y[:8])


# -- test_on_batch, predict_on_batch ------------------------------------------------------
def test_test_on_batch_is_evaluate_on_the_batch_and_changes_nothing() -> None:
    model = _compiled(metrics=("accuracy", "auc"))
    model.train_on_batch(X[:8], Y[:8])
    weights, iterations = model.get_weights(), model.optimizer.iterations
    weight = np.linspace(0.5, 2.0, 12)
    got = model.test_on_batch(X[:12], Y[:12], sample_weight=weight)
    assert got == model.evaluate(X[:12], Y[:12], sample_weight=weight, return_dict=False)
    assert isinstance(got, list) and len(got) == 3  # [loss, accuracy, auc]
    logs = model.test_on_batch(X[:12], Y[:12], return_dict=True)
    assert logs == model.evaluate(X[:12], Y[:12], batch_size=12)
    assert list(logs) == ["loss", "accuracy", "auc"]
    for a, b in zip(model.get_weights(), weights, strict=True):
        np.testing.assert_array_equal(a, b)
    assert model.optimizer.iterations == iterations
    bare = nonlin.Sequential(_layers()).build(3, seed=0)
    bare.compile("sgd", "cross_entropy")
    assert isinstance(bare.test_on_batch(X, Y), float)
    with pytest.raises(TypeError, match="return_dict=1"):
        bare.test_on_batch(X, Y, return_dict=1)
    with pytest.raises(ValueError, match=r"2-D|shape \(\)"):  # checked as evaluate checks X
        bare.test_on_batch(np.array(1.0), Y)


def test_predict_on_batch_is_predict_in_one_pass() -> None:
    model = _compiled(np.float32)
    out = model.predict_on_batch(X)
    assert out.dtype == np.float32 and out.shape == (24, 2)
    np.testing.assert_array_equal(out, model.predict(X))
    with pytest.raises(ValueError, match=r"Expected input with 3 features"):
        model.predict_on_batch(X[:, :2])
    with pytest.raises(RuntimeError, match="not built"):
        nonlin.Sequential(_layers()).predict_on_batch(X)


def test_an_empty_model_asked_to_predict_says_to_add_layers() -> None:
    with pytest.raises(RuntimeError, match=r"has no layers yet: add them \(model.add\(layer\)\)"):
        nonlin.Sequential().predict([[1.0]])
