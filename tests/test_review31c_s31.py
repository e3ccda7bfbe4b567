"""Review of upgrade31 (old files load; the format-version refusals; file-format.md's
Compatibility): the faults found and fixed."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest

import nonlin
from io_helpers import edit_meta
from nonlin._header import ModelFileError

DATA = Path(__file__).parent / "data" / "old_files"
DOCS = Path(__file__).resolve().parents[1] / "docs"


def _refused(version: int) -> str:
    data = (DATA / "c9fbcfa" / "compiled.safetensors").read_bytes()
    with pytest.raises(ModelFileError) as info:
        nonlin.load(io.BytesIO(edit_meta(data, "format_version", lambda _: version)))
    return str(info.value)


@pytest.mark.parametrize("version", [10**300, -(10**300)], ids=["above", "below"])
def test_a_format_version_of_300_digits_is_quoted_short(version: int) -> None:
    """As every received value in a message: its start and length, not 301 digits."""
    message = _refused(version)
    assert len(message) < 400 and "characters)" in message
    assert "format version 1" in message and "__metadata__['format_version']" in message


def _compatibility() -> str:
    text = (DOCS / "file-format.md").read_text(encoding="utf-8")
    return " ".join(text[text.index("## Compatibility"):].split())


def test_the_compatibility_section_names_what_is_not_bit_for_bit() -> None:
    """It said every old file predicts and refits as the nonlin that wrote it did, bit for
    bit: an L-BFGS refit of a file written before 7715d1f and a multi-class predict_proba
    of one written before 233ffed differ in the last bits (their arithmetic was changed on
    purpose, for a fresh fit too). And 8e45737's estimator file (2026-11-30) names init
    'zeros': 'before 2026-11-30' was not when that ended, 8a2fe9d was."""
    text = _compatibility()
    assert "as the nonlin that wrote it did, bit for bit" not in text
    assert "7715d1f" in text and "233ffed" in text
    assert "before 8a2fe9d" in text and "written before 2026-11-30" not in text


@pytest.mark.filterwarnings("ignore")
def test_an_old_estimator_loads_naming_glorot_uniform_as_a_fresh_one(tmp_path: Path) -> None:
    """The file's Dense layers say init 'zeros'; the loaded estimator's network and the file
    it saves say glorot_uniform, as a fresh fit's (file-format.md, Compatibility)."""
    pytest.importorskip("sklearn")
    from nonlin.sklearn import load

    def inits(model: nonlin.Sequential) -> list[str]:
        return [layer["config"]["init"] for layer in model.get_config()["layers"]
                if layer["class_name"] == "Dense"]

    path = DATA / "8e45737" / "estimator.safetensors"
    assert inits(nonlin.load(path)) == ["zeros", "zeros"]
    est = load(path)
    assert inits(est.model_) == ["glorot_uniform", "glorot_uniform"]
    est.save(tmp_path / "again.safetensors")
    assert inits(nonlin.load(tmp_path / "again.safetensors")) == ["glorot_uniform"] * 2
    assert load(tmp_path / "again.safetensors").get_params() == est.get_params()


def test_the_old_files_test_compares_bits_not_values() -> None:
    """``_same`` said bit for bit and compared with ``==``, which takes -0.0 for 0.0."""
    from test_upgrade_s31 import _same

    _same(np.array([0.0, -0.0, 1.5]), [0.0, -0.0, 1.5])
    for got, expected in (([-0.0], [0.0]), ([1.0, 2.0], [1.0]), ([1.0], [np.nextafter(1, 2)])):
        with pytest.raises(AssertionError):
            _same(np.array(got), expected)
