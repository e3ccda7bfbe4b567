"""A header declaring more tensor bytes than a file or stream holds costs memory for the
bytes there alone (session 18).

``nonlin.load(f)`` reads a file object in stages (session 17): the header, then the bytes
its tensors take. A crafted header can declare 100 GB of tensors; the stream then ends
after a few MB. Each read asked for as much as had come before, without bound: a stream
that had given 1 GB was asked for 1 GB more in one read, which a raw stream (``RawIOBase
.read``, ``BufferedReader.read``) allocates before a byte arrives. Now a read asks for 16
MiB at most. A path is compared with the file's size before its tensors are read.
"""

from __future__ import annotations

import io
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import nonlin
from io_helpers import edit, model_bytes
from nonlin.io import ModelFileError

MiB = 1 << 20
DECLARED = 100 * 10**9  # bytes of tensor data the crafted header declares


def _declaring_huge_tensor(header: dict[str, Any]) -> None:
    """Add a float64 tensor of DECLARED bytes after the model's tensors."""
    end = max(v["data_offsets"][1] for k, v in header.items() if k != "__metadata__")
    count = DECLARED // 8
    header["9.huge"] = {"dtype": "F64", "shape": [count], "data_offsets": [end, end + DECLARED]}


def _crafted(payload: int) -> tuple[bytes, int]:
    """A model file whose header declares DECLARED more bytes, with ``payload`` bytes after
    the header; and the tensor bytes the header declares in all."""
    data = edit(model_bytes(), _declaring_huge_tensor)
    return data + b"\x00" * payload, _split(data)[2]


def _split(data: bytes) -> tuple[int, int, int]:
    import json
    import struct

    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + length])
    declared = max(v["data_offsets"][1] for k, v in header.items() if k != "__metadata__")
    return length, 8 + length, declared


class Pipe(io.RawIOBase):
    """A non-seekable raw stream (a pipe, a socket's file) of ``data``, up to 1 MiB per
    read; ``asked`` holds the size of every buffer ``read(n)`` allocated (``RawIOBase.read``
    makes an ``n``-byte buffer for ``readinto``)."""

    def __init__(self, data: bytes) -> None:
        self.data, self.at, self.asked = memoryview(data), 0, list[int]()

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def readinto(self, buffer: Any) -> int:
        self.asked.append(len(buffer))
        count = min(len(buffer), len(self.data) - self.at, MiB)
        buffer[:count] = self.data[self.at:self.at + count]
        self.at += count
        return count


def _peak(call: Callable[[], Any]) -> tuple[int, BaseException]:
    """The peak of traced memory while ``call`` runs, and what it raised."""
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        try:
            call()
        except Exception as exc:  # noqa: BLE001 - returned for the test to check
            raised: BaseException = exc
        else:
            raise AssertionError("expected the load to fail")
        return tracemalloc.get_traced_memory()[1], raised
    finally:
        tracemalloc.stop()


_TRUNCATED = r"the tensors describe {} bytes of data but the file holds {}; the file is truncated"


def test_a_buffer_declaring_100_gb_costs_memory_for_its_bytes_alone() -> None:
    data, declared = _crafted(3 * MiB)
    _, start, _ = _split(data)
    peak, raised = _peak(lambda: nonlin.load(io.BytesIO(data)))
    assert isinstance(raised, ModelFileError)
    assert declared > DECLARED
    assert str(raised).endswith(_TRUNCATED.format(declared, len(data) - start)
                                + " or has bytes appended")
    assert peak < 4 * len(data) + 2 * MiB  # the bytes given, not the 100 GB declared


def test_a_raw_stream_is_never_asked_for_more_than_16_mib_in_one_read() -> None:
    data, declared = _crafted(40 * MiB)  # more than 32 MiB: a read of 32 MiB came before
    _, start, _ = _split(data)
    stream = Pipe(data)
    peak, raised = _peak(lambda: nonlin.load(stream))  # type: ignore[arg-type]
    assert isinstance(raised, ModelFileError), raised
    assert f"describe {declared} bytes of data but the file holds {len(data) - start};" in str(
        raised)
    assert stream.at == len(data) and not stream.seekable()
    assert max(stream.asked) <= 16 * MiB, sorted(stream.asked)[-3:]
    assert peak < 3 * len(data)


def test_a_stream_ending_inside_the_tensors_names_declared_and_received_sizes() -> None:
    data = model_bytes()
    declared = _split(data)[2]
    with pytest.raises(ModelFileError, match=_TRUNCATED.format(declared, declared - 10)):
        nonlin.load(Pipe(data[:-10]))  # type: ignore[arg-type]


def test_a_path_declaring_100_gb_is_refused_by_its_size_before_its_tensors_are_read(
        tmp_path: Path) -> None:
    data, declared = _crafted(8 * MiB)
    _, start, _ = _split(data)
    path = tmp_path / "crafted.safetensors"
    path.write_bytes(data)
    peak, raised = _peak(lambda: nonlin.load(path))
    assert isinstance(raised, ModelFileError)
    assert f"describe {declared} bytes of data but the file holds {len(data) - start};" in str(
        raised)
    assert peak < MiB  # the header alone was read: 8 MiB of tensor bytes were not


def test_streams_read_in_bounded_parts_still_load_bit_for_bit() -> None:
    model = nonlin.Sequential([nonlin.Dense(3000), nonlin.Dense(2)]).build(100, seed=0)
    data = model_bytes(model)  # 2.4 MB: read in several parts
    assert len(data) > 2 * MiB
    for stream in (io.BytesIO(data), Pipe(data)):
        loaded = nonlin.load(stream)  # type: ignore[arg-type]
        assert model_bytes(loaded) == data
