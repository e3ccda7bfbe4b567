"""Session 20's audit of the layers and ``Sequential`` against Keras 3: what a Keras user
writes that nonlin took otherwise (Keras 3's sources named in each test)."""

from __future__ import annotations

import numpy as np
import pytest

import nonlin
from nonlin import Dense, Dropout, Sequential


def test_dropout_takes_rate_one_and_drops_everything_in_training() -> None:
    """keras/src/layers/regularization/dropout.py: ``0 <= rate <= 1`` (PyTorch's too); at 1
    every entry is dropped in training, and the layer is the identity at inference."""
    layer = Dropout(1.0)
    model = Sequential([Dense(3), layer]).build(2, seed=0)
    x = np.array([[1.0, -2.0], [0.5, 3.0]])
    y = model.forward(x, training=True)
    np.testing.assert_array_equal(y, np.zeros((2, 3)))
    grad = layer.backward(np.ones((2, 3)))
    np.testing.assert_array_equal(grad, np.zeros((2, 3)))
    np.testing.assert_array_equal(model.predict(x), Sequential([Dense(3)]).build(2, seed=0)
                                  .predict(x))
    assert layer.get_config() == {"rate": 1.0}
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        Dropout(1.5)


def test_every_layer_rebuilds_from_its_config_with_from_config() -> None:
    """keras/src/layers/layer.py (``Operation.from_config``): ``cls.from_config(
    layer.get_config())`` is a layer of the same config; a ``trainable`` key sets the flag."""
    from nonlin.noise import GaussianNoise
    from nonlin.prelu import PReLU

    for layer in (Dense(3, bias=False, l2=0.1, name="top"), Dropout(0.3), nonlin.BatchNorm(0.9),
                  nonlin.LayerNormalization(epsilon=1e-5), nonlin.LeakyReLU(0.2), nonlin.ReLU(),
                  nonlin.Softmax(), GaussianNoise(0.1), PReLU(init=0.1)):
        again = type(layer).from_config(layer.get_config())
        assert type(again) is type(layer) and again.get_config() == layer.get_config()
    frozen = Dense.from_config({"units": 2, "trainable": False})
    assert frozen.trainable is False and frozen.units == 2
    with pytest.raises(TypeError, match="dict"):
        Dense.from_config([("units", 2)])  # type: ignore[arg-type]


def test_sequential_input_and_output_shape_as_keras_3() -> None:
    """keras/src/models/sequential.py: ``input_shape`` and ``output_shape`` are the built
    model's ``(None, width)``; before, ``AttributeError`` ("has no defined input shape")."""
    model = Sequential([Dense(4), nonlin.ReLU(), Dense(2), nonlin.Softmax()])
    assert not hasattr(model, "input_shape") and not hasattr(model, "output_shape")
    with pytest.raises(AttributeError, match="no defined input shape"):
        model.input_shape  # noqa: B018
    model.build(3, seed=0)
    assert model.input_shape == (None, 3) and model.output_shape == (None, 2)
    model.pop()
    model.add(Dense(5))
    with pytest.raises(AttributeError, match="no defined output shape"):
        model.output_shape  # noqa: B018
    model.build(3, seed=0)
    assert model.output_shape == (None, 5)


@pytest.mark.parametrize(("make", "said"), [
    (lambda: Dropout(0.2, seed=42), r"^Dropout\(\) got an unexpected keyword argument 'seed': "
                                    r".*model's generator.*seed=0"),
    (lambda: Dropout(0.2, noise_shape=(None, 1)), r"'noise_shape': not supported"),
    (lambda: nonlin.GaussianNoise(0.1, seed=1), r"^GaussianNoise\(\) .*'seed': .*generator"),
    (lambda: nonlin.GaussianDropout(0.1, seed=1), r"^GaussianDropout\(\) .*'seed'"),
    (lambda: nonlin.AlphaDropout(0.1, noise_shape=None), r"^AlphaDropout\(\) .*'noise_shape'"),
    (lambda: nonlin.ReLU(max_value=6.0), r"^ReLU\(\) got an .*'max_value': ReLU6\(\)"),
    (lambda: nonlin.ReLU(negative_slope=0.1), r"'negative_slope': LeakyReLU\(alpha=0\.1\)"),
    (lambda: nonlin.Sigmoid(dtype="float32"), r"^Sigmoid\(\) .*'dtype': .*dtype=np\.float32"),
    (lambda: Dense(2, trainable=False), r"unexpected keyword argument 'trainable': .*"
                                        r"layer\.trainable = False"),
    (lambda: Dense(2, bias_initializer="ones"), r"'bias_initializer': biases start at zero"),
    (lambda: nonlin.BatchNorm(center=False), r"^BatchNorm\(\) .*'center': not supported"),
])
def test_keras_keywords_are_refused_naming_the_class_and_nonlins_way(make, said) -> None:
    """Keras 3's keywords (keras/src/layers/regularization/dropout.py ``seed``,
    ``noise_shape``; activations/relu.py ``max_value``, ``negative_slope``; the base layer's
    ``trainable``, ``dtype``) got Python's bare error, an activation's naming
    ``Named.__init__``: now the class and what nonlin does instead."""
    with pytest.raises(TypeError, match=said):
        make()


