"""Reading a nonlin model file: every field checked before anything is built.

``read_model(data, path)`` turns the bytes of a file into a ``Sequential``
or raises ``ModelFileError``; ``nonlin.io.load`` and
``nonlin.checkpoint.load_checkpoint`` call it. The order of checks: header
(``_header``: at most ``MAX_TENSORS`` tensors), format and version, architecture
(at most ``MAX_LAYERS`` layers, counted before any is made; layer types from the
``registry.LAYERS`` allowlist only), each layer's arrays against the values in the
file (``_widths``: no allocation a file cannot back), the model built, tensor
names/dtypes/shapes matched exactly (before their bytes are read), tensors read by
the safetensors package (finite values), user metadata checked against the model's shape.
"""

from __future__ import annotations

import errno
import os
import stat
from typing import Any, cast

import numpy as np
import safetensors.numpy

from . import registry
from ._deferred_rng import DeferredRng, defer, deferrable
from ._feature_names import names_from_metadata
from ._header import (
    MAX_LAYERS,
    Header,
    ModelFileError,
    header_length,
    parse_header,
    strict_json,
)
from ._metadata import check_metadata
from ._model_arrays import _restore, model_arrays
from ._quoting import clipped, quoted
from ._widths import check_widths
from .core import Sequential

FORMAT = "nonlin"
FORMAT_VERSION = 1
_KEYS = {"format", "format_version", "architecture", "n_features_in", "dtype", "metadata"}
# "optimizer": nonlin.sklearn's estimator files; "compile": nonlin.save's (_compile_record)
_OPTIONAL_KEYS = {"checkpoint", "optimizer", "compile"}


# -- loading -----------------------------------------------------------------
def _field(meta: dict[str, str], key: str, path: str) -> Any:
    if key not in meta:
        raise ModelFileError(
            path, "missing; this is not a nonlin model file", f"__metadata__[{key!r}]"
        )
    return strict_json(meta[key], path, f"__metadata__[{key!r}]")


def _check_format(meta: dict[str, str], path: str) -> None:
    raw = meta.get("format")
    # another program's safetensors file holds a bare word there, not JSON text: the
    # {"format": "pt"} of PyTorch's and Hugging Face's writers
    bare = isinstance(raw, str) and raw.isidentifier() and raw != FORMAT
    value = raw if bare else _field(meta, "format", path)
    if value != FORMAT:
        raise ModelFileError(path, f"expected {FORMAT!r}. Received: {quoted(value, 50)}; this is "
                             "not a nonlin model file", "__metadata__['format']")
    _check_version(_field(meta, "format_version", path), path)
    unknown = set(meta) - _KEYS - _OPTIONAL_KEYS
    if unknown:
        raise ModelFileError(
            path, f"unexpected keys {quoted(sorted(unknown), 200)}; format version "
                  f"{FORMAT_VERSION}, which this nonlin reads, has the keys "
                  f"{sorted(_KEYS | _OPTIONAL_KEYS)} (a newer nonlin may write keys this one "
                  "does not know: upgrade nonlin to read its files)", "__metadata__")


def _check_version(version: Any, path: str) -> None:
    """Format version ``FORMAT_VERSION`` only: every nonlin so far wrote 1 (optional keys
    were added beside it, and this nonlin reads files without them); a newer file is
    refused naming both versions, as PyTorch refuses a newer file."""
    field = "__metadata__['format_version']"
    if type(version) is not int:  # 1.0, "1", true: not what any nonlin writes
        raise ModelFileError(path, f"unsupported format version: expected the integer "
                             f"{FORMAT_VERSION}, as nonlin writes it. Received: "
                             f"{quoted(version, 50)} ({type(version).__name__})", field)
    shown = quoted(version, 40)  # a 300-digit version: its start and length
    if version > FORMAT_VERSION:
        raise ModelFileError(path, f"unsupported format version {shown}, newer than this "
                             f"nonlin reads (format version {FORMAT_VERSION}): the file was "
                             "written by a newer nonlin; upgrade nonlin to read it", field)
    if version != FORMAT_VERSION:
        raise ModelFileError(path, f"unsupported format version {shown}; this nonlin reads "
                             f"format version {FORMAT_VERSION}, the only one nonlin has "
                             "written", field)


