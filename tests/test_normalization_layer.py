"""Normalization: Keras 3's preprocessing layer, (x - mean) / max(sqrt(variance), 1e-7).

Keras' own docstring examples, the formula in float64, adapt's float64 sums,
finite differences, float32 kept, files, checkpoints, weights and configs, and
the errors for a layer used before adapt or given bad arguments.
"""

from __future__ import annotations

import numpy as np
import pytest

import nonlin
from nonlin import (
    Dense,
    MeanSquaredError,
    ModelCheckpoint,
    Normalization,
    ReLU,
    Sequential,
    Softmax,
    gradcheck,
)
from nonlin._weights import layout
from nonlin.registry import LAYERS, layer_from_config

RNG = np.random.default_rng(0)
DATA = RNG.normal(size=(40, 3)) * [1.0, 10.0, 100.0] + [0.0, 5.0, -300.0]
KERAS_DATA = np.array([[0.0, 7.0, 4.0], [2.0, 9.0, 6.0], [0.0, 7.0, 4.0], [2.0, 9.0, 6.0]])


def adapted(data=DATA, **kwargs):
    layer = Normalization(**kwargs)
    layer.adapt(data)
    return layer


def test_keras_docstring_examples() -> None:
    np.testing.assert_array_equal(adapted(KERAS_DATA).forward(KERAS_DATA[:1]), [[-1.0] * 3])
    inverted = adapted(KERAS_DATA, invert=True).forward(np.array([[1.0, 2.0, 3.0]]))
    np.testing.assert_array_equal(inverted, [[2.0, 10.0, 8.0]])
    given = Sequential([Normalization(mean=3.0, variance=2.0)]).build(1, seed=0)
    np.testing.assert_allclose(given.predict(np.array([[1.0], [2.0], [3.0]])),
                               [[-2 / np.sqrt(2)], [-1 / np.sqrt(2)], [0.0]], rtol=1e-15)


@pytest.mark.parametrize("invert", [False, True])
def test_values_and_gradients_match_the_formula(invert) -> None:
    layer = adapted(invert=invert)
    np.testing.assert_array_equal(layer.mean, DATA.mean(axis=0))
    np.testing.assert_array_equal(layer.variance, DATA.var(axis=0))
    std = np.maximum(np.sqrt(DATA.var(axis=0)), 1e-7)
    x, g = RNG.normal(size=(6, 3)), RNG.normal(size=(6, 3))
    y = layer.forward(x, training=True).copy()
    expected = DATA.mean(axis=0) + x * std if invert else (x - DATA.mean(axis=0)) / std
    np.testing.assert_array_equal(y, expected)
    np.testing.assert_array_equal(layer.backward(g), g * std if invert else g / std)
    np.testing.assert_array_equal(layer.forward(x), y)  # inference: the same bits
    assert layer.parameters() == []


def test_adapt_matches_scikit_learns_standard_scaler() -> None:
    preprocessing = pytest.importorskip("sklearn.preprocessing")
    scaler = preprocessing.StandardScaler().fit(DATA)
    layer = adapted()
    np.testing.assert_allclose(layer.mean, scaler.mean_, rtol=1e-15)
    np.testing.assert_allclose(layer.variance, scaler.var_, rtol=1e-14)
    np.testing.assert_allclose(layer.forward(DATA), scaler.transform(DATA), rtol=1e-13, atol=1e-14)


def test_adapt_sums_in_float64_and_stores_the_layer_dtype() -> None:
    X32 = (1e4 + RNG.normal(size=(3000, 2)) * 1e-2).astype(np.float32)
    model = Sequential([adapted(X32), Dense(1)]).build(2, seed=0, dtype=np.float32)
    layer = model.layers[0]
    assert layer.mean.dtype == layer.variance.dtype == np.float32
    exact = X32.astype(np.float64)
    np.testing.assert_array_equal(layer.mean, exact.mean(axis=0).astype(np.float32))
    np.testing.assert_array_equal(layer.variance, exact.var(axis=0).astype(np.float32))
    again = Normalization()
    again.build(2, np.random.default_rng(0))
    again.cast_state(np.dtype(np.float32))
    again.adapt(X32)  # adapting a built float32 layer: the same values
    np.testing.assert_array_equal(again.mean, layer.mean)
    np.testing.assert_array_equal(again.variance, layer.variance)