def test_keras_default_axis_and_rms_scaling_are_taken() -> None:
    """keras/src/layers/activations/softmax.py ``Softmax(axis=-1)``,
    normalization/batch_normalization.py ``axis=-1``, layer_normalization.py
    ``rms_scaling=False``: Keras' defaults said explicitly; the config is unchanged."""
    assert nonlin.Softmax(axis=-1).get_config() == nonlin.Softmax().get_config() == {}
    assert nonlin.Softmax(axis=1, name="p").name == "p"
    assert nonlin.BatchNorm(axis=-1).get_config() == nonlin.BatchNorm().get_config()
    assert nonlin.LayerNormalization(rms_scaling=False).get_config() == \
        nonlin.LayerNormalization().get_config()
    for make in (lambda: nonlin.Softmax(axis=0), lambda: nonlin.BatchNorm(axis=2)):
        with pytest.raises(ValueError, match="Expected axis=-1"):
            make()
    with pytest.raises(TypeError, match="rms_scaling=True is not supported"):
        nonlin.LayerNormalization(rms_scaling=True)
    x = np.array([[1.0, 2.0, 0.5]])
    model = Sequential([nonlin.Softmax(axis=-1)]).build(3, seed=0)
    np.testing.assert_allclose(model.predict(x).sum(), 1.0)


def test_add_and_pop_take_keras_rebuild_flag() -> None:
    """keras/src/models/sequential.py: ``add(layer, rebuild=True)``, ``pop(rebuild=True)``
    (without an ``Input`` layer, Keras leaves the model unbuilt either way, as nonlin)."""
    model = Sequential([Dense(3)])
    model.add(nonlin.ReLU(), rebuild=False)
    model.add(Dense(2), rebuild=True)
    assert isinstance(model.pop(rebuild=False), Dense) and len(model) == 2
    with pytest.raises(TypeError, match="rebuild"):
        model.add(Dense(2), rebuild="no")  # type: ignore[arg-type]
    assert len(model) == 2


def test_calls_take_keras_training_none_as_inference() -> None:
    """keras/src/layers/layer.py ``__call__(..., training=None)``: None, Keras' default,
    is inference outside ``fit``, for ``model(x)`` and ``layer(x)``."""
    model = Sequential([Dense(3), Dropout(0.5)]).build(2, seed=0)
    x = np.array([[1.0, -2.0], [0.5, 3.0]])
    np.testing.assert_array_equal(model(x, training=None), model.predict(x))
    np.testing.assert_array_equal(model.layers[1](x, training=None), x)
    with pytest.raises(TypeError, match="training"):
        model(x, training="no")  # type: ignore[arg-type]


def test_summary_takes_keras_show_trainable_and_expand_nested() -> None:
    """keras/src/utils/summary_utils.py ``print_summary(..., expand_nested=False,
    show_trainable=False)``: the ``Trainable`` column, Y, N, or - for a layer without
    weights; the table without it is as before."""
    model = Sequential([Dense(4), nonlin.ReLU(), Dense(2)]).build(3, seed=0)
    model.layers[2].trainable = False
    plain = model.summary()
    assert model.summary(expand_nested=True) == plain and "Params  Trainable" not in plain
    lines = model.summary(show_trainable=True).splitlines()
    assert lines[1].endswith("Params  Trainable")
    assert [line.split()[-1] for line in lines[3:6]] == ["Y", "-", "N"]
    assert lines[3].startswith(plain.splitlines()[3])
    with pytest.raises(TypeError, match="'line_length': not supported"):
        model.summary(line_length=80)
    with pytest.raises(TypeError, match="show_trainable"):
        model.summary(show_trainable="yes")
