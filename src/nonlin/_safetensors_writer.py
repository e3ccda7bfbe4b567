"""Writing the safetensors bytes of a model file: ``safetensors_file(arrays, metadata)``.

``nonlin.io.file_buffer`` gathers a model's tensors and header fields; this module
checks the tensors (``checked_tensors``: float32/float64, finite) and lays them out
in one buffer, byte for byte as the ``safetensors`` package writes them (its
``__metadata__`` keys sorted, so the same model always gives the same bytes).
Nothing is written to a file here (``nonlin._file_objects`` does that).
"""

from __future__ import annotations

import json
import struct
from typing import Any

import numpy as np

from ._header import DTYPE_CODES, MAX_TENSORS, header_problem
from ._quoting import quoted


def checked_tensors(arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """``arrays`` as NumPy arrays (not copied), each checked to be float32/float64 and finite."""
    tensors = {}
    for name, value in arrays.items():
        value = np.asarray(value)
        if value.dtype not in DTYPE_CODES:
            raise TypeError(
                f"Expected float32 or float64 in tensor {quoted(name)}. Received {value.dtype}"
            )
        if not np.isfinite(value).all():
            raise ValueError(
                f"Refusing to save tensor {quoted(name)}: it holds NaN or infinite values "
                "(did training diverge?)"
            )
        tensors[name] = value
    return tensors


def safetensors_file(arrays: dict[str, np.ndarray], metadata: dict[str, str]) -> bytearray:
    """The safetensors file of ``arrays`` with ``metadata``, byte for byte as the
    safetensors package writes it, but for the ``__metadata__`` keys in sorted order.

    The package writes them in the order of a randomly seeded hash map; the same
    model must give the same bytes (checksums, caches, diffs). As the package
    does, the data is laid out by dtype (float64 first) then name, the header
    lists ``__metadata__`` then the tensors in that order, padded with spaces to
    a multiple of 8 bytes, and each tensor is stored little-endian in C order.
    Each array is copied once, straight into the buffer returned.
    """
    if len(arrays) > MAX_TENSORS:  # loading refuses more
        raise ValueError(f"Refusing to save: expected at most {MAX_TENSORS:,} tensors, the "
                         f"limit for a nonlin file. Received {len(arrays):,} (the layers' arrays "
                         "and the optimizer's slots)")
    order = sorted(arrays, key=lambda name: (-arrays[name].dtype.itemsize, name))
    header: dict[str, Any] = {"__metadata__": dict(sorted(metadata.items()))}
    offsets, end = [], 0
    for name in order:
        value = arrays[name]
        offsets.append(end)
        shape = list(value.shape) or [1]  # a 0-d array is stored as shape (1,)
        header[name] = {"dtype": DTYPE_CODES[value.dtype], "shape": shape,
                        "data_offsets": [end, end + value.nbytes]}
        end += value.nbytes
    text = json.dumps(header, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    problem = header_problem(text)  # what the loader would refuse
    if problem:
        raise ValueError(f"Refusing to save: {problem} (the architecture and the metadata)")
    text += b" " * (-len(text) % 8)
    start = 8 + len(text)
    buffer = bytearray(start + end)
    buffer[:start] = struct.pack("<Q", len(text)) + text
    for name, offset in zip(order, offsets, strict=True):
        value = arrays[name]
        if value.size:
            target = np.frombuffer(buffer, value.dtype.newbyteorder("<"), value.size,
                                   start + offset)
            np.copyto(target.reshape(value.shape), value)  # C order, little-endian
    return buffer