@pytest.mark.parametrize("invert", [False, True])
def test_gradients_match_finite_differences_in_training_mode(invert) -> None:
    model = Sequential([Dense(3), adapted(invert=invert), Dense(2)]).build(3, seed=0)
    # a generator of its own: the module's RNG, drawn by the tests run before this one, gave
    # other y under -k selections, and finite differences of the inverted layer's outputs
    # (hundreds) reached 1.3e-6 for one of them
    x, y = DATA[:6], np.random.default_rng(5).normal(size=(6, 2))
    assert gradcheck(model, MeanSquaredError(), x, y, training=True) < 1e-6
    first = Sequential([adapted(invert=invert), Dense(2)]).build(3, seed=0)
    assert gradcheck(first, MeanSquaredError(), x, y, training=True) < 1e-6  # dL/dX too


def test_first_layer_returns_no_input_gradient() -> None:
    model = Sequential([adapted(), Dense(2)]).build(3, seed=0)
    model.forward(DATA[:5], training=True)
    assert model.backward(np.ones((5, 2))) is None
    expected = np.ones((5, 2)) @ model.layers[1].W.value.T / np.sqrt(DATA.var(axis=0))
    np.testing.assert_allclose(model.backward(np.ones((5, 2)), input_grad=True), expected,
                               rtol=1e-15)


def test_float32_stays_float32_through_forward_backward_and_fit() -> None:
    model = Sequential([adapted(), Dense(4), ReLU(), Dense(2), Softmax()])
    model.build(3, seed=0, dtype=np.float32)
    y = (DATA[:, 0] > 0).astype(int)
    model.fit(DATA, y, loss="cross_entropy", optimizer="adam", epochs=2, batch_size=8, seed=0,
              verbose=0)
    assert {w.dtype for w in model.get_weights()} == {np.dtype(np.float32)}
    assert model.predict(DATA).dtype == np.float32
    layer = model.layers[0]
    assert layer.forward(DATA, training=True).dtype == np.float32  # float64 X: cast
    layer.input_grad = True
    assert layer.backward(np.ones((40, 3), np.float32)).dtype == np.float32
    held = {k: v.dtype for k, v in vars(layer).items() if isinstance(v, np.ndarray)}
    assert set(held.values()) == {np.dtype(np.float32)}, held


def test_a_model_adapted_to_badly_scaled_moons_learns_them() -> None:
    X, y = nonlin.datasets.moons(400, noise=0.15, seed=0)
    X_test, y_test = nonlin.datasets.moons(200, noise=0.15, seed=1)
    scale, shift = np.array([1000.0, 0.01]), np.array([5e3, -2.0])
    norm = Normalization()
    norm.adapt(X * scale + shift)
    model = Sequential([norm, Dense(16), ReLU(), Dense(16), ReLU(), Dense(2), Softmax()])
    model.fit(X * scale + shift, y, loss="cross_entropy", optimizer=nonlin.Adam(0.01),
              epochs=40, batch_size=32, seed=0, verbose=0)
    accuracy = float(np.mean(model.predict(X_test * scale + shift).argmax(axis=1) == y_test))
    assert accuracy > 0.95, accuracy


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_save_and_load_predict_identically(tmp_path, dtype) -> None:
    model = Sequential([adapted(), Dense(2)]).build(3, seed=0, dtype=dtype)
    nonlin.save(model, tmp_path / "m.safetensors")
    loaded = nonlin.load(tmp_path / "m.safetensors")
    np.testing.assert_array_equal(loaded.predict(DATA), model.predict(DATA))
    assert [name for name, _, _ in layout(loaded)] == ["0.mean", "0.variance", "1.W", "1.b"]
    given = Sequential([Normalization(mean=[1.0, 2.0, 3.0], variance=[4.0, 5.0, 6.0]),
                        Dense(2)]).build(3, seed=0)
    nonlin.save(given, tmp_path / "g.safetensors")  # the statistics are in the config
    loaded = nonlin.load(tmp_path / "g.safetensors")
    assert [name for name, _, _ in layout(loaded)] == ["1.W", "1.b"]
    np.testing.assert_array_equal(loaded.predict(DATA), given.predict(DATA))


def test_a_checkpoint_resumes_bit_identically(tmp_path) -> None:
    y = (DATA[:, 1] > 5).astype(int)

    def run(epochs, **kwargs):
        model = Sequential([adapted(), Dense(4), ReLU(), Dense(2), Softmax()])
        model.fit(DATA, y, loss="cross_entropy", optimizer="adam", epochs=epochs, batch_size=8,
                  seed=3, verbose=0, **kwargs)
        return model

    straight = run(4)
    run(2, callbacks=[ModelCheckpoint(tmp_path / "ck.safetensors")])
    resumed = Sequential([Normalization(), Dense(4), ReLU(), Dense(2), Softmax()])  # not adapted
    resumed.fit(DATA, y, loss="cross_entropy", optimizer="adam", epochs=4, batch_size=8, seed=3,
                verbose=0, resume_from=tmp_path / "ck.safetensors")
    for a, b in zip(resumed.get_weights(), straight.get_weights(), strict=True):
        assert a.tobytes() == b.tobytes()


