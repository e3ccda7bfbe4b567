"""``save``'s check that the file it writes loads back as the model: before anything is written.

Loading rebuilds each layer from the config in the file, builds it on the model's input width
in its dtype (``nonlin._reader.read_model``) and requires each tensor of the file to have the
name, shape and dtype of an array it built. A model changed by hand since ``build`` can differ:
a setting that the shapes depend on (``dense.units = 7``, ``dense.bias = False``,
``prelu.shared``, ``layer_norm.scale`` or ``center``: the config records the new setting, the
arrays keep the old shapes), a parameter or a state array replaced by one of another shape or
dtype (``bn.moving_mean = ...``, ``layer.W.value = ...``). Such a file would not load.

``built_record`` is what ``Sequential.build`` keeps (``model._built_record``): the input width,
the dtype and, per layer, its config (the ``trainable`` flag aside: no shape depends on it) and
the name, shape and dtype of each array. ``check_loads`` compares the model with it: where
nothing changed, the loader builds what ``build`` built and nothing is allocated. Otherwise (or
for a model without the record, unpickled from an older nonlin) it builds the layers from
their configs as the loader does, one at a time (one layer's weights at a time), and refuses
the first array that differs, naming the layer, the tensor, both shapes and both dtypes.

``check_unshared`` refuses two stored arrays that share memory (one ``Param`` or one array in
two places): the file holds two tensors and loading gives each its own array, untied. That is
``safetensors.numpy.save_file``'s choice (it refuses tensors sharing memory; its ``save_model``
for torch drops the copies, for the model to tie again); nonlin has no tied weights
(``Sequential`` builds each layer's own, and refuses one layer in two places).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._quoting import quoted
from ._weights import layer_state

Shapes = dict[str, tuple[tuple[int, ...], np.dtype]]


def arrays_of(layer: Any) -> dict[str, Any]:
    """The arrays a file stores for ``layer`` by name: its parameters, then its state."""
    return {**{p.name: p.value for p in layer.parameters()}, **layer_state(layer)}


def _shapes(layer: Any) -> Shapes:
    return {name: (np.shape(value), np.asarray(value).dtype)
            for name, value in arrays_of(layer).items()}


def _settings(item: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in item["config"].items() if key != "trainable"}


def built_record(model: Any) -> tuple[int, np.dtype, list[Any]] | None:
    """What ``model.build`` made, for ``check_loads``; None where a layer's config cannot be
    read (``save`` then says why)."""
    try:
        items = model.get_config()["layers"]
    except Exception:  # a layer of one's own whose get_config fails: save reports it
        return None
    layers = [(_settings(item), _shapes(layer)) for layer, item in zip(model.layers, items,
                                                                        strict=True)]
    return model.n_features_in, model.dtype, layers


def _unchanged(model: Any, items: list[dict[str, Any]]) -> bool:
    """Whether the model, its layers' configs and their arrays are as ``build`` left them."""
    record = model.__dict__.get("_built_record")
    if record is None or record[:2] != (model.n_features_in, model.dtype):
        return False
    try:
        return len(record[2]) == len(items) and all(
            _settings(item) == settings and _shapes(layer) == shapes
            for layer, item, (settings, shapes) in zip(model.layers, items, record[2],
                                                       strict=True))
    except Exception:  # a config holding values == cannot compare (arrays): build them
        return False


def check_loads(model: Any, items: list[dict[str, Any]]) -> None:
    """Refuse (``ValueError``) a model whose file, of the layer entries ``items``, loading
    would refuse or build with another output width."""
    if _unchanged(model, items):
        return
    from . import registry  # imported by saving only, not by ``import nonlin``

    rng, width = np.random.default_rng(0), model.n_features_in
    for i, (layer, item) in enumerate(zip(model.layers, items, strict=True)):
        again = registry.layer_from_config(item)  # checked by check_registered already
        try:
            width = again.build(width, rng)
            for param in again.parameters():
                param.cast(model.dtype)
            if hasattr(again, "cast_state"):
                again.cast_state(model.dtype)
        except Exception as exc:
            raise ValueError(f"Expected layers[{i}] ({type(layer).__name__}) to build from "
                             f"its config as loading builds it. Received: {exc}") from None
        _compare(i, layer, _shapes(again), item["config"])
    if width != model.n_outputs:
        raise ValueError(f"Expected the layers' configs to build a model of output width "
                         f"{model.n_outputs}, as built. Received width {width}: a setting "
                         "changed since build; build the model again, or set it back")


def _compare(i: int, layer: Any, wanted: Shapes, config: dict[str, Any]) -> None:
    """Refuse the first array of ``layer`` that loading, which builds ``wanted``, refuses."""
    have = _shapes(layer)
    for name in [*wanted, *(n for n in have if n not in wanted)]:
        want, got = wanted.get(name), have.get(name)
        if want == got:
            continue
        expected = (f"no tensor '{i}.{name}'" if want is None else
                    f"tensor '{i}.{name}' of shape {want[0]} and dtype {want[1].name}")
        received = ("none" if got is None else f"shape {got[0]}, dtype {got[1].name}")
        raise ValueError(
            f"Expected {expected}, as loading builds layers[{i}] ({type(layer).__name__}) "
            f"from its config {quoted(config, 200)}. Received {received}: a file of it would "
            "not load. A setting the shapes depend on changed since build (set it back, or "
            "build the model again), or the array was replaced by hand (give one of that "
            f"shape in the model's dtype, value.astype('{(want or got)[1].name}'))")  # type: ignore[index]


def _bounds(array: np.ndarray) -> tuple[int, int]:
    """The first byte of ``array``'s memory and one past its last (``size`` > 0)."""
    start = array.__array_interface__["data"][0]
    steps = [(n - 1) * stride for n, stride in zip(array.shape, array.strides, strict=True)]
    return (start + sum(s for s in steps if s < 0),
            start + sum(s for s in steps if s > 0) + array.itemsize)


def check_unshared(model: Any) -> None:
    """Refuse two stored arrays sharing memory (see the module docstring); the arrays whose
    bounds overlap are compared (``np.shares_memory``), none where nothing is shared."""
    spans = sorted((*_bounds(array), f"{i}.{name}", array)
                   for i, layer in enumerate(model.layers)
                   for name, value in arrays_of(layer).items()
                   if (array := np.asarray(value)).size)
    reach: list[tuple[int, str, np.ndarray]] = []  # spans not ended where the next starts
    for start, end, name, array in spans:
        reach = [span for span in reach if span[0] > start]
        for _, other, earlier in reach:
            if np.shares_memory(array, earlier):
                raise ValueError(
                    "Expected each array a model file stores to have its memory to itself: "
                    "the file holds each as a tensor and loading gives each its own array "
                    f"(untied). Received tensors '{other}' and '{name}' sharing memory (one "
                    "Param or one array in two places); give each its own copy "
                    "(value.copy()), and tie them again after loading")
        reach.append((end, name, array))
