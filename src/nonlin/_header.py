"""A strict reader for the header of a safetensors file, run before any tensor is touched.

A safetensors file is three parts::

    8 bytes    N, the header length, an unsigned little-endian 64-bit integer
    N bytes    a UTF-8 JSON object (padded with spaces):
               {"__metadata__": {str: str, ...},
                "<tensor name>": {"dtype": "F64", "shape": [3, 4], "data_offsets": [0, 96]},
                ...}
    the rest   the tensors' bytes, little-endian, C order, offsets relative to here

The ``safetensors`` package reads this format well but is lenient where nonlin must be
strict (duplicate JSON keys, dtypes nonlin never writes), and its errors do not say which
tensor is at fault. ``parse_header`` checks every field and raises ``ModelFileError``
naming the file and the field; only then does the package read the tensors. Nothing here
can run code: the file is bytes and JSON, never pickle.
"""

from __future__ import annotations

import json
import math
import re
import struct
from collections.abc import Callable
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

import numpy as np

from ._json_checks import (
    _DuplicateKey,
    _finite_float,
    _no_duplicates,
    _no_gc,
    _reject_constant,
    float_sized_int,
    text_problem,
)
from ._quoting import clipped, quoted, quoted_path
from ._signatures import what_is_it

# nonlin's headers: a few KB (100,000 feature names: a few MB); safetensors' 100 MB took minutes
MAX_HEADER_BYTES = 16 * 1024 * 1024
_LONG_DIGITS = re.compile(r"[0-9]{301}")  # an integer float_sized_int must look at
MAX_CONTAINERS = 1_000_000  # brackets, those in strings too: a few per tensor and layer
# counts a header drives, each checked before any work per item (a 16 MiB header holds ~400,000
# layers or ~280,000 tensors, seconds of work each): real models have tens to hundreds of layers
# (deep plain MLPs stop training well before 1,000), and a model file a few tensors per layer
# plus its optimizer's slots (Adam: 2 per parameter)
MAX_LAYERS = 10_000
MAX_TENSORS = 100_000
DTYPES: dict[str, np.dtype] = {"F32": np.dtype("<f4"), "F64": np.dtype("<f8")}
DTYPE_CODES = {np.dtype(np.float32): "F32", np.dtype(np.float64): "F64"}
_TENSOR_FIELDS = {"dtype", "shape", "data_offsets"}
_MAX_DIM = 1 << 48


class ModelFileError(ValueError):
    """A model or checkpoint file that nonlin refuses to load.

    The message names the file and the tensor or field at fault. ``path`` and
    ``field`` hold them for programs (``field`` is None for file-wide faults).
    """

    def __init__(self, path: str, message: str, field: str | None = None) -> None:
        self.path, self.field, self.reason = path, field, message
        where = f" ({field})" if field else ""
        super().__init__(f"Cannot load model file {quoted_path(path)}{where}: {message}")

    def __reduce__(self) -> tuple[Any, ...]:  # picklable across processes
        return (type(self), (self.path, self.reason, self.field))


@dataclass(frozen=True)
class TensorInfo:
    """One header entry: where a tensor's bytes lie and how to read them."""

    name: str
    dtype: np.dtype
    shape: tuple[int, ...]
    begin: int
    end: int


@dataclass(frozen=True)
class Header:
    """A validated header: the tensors by name, the metadata, where the data starts."""

    tensors: dict[str, TensorInfo]
    metadata: dict[str, str]
    data_start: int

    @property
    def data_bytes(self) -> int:
        """How many bytes of data the tensors take (they tile it: ``_check_layout``)."""
        return max((t.end for t in self.tensors.values()), default=0)