def test_weights_state_config_and_summary() -> None:
    model = Sequential([adapted(), Dense(2)]).build(3, seed=0)
    weights = model.get_weights()
    assert [w.shape for w in weights] == [(3,), (3,), (3, 2), (2,)]  # Keras' order, no count
    other = Sequential([Normalization(), Dense(2)]).build(3, seed=1)
    other.set_weights(weights)  # the statistics come with them: ready
    np.testing.assert_array_equal(other.predict(DATA), model.predict(DATA))
    bad = [w.copy() for w in weights]
    bad[1][2] = -1.0
    with pytest.raises(ValueError, match=r"variance >= 0.*variance'\]\[2\]=-1.0"):
        other.set_weights(bad)
    assert set(model.get_state()) == {"0.mean", "0.variance"}
    assert model.count_params() == 6 + 8 and len(model.parameters()) == 2
    assert "Non-trainable params: 6" in str(model.summary())
    config = {"axis": 1, "mean": [1.0, 2.0], "variance": [3.0, 0.0], "invert": True}
    for name in ("Normalization",):
        rebuilt = layer_from_config({"class_name": name, "config": config})
        assert rebuilt.get_config() == config and LAYERS[name] is Normalization
    assert Normalization().get_config() == {"axis": -1, "mean": None, "variance": None,
                                            "invert": False}
    again = Sequential.from_config(model.get_config())
    assert again.layers[0].get_config() == model.layers[0].get_config()


def test_adapt_builds_and_build_keeps_the_statistics() -> None:
    layer = adapted()
    assert layer.in_features == 3
    mean = layer.mean.copy()
    Sequential([layer, Dense(2)]).build(3, seed=0)
    np.testing.assert_array_equal(layer.mean, mean)
    with pytest.raises(ValueError, match=r"3 features this Normalization was adapted on. "
                                         r"Received: in_features=4"):
        Sequential([adapted(), Dense(2)]).build(4, seed=0)
    with pytest.raises(ValueError, match=r"Expected data with 3 features"):
        layer.adapt(np.ones((5, 4)))
    kept = DATA.copy()
    adapted(kept)
    np.testing.assert_array_equal(kept, DATA)  # adapt leaves the data alone


def test_using_it_before_adapt_says_so() -> None:
    model = Sequential([Normalization(), Dense(2)]).build(3, seed=0)
    for call in (lambda: model.predict(DATA),
                 lambda: model.fit(DATA, DATA[:, :2], loss="mse", optimizer="sgd", epochs=1,
                                   verbose=0),
                 lambda: Normalization().forward(DATA, training=True)):
        with pytest.raises(RuntimeError, match=r"no mean and variance yet: call its adapt\(X\)"):
            call()
    with pytest.raises(RuntimeError, match="This Normalization layer is not built yet"):
        Normalization(mean=0.0, variance=1.0).forward(DATA)
    with pytest.raises(RuntimeError, match="backward needs a forward pass with training=True"):
        adapted().backward(np.ones((2, 3)))


def test_constant_features_map_to_zero() -> None:
    X = np.column_stack([np.full(5, 3.0), np.arange(5.0)])
    layer = adapted(X)
    y = layer.forward(X)
    np.testing.assert_array_equal(y[:, 0], 0.0)
    assert np.all(np.isfinite(y)) and layer.variance[0] == 0.0
    np.testing.assert_array_equal(layer.forward(np.array([[3.0 + 1e-7, 0.0]]))[0, 0],
                                  ((3.0 + 1e-7) - 3.0) / 1e-7)  # the floor on the deviation


