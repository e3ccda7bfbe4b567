"""Session-19 leftovers of Keras' names: ``summary()``'s ``Model: "sequential"`` line (and
``nonlin info``'s table), a name set on a user's layer whose ``get_config`` leaves it out
(kept through files, checkpoints and ``from_config``), and one layer object found twice in
a ``model.layers`` edited by hand."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest

import nonlin
from nonlin import Dense, ReLU, Sequential, cli, registry
from nonlin.checkpoint import load_checkpoint, save_checkpoint
from test_layer_names import Scale


def test_summary_starts_with_the_model_name_as_keras_3() -> None:
    # before: the table's header row came first
    plain = Sequential([Dense(2)]).build(3, seed=0)
    assert plain.summary().split("\n")[0] == 'Model: "sequential"'
    named = Sequential([Dense(2)], name="mlp")
    assert named.summary().split("\n")[:2] == ['Model: "mlp"', "Layer (type)   Output     Params"]
    lines: list[str] = []
    named.summary(print_fn=lines.append)
    assert lines[0] == 'Model: "mlp"' and lines[-1] == "Not built"


def test_info_heads_its_table_with_the_name_only_for_a_named_model(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # before: a named model's name appeared nowhere in info's text; an unnamed one's table
    # (every nonlin train file) is unchanged
    for name, first in ((None, "Layer (type)"), ("mlp", 'Model: "mlp"')):
        model = Sequential([Dense(2), ReLU(), Dense(1)], name=name).build(3, seed=0)
        nonlin.save(model, tmp_path / "m.safetensors")
        capsys.readouterr()
        assert cli.main(["info", str(tmp_path / "m.safetensors")]) == 0
        lines = capsys.readouterr().out.split("\n")
        assert lines[2].startswith(first) and "Model:" not in "".join(lines[3:])


@pytest.fixture
def scale_registered(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(registry.LAYERS, "Scale", Scale)


def _named_scale() -> Sequential:
    model = Sequential([Dense(2), Scale(2.0), Scale(3.0), Dense(1)]).build(3, seed=0)
    model.layers[2].name = "triple"
    return model


@pytest.mark.usefixtures("scale_registered")
def test_a_name_set_on_a_layer_without_name_support_survives_a_file(tmp_path: Path) -> None:
    # before: Scale's get_config has no "name", so the file lost it: "scale_1" on load
    model = _named_scale()
    assert model.get_config()["layers"][2]["config"] == {"factor": 3.0, "name": "triple"}
    loaded = nonlin.load(io.BytesIO(nonlin.io.to_bytes(model)))
    assert [layer.name for layer in loaded.layers] == ["dense", "scale", "triple", "dense_1"]
    assert loaded.get_layer("triple").factor == 3.0
    assert loaded.get_config() == model.get_config()
    np.testing.assert_array_equal(loaded.predict(np.ones((2, 3))), model.predict(np.ones((2, 3))))
    assert Sequential.from_config(model.get_config()).layers[2].name == "triple"
    X = np.random.default_rng(0).normal(size=(8, 3))
    model.fit(X, X[:, :1], loss="mse", optimizer="sgd", epochs=1, verbose=0)
    save_checkpoint(model, tmp_path / "c.safetensors", epoch=1)
    assert load_checkpoint(tmp_path / "c.safetensors").model.layers[2].name == "triple"


@pytest.mark.usefixtures("scale_registered")
def test_a_layer_without_a_set_name_saves_its_own_config() -> None:
    model = Sequential([Dense(2), Scale(2.0)]).build(3, seed=0)
    assert model.get_config()["layers"][1]["config"] == {"factor": 2.0}
    frozen = _named_scale()
    frozen.layers[2].trainable = False
    assert frozen.get_config()["layers"][2]["config"] == {
        "factor": 3.0, "name": "triple", "trainable": False}
    again = nonlin.load(io.BytesIO(nonlin.io.to_bytes(frozen)))
    assert again.layers[2].name == "triple" and again.layers[2].trainable is False


@pytest.mark.usefixtures("scale_registered")
def test_a_bad_name_in_such_a_layer_s_entry_is_refused() -> None:
    data = nonlin.io.to_bytes(_named_scale()).replace(b'\\"triple\\"', b"7" + b" " * 9)
    with pytest.raises(nonlin.io.ModelFileError, match="Expected a str"):
        nonlin.load(io.BytesIO(data))


def test_one_layer_twice_in_an_edited_list_has_one_name() -> None:
    # before: summary() showed "dense" and "dense_1" for one object, whose name was then
    # "dense_1" while get_layer("dense") returned it
    shared = Dense(2)
    model = Sequential([shared, ReLU()])
    model.layers.append(shared)
    rows = [line.split()[0] for line in model.summary().split("\n")[3:6]]
    assert rows == ["dense", "re_lu", "dense"] and shared.name == "dense"
    assert model.get_layer("dense") is shared
    named = Dense(2, name="d")
    model = Sequential([named])
    model.layers.append(named)  # one object, not two layers given one name
    assert [row.split()[0] for row in model.summary().split("\n")[3:5]] == ["d", "d"]
    assert model.get_layer("d") is named


def test_names_shown_are_the_names_get_layer_finds() -> None:
    model = Sequential([Dense(2), ReLU(), Dense(1)]).build(3, seed=0)
    model.layers.insert(0, Dense(4))  # by hand: named anew by summary and get_layer
    shown = [line.split()[0] for line in model.summary().split("\n")[3:7]]
    assert shown == ["dense", "dense_1", "re_lu", "dense_2"]
    assert all(model.get_layer(name).name == name for name in shown)




def test_a_layer_put_into_model_layers_by_hand_is_named_at_once() -> None:
    # before: the new layer said "dense" (its class) and the old ones kept their positions'
    # names ("dense", "dense_1") until the next build, summary() or get_layer
    model = Sequential([Dense(2), ReLU(), Dense(1)]).build(3, seed=0)
    model.layers.insert(0, Dense(4))
    assert [layer.name for layer in model.layers] == ["dense", "dense_1", "re_lu", "dense_2"]
    model.layers.append(Dense(1, name="out"))
    model.layers[2] = nonlin.Tanh()
    assert [layer.name for layer in model.layers] == ["dense", "dense_1", "tanh", "dense_2",
                                                      "out"]
    del model.layers[0]
    model.layers.pop()
    assert [layer.name for layer in model.layers] == ["dense", "tanh", "dense_1"]
    model.layers += [Dense(2, name="dense")]  # a name given: the automatic ones step aside
    assert [layer.name for layer in model.layers] == ["dense_1", "tanh", "dense_2", "dense"]
    model.layers.append(Dense(3, name="dense"))  # twice: left for summary and build to refuse
    with pytest.raises(ValueError, match="unique layer names"):
        model.summary()


def test_model_layers_pickles_and_copies_as_a_plain_list() -> None:
    import copy
    import pickle

    model = Sequential([Dense(2), ReLU()]).build(3, seed=0)
    data = pickle.dumps(model)
    assert b"LayerList" not in data  # older versions unpickle it
    for again in (pickle.loads(data), copy.deepcopy(model)):
        again.layers.insert(0, Dense(1))
        assert [layer.name for layer in again.layers] == ["dense", "dense_1", "re_lu"]
    assert [layer.name for layer in model.layers] == ["dense", "re_lu"]
