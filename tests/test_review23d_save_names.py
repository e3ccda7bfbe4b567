"""Two layers given one name after construction (``layer.name = ...``, which Keras' read-only
``name`` does not allow but nonlin's setter does): ``save`` wrote a file that ``load`` refused
("Expected unique layer names"), over any good file at that path. It is refused first."""

from __future__ import annotations

import pytest

import nonlin


def _model() -> nonlin.Sequential:
    return nonlin.Sequential([nonlin.Dense(4), nonlin.ReLU(), nonlin.Dense(2)]).build(3, seed=0)


def test_save_refuses_two_layers_named_alike(tmp_path) -> None:
    path = tmp_path / "m.safetensors"
    nonlin.save(_model(), path)
    before = path.read_bytes()
    model = _model()
    model.layers[0].name = "x"
    model.layers[2].name = "x"
    with pytest.raises(ValueError, match=r"unique layer names.*'x' at layers\[0\] and layers\[2\]"):
        nonlin.save(model, path)
    assert path.read_bytes() == before


def test_a_given_name_still_saves_and_loads(tmp_path) -> None:
    model = _model()
    model.layers[2].name = "head"
    nonlin.save(model, tmp_path / "m.safetensors")
    assert nonlin.load(tmp_path / "m.safetensors").layers[2].name == "head"