def strict_json(text: str | bytes, path: str, field: str) -> Any:
    """Parse JSON text rejecting duplicate keys, NaN and infinity (and numbers beyond
    float64's range, lone surrogates, deep nesting: ``_json_checks``); errors name ``field``.

    Integers are read by ``json``'s C code unless the text holds 301 digits in a row (a
    Python call per integer made a header of numbers slow)."""
    try:
        with _no_gc():
            value = json.loads(
                text,
                object_pairs_hook=_no_duplicates,
                parse_float=_finite_float,
                parse_int=float_sized_int if isinstance(text, bytes) or _LONG_DIGITS.search(text)
                else None,
                parse_constant=_reject_constant,
            )
    except _DuplicateKey as exc:
        raise ModelFileError(path, f"duplicate key {quoted(exc.args[0])}", field) from None
    except (ValueError, RecursionError) as exc:  # JSONDecodeError, digit limits, deep nesting
        raise ModelFileError(path, f"invalid JSON: {clipped(str(exc), 200)}", field) from None
    problem = text_problem(text, value)
    if problem:
        raise ModelFileError(path, problem, field)
    return value


def header_length(data: bytes, size: int, path: str) -> int:
    """The header length that the first bytes ``data`` of a ``size``-byte file give, checked
    against the limit and the size (nothing more need be read to refuse it)."""
    size = size if len(data) >= 8 else min(size, len(data))
    if size == 0:
        raise ModelFileError(path, "the file is empty")
    if size < 8:
        raise ModelFileError(
            path, f"truncated: {size} bytes, fewer than the 8-byte header length"
        )
    (length,) = struct.unpack("<Q", data[:8])
    if length > MAX_HEADER_BYTES or 8 + length > size:
        what = what_is_it(data)
        if what:
            raise ModelFileError(path, f"this is {what}, not a safetensors file")
        if length > MAX_HEADER_BYTES:
            raise ModelFileError(
                path, f"header length {length} exceeds the limit of {MAX_HEADER_BYTES} bytes "
                "(16 MiB) for a nonlin file's header"
            )
        raise ModelFileError(
            path,
            f"header length {length} runs past the end of the file ({size} bytes); "
            "the file is truncated or not safetensors",
        )
    if length < 2:
        raise ModelFileError(path, f"header length {length} is too short for a JSON object")
    return int(length)


def header_problem(text: bytes) -> str | None:
    """Why the header ``text`` (its UTF-8 JSON) is more than a nonlin file may hold, or
    None: ``nonlin.save`` refuses to write it, and loading refuses it unparsed (a million
    small JSON objects take seconds and a GB to parse)."""
    if len(text) > MAX_HEADER_BYTES:
        return f"the header exceeds the limit of {MAX_HEADER_BYTES} bytes (16 MiB)"
    if text.count(b"{") + text.count(b"[") > MAX_CONTAINERS:
        return (f"the header holds more than {MAX_CONTAINERS:,} JSON objects and arrays "
                "('{' and '[', counted in strings too)")
    return None


def _dims(shape: Any) -> bool:
    """Whether ``shape`` is a list of at most 8 ints (JSON's: no bool) in [0, 2**48]."""
    return type(shape) is list and len(shape) <= 8 and all(
        type(d) is int and 0 <= d <= _MAX_DIM for d in shape)


def _span(offsets: Any) -> bool:
    """Whether ``offsets`` is ``[begin, end]``, ints (no bool) with ``0 <= begin <= end``."""
    return (type(offsets) is list and len(offsets) == 2 and type(offsets[0]) is int
            and type(offsets[1]) is int and 0 <= offsets[0] <= offsets[1])