@pytest.mark.parametrize("kwargs, error, match", [
    ({"axis": 0}, ValueError, r"Expected axis=-1 \(or 1\).*Received: axis=0"),
    ({"axis": None}, ValueError, r"Received: axis=None"),
    ({"invert": "no"}, TypeError, r"Expected a bool. Received: invert='no'"),
    ({"mean": 1.0}, ValueError, r"both or neither\). Received: mean=1.0, variance=None"),
    ({"variance": [1.0]}, ValueError, r"Received: mean=None, variance=\[1.0\]"),
    ({"mean": [1.0, 2.0], "variance": [1.0]}, ValueError, r"Received shapes \(2,\) and \(1,\)"),
    ({"mean": 0.0, "variance": -1.0}, ValueError, r"variance >= 0. Received variance\[0\]=-1.0"),
    ({"mean": float("nan"), "variance": 1.0}, ValueError, r"for mean. Received: mean=nan"),
    ({"mean": "0", "variance": 1.0}, ValueError, r"Received: mean='0'"),
    ({"mean": [[0.0]], "variance": [[1.0]]}, ValueError, r"Received: mean=\[\[0.0\]\]"),
    ({"epsilon": 1e-3}, TypeError, r"unexpected keyword argument 'epsilon'"),
])
def test_arguments_are_checked(kwargs, error, match) -> None:
    with pytest.raises(error, match=match):
        Normalization(**kwargs)


def test_adapt_and_build_refusals() -> None:
    with pytest.raises(ValueError, match=r"given mean= and variance=, which adapt would replace"):
        Normalization(mean=0.0, variance=1.0).adapt(DATA)
    with pytest.raises(ValueError, match=r"shape \(in_features,\) = \(3,\), or scalars. "
                                         r"Received shape \(2,\)"):
        Sequential([Normalization(mean=[0.0, 1.0], variance=[1.0, 1.0])]).build(3, seed=0)
    for data, match in [(np.array([[1.0, np.nan]]), "Expected finite values in data"),
                        (np.ones(3), "Expected a 2-D array"), (np.ones((0, 3)), "at least one")]:
        with pytest.raises(ValueError, match=match):
            Normalization().adapt(data)
    with pytest.raises(ValueError, match="float64 can hold"):
        Normalization().adapt(np.array([[1e300], [-1e300]]))
    with pytest.raises(ValueError, match="within float32's range"):
        Sequential([adapted(np.array([[1e30], [-1e30]]))]).build(1, seed=0, dtype=np.float32)


def test_is_adapted_and_a_model_saved_before_adapt_is_refused(tmp_path) -> None:
    layer = Normalization()
    model = Sequential([layer, Dense(2)]).build(3, seed=0)
    assert not layer.is_adapted and Normalization(mean=0.0, variance=1.0).is_adapted is False
    path = tmp_path / "m.safetensors"
    path.write_bytes(b"kept")
    with pytest.raises(ValueError, match=r"layers\[0\] cannot be saved: this Normalization has "
                                         r"no statistics yet: call its adapt\(X\)"):
        model.save(path)
    assert path.read_bytes() == b"kept"
    assert not layer.is_adapted  # save used to adapt it to mean 0, variance 1 (identity)
    with pytest.raises(RuntimeError, match="no mean and variance yet"):
        model.predict(DATA)
    layer.adapt(DATA)
    model.save(path)
    assert layer.is_adapted and nonlin.load(path).layers[0].is_adapted
    given = Sequential([Normalization(mean=0.0, variance=1.0)]).build(3, seed=0)
    assert given.layers[0].is_adapted


def test_a_refused_set_state_leaves_an_unadapted_layer_unadapted() -> None:
    model = Sequential([Normalization(), Dense(2), nonlin.BatchNorm()]).build(3, seed=0)
    state = {key: np.array(value) for key, value in model.get_state().items()}
    state["2.moving_variance"][0] = -1.0
    with pytest.raises(ValueError, match="set_state changed nothing"):
        model.set_state(state)
    assert not model.layers[0].is_adapted
    state["2.moving_variance"][0] = 1.0
    model.set_state(state)  # the statistics are set: adapted
    assert model.layers[0].is_adapted


def test_editing_the_config_leaves_the_layer_and_its_file(tmp_path) -> None:
    model = Sequential([Normalization(mean=[0.0, 1.0, 2.0], variance=[1.0, 1.0, 1.0]),
                        Dense(1)]).build(3, seed=0)
    expected = model.predict(DATA)
    config = model.get_config()["layers"][0]["config"]
    config["mean"][0], config["variance"][1] = 100.0, 9.0
    assert model.layers[0].get_config()["mean"] == [0.0, 1.0, 2.0]
    model.save(tmp_path / "m.safetensors")
    np.testing.assert_array_equal(nonlin.load(tmp_path / "m.safetensors").predict(DATA), expected)
    scalar = Normalization(mean=1.0, variance=4.0).get_config()
    assert (scalar["mean"], scalar["variance"]) == (1.0, 4.0)
