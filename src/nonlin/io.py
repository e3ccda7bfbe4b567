"""Saving and loading models as safetensors files, safely.

``nonlin.save(model, "model.safetensors")`` writes a standard safetensors file
that PyTorch, Hugging Face and every other safetensors reader opens;
``nonlin.load(path)`` rebuilds the model and predicts bit-identically.

Tensors, one per parameter, named ``"{layer_index}.{param_name}"``::

    "0.W"   (n_features_in, units)   Dense weights, y = x @ W + b  (PyTorch's
                                     nn.Linear.weight is W.T)
    "0.b"   (units,)                 Dense bias
    "2.W", "2.b", ...                the next Dense layer (index 1 is its activation)

dtype F32 or F64 (the model's), little-endian, C order. Layers with state
that is not trained (running statistics) store it the same way under its own
names. ``__metadata__`` maps str to JSON text::

    "format"          "nonlin"
    "format_version"  1
    "architecture"    {"layers": [{"class_name": "Dense", "config": {...}}, ...]}
    "n_features_in"   3
    "dtype"           "float64"
    "metadata"        {"classes": [...], "feature_names": [...], "preprocessing": {...},
                       "task": "...", "training": {...}}   (see ``nonlin._metadata``)
    "checkpoint"      only in checkpoints (see ``nonlin.checkpoint``)

Safety: layer types come from the allowlist ``nonlin.registry.LAYERS``; no
pickle, no ``eval``, no import by name. Every field is checked before use and
any fault raises ``ModelFileError`` naming the file and the field; ``load``
raises nothing else for any content (opening the file may raise ``OSError``).
Writes are atomic (``nonlin._atomic``).
"""

from __future__ import annotations

import math
import os
from typing import Any

import numpy as np
import safetensors.numpy

from . import registry
from ._atomic import write_atomic
from ._header import DTYPE_CODES, Header, ModelFileError, parse_header, strict_json
from ._metadata import check_metadata, to_json_text
from .core import Sequential

__all__ = ["ModelFileError", "load", "save"]

FORMAT = "nonlin"
FORMAT_VERSION = 1
_KEYS = {"format", "format_version", "architecture", "n_features_in", "dtype", "metadata"}
_OPTIONAL_KEYS = {"checkpoint"}
_MAX_WIDTH = 1 << 24  # widths beyond this need weights in the file to back them


# -- the model's arrays ------------------------------------------------------
def layer_arrays(layer: Any) -> dict[str, np.ndarray]:
    """The arrays a file stores for ``layer``: its parameters, then any ``state_arrays()``."""
    arrays = {p.name: p.value for p in layer.parameters()}
    extra = getattr(layer, "state_arrays", None)
    if callable(extra):
        arrays.update(extra())
    return arrays


def model_arrays(model: Sequential) -> dict[str, np.ndarray]:
    """Every stored array of ``model`` by tensor name ``"{layer_index}.{name}"``."""
    return {
        f"{i}.{name}": value
        for i, layer in enumerate(model.layers)
        for name, value in layer_arrays(layer).items()
    }


# -- saving ------------------------------------------------------------------
def _architecture(model: Sequential) -> list[dict[str, Any]]:
    """The layer list, checked to be rebuildable from the registry alone."""
    items = model.get_config()["layers"]
    for i, (layer, item) in enumerate(zip(model.layers, items, strict=True)):
        if registry.LAYERS.get(item["class_name"]) is not type(layer):
            raise TypeError(
                f"Only layers registered in nonlin.registry.LAYERS can be saved. "
                f"Received: layers[{i}]={type(layer).__module__}.{type(layer).__name__}"
            )
        try:
            registry.layer_from_config(item)
        except ValueError as exc:
            raise ValueError(f"layers[{i}] cannot be saved: {exc}") from None
    return items


