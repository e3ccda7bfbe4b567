"""``model.layers`` edited by hand (session 20's leftover): one layer object twice is
refused by ``build`` and ``fit`` as by the constructor, and ``model.layers = [...]`` keeps
the renaming ``LayerList``, checked as the constructor's argument."""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest

import nonlin
from nonlin import Dense, Sequential
from nonlin._layer_names import LayerList

TWICE = r"Expected each layer once in a model\. Received layers\[2\] is layers\[0\]"


def test_build_refuses_a_layer_appended_again() -> None:
    d = Dense(3)
    model = Sequential([d, Dense(3)])
    model.layers.append(d)
    with pytest.raises(ValueError, match=TWICE):
        model.build(3, seed=0)
    assert not model.built and d.parameters() == []


def test_fit_refuses_it_and_leaves_the_model_unbuilt() -> None:
    d = Dense(2)
    model = Sequential([d, nonlin.Tanh()])
    model.layers.append(d)
    X = np.ones((4, 3))
    with pytest.raises(ValueError, match=TWICE):
        model.fit(X, np.ones((4, 2)), loss="mse", optimizer="sgd", verbose=0)
    assert not model.built and model.rng is None


def test_a_built_model_edited_so_refuses_its_next_build() -> None:
    d = Dense(2)
    model = Sequential([d, nonlin.Tanh()]).build(3, seed=0)
    model.layers.append(d)
    with pytest.raises(ValueError, match=TWICE):
        model.build(3, seed=0)


def test_assigning_a_plain_list_keeps_the_renaming_list() -> None:
    model = Sequential([Dense(3)])
    model.layers = [Dense(3), Dense(2, name="out"), Dense(2)]
    assert type(model.layers) is LayerList
    assert [layer.name for layer in model.layers] == ["dense", "out", "dense_1"]
    model.layers.insert(0, Dense(4))  # renamed at once, as before any assignment
    assert [layer.name for layer in model.layers] == ["dense", "dense_1", "out", "dense_2"]
    model.layers = (layer for layer in [nonlin.ReLU(), Dense(1)])  # any iterable of layers
    assert type(model.layers) is LayerList and model.build(2, seed=0).n_outputs == 1


def test_assigning_one_layer_twice_is_refused_at_once_and_changes_nothing() -> None:
    d = Dense(3)
    model = Sequential([Dense(3)])
    before = model.layers
    with pytest.raises(ValueError, match=r"Expected each layer once in a model\. Received "
                                         r"layers\[1\] is layers\[0\]"):
        model.layers = [d, d]
    with pytest.raises(ValueError, match="Expected unique layer names"):
        model.layers = [Dense(2, name="a"), Dense(2, name="a")]
    assert model.layers is before and len(model.layers) == 1


@pytest.mark.parametrize("value", [None, "dense", b"x", 5, {}, {"a": Dense(1)}])
def test_assigning_what_is_no_list_of_layers_is_a_type_error(value) -> None:
    model = Sequential([Dense(3)])
    with pytest.raises(TypeError, match=r"Expected a list of layers\. Received: layers="):
        model.layers = value
    assert len(model.layers) == 1


def test_assigning_a_model_or_a_non_layer_says_what_was_received() -> None:
    model = Sequential([Dense(3)])
    with pytest.raises(TypeError, match=r"Expected a list of layers\. Received: "
                                        r"layers=Sequential\("):
        model.layers = Sequential([Dense(2)])
    with pytest.raises(TypeError, match=r"Received: layers\[1\]='relu'; a name is not a layer"):
        model.layers = [Dense(2), "relu"]


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_an_assigned_list_pickles_and_copies_as_a_layer_list(protocol: int) -> None:
    model = Sequential([Dense(3)])
    model.layers = [Dense(3), nonlin.ReLU(), Dense(1)]
    model.build(2, seed=0)
    for other in (pickle.loads(pickle.dumps(model, protocol=protocol)), copy.deepcopy(model)):
        assert type(other.layers) is LayerList and other.layers is not model.layers
        assert [layer.name for layer in other.layers] == ["dense", "re_lu", "dense_1"]
        np.testing.assert_array_equal(other.predict(np.ones((2, 2))),
                                      model.predict(np.ones((2, 2))))
    assert copy.copy(model).layers is model.layers  # a shallow copy shares its attributes


def test_a_pickle_holding_one_layer_twice_still_loads_for_build_to_refuse() -> None:
    d = Dense(2)
    model = Sequential([d])
    model.layers.append(d)
    other = pickle.loads(pickle.dumps(model))
    assert type(other.layers) is LayerList and other.layers[0] is other.layers[1]
    with pytest.raises(ValueError, match=r"Expected each layer once"):
        other.build(3, seed=0)