def _read_layers(meta: dict[str, str], path: str) -> tuple[list[Any], Any]:
    field = "__metadata__['architecture']"
    arch = _field(meta, "architecture", path)
    if (
        not isinstance(arch, dict)
        or set(arch) - {"name"} != {"layers"}  # a model's name=, when given
        or not isinstance(arch["layers"], list)
    ):
        raise ModelFileError(path, "expected {'layers': [...]} (and 'name')", field)
    if not arch["layers"]:
        raise ModelFileError(path, "expected at least one layer", field)
    if len(arch["layers"]) > MAX_LAYERS:  # before any work per layer
        raise ModelFileError(path, f"expected at most {MAX_LAYERS:,} layers, the limit for a "
                             f"nonlin file. Received {len(arch['layers']):,}", field)
    layers = []
    for i, item in enumerate(arch["layers"]):
        name = item.get("class_name") if isinstance(item, dict) else None
        if isinstance(name, str) and name not in registry.LAYERS:
            raise ModelFileError(path, f"unknown layer type {quoted(name, 80)}; known: "
                                 f"{', '.join(sorted(registry.LAYERS))} (a layer of your own: "
                                 "add its class to nonlin.registry.LAYERS before loading)",
                                 f"architecture.layers[{i}]")
        try:
            layers.append(registry.layer_from_config(item))
        except Exception as exc:  # any constructor complaint about hostile values
            raise ModelFileError(path, clipped(str(exc), 300),
                                 f"architecture.layers[{i}]") from None
    return layers, arch.get("name")


def _read_shape_fields(meta: dict[str, str], path: str) -> tuple[int, np.dtype]:
    n_features = _field(meta, "n_features_in", path)
    if isinstance(n_features, bool) or not isinstance(n_features, int) or n_features <= 0:
        raise ModelFileError(
            path, f"expected a positive integer. Received: "
                  f"{quoted(n_features, 50)}", "n_features_in"
        )
    dtype = _field(meta, "dtype", path)
    if dtype not in ("float32", "float64"):
        raise ModelFileError(
            path, f"expected 'float32' or 'float64'. Received: {quoted(dtype, 50)}", "dtype"
        )
    return n_features, np.dtype(dtype)


def _read_tensors(data: bytes, header: Header, path: str) -> dict[str, np.ndarray]:
    """Let the safetensors package read the tensors; check they match the header. They come
    back in file order (by data offset, not the package's, which differs from run to run), so
    a message naming the first fault of several names the same one each time."""
    try:
        arrays = safetensors.numpy.load(data)
    except Exception as exc:  # SafetensorError, KeyError on dtypes, ...
        raise ModelFileError(path, "the safetensors reader failed: "
                             f"{clipped(str(exc), 200)}") from None
    if set(arrays) != set(header.tensors):
        raise ModelFileError(path, "the safetensors reader saw different tensors than the header")
    order = sorted(header.tensors.items(), key=lambda item: (item[1].begin, item[1].end))
    arrays = {name: arrays[name] for name, _ in order}
    for name, info in order:
        arr = arrays[name]
        if arr.shape != info.shape or arr.dtype != info.dtype:
            raise ModelFileError(
                path, "read back with a different shape or dtype", f"tensor {quoted(name)}"
            )
        if not np.isfinite(arr).all():
            raise ModelFileError(path, "holds NaN or infinite values", f"tensor {quoted(name)}")
    return arrays


