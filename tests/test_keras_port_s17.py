"""A Keras 3 script ported to nonlin by changing its imports: what nonlin refuses says
what to write instead (session 17's port of a typical Keras script)."""

from __future__ import annotations

import pytest

import nonlin
from nonlin import LeakyReLU


def test_callbacks_module_offers_model_checkpoint_as_keras_callbacks_does() -> None:
    from nonlin.callbacks import ModelCheckpoint  # keras.callbacks.ModelCheckpoint's home

    assert ModelCheckpoint is nonlin.ModelCheckpoint


def test_leaky_relu_given_keras_negative_slope_says_nonlins_name() -> None:
    with pytest.raises(TypeError, match=r"negative_slope= .*alpha=0\.1.*0\.3"):
        LeakyReLU(negative_slope=0.1)
    with pytest.raises(TypeError, match="unexpected keyword argument 'slope'"):
        LeakyReLU(slope=0.1)
    assert LeakyReLU(0.1).get_config() == {"alpha": 0.1}


@pytest.mark.parametrize("name, hint", [
    ("BatchNormalization", r"BatchNorm\(\)"),
    ("utils", "seed=0"),
    ("models", r"nonlin\.load\(path\)"),
])
def test_keras_names_missing_from_nonlin_say_what_to_write(name: str, hint: str) -> None:
    with pytest.raises(AttributeError, match=f"has no attribute '{name}'; .*{hint}"):
        getattr(nonlin, name)
    assert not hasattr(nonlin, name)


@pytest.mark.parametrize("name, hint", [
    ("kernel", r"layer\.W\.value"),
])  # get_weights, set_weights: nonlin.Layer has them since s32 (test_layer_weights_s32.py)
def test_keras_layer_attributes_say_where_the_weights_are(name: str, hint: str) -> None:
    layer = nonlin.Dense(3)
    with pytest.raises(AttributeError, match=f"'Dense' object has no attribute '{name}'; .*{hint}"):
        getattr(layer, name)
    assert not hasattr(nonlin.ReLU(), name)
    with pytest.raises(AttributeError, match="'ReLU' object has no attribute 'nothing'$"):
        nonlin.ReLU().nothing  # noqa: B018


def test_keras_layers_module_prefix_says_every_layer_is_nonlins() -> None:
    from nonlin import layers

    assert layers.ReLU is nonlin.ReLU  # Keras' layers.ReLU() works as it is
    with pytest.raises(AttributeError, match=r"'nonlin.layers' has no attribute 'PReLU'; .*"
                                             r"nonlin\.PReLU"):
        layers.PReLU  # noqa: B018
    with pytest.raises(AttributeError, match=r"'BatchNormalization'; .*BatchNorm\(\)"):
        layers.BatchNormalization  # noqa: B018
    with pytest.raises(AttributeError, match="has no attribute 'nothing'$"):
        layers.nothing  # noqa: B018


@pytest.mark.parametrize("keras_name, cls", [
    ("BinaryCrossentropy", "BinaryCrossEntropy"),
    ("CategoricalCrossentropy", "CrossEntropy"),
    ("SparseCategoricalCrossentropy", "CrossEntropy"),
])
def test_keras_loss_class_names_resolve_through_the_registry(keras_name: str, cls: str) -> None:
    from nonlin import losses, registry

    keras_class = getattr(losses, keras_name)  # keras.losses.SparseCategoricalCrossentropy
    assert keras_class is registry.lookup("loss", keras_name) is getattr(nonlin, cls)
    assert keras_class(from_logits=True).from_logits is True
    with pytest.raises(AttributeError, match="has no attribute 'SparseCrossentropy'"):
        losses.SparseCrossentropy  # noqa: B018


@pytest.mark.parametrize("name, hint", [
    ("save_weights", r"model\.save\(path\)"),
    ("load_weights", r"nonlin\.load\(path\)"),
])
def test_keras_model_weight_files_say_nonlins_way(name: str, hint: str) -> None:
    model = nonlin.Sequential([nonlin.Dense(2)])
    with pytest.raises(AttributeError, match=f"'Sequential' object has no attribute '{name}'; "
                                             f".*{hint}"):
        getattr(model, name)
    with pytest.raises(AttributeError, match="'zero_grad'; nonlin needs none"):
        model.zero_grad()  # PyTorch's habits keep theirs
