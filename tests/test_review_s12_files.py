"""Review s12 (fuzzing), model files: the 8-byte header length is checked before the rest
is read (no reading /dev/zero or a GB of zeros), and the header is bounded."""

from __future__ import annotations

import os
import struct
import threading
import tracemalloc

import pytest

import nonlin
from io_helpers import join, model_bytes, small_model
from nonlin import ModelFileError
from nonlin._header import MAX_CONTAINERS, MAX_HEADER_BYTES
from nonlin.checkpoint import load_checkpoint

READERS = [nonlin.load, load_checkpoint]


def _peak_bytes(call) -> tuple[BaseException, int]:
    """The exception ``call()`` raises and the peak of Python memory while it ran."""
    tracemalloc.start()
    try:
        with pytest.raises(Exception) as info:
            call()
        return info.value, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _sparse(path, size: int, start: bytes = b"") -> str:
    with open(path, "wb") as handle:
        handle.write(start)
        handle.truncate(size)  # zeros, without writing them
    return str(path)


@pytest.mark.parametrize("read", READERS)
def test_a_gigabyte_of_zeros_is_refused_after_reading_its_first_bytes(tmp_path, read) -> None:
    path = _sparse(tmp_path / "zeros.safetensors", 1 << 30)
    error, peak = _peak_bytes(lambda: read(path))
    assert isinstance(error, ModelFileError) and "header length 0" in str(error)
    assert peak < 1 << 20  # the whole file was read before: 1 GiB


@pytest.mark.parametrize("read", READERS)
def test_bytes_appended_are_refused_before_the_data_is_read(tmp_path, read) -> None:
    data = model_bytes()
    path = _sparse(tmp_path / "long.safetensors", len(data) + (64 << 20), data)
    error, peak = _peak_bytes(lambda: read(path))
    assert isinstance(error, ModelFileError) and "appended" in str(error)
    assert peak < 8 << 20


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="/dev/zero")
@pytest.mark.parametrize("read", READERS)
def test_dev_zero_is_refused_unread(read) -> None:
    with pytest.raises(ModelFileError, match="'/dev/zero': not a regular file"):
        read("/dev/zero")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes")
def test_a_named_pipe_is_refused_without_waiting_for_a_writer(tmp_path) -> None:
    fifo = str(tmp_path / "m.safetensors")
    os.mkfifo(fifo)
    outcome: list[BaseException | None] = []

    def load() -> None:
        try:
            nonlin.load(fifo)
            outcome.append(None)
        except Exception as exc:
            outcome.append(exc)

    reader = threading.Thread(target=load, daemon=True)
    reader.start()
    reader.join(10)  # a guard against the hang, not a measure of time
    if reader.is_alive():  # blocked in open(): a writer releases it
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        reader.join()
    assert isinstance(outcome[0], ModelFileError) and "not a regular file" in str(outcome[0])


def test_a_folder_is_still_an_is_a_directory_error(tmp_path) -> None:
    with pytest.raises(IsADirectoryError):
        nonlin.load(tmp_path)


def test_a_header_beyond_16_mib_is_refused_naming_the_limit(tmp_path) -> None:
    path = _sparse(tmp_path / "big.safetensors", 8 + MAX_HEADER_BYTES + 1,
                   struct.pack("<Q", MAX_HEADER_BYTES + 1) + b"{")
    error, peak = _peak_bytes(lambda: nonlin.load(path))
    assert isinstance(error, ModelFileError)
    assert f"exceeds the limit of {MAX_HEADER_BYTES} bytes" in str(error)
    assert peak < 1 << 20


def test_a_header_of_a_million_brackets_is_refused_unparsed(tmp_path) -> None:
    path = tmp_path / "many.safetensors"
    path.write_bytes(join('{"x":[' + "[]," * MAX_CONTAINERS + "[]]}", b""))
    with pytest.raises(ModelFileError, match="more than 1,000,000 JSON objects and arrays"):
        nonlin.load(path)


def test_save_refuses_a_header_the_loader_would_refuse(tmp_path) -> None:
    path = tmp_path / "m.safetensors"
    with pytest.raises(ValueError, match="Refusing to save: the header exceeds the limit"):
        nonlin.save(small_model(), path, metadata={"note": "x" * MAX_HEADER_BYTES})
    with pytest.raises(ValueError, match="Refusing to save: the header holds more than"):
        nonlin.save(small_model(), path, metadata={"note": "[" * MAX_CONTAINERS})
    assert not path.exists()
    nonlin.save(small_model(), path, metadata={"note": "[" * 1000})  # a few are fine
    assert nonlin.load(path).metadata == {"note": "[" * 1000}


def test_the_format_is_checked_before_the_tensor_entries(tmp_path) -> None:
    path = tmp_path / "other.safetensors"  # another safetensors file: refused at its format
    path.write_bytes(join({"t": {"dtype": "BF16", "shape": [1], "data_offsets": [0, 2]}},
                          b"\0\0"))
    with pytest.raises(ModelFileError, match=r"\(__metadata__\['format'\]\): missing"):
        nonlin.load(path)


def test_the_estimator_reader_refuses_zeros_after_the_first_bytes(tmp_path) -> None:
    sklearn_nonlin = pytest.importorskip("nonlin.sklearn")
    path = _sparse(tmp_path / "zeros.safetensors", 64 << 20)
    with pytest.raises(ModelFileError, match="header length 0"):  # its imports, untraced
        sklearn_nonlin.load(path)
    error, peak = _peak_bytes(lambda: sklearn_nonlin.load(path))
    assert isinstance(error, ModelFileError) and "header length 0" in str(error)
    assert peak < 1 << 20


# -- 9. a message quotes at most ~100 characters of a received value -------------------------
BIG = list(range(100_000))


@pytest.mark.parametrize("call", [
    lambda: nonlin.Dense(BIG),
    lambda: nonlin.SGD(BIG),
    lambda: nonlin.SGD(0.1, momentum=BIG),
    lambda: nonlin.BatchNorm(epsilon=BIG),
    lambda: nonlin.schedules.StepDecay(0.1, 10)(BIG),
    lambda: nonlin.datasets.load("x" * 100_000),
    lambda: nonlin.datasets.moons(noise=BIG),
    lambda: nonlin.save(small_model(), "m.safetensors", include_optimizer=BIG),
    lambda: nonlin.save(small_model(), "m.safetensors", metadata={"x" * 100_000: {1}}),
    lambda: nonlin.MeanSquaredError(reduction="x" * 100_000),
], ids=["units", "lr", "momentum", "epsilon", "step", "dataset", "noise", "bool", "metadata",
        "reduction"])
def test_an_error_message_quotes_a_long_value_briefly(call) -> None:
    with pytest.raises((ValueError, TypeError)) as info:
        call()
    assert len(str(info.value)) < 600, str(info.value)[:300]


def test_a_hostile_files_long_key_is_quoted_briefly(tmp_path) -> None:
    key = "k" * 100_000
    path = tmp_path / "dup.safetensors"
    path.write_bytes(join(f'{{"{key}":1,"{key}":2}}', b""))
    with pytest.raises(ModelFileError, match="duplicate key") as info:
        nonlin.load(path)
    assert len(str(info.value)) < 600
