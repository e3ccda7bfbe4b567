"""Model files as binary file objects (``nonlin.save(model, f)``, ``nonlin.load(f)``), as
``torch.save``/``torch.load`` take them: the same bytes and the same checks as a path."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import nonlin
from io_helpers import edit_meta, small_model
from nonlin.io import ModelFileError

X = np.random.default_rng(0).normal(size=(5, 3))


def trained_model() -> nonlin.Sequential:
    """A small model with a compile record (Adam's slots): the whole file format in use."""
    model = small_model()
    model.compile(loss="cross_entropy", optimizer="adam")
    model.fit(X, np.eye(2)[[0, 1, 0, 1, 1]], epochs=1, shuffle=False, verbose=0)
    return model


def test_bytesio_round_trip_gives_the_path_bytes_byte_for_byte(tmp_path: Path) -> None:
    model, path = trained_model(), tmp_path / "m.safetensors"
    nonlin.save(model, path, metadata={"task": "classification"})
    buffer = io.BytesIO()
    nonlin.save(model, buffer, metadata={"task": "classification"})
    assert buffer.getvalue() == path.read_bytes()
    assert not buffer.closed and buffer.tell() == len(buffer.getvalue())
    buffer.seek(0)
    loaded = nonlin.load(buffer)
    assert not buffer.closed
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    assert loaded.metadata == nonlin.load(path).metadata
    assert loaded.optimizer is not None and loaded.optimizer.iterations == 1


def test_sequential_save_method_takes_a_file_object(tmp_path: Path) -> None:
    model, buffer = small_model(), io.BytesIO()
    model.save(buffer)
    nonlin.save(model, tmp_path / "m.st")
    assert buffer.getvalue() == (tmp_path / "m.st").read_bytes()


def test_save_and_load_through_open_files_left_open(tmp_path: Path) -> None:
    model, path = trained_model(), tmp_path / "m.safetensors"
    with open(path, "wb") as handle:
        nonlin.save(model, handle)
        assert not handle.closed
    with open(path, "rb") as handle:
        loaded = nonlin.load(handle, compile=False)
        assert not handle.closed
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    with open(path, "rb", buffering=0) as raw:  # an unbuffered FileIO reads the same
        np.testing.assert_array_equal(nonlin.load(raw).predict(X), model.predict(X))


def test_file_object_is_read_and_written_at_its_position() -> None:
    model, buffer = small_model(), io.BytesIO()
    buffer.write(b"prefix")
    nonlin.save(model, buffer)
    data = buffer.getvalue()[6:]
    buffer.seek(6)
    np.testing.assert_array_equal(nonlin.load(buffer).predict(X), model.predict(X))
    assert data == nonlin.io.to_bytes(model)


class _ShortWriter:
    """A raw stream that takes at most 100 bytes per ``write``, as an unbuffered file may."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def write(self, data: Any) -> int:
        self.parts.append(bytes(data[:100]))
        return len(self.parts[-1])


def test_a_short_write_is_continued_to_the_end() -> None:
    model, writer = small_model(), _ShortWriter()
    nonlin.save(model, writer)  # type: ignore[arg-type]  # a duck-typed file object
    assert b"".join(writer.parts) == nonlin.io.to_bytes(model)


def test_text_mode_files_are_refused_saying_to_open_them_in_binary_mode(tmp_path: Path) -> None:
    model, path = small_model(), tmp_path / "m.safetensors"
    with pytest.raises(TypeError, match=r"Expected a binary file object to write .*Received a "
                                        r"text-mode StringIO: open the file in binary mode"):
        nonlin.save(model, io.StringIO())  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"Received a text-mode StringIO: open .* binary mode"):
        nonlin.load(io.StringIO("text"))  # type: ignore[arg-type]
    with open(path, "w") as handle, pytest.raises(
            TypeError, match=r"Received a text-mode TextIOWrapper \('.*m\.safetensors'\): open"):
        nonlin.save(model, handle)  # type: ignore[arg-type]
    nonlin.save(model, path)
    with open(path) as handle, pytest.raises(TypeError, match=r"text-mode TextIOWrapper"):
        nonlin.load(handle)  # type: ignore[arg-type]
    with open(path, "rb") as handle, pytest.raises(TypeError, match=r"open it with 'wb'"):
        nonlin.save(model, handle)


@pytest.mark.parametrize("cut", [0, 5, 40, -1])
def test_truncated_bytesio_gives_the_error_of_a_truncated_file(tmp_path: Path, cut: int) -> None:
    data = nonlin.io.to_bytes(small_model())[:cut]
    path = tmp_path / "cut.safetensors"
    path.write_bytes(data)
    with pytest.raises(ModelFileError) as from_path:
        nonlin.load(path)
    with pytest.raises(ModelFileError) as from_buffer:
        nonlin.load(io.BytesIO(data))
    assert (from_buffer.value.reason, from_buffer.value.field) == (
        from_path.value.reason, from_path.value.field)
    assert str(from_buffer.value).startswith("Cannot load model file '<BytesIO>'")
    with open(path, "rb") as handle, pytest.raises(ModelFileError) as from_handle:
        nonlin.load(handle)
    assert str(from_handle.value) == str(from_path.value)  # named by its path


def test_corrupted_field_gives_the_error_of_a_corrupted_file(tmp_path: Path) -> None:
    data = edit_meta(nonlin.io.to_bytes(small_model()), "n_features_in", lambda n: -n)
    (tmp_path / "bad.st").write_bytes(data)
    with pytest.raises(ModelFileError) as from_path:
        nonlin.load(tmp_path / "bad.st")
    with pytest.raises(ModelFileError, match=r"^Cannot load model file '<BytesIO>' "
                                             r"\(n_features_in\)") as from_buffer:
        nonlin.load(io.BytesIO(data))
    assert from_buffer.value.reason == from_path.value.reason


def test_loading_a_buffer_left_at_its_end_says_to_seek_back() -> None:
    buffer = io.BytesIO()
    nonlin.save(small_model(), buffer)
    with pytest.raises(ModelFileError, match=r"empty from its position \d+ on .*seek\(0\)"):
        nonlin.load(buffer)


class _Doubled(nonlin.Dense):
    """An unregistered layer of one's own: ``save`` refuses it."""


@pytest.mark.parametrize("case", ["unregistered", "metadata", "nan"])
def test_a_failing_save_writes_nothing_to_the_file_object(case: str) -> None:
    model = small_model()
    metadata: dict[str, Any] | None = None
    if case == "unregistered":
        model = nonlin.Sequential([_Doubled(2)]).build(3, seed=0)
    elif case == "metadata":
        metadata = {"note": object()}  # not JSON
    else:
        model.layers[2].W.value[0, 0] = np.nan
    buffer = io.BytesIO(b"kept")
    buffer.seek(4)
    with pytest.raises((TypeError, ValueError)):
        nonlin.save(model, buffer, metadata=metadata)
    assert buffer.getvalue() == b"kept" and buffer.tell() == 4 and not buffer.closed
    nonlin.save(small_model(), buffer)  # the same buffer then takes a file whole
    assert buffer.getvalue() == b"kept" + nonlin.io.to_bytes(small_model())


def test_a_files_bytes_given_to_load_suggest_bytesio(tmp_path: Path) -> None:
    data = nonlin.io.to_bytes(small_model())
    with pytest.raises(ValueError, match=r"a file's contents, not its name\? To load a file's "
                                         r"bytes, pass nonlin\.load\(io\.BytesIO\(data\)\)"):
        nonlin.load(data)
    with pytest.raises(TypeError, match=r"Received a bytearray, a file's contents\? .*"
                                        r"nonlin\.load\(io\.BytesIO\(data\)\)"):
        nonlin.load(bytearray(data))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"or a binary file object with \.read"):
        nonlin.load(3)  # type: ignore[arg-type]


def test_estimator_round_trip_through_bytesio(tmp_path: Path) -> None:
    nonlin_sklearn = pytest.importorskip("nonlin.sklearn")
    y = np.array([0, 1, 0, 1, 1])
    est = nonlin_sklearn.MLPClassifier(hidden_layer_sizes=(3,), max_iter=5, random_state=0)
    with pytest.warns(Warning):  # five iterations do not converge
        est.fit(X, y)
    buffer = io.BytesIO()
    est.save(buffer)
    est.save(tmp_path / "est.st")
    assert buffer.getvalue() == (tmp_path / "est.st").read_bytes()
    buffer.seek(0)
    loaded = nonlin_sklearn.load(buffer)
    np.testing.assert_array_equal(loaded.predict_proba(X), est.predict_proba(X))
    buffer.seek(0)
    np.testing.assert_array_equal(nonlin.load(buffer).predict(X)[:, 0], est.predict_proba(X)[:, 1])
    with pytest.raises(ValueError, match=r"pass nonlin\.sklearn\.load\(io\.BytesIO\(data\)\)"):
        nonlin_sklearn.load(buffer.getvalue())
    with pytest.raises(TypeError, match=r"text-mode StringIO"):
        est.save(io.StringIO())
