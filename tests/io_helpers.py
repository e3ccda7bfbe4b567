"""Shared helpers for the model-file tests: small models and raw safetensors editing."""

from __future__ import annotations

import io
import json
import struct
import tracemalloc
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import nonlin
from nonlin._header import ModelFileError


def small_model(dtype: Any = np.float64, seed: int = 0) -> nonlin.Sequential:
    """3 -> 4 (tanh) -> 2 (softmax), built."""
    layers = [nonlin.Dense(4), nonlin.Tanh(), nonlin.Dense(2), nonlin.Softmax()]
    return nonlin.Sequential(layers).build(3, seed=seed, dtype=dtype)


def model_bytes(model: nonlin.Sequential | None = None, **kwargs: Any) -> bytes:
    from nonlin.io import to_bytes

    return to_bytes(model or small_model(), **kwargs)


def split(data: bytes) -> tuple[dict[str, Any], bytes]:
    """The parsed header and the data buffer of a safetensors file."""
    (length,) = struct.unpack("<Q", data[:8])
    return json.loads(data[8 : 8 + length]), data[8 + length :]


def join(header: dict[str, Any] | str, buffer: bytes) -> bytes:
    """A safetensors file from a header (dict or raw JSON text) and a data buffer."""
    text = header if isinstance(header, str) else json.dumps(header)
    raw = text.encode()
    return struct.pack("<Q", len(raw)) + raw + buffer


def edit(data: bytes, change: Callable[[dict[str, Any]], Any]) -> bytes:
    """Apply ``change`` to the parsed header (in place) and re-serialize."""
    header, buffer = split(data)
    change(header)
    return join(header, buffer)


def edit_meta(data: bytes, key: str, change: Callable[[Any], Any]) -> bytes:
    """Replace the JSON value of ``__metadata__[key]`` by ``change(value)``."""

    def apply(header: dict[str, Any]) -> None:
        meta = header["__metadata__"]
        meta[key] = json.dumps(change(json.loads(meta[key])))

    return edit(data, apply)


def refused_load(data: bytes) -> tuple[ModelFileError, int]:
    """``nonlin.load`` of ``data``, which must be refused: the error, and the peak of the
    memory traced while it read (what a hostile file made the loader allocate)."""
    tracemalloc.start()
    try:
        with pytest.raises(ModelFileError) as info:
            nonlin.load(io.BytesIO(data))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return info.value, peak