def _contiguous_tensors(arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """C-contiguous little-endian copies where needed (safetensors mis-saves strided arrays)."""
    tensors = {}
    for name, value in arrays.items():
        value = np.asarray(value)
        if value.dtype not in DTYPE_CODES:
            raise TypeError(
                f"Expected float32 or float64 in tensor {name!r}. Received {value.dtype}"
            )
        if not np.isfinite(value).all():
            raise ValueError(
                f"Refusing to save tensor {name!r}: it holds NaN or infinite values "
                "(did training diverge?)"
            )
        tensors[name] = np.ascontiguousarray(value, dtype=value.dtype.newbyteorder("<"))
    return tensors


def to_bytes(
    model: Sequential,
    *,
    metadata: dict[str, Any] | None = None,
    extra_tensors: dict[str, np.ndarray] | None = None,
    extra_header: dict[str, str] | None = None,
) -> bytes:
    """The safetensors file for ``model`` as bytes (``save`` without the write).

    ``extra_tensors`` and ``extra_header`` carry checkpoint state.
    """
    if not isinstance(model, Sequential):
        raise TypeError(f"Expected a nonlin.Sequential. Received: {type(model).__name__}")
    if not model.built:
        raise ValueError("Expected a built model; call model.build(n_features, seed) or fit first")
    if metadata is None:
        metadata = getattr(model, "metadata", None) or {}
    user = check_metadata(metadata, model.n_features_in, model.n_outputs)
    header = {
        "format": to_json_text(FORMAT, "format"),
        "format_version": to_json_text(FORMAT_VERSION, "format_version"),
        "architecture": to_json_text({"layers": _architecture(model)}, "architecture"),
        "n_features_in": to_json_text(model.n_features_in, "n_features_in"),
        "dtype": to_json_text(model.dtype.name, "dtype"),
        "metadata": to_json_text(user, "metadata"),
        **(extra_header or {}),
    }
    arrays = model_arrays(model)
    for name in extra_tensors or {}:
        if name in arrays:
            raise ValueError(f"Duplicate tensor name {name!r}")
    arrays.update(extra_tensors or {})
    return safetensors.numpy.save(_contiguous_tensors(arrays), metadata=header)


def save(model: Sequential, path: str | os.PathLike[str], *, metadata: dict | None = None) -> None:
    """Write ``model`` to ``path`` as a safetensors file, atomically.

    Parameters
    ----------
    model : Sequential
        A built model of registered layers with finite weights.
    path : str or path-like
        The file to (over)write; on failure an existing file is left intact.
    metadata : dict, optional
        JSON-able facts to keep with the model: ``classes``, ``feature_names``,
        ``preprocessing``, ``task``, ``training`` (checked against the model's
        shape) and any other keys. Defaults to ``model.metadata`` if set.

    Raises
    ------
    ValueError, TypeError
        Unbuilt model, unregistered layer, NaN/inf weights, bad metadata.
    OSError
        The file could not be written.
    """
    write_atomic(path, to_bytes(model, metadata=metadata))


# -- loading -----------------------------------------------------------------
def _field(meta: dict[str, str], key: str, path: str) -> Any:
    if key not in meta:
        raise ModelFileError(
            path, "missing; this is not a nonlin model file", f"__metadata__[{key!r}]"
        )
    return strict_json(meta[key], path, f"__metadata__[{key!r}]")


def _check_format(meta: dict[str, str], path: str) -> None:
    if _field(meta, "format", path) != FORMAT:
        raise ModelFileError(path, f"expected {FORMAT!r}", "__metadata__['format']")
    version = _field(meta, "format_version", path)
    if version != FORMAT_VERSION or isinstance(version, bool):
        raise ModelFileError(
            path,
            f"unsupported format version {version!r:.50}; this nonlin reads version "
            f"{FORMAT_VERSION} (upgrade nonlin to read newer files)",
            "__metadata__['format_version']",
        )
    unknown = set(meta) - _KEYS - _OPTIONAL_KEYS
    if unknown:
        raise ModelFileError(path, f"unexpected keys {sorted(unknown)!r:.200}", "__metadata__")


def _read_layers(meta: dict[str, str], path: str) -> list[Any]:
    field = "__metadata__['architecture']"
    arch = _field(meta, "architecture", path)
    if (
        not isinstance(arch, dict)
        or set(arch) != {"layers"}
        or not isinstance(arch["layers"], list)
    ):
        raise ModelFileError(path, "expected {'layers': [...]}", field)
    if not arch["layers"]:
        raise ModelFileError(path, "expected at least one layer", field)
    layers = []
    for i, item in enumerate(arch["layers"]):
        name = item.get("class_name") if isinstance(item, dict) else None
        if isinstance(name, str) and name not in registry.LAYERS:
            raise ModelFileError(
                path,
                f"unknown layer type {name!r:.80}; known: {', '.join(sorted(registry.LAYERS))}",
                f"architecture.layers[{i}]",
            )
        try:
            layers.append(registry.layer_from_config(item))
        except Exception as exc:  # any constructor complaint about hostile values
            raise ModelFileError(path, str(exc)[:300], f"architecture.layers[{i}]") from None
    return layers


def _read_shape_fields(meta: dict[str, str], path: str) -> tuple[int, np.dtype]:
    n_features = _field(meta, "n_features_in", path)
    if isinstance(n_features, bool) or not isinstance(n_features, int) or n_features <= 0:
        raise ModelFileError(
            path, f"expected a positive integer. Received: {n_features!r:.50}", "n_features_in"
        )
    dtype = _field(meta, "dtype", path)
    if dtype not in ("float32", "float64"):
        raise ModelFileError(
            path, f"expected 'float32' or 'float64'. Received: {dtype!r:.50}", "dtype"
        )
    return n_features, np.dtype(dtype)


def _check_widths(layers: list[Any], n_features: int, header: Header, path: str) -> int:
    """Follow the widths through the layers without allocating; return the output width.

    Every large weight must be backed by bytes in the file, so a hostile
    header cannot make the loader allocate more than the file holds.
    """
    budget = sum(math.prod(t.shape) for t in header.tensors.values())
    width = n_features
    for i, layer in enumerate(layers):
        if width > max(budget, _MAX_WIDTH):
            raise ModelFileError(
                path,
                f"width {width} is not backed by weights in the file",
                f"architecture.layers[{i}]",
            )
        units = getattr(layer, "units", None)
        if isinstance(units, int):
            if width * units > budget:
                raise ModelFileError(
                    path,
                    f"a ({width}, {units}) weight matrix is not in the file "
                    f"({budget} values in all)",
                    f"architecture.layers[{i}]",
                )
            width = units
    return width


def _read_tensors(data: bytes, header: Header, path: str) -> dict[str, np.ndarray]:
    """Let the safetensors package read the tensors; check they match the header."""
    try:
        arrays = safetensors.numpy.load(data)
    except Exception as exc:  # SafetensorError, KeyError on dtypes, ...
        raise ModelFileError(path, f"the safetensors reader failed: {str(exc)[:200]}") from None
    if set(arrays) != set(header.tensors):
        raise ModelFileError(path, "the safetensors reader saw different tensors than the header")
    for name, info in header.tensors.items():
        arr = arrays[name]
        if arr.shape != info.shape or arr.dtype != info.dtype:
            raise ModelFileError(
                path, "read back with a different shape or dtype", f"tensor {name!r}"
            )
        if not np.isfinite(arr).all():
            raise ModelFileError(path, "holds NaN or infinite values", f"tensor {name!r}")
    return arrays


def _match_tensors(
    expected: dict[str, np.ndarray], header: Header, path: str, extra_prefix: str | None
) -> None:
    """Names, dtypes and shapes in the file must be exactly what the architecture needs."""
    for name, target in expected.items():
        info = header.tensors.get(name)
        if info is None:
            raise ModelFileError(path, "missing from the file", f"tensor {name!r}")
        if info.dtype != target.dtype:
            raise ModelFileError(
                path,
                f"dtype {info.dtype.name} does not match the model's {target.dtype.name}",
                f"tensor {name!r}",
            )
        if info.shape != target.shape:
            raise ModelFileError(
                path,
                f"shape {info.shape} does not match {target.shape} from the architecture",
                f"tensor {name!r}",
            )
    for name in header.tensors:
        if name not in expected and not (extra_prefix and name.startswith(extra_prefix)):
            raise ModelFileError(
                path, "unexpected; the architecture has no such tensor", f"tensor {name!r}"
            )


def read_model(
    data: bytes, path: str, *, extra_prefix: str | None = None
) -> tuple[Sequential, Header, dict[str, np.ndarray]]:
    """Validate ``data`` (a whole file) and rebuild its model.

    Returns the model, the header and every tensor read (checkpoints take
    their extra tensors, named ``extra_prefix...``, from it).
    """
    header = parse_header(data, path)
    meta = header.metadata
    _check_format(meta, path)
    if extra_prefix is not None and "checkpoint" not in meta:
        extra_prefix = None
    elif extra_prefix is None and "checkpoint" in meta:
        extra_prefix = "optimizer."
    layers = _read_layers(meta, path)
    n_features, dtype = _read_shape_fields(meta, path)
    _check_widths(layers, n_features, header, path)
    user = _field(meta, "metadata", path)
    arrays = _read_tensors(data, header, path)
    try:
        model = Sequential(layers).build(n_features, seed=0, dtype=dtype)
    except Exception as exc:
        raise ModelFileError(path, f"the architecture does not build: {str(exc)[:200]}") from None
    try:
        user = check_metadata(user, n_features, model.n_outputs)
    except (ValueError, TypeError) as exc:
        raise ModelFileError(path, str(exc)[:300], "__metadata__['metadata']") from None
    targets = model_arrays(model)
    _match_tensors(targets, header, path, extra_prefix)
    for name, target in targets.items():
        np.copyto(target, arrays[name])
    model.metadata = user
    return model, header, arrays


def load(path: str | os.PathLike[str]) -> Sequential:
    """Read a model written by ``save`` (or a checkpoint) and rebuild it.

    The model predicts bit-identically to the one saved; ``model.metadata``
    holds the metadata saved with it.

    Raises
    ------
    ModelFileError
        The content is not a valid nonlin model file; the message names the
        file and the tensor or field at fault.
    OSError
        The file cannot be opened or read.
    """
    source = os.fspath(path)
    with open(source, "rb") as handle:
        data = handle.read()
    return read_model(data, source)[0]
