"""A strict reader for the header of a safetensors file, run before any tensor is touched.

A safetensors file is three parts::

    8 bytes    N, the header length, an unsigned little-endian 64-bit integer
    N bytes    a UTF-8 JSON object (padded with spaces):
               {"__metadata__": {str: str, ...},
                "<tensor name>": {"dtype": "F64", "shape": [3, 4], "data_offsets": [0, 96]},
                ...}
    the rest   the tensors' bytes, little-endian, C order, offsets relative to here

The ``safetensors`` package reads this format well but is lenient where nonlin
must be strict (duplicate JSON keys, dtypes nonlin never writes), and its
errors do not say which tensor is at fault. ``parse_header`` checks every
field and raises ``ModelFileError`` naming the file and the field; only then
does the package read the tensors. Nothing here can run code: the file is
bytes and JSON, never pickle.
"""

from __future__ import annotations

import json
import math
import struct
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._json_checks import float_sized_int, text_problem

MAX_HEADER_BYTES = 100_000_000  # the safetensors package's own limit
DTYPES: dict[str, np.dtype] = {"F32": np.dtype("<f4"), "F64": np.dtype("<f8")}
DTYPE_CODES = {np.dtype(np.float32): "F32", np.dtype(np.float64): "F64"}
_TENSOR_FIELDS = {"dtype", "shape", "data_offsets"}
_MAX_DIM = 1 << 48

# Leading bytes of formats that are not safetensors, to say what the file really is.
_SIGNATURES = (
    (b"PK\x03\x04", "a zip archive (such as a PyTorch .pt/.pth or Keras .keras file)"),
    (b"PK\x05\x06", "an empty zip archive"),
    (b"\x93NUMPY", "a NumPy .npy file"),
    (b"\x89HDF\r\n\x1a\n", "an HDF5 file (such as a Keras .h5 file)"),
    (b"\x1f\x8b", "a gzip file"),
)


class ModelFileError(ValueError):
    """A model or checkpoint file that nonlin refuses to load.

    The message names the file and the tensor or field at fault. ``path`` and
    ``field`` hold them for programs (``field`` is None for file-wide faults).
    """

    def __init__(self, path: str, message: str, field: str | None = None) -> None:
        self.path, self.field, self.reason = path, field, message
        where = f" ({field})" if field else ""
        super().__init__(f"Cannot load model file {path!r}{where}: {message}")

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


class _DuplicateKey(ValueError):
    pass


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKey(key)
        result[key] = value
    return result


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"number {text[:40]} overflows to infinity")
    return value


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not allowed")


def strict_json(text: str | bytes, path: str, field: str) -> Any:
    """Parse JSON text rejecting duplicate keys, NaN and infinity (and numbers beyond
    float64's range, lone surrogates, deep nesting: ``_json_checks``); errors name ``field``."""
    try:
        value = json.loads(
            text,
            object_pairs_hook=_no_duplicates,
            parse_float=_finite_float,
            parse_int=float_sized_int,
            parse_constant=_reject_constant,
        )
    except _DuplicateKey as exc:
        raise ModelFileError(path, f"duplicate key {exc.args[0]!r}", field) from None
    except (ValueError, RecursionError) as exc:  # JSONDecodeError, digit limits, deep nesting
        raise ModelFileError(path, f"invalid JSON: {str(exc)[:200]}", field) from None
    problem = text_problem(text, value)
    if problem:
        raise ModelFileError(path, problem, field)
    return value


def _what_is_it(data: bytes) -> str:
    """A phrase naming a foreign file format from its first bytes, or ""."""
    for magic, name in _SIGNATURES:
        if data.startswith(magic):
            return name
    if len(data) >= 2 and data[0] == 0x80 and 2 <= data[1] <= 5:
        return "a Python pickle (it is never unpickled: pickles can run code)"
    return ""


