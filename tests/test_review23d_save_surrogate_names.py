"""A model or layer name holding a lone surrogate (``os.fsdecode`` of a file name that is not
UTF-8 gives one: ``name=Path(p).stem``): ``save`` wrote a file that ``load`` refused ("a string
holds a lone surrogate escape"), over any good file at that path. Saving refuses in any header
field what loading refuses, as it already did in the metadata."""

from __future__ import annotations

import io
import os

import pytest

import nonlin
from nonlin.io import to_bytes

NAME = os.fsdecode(b"run-\xff")  # 'run-\udcff'


def _model(**names: str) -> nonlin.Sequential:
    return nonlin.Sequential([nonlin.Dense(2, name=names.get("layer"))],
                             name=names.get("model")).build(3, seed=0)


@pytest.mark.parametrize("where", ["model", "layer"])
def test_save_refuses_a_name_load_would_refuse(tmp_path, where) -> None:
    path = tmp_path / "m.safetensors"
    nonlin.save(_model(), path)
    before = path.read_bytes()
    with pytest.raises(ValueError, match="Cannot store architecture as JSON: .*lone surrogate"):
        nonlin.save(_model(**{where: NAME}), path)
    assert path.read_bytes() == before


def test_names_of_any_text_still_round_trip() -> None:
    model = _model(model="é😀", layer="😀")
    loaded = nonlin.load(io.BytesIO(to_bytes(model)))
    assert (loaded.name, loaded.layers[0].name) == ("é😀", "😀")
