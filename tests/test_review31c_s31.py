"""Review of upgrade31 (old files load; the format-version refusals; file-format.md's
Compatibility): the faults found and fixed."""

from __future__ import annotations

import io
from pathlib import Path

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