def _match_tensors(
    expected: dict[str, np.ndarray], header: Header, path: str,
    extra_prefix: str | tuple[str, ...] | None,
) -> None:
    """Names, dtypes and shapes in the file must be exactly what the architecture needs."""
    for name, target in expected.items():
        info = header.tensors.get(name)
        if info is None:
            raise ModelFileError(path, "missing from the file", f"tensor {quoted(name)}")
        if info.dtype != target.dtype:
            raise ModelFileError(
                path,
                f"dtype {info.dtype.name} does not match the model's {target.dtype.name}",
                f"tensor {quoted(name)}",
            )
        if info.shape != target.shape:
            raise ModelFileError(
                path,
                f"shape {info.shape} does not match {target.shape} from the architecture",
                f"tensor {quoted(name)}",
            )
    for name in header.tensors:
        if name not in expected and not (extra_prefix and name.startswith(extra_prefix)):
            raise ModelFileError(
                path, "unexpected; the architecture has no such tensor", f"tensor {quoted(name)}"
            )


def read_model(
    data: bytes, path: str, *, extra_prefix: str | tuple[str, ...] | None = None,
    header: Header | None = None,
) -> tuple[Sequential, Header, dict[str, np.ndarray]]:
    """Validate ``data`` (a whole file, ``path`` in messages) and rebuild its model.

    Returns the model, the header and every tensor read (checkpoints take
    their extra tensors, named ``extra_prefix...``, from it). ``header``: ``data``'s,
    already parsed (``read_file``).
    """
    if header is None:
        header = parse_header(data, path, check=lambda meta: _check_format(meta, path))
    meta = header.metadata
    carried = ("optimizer.", "callback.") if "checkpoint" in meta else (
        "optimizer." if "optimizer" in meta or "compile" in meta else None)  # tensors added
    if carried is None or extra_prefix is None:  # a checkpoint read as a model, say
        extra_prefix = carried
    layers, name = _read_layers(meta, path)
    n_features, dtype = _read_shape_fields(meta, path)
    check_widths(layers, n_features, header, path)  # nothing allocated that the file lacks
    user = _field(meta, "metadata", path)
    # the generator of build(seed=0), made on first use (numpy.random not imported till then)
    rng: Any = DeferredRng() if deferrable(layers) else 0
    try:
        model = Sequential(layers, name=name).build(n_features, seed=rng, dtype=dtype)
        for owner in (model, *model.layers):
            defer(owner, rng)
    except Exception as exc:
        raise ModelFileError(path, "the architecture does not build: "
                             f"{clipped(str(exc), 200)}") from None
    _match_tensors(model_arrays(model), header, path, extra_prefix)  # names before the bytes
    arrays = _read_tensors(data, header, path)
    try:
        user = check_metadata(user, n_features, cast(int, model.n_outputs))  # built
    except (ValueError, TypeError) as exc:
        raise ModelFileError(path, clipped(str(exc), 300), "__metadata__['metadata']") from None
    _restore(model, arrays, path)
    model.metadata = user
    names_from_metadata(model, user)  # feature_names_in_, checked at predict
    return model, header, arrays


def read_file(path: str) -> tuple[bytes, Header]:
    """The bytes of the model file at ``path`` and its header, format checked first
    (``parse_header``; ``read_model`` takes both).

    The 8-byte header length is checked against the limit and the file's size before
    the header is read, and the header (its tensors must tile the rest of the file)
    before the rest is: a hostile length or a large file of zeros is refused after
    reading 8 bytes. Anything but a regular file (``/dev/zero``, a named pipe, which
    is not waited on) is refused unread; a folder raises ``IsADirectoryError``.
    """
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    info = os.fstat(fd)
    mode, size = info.st_mode, info.st_size
    if stat.S_ISDIR(mode):  # before fdopen, whose error would name the descriptor
        os.close(fd)
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), path)
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(mode):
            raise ModelFileError(path, "not a regular file (a pipe or a device); a model "
                                 "file is read from a file: save it to one first")
        start = handle.read(8)
        length = header_length(start, size, path)
        header = parse_header(start + handle.read(length), path, size=size,
                              check=lambda meta: _check_format(meta, path))
        handle.seek(0)
        data = handle.read(size + 1)  # one byte more: a file that grew is refused too
    if len(data) != size:
        raise ModelFileError(path, "the file changed size while it was read")
    return data, header