def _tensor_info(name: str, entry: Any, path: str) -> TensorInfo:
    if type(entry) is not dict or entry.keys() != _TENSOR_FIELDS:
        keys = sorted(entry) if isinstance(entry, dict) else type(entry).__name__
        raise _entry_fault(path, name, f"expected an entry with keys {sorted(_TENSOR_FIELDS)}. "
                                       f"Received: {keys}")
    code, shape, offsets = entry["dtype"], entry["shape"], entry["data_offsets"]
    dtype = DTYPES.get(code) if type(code) is str else None
    if dtype is None:
        raise _entry_fault(path, name, f"dtype {code!r} is not supported; expected 'F32' or "
                                       "'F64'")
    if not _dims(shape):
        raise _entry_fault(path, name, "shape must be a list of non-negative integers. "
                                       f"Received: {quoted(shape)}")
    if not _span(offsets):
        raise _entry_fault(path, name, "data_offsets must be [begin, end] with 0 <= begin <= "
                                       f"end. Received: {quoted(offsets)}")
    expected = math.prod(shape) * dtype.itemsize
    if offsets[1] - offsets[0] != expected:
        raise _entry_fault(path, name, f"byte count mismatch: shape {tuple(shape)} of {code} "
                                       f"needs {expected} bytes, data_offsets {offsets} span "
                                       f"{offsets[1] - offsets[0]}")
    return TensorInfo(name, dtype, tuple(shape), offsets[0], offsets[1])


def _entry_fault(path: str, name: str, message: str) -> ModelFileError:
    """A fault of the tensor entry ``name`` (its field quoted only when one is raised)."""
    return ModelFileError(path, message, f"tensor {quoted(name)}")


def _check_layout(tensors: dict[str, TensorInfo], buffer_bytes: int | None, path: str) -> None:
    """Tensors must tile the data buffer exactly: no gap, no overlap, nothing after
    (``buffer_bytes`` None: a stream's, whose end the tensors set)."""
    cursor = 0
    for info in sorted(tensors.values(), key=attrgetter("begin", "end")):
        if info.begin != cursor:
            kind = "overlaps another tensor" if info.begin < cursor else "leaves a gap"
            raise ModelFileError(
                path,
                f"data_offsets {[info.begin, info.end]} {kind} (expected begin {cursor})",
                f"tensor {quoted(info.name)}",
            )
        cursor = info.end
    if buffer_bytes is not None and cursor != buffer_bytes:
        raise ModelFileError(
            path,
            f"the tensors describe {cursor} bytes of data but the file holds "
            f"{buffer_bytes}; the file is truncated or has bytes appended",
        )


def parse_header(data: bytes, path: str, *, size: int | None = None,
                 check: Callable[[dict[str, str]], None] | None = None,
                 stream: bool = False) -> Header:
    """Validate the header of ``data`` (a whole file, or its first bytes up to the header's
    end in a file of ``size`` bytes) and return it; ``check(metadata)`` runs before the
    tensor entries are read (a file that is not nonlin's is refused before them).
    ``stream``: ``data`` is the first bytes, up to the header's end, of a stream whose size
    is unknown; the tensors set where its data ends (``data_bytes``).

    Raises ``ModelFileError`` for any fault; never anything else.
    """
    size = len(data) if size is None else size
    length = header_length(data, size, path)
    raw = bytes(data[8 : 8 + length])
    problem = header_problem(raw)
    if problem:
        raise ModelFileError(path, problem)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ModelFileError(path, f"the header is not UTF-8 text ({exc.reason})") from None
    if not text.startswith("{"):
        raise ModelFileError(path, "the header is not a JSON object (it must start with '{')")
    parsed = strict_json(text, path, "header")
    if not isinstance(parsed, dict):
        raise ModelFileError(path, f"the header is a JSON {type(parsed).__name__}, not an object")
    metadata = parsed.pop("__metadata__", {})
    if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
        raise ModelFileError(path, "expected an object of strings", "__metadata__")
    if check is not None:
        check(metadata)
    if len(parsed) > MAX_TENSORS:  # before each entry is read
        raise ModelFileError(path, f"expected at most {MAX_TENSORS:,} tensors, the limit for a "
                             f"nonlin file. Received {len(parsed):,}")
    with _no_gc():  # 100,000 entries: the collector's passes took longer than the checks
        tensors = {name: _tensor_info(name, entry, path) for name, entry in parsed.items()}
        _check_layout(tensors, None if stream else size - 8 - length, path)
    return Header(tensors, metadata, 8 + length)

