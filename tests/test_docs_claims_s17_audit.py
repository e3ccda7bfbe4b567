"""Claims written into the docs in session 17 that an audit found wrong or out of step
with the code, each pinned with the behaviour and the corrected sentence.

(predict's default chunks: ``test_docs_claims_b.test_predict_default_chunks_as_the_guide_says``.)
"""

from __future__ import annotations

import io
import re
import warnings
from pathlib import Path

import numpy as np
import pytest

import nonlin

pytest.importorskip("sklearn")  # the sklearn extra: skipped where it is not installed

from nonlin.sklearn import MLPRegressor  # noqa: E402
from nonlin.sklearn import load as load_estimator  # noqa: E402

DOCS = Path(__file__).resolve().parents[1] / "docs"


def _text(page: str) -> str:
    """The page with its line breaks folded, so a sentence is found whatever its wrapping."""
    return re.sub(r"\s+", " ", (DOCS / page).read_text())


class _Endless(io.RawIOBase):
    """A stream of zero bytes without end that counts what was read from it."""

    def __init__(self) -> None:
        self.read_bytes = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        size = 1 << 16 if size is None or size < 0 else size
        self.read_bytes += size
        return b"\x00" * size


def test_file_object_is_read_in_stages_not_all_before_checks() -> None:
    """file-format.md said a file object's bytes are all read before they are checked; the
    header length is checked first, so an endless stream is refused after 8 bytes."""
    stream = _Endless()
    with pytest.raises(nonlin.ModelFileError, match="header length"):
        nonlin.load(stream)
    assert stream.read_bytes == 8
    text = _text("file-format.md")
    assert "bytes are all read before they are checked" not in text
    assert "an endless stream is refused after a few bytes" in text


def test_model_checkpoint_refuses_another_formats_suffix() -> None:
    """guide.md's ModelCheckpoint row said any name is a safetensors file."""
    for name in ("best.keras", "best.weights.h5"):
        with pytest.raises(ValueError, match="safetensors"):
            nonlin.ModelCheckpoint(name)
    text = _text("guide.md")
    assert "Any name is a safetensors file" not in text
    assert "a suffix of another format (Keras' `.keras`, `.weights.h5`) is refused" in text


def test_cli_out_list_names_hdf5_as_file_format_does(tmp_path: Path) -> None:
    """cli.md's --out list left out .hdf5, which file-format.md lists and every writer refuses."""
    model = nonlin.Sequential([nonlin.Dense(2)]).build(2, seed=0)
    with pytest.raises(ValueError, match="HDF5"):
        nonlin.save(model, tmp_path / "m.hdf5")
    assert "`.h5`, `.hdf5`, `.keras`" in _text("cli.md")


def test_estimator_save_takes_a_file_object_as_sklearn_md_says() -> None:
    """sklearn.md said est.save(path) only; the guide says it takes file objects too."""
    X = np.random.default_rng(0).normal(size=(20, 2))
    est = MLPRegressor(hidden_layer_sizes=(3,), max_iter=2, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # two iterations do not converge
        est.fit(X, X[:, 0])
    buffer = io.BytesIO()
    est.save(buffer)
    buffer.seek(0)
    assert np.array_equal(load_estimator(buffer).predict(X), est.predict(X))
    assert "`path` may be a binary file object" in _text("sklearn.md")
