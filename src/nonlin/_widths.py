"""The arrays a file's architecture implies, checked against the values the file holds
before anything is built (``check_widths``, which ``nonlin._reader.read_model`` runs).

Building a model allocates its layers' arrays (and their gradients) before the tensors'
names are matched, so a header of a few KB naming many large layers could make the loader
allocate GBs. Each of nonlin's layers that holds arrays must therefore find enough values
in the file under its own index (tensors ``"{i}.*"``) before anything is built: a
``Dense`` its ``(width, units)`` weights; a ``BatchNorm``, ``LayerNormalization`` (but one
of ``center=False, scale=False``), ``Normalization`` or ``PReLU`` ``width`` values (each
of their arrays has one per feature; a shared ``PReLU``'s one). Building then allocates a
few times what the file holds, however many layers it names. A parameter-free layer (an
activation, ``Dropout``) allocates nothing. A ``Normalization`` given its statistics
(``mean=``, ``variance=``) keeps them in its config, not in tensors: a list of one value
per feature is backed by the header that holds it; all such layers given scalars
(``mean=0.0``), whose ``build`` makes a mean and a variance of one float64 per feature, together
may have as many features as the file holds values, or ``FIXED_FEATURES`` (128 MiB): many
such layers on one input fit (two on 40,000 features were refused when the bound was
``MAX_WIDTH``), 10,000 of 65536 features (10 GiB) do not.

A layer class of one's own (registered in ``nonlin.registry.LAYERS``) is the user's code:
what its config means is its own (an int ``units`` of it may count anything), so it is
not judged here; its constructor checks the values a file gives it, and its ``build``
(run here, as loading runs it anyway: the model's build runs it again) gives the width
through it, which may differ (a projection of one's own). Any width beyond both
``MAX_WIDTH`` and the file's values is refused all the same.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

import numpy as np

from ._header import Header, ModelFileError
from ._quoting import clipped
from ._saved_shapes import nonlins
from .layer_norm import LayerNormalization
from .layers import Dense
from .normalization import BatchNorm
from .prelu import PReLU
from .preprocessing import Normalization

MAX_WIDTH = 1 << 16  # widths beyond this need weights in the file to back them
# the features of all Normalization layers given scalar statistics together, beyond the
# file's values: their mean and variance of float64, 16 bytes a feature, 128 MiB at most
FIXED_FEATURES = 1 << 23
_PER_FEATURE = (BatchNorm, LayerNormalization, Normalization, PReLU)  # arrays of (width,)


def check_widths(layers: list[Any], n_features: int, header: Header, path: str) -> int:
    """Follow the widths through ``layers`` (built from the file at ``path``) without
    allocating, each layer's arrays checked to be backed by values in the file under its
    index; return the output width. Raises ``ModelFileError`` naming the layer."""
    held = _held_values(header)
    budget = sum(held.values())
    width, free = n_features, max(budget, FIXED_FEATURES)  # free: for statistics in configs
    rng = None  # for builds here, made for the first (the model's build draws its own)
    for i, layer in enumerate(layers):
        field = f"architecture.layers[{i}]"
        if width > max(budget, MAX_WIDTH):
            raise ModelFileError(path, f"width {width} is not backed by weights in the file",
                                 field)
        if isinstance(layer, Dense):  # Dense's units alone: see the module docstring
            need, shown = width * layer.units, f"a ({width}, {layer.units}) weight matrix is"
            width = layer.units
        elif isinstance(layer, Normalization) and (
                mean := layer.get_config().get("mean")) is not None:
            # fixed statistics, of its config: a list holds one value per feature (the
            # header backs it), a scalar (mean=0.0) makes them from one
            free -= 0 if isinstance(mean, list) else width
            if free < 0:
                most = max(budget, FIXED_FEATURES)
                raise ModelFileError(path, f"the fixed statistics of {width} features are more "
                                     f"than the file holds ({most - free:,} features with those "
                                     f"before it, where all may have at most {most:,}: the "
                                     f"file's {budget:,} values, or {FIXED_FEATURES:,})", field)
            continue
        elif isinstance(layer, LayerNormalization) and not (layer.center or layer.scale):
            continue  # no arrays (PyTorch's elementwise_affine=False)
        elif isinstance(layer, _PER_FEATURE):
            need = 1 if getattr(layer, "shared", False) is True else width
            shown = f"{type(layer).__name__}'s arrays of {need} values are"
        elif not nonlins(layer):  # a layer of one's own
            rng = np.random.default_rng(0) if rng is None else rng
            width = _built_width(layer, width, rng, path)
            continue
        else:  # one of nonlin's without arrays (an activation, Dropout): the width stays, and
            continue  # it is not built here (save passes the model's own layers, live)
        if held[str(i)] < need:
            raise ModelFileError(path, f"{shown} not in the file (its tensors '{i}.*' hold "
                                 f"{held[str(i)]} values; {budget} in all)", field)
    return width


def _held_values(header: Header) -> Counter[str]:
    """The number of values the file's tensors hold by layer index (``"{i}.*"``: ``"i"``);
    0 for an index without tensors."""
    sizes: dict[str, int] = {}  # values in the file's tensors, by layer index
    for name, info in header.tensors.items():
        if size := math.prod(info.shape):  # (a Counter's += of 100,000 new keys: 0.2 s)
            layer = name.partition(".")[0]
            sizes[layer] = sizes.get(layer, 0) + size
    return Counter(sizes)


def _built_width(layer: Any, width: int, rng: np.random.Generator, path: str) -> int:
    """The output width ``layer.build`` gives for ``width`` input features; ``width`` when
    that is no positive int, which the model's build refuses at this layer, before it
    builds any after it."""
    try:
        out = layer.build(width, rng)
    except Exception as exc:
        raise ModelFileError(path, "the architecture does not build: "
                             f"{clipped(str(exc), 200)}") from None
    positive = isinstance(out, int | np.integer) and not isinstance(out, bool) and out >= 1
    return int(out) if positive else width