def _header_length(data: bytes, path: str) -> int:
    if len(data) == 0:
        raise ModelFileError(path, "the file is empty")
    if len(data) < 8:
        raise ModelFileError(
            path, f"truncated: {len(data)} bytes, fewer than the 8-byte header length"
        )
    (length,) = struct.unpack("<Q", data[:8])
    if length > MAX_HEADER_BYTES or 8 + length > len(data):
        what = _what_is_it(data)
        if what:
            raise ModelFileError(path, f"this is {what}, not a safetensors file")
        if length > MAX_HEADER_BYTES:
            raise ModelFileError(
                path, f"header length {length} exceeds the limit of {MAX_HEADER_BYTES} bytes"
            )
        raise ModelFileError(
            path,
            f"header length {length} runs past the end of the file ({len(data)} bytes); "
            "the file is truncated or not safetensors",
        )
    if length < 2:
        raise ModelFileError(path, f"header length {length} is too short for a JSON object")
    return int(length)


def _int_list(value: Any, count: int | None) -> bool:
    if not isinstance(value, list) or (count is not None and len(value) != count):
        return False
    return all(isinstance(v, int) and not isinstance(v, bool) and 0 <= v for v in value)


def _tensor_info(name: str, entry: Any, path: str) -> TensorInfo:
    field = f"tensor {name!r}"
    if not isinstance(entry, dict) or set(entry) != _TENSOR_FIELDS:
        keys = sorted(entry) if isinstance(entry, dict) else type(entry).__name__
        raise ModelFileError(
            path, f"expected an entry with keys {sorted(_TENSOR_FIELDS)}. Received: {keys}", field
        )
    code = entry["dtype"]
    if not isinstance(code, str) or code not in DTYPES:
        raise ModelFileError(
            path, f"dtype {code!r} is not supported; expected 'F32' or 'F64'", field
        )
    shape = entry["shape"]
    if not _int_list(shape, None) or len(shape) > 8 or any(d > _MAX_DIM for d in shape):
        raise ModelFileError(
            path, f"shape must be a list of non-negative integers. Received: {shape!r:.100}", field
        )
    offsets = entry["data_offsets"]
    if not _int_list(offsets, 2) or offsets[0] > offsets[1]:
        raise ModelFileError(
            path,
            f"data_offsets must be [begin, end] with 0 <= begin <= end. Received: {offsets!r:.100}",
            field,
        )
    dtype = DTYPES[code]
    expected = math.prod(shape) * dtype.itemsize
    if offsets[1] - offsets[0] != expected:
        raise ModelFileError(
            path,
            f"byte count mismatch: shape {tuple(shape)} of {code} needs {expected} bytes, "
            f"data_offsets {offsets} span {offsets[1] - offsets[0]}",
            field,
        )
    return TensorInfo(name, dtype, tuple(shape), offsets[0], offsets[1])


def _check_layout(tensors: dict[str, TensorInfo], buffer_bytes: int, path: str) -> None:
    """Tensors must tile the data buffer exactly: no gap, no overlap, nothing after."""
    cursor = 0
    for info in sorted(tensors.values(), key=lambda t: (t.begin, t.end)):
        if info.begin != cursor:
            kind = "overlaps another tensor" if info.begin < cursor else "leaves a gap"
            raise ModelFileError(
                path,
                f"data_offsets {[info.begin, info.end]} {kind} (expected begin {cursor})",
                f"tensor {info.name!r}",
            )
        cursor = info.end
    if cursor != buffer_bytes:
        raise ModelFileError(
            path,
            f"the tensors describe {cursor} bytes of data but the file holds "
            f"{buffer_bytes}; the file is truncated or has bytes appended",
        )


def parse_header(data: bytes, path: str) -> Header:
    """Validate the header of ``data`` (a whole file) and return it.

    Raises ``ModelFileError`` for any fault; never anything else.
    """
    length = _header_length(data, path)
    try:
        text = bytes(data[8 : 8 + length]).decode("utf-8")
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
    tensors = {name: _tensor_info(name, entry, path) for name, entry in parsed.items()}
    _check_layout(tensors, len(data) - 8 - length, path)
    return Header(tensors, metadata, 8 + length)
