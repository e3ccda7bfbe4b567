"""Review of s19's layer names and float decay steps (review19): what a hostile caller met.

Each test fails on main before the fix: a complex learning rate from a cycling
``PolynomialDecay`` with a float ``decay_steps``, an overflow message that blamed a step
float64 holds, a non-layer put into ``model.layers`` by hand reaching ``build``,
``summary`` and ``get_config`` as an ``AttributeError``, the name of a layer of one's own
lost on load when its ``__init__`` takes ``**kwargs`` and drops them, and ``info`` breaking
a name's line break into two lines. (The layer-list round trips pass before: kept as a
guard.)
"""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest

import nonlin
from nonlin import Dense, Layer, ReLU, Sequential, registry
from nonlin.schedules_cyclic import CosineDecayRestarts
from nonlin.schedules_more import PolynomialDecay


@pytest.mark.parametrize("power", [0.5, 1.0, 2.0])
def test_cycling_polynomial_decay_with_a_float_decay_steps_stays_real_and_in_range(
    power: float,
) -> None:
    # before: 0.7 * ceil(63 / 0.7) rounds below 63, 1 - 63 / that is -1.1e-16, and
    # (-1.1e-16) ** 0.5 is a complex number handed to the optimizer as its rate
    schedule = PolynomialDecay(0.1, 0.7, 0.0001, power=power, cycle=True)
    for step in (63, 119, 126, 231):  # each at the end of a cycle: the end rate
        rate = schedule(step)
        assert type(rate) is float and rate == 0.0001, (step, rate)
    tiny = PolynomialDecay(0.1, 1e-300, 0.0001, power=0.5, cycle=True)
    assert all(type(tiny(s)) is float and 0.0001 <= tiny(s) <= 0.1 for s in range(64))


def test_integer_decay_steps_are_unchanged() -> None:
    schedule = PolynomialDecay(0.1, 7, 0.0001, power=0.5, cycle=True)
    assert [schedule(s) for s in (0, 3, 7, 8, 63)] == [
        0.1, (0.1 - 0.0001) * (1 - 3 / 7) ** 0.5 + 0.0001, 0.0001,
        (0.1 - 0.0001) * (1 - 8 / 14) ** 0.5 + 0.0001, 0.0001]


@pytest.mark.parametrize("schedule", [PolynomialDecay(0.1, 1e-300, cycle=True),
                                      CosineDecayRestarts(0.1, 1e-300, 1.0)],
                         ids=["polynomial", "restarts"])
def test_a_quotient_beyond_float64_names_the_decay_steps_not_the_step(schedule: object) -> None:
    # before: "Expected a step that float64 can hold (below 1.8e308). Received: step=2**53",
    # a step float64 holds exactly: it is step / 1e-300 that it cannot
    with pytest.raises(ValueError, match=r"divided by (a float decay_steps|first_decay_steps) "
                       r"\(below 1\.8e308\)\. Received: step=9007199254740992, "
                       r"(first_)?decay_steps=1e-300$"):
        schedule(2**53)  # type: ignore[operator]


@pytest.mark.parametrize("thing", ["relu", None, 3, Dense])
def test_build_summary_and_get_config_name_a_non_layer_put_into_model_layers_by_hand(
    thing: object,
) -> None:
    # before: AttributeError: 'str' object has no attribute 'build' ('parameters' in
    # summary, 'get_config' in get_config and save): the constructor and add refuse such an
    # object, naming it; an edit of model.layers reached them with it
    model = Sequential([Dense(4), ReLU()])
    model.layers.append(thing)
    for call in (lambda: model.build(3), model.summary, model.get_config):
        with pytest.raises(TypeError, match=r"Expected layers with build/forward/backward/"
                           r"parameters/get_config\. Received: layers\[2\]="):
            call()


def test_layer_list_edits_rename_and_survive_pickle_and_copies() -> None:
    import copy

    model = Sequential([Dense(4), ReLU(), Dense(1)]).build(3, seed=0)
    model.layers[0:1] = [Dense(3), Dense(5)]
    assert [layer.name for layer in model.layers] == ["dense", "dense_1", "re_lu", "dense_2"]
    for protocol in range(2, pickle.HIGHEST_PROTOCOL + 1):
        again = pickle.loads(pickle.dumps(model, protocol=protocol))
        again.layers.insert(0, Dense(2))
        assert [layer.name for layer in again.layers] == [
            "dense", "dense_1", "dense_2", "re_lu", "dense_3"]
    deep = copy.deepcopy(model)
    deep.layers.pop(0)
    assert [layer.name for layer in deep.layers] == ["dense", "re_lu", "dense_1"]
    assert [layer.name for layer in model.layers] == ["dense", "dense_1", "re_lu", "dense_2"]


class _Scale(Layer):
    """A layer of one's own written before names: ``**kwargs`` taken and dropped."""

    def __init__(self, factor: float = 2.0, **kwargs: object) -> None:
        super().__init__()
        self.factor = factor

    def build(self, n_features: int, rng: object) -> int:
        return n_features

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        return x * self.factor

    def backward(self, grad: np.ndarray) -> np.ndarray:
        return grad * self.factor

    def parameters(self) -> list[object]:
        return []

    def get_config(self) -> dict[str, object]:
        return {"factor": self.factor}


def test_a_name_given_to_a_layer_whose_kwargs_drop_it_survives_save_and_load(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # before: saved as {"factor": 3.0, "name": "scaler"}, passed to _Scale(**config), whose
    # **kwargs dropped it: the loaded layer was called "__scale"
    monkeypatch.setitem(registry.LAYERS, "_Scale", _Scale)
    model = Sequential([Dense(2), _Scale(3.0)])
    model.layers[1].name = "scaler"
    model.build(3, seed=0)
    nonlin.save(model, tmp_path / "m.st")
    loaded = nonlin.load(tmp_path / "m.st")
    assert [layer.name for layer in loaded.layers] == ["dense", "scaler"]
    assert loaded.get_config() == model.get_config()
    unnamed = Sequential([Dense(2), _Scale(3.0)]).build(3, seed=0)
    assert [layer.name for layer in registry_round_trip(unnamed).layers] == ["dense", "__scale"]


def registry_round_trip(model: Sequential) -> Sequential:
    return Sequential([registry.layer_from_config(item) for item in model.get_config()["layers"]])


def test_info_keeps_a_name_with_a_line_break_on_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # before: info split summary() on its line breaks, those of the names too: the new
    # 'Model: "..."' line and a layer's row each broke in two ('Model: "x' / 'line"')
    from nonlin import cli

    model = Sequential([Dense(2, name="a\nb\x1b[31m")], name="x\nline").build(3, seed=0)
    nonlin.save(model, tmp_path / "m.st")
    capsys.readouterr()
    assert cli.main(["info", str(tmp_path / "m.st")]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert 'Model: "x\\nline"' in lines
    assert any(line.startswith("a\\nb\\x1b[31m (Dense)  (None, 2)") for line in lines), lines
    assert model.summary().splitlines()[0:2] == ['Model: "x', 'line"']  # Keras': as given
