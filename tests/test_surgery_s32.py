"""Model surgery for transfer learning (session 32, persona review): a new model made of a
trained model's layers, ``pop`` / ``add`` on a built model, and the advice each gives."""

from __future__ import annotations

import copy
import re
import warnings

import numpy as np
import pytest

import nonlin

REDRAWN = "Building this model draws new weights"


def _data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(120, 5))
    return x, (x[:, 0] > 0).astype(int) + (x[:, 1] > 0).astype(int) + (x[:, 2] > 0)


def _pretrained() -> nonlin.Sequential:
    x, y = _data()
    model = nonlin.Sequential([nonlin.Dense(8), nonlin.BatchNorm(), nonlin.ReLU(),
                               nonlin.Dense(4), nonlin.Softmax()])
    model.fit(x, y, loss="cross_entropy", optimizer="adam", epochs=2, seed=0, verbose=0)
    return model


def test_copied_trained_layers_in_a_new_model_warn_that_build_draws_them_anew() -> None:
    old = _pretrained()
    base = copy.deepcopy(old.layers[:3])
    base[0].trainable = False  # frozen: it would stay at random weights for good
    new = nonlin.Sequential([*base, nonlin.Dense(3), nonlin.Softmax()])
    with pytest.warns(UserWarning, match=re.escape(REDRAWN)) as record:
        new.build(5, seed=1)
    text = str(record[0].message)
    assert "layers[0] (Dense 'dense'), layers[1] (BatchNorm 'batch_norm')" in text
    assert "layers[3]" not in text  # the new head held no weights
    assert "new.layers[i].set_weights(old.layers[i].get_weights())" in text  # s32: per layer
    assert record[0].filename == __file__  # points at the user's line
    assert not np.array_equal(new.layers[0].W.value, old.layers[0].W.value)  # as documented


def test_the_layers_of_a_loaded_model_dropped_at_once_warn_at_fit(tmp_path) -> None:
    x, y = _data()
    path = tmp_path / "base.safetensors"
    _pretrained().save(path)
    new = nonlin.Sequential([*nonlin.load(path).layers[:-2], nonlin.Dense(3), nonlin.Softmax()])
    with pytest.warns(UserWarning, match=r"layers\[0\] \(Dense 'dense'\)"):
        new.fit(x, y % 3, loss="cross_entropy", optimizer="adam", epochs=1, seed=1, verbose=0)


def test_the_warned_recipe_keeps_the_pretrained_weights_bit_for_bit() -> None:
    """Guard (passes before the change too): the recipe the warning gives works."""
    x, y = _data()
    old = _pretrained()
    new = nonlin.Sequential([nonlin.Dense(8), nonlin.BatchNorm(), nonlin.ReLU(),
                             nonlin.Dense(3), nonlin.Softmax()]).build(5, seed=1)
    new.set_weights(old.get_weights()[:6] + new.get_weights()[6:])
    new.layers[0].trainable = new.layers[1].trainable = False
    new.fit(x, y % 3, loss="cross_entropy", optimizer="adam", epochs=2, seed=1, verbose=0)
    for kept, now in zip(old.get_weights()[:6], new.get_weights()[:6], strict=True):
        assert np.array_equal(kept, now)


def test_a_model_building_its_own_layers_again_does_not_warn() -> None:
    """Guard (passes before the change too): build again, pop then add, a deep copy."""
    model = _pretrained()
    copied = copy.deepcopy(model)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.build(5, seed=3)
        model.pop()
        model.pop()
        model.add(nonlin.Dense(3))
        model.build(5, seed=4)
        copied.build(5, seed=5)
        nonlin.Sequential([nonlin.Dense(2)]).build(5, seed=0)


def test_the_rebuild_advice_after_pop_and_add_works_when_a_shape_changed() -> None:
    x, y = _data()
    model = _pretrained()
    model.pop()
    model.pop()
    model.add(nonlin.Dense(3))
    model.add(nonlin.Softmax())
    with pytest.raises(RuntimeError) as info:
        model.fit(x, y % 3, verbose=0)
    text = str(info.value)
    assert "model.set_weights(weights[:k] + model.get_weights()[k:])" in text
    assert "keeps them where no shape changed" not in text  # set_weights(weights) refuses
    weights = model.get_weights()
    model.build(5, seed=1)
    with pytest.raises(ValueError, match="Expected 8 arrays"):
        model.set_weights(weights)  # the former advice, with a shape changed
    model.set_weights(weights[:6] + model.get_weights()[6:])
    assert np.array_equal(model.layers[0].W.value, weights[0])


def test_a_loaded_optimizer_refused_after_surgery_names_the_shapes_not_only_the_flags(
        tmp_path) -> None:
    x, y = _data()
    model = _pretrained()
    model.layers[1].trainable = False  # a frozen BatchNorm, saved so
    model.compile(optimizer="adam", loss="cross_entropy")
    model.fit(x, y, epochs=1, verbose=0)
    model.save(tmp_path / "base.safetensors")
    loaded = nonlin.load(tmp_path / "base.safetensors")
    loaded.pop()
    loaded.pop()
    loaded.add(nonlin.Dense(3))
    loaded.add(nonlin.Softmax())
    weights = loaded.get_weights()
    loaded.build(5, seed=1)
    loaded.set_weights(weights[:6] + loaded.get_weights()[6:])
    with pytest.raises(ValueError) as info:  # no flag changed: the head did
        loaded.fit(x, y % 3, epochs=1, verbose=0)
    text = str(info.value)
    assert "(5, 8), (8,), (8, 4), (4,)" in text and "(5, 8), (8,), (8, 3), (3,)" in text
    assert "the layers (pop, add, build)" in text
    assert "Compile again with a new optimizer" in text


class _Scale(nonlin.core.Layer):
    """A layer of one's own that makes its weight in ``__init__`` (PyTorch's habit)."""

    def __init__(self) -> None:
        super().__init__()
        self.s = nonlin.core.Param(np.ones(1))

    def build(self, in_features, rng) -> int:
        return in_features

    def forward(self, x, *, training=False):
        return x * self.s.value

    def parameters(self):
        return [self.s]


def test_a_layer_of_ones_own_with_weights_from_init_does_not_warn() -> None:
    """Guard (passes before the change too): its weights were never drawn by a build."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        nonlin.Sequential([nonlin.Dense(2), _Scale()]).build(5, seed=0)
