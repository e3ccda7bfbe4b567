"""``save``'s check that the file it writes loads back as the model: before anything is written.

Loading rebuilds each layer from the config in the file, builds it on the model's input width
in its dtype (``nonlin._reader.read_model``) and requires each tensor of the file to have the
name, shape and dtype of an array it built. A model changed by hand since ``build`` can differ:
a setting that the shapes depend on (``dense.units = 7``, ``dense.bias = False``,
``prelu.shared``, ``layer_norm.scale`` or ``center``: the config records the new setting, the
arrays keep the old shapes), a parameter or a state array replaced by one of another shape or
dtype (``bn.moving_mean = ...``, ``layer.W.value = ...``). Such a file would not load.

``built_record`` is what ``Sequential.build`` keeps (``model._built_record``): the dtype and,
per layer, its input width, its config (the ``trainable`` flag aside: no shape depends on it),
the name, shape and dtype of each array, and its output width. ``check_saved`` compares each
layer with it: where nothing changed, the loader builds what ``build`` built and nothing is
allocated. A layer that changed (any setting, ``dense.l2`` too), a layer class of one's own
(whose ``build`` may read more than its config) and every layer of a model without the record
(unpickled from an older nonlin) is built from its config as the loader builds it, one at a time;
the first array that differs is refused, naming the layer, the tensor, both shapes and dtypes.

It also refuses two stored arrays that share memory (one ``Param`` or one array in
two places): the file holds two tensors and loading gives each its own array, untied. That is
``safetensors.torch.save_file``'s choice ("Some tensors share memory": a ``RuntimeError``); its
``save_model`` writes one of them and leaves it to ``load_model``'s model, which ties its own
parameters, to tie them again. A nonlin model ties none (``Sequential`` builds each layer's
weights, and refuses one layer in two places), so there is nothing to tie them again.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._quoting import quoted
from ._weights import layer_state

Shapes = dict[str, tuple[tuple[int, ...], np.dtype]]


def _arrays(layer: Any) -> dict[str, np.ndarray]:
    """The arrays a file stores for ``layer`` by name: its parameters, then its state."""
    arrays = {p.name: p.value for p in layer.parameters()}
    arrays.update(layer_state(layer))
    return {name: np.asarray(value) for name, value in arrays.items()}


def _shapes(arrays: dict[str, np.ndarray]) -> Shapes:
    return {name: (value.shape, value.dtype) for name, value in arrays.items()}


def _settings(item: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in item["config"].items() if key != "trainable"}


def nonlins(layer: Any) -> bool:
    """Whether ``layer`` is of one of nonlin's classes, whose ``build`` reads nothing but the
    config (a class of one's own may read more): what ``save``'s checks, the loader's width
    bound (``_widths``) and ``_saveable`` tell apart."""
    return type(layer).__module__.startswith("nonlin.")


def built_record(model: Any, widths: list[int]) -> tuple[np.dtype, list[Any]] | None:
    """What ``model.build`` made, its layers' input and output ``widths`` in turn, for
    ``check_saved``; None where a layer's config or state cannot be read (``save`` then says
    why; ``build`` does not fail for it). A layer of one's own, which ``check_saved`` builds
    from its config, gets None: its config (which may hold large values) is not kept."""
    try:
        return model.dtype, [
            (width, _settings(item), _shapes(_arrays(layer)), out) if nonlins(layer) else None
            for layer, item, width, out in zip(model.layers, model.get_config()["layers"],
                                               widths[:-1], widths[1:], strict=True)]
    except Exception:  # a layer of one's own whose get_config or get_state fails: save says
        return None


def check_saved(model: Any, items: list[dict[str, Any]]) -> None:
    """Refuse (``ValueError``) a model whose file, of the layer entries ``items``, loading
    would refuse, build with another output width, or give untied arrays."""
    stored = [_arrays(layer) for layer in model.layers]
    record = model.__dict__.get("_built_record")
    if record is None or record[0] != model.dtype or len(record[1]) != len(items):
        record = (model.dtype, [None] * len(items))  # unpickled from an older nonlin
    rng, width = np.random.default_rng(0), model.n_features_in
    for i, (layer, item, arrays, built) in enumerate(zip(model.layers, items, stored, record[1],
                                                         strict=True)):
        have = _shapes(arrays)
        if _as_built(layer, (width, item, have), built):
            width = built[3]
            continue
        wanted, width = _built_again(i, layer, item, width, model.dtype, rng)
        _compare(i, layer, wanted, have, item["config"])
    if width != model.n_outputs:
        raise ValueError(f"Expected the layers' configs to build a model of output width "
                         f"{model.n_outputs}, as built. Received width {width}: a setting "
                         "changed since build; build the model again, or set it back")
    _check_unshared(stored)


def _as_built(layer: Any, now: tuple[int, dict[str, Any], Shapes], built: Any) -> bool:
    """Whether ``layer``, one of nonlin's (whose ``build`` reads nothing but the config; a
    class of one's own may read more), has the input width, config and arrays ``build``
    gave it (``built``, None where unknown)."""
    if built is None or not nonlins(layer):
        return False
    width, item, have = now
    try:
        return bool(built[0] == width and built[1] == _settings(item) and built[2] == have)
    except Exception:  # a config holding values == cannot compare (arrays): build it
        return False


def _built_again(i: int, layer: Any, item: dict[str, Any], width: int, dtype: np.dtype,
                 rng: np.random.Generator) -> tuple[Shapes, int]:
    """The arrays and the output width of ``item``'s layer as loading builds it."""
    from . import registry  # imported by saving only, not by ``import nonlin``
    from ._protocol_checks import checked_width

    again = registry.layer_from_config(item)  # checked by check_registered already
    try:
        width = checked_width(i, again, again.build(width, rng))  # an int, as build passes on
        for param in again.parameters():
            param.cast(dtype)
        if hasattr(again, "cast_state"):
            again.cast_state(dtype)
    except Exception as exc:
        raise ValueError(f"Expected layers[{i}] ({type(layer).__name__}) to build from its "
                         f"config as loading builds it (from the file's JSON: a tuple comes "
                         f"back a list). Received: {exc}") from None
    return _shapes(_arrays(again)), width


def _compare(i: int, layer: Any, wanted: Shapes, have: Shapes, config: dict[str, Any]) -> None:
    """Refuse the first array of ``layer`` that loading, which builds ``wanted``, refuses."""
    for name in [*wanted, *(n for n in have if n not in wanted)]:
        want, got = wanted.get(name), have.get(name)
        if want == got:
            continue
        expected = (f"no tensor '{i}.{name}'" if want is None else
                    f"tensor '{i}.{name}' of shape {want[0]} and dtype {want[1].name}")
        received = "none" if got is None else f"shape {got[0]}, dtype {got[1].name}"
        replaced = ("" if want is None or got is None else ", or the array was replaced by hand "
                    f"(give one of that shape in the model's dtype, value.astype('{want[1]}'))")
        cause = ("The layer holds no arrays: it is not built (put in since build, as by pop "
                 "then add: build the model again)" if not have else "A setting the shapes "
                 "depend on changed since build (set it back, or build the model again)")
        raise ValueError(
            f"Expected {expected}, as loading builds layers[{i}] ({type(layer).__name__}) "
            f"from its config {quoted(config, 200)}. Received {received}: a file of it would "
            f"not load. {cause}{replaced}")


def check_backed(model: Any, items: list[dict[str, Any]], arrays: dict[str, np.ndarray]) -> None:
    """Refuse (``ValueError``) a model whose file, of the layer entries ``items`` and the
    tensors ``arrays`` (all of them, the optimizer's too), loading refuses as claiming more
    values than it holds (``nonlin._widths.check_widths``): a width above 65536 that no
    weights back, fixed ``Normalization`` statistics of more features in all than the
    file's values and 2**23 (``_widths.FIXED_FEATURES``). That check
    reads the layers the config makes, as loading does: one of nonlin's has its config's
    settings (``check_saved`` passed) and is read, never built (a ``Dropout`` built here
    would draw its masks from this build's generator, not ``model.rng``: a
    ``ModelCheckpoint`` changed the rest of the fit); one of one's own is made from its
    config, and built there."""
    from . import registry
    from ._header import Header, ModelFileError, TensorInfo
    from ._widths import check_widths

    layers = [layer if nonlins(layer) else registry.layer_from_config(item)
              for layer, item in zip(model.layers, items, strict=True)]
    tensors = {name: TensorInfo(name, np.asarray(a).dtype, np.shape(a), 0, 0)
               for name, a in arrays.items()}
    try:
        check_widths(layers, model.n_features_in, Header(tensors, {}, 0), "")
    except ModelFileError as exc:
        where = (exc.field or "").removeprefix("architecture.")
        raise ValueError(
            f"{where} cannot be saved: load would refuse its file. Expected the file's tensors "
            "to back each width, as load requires (its guard against a file that claims more "
            f"values than it holds: nonlin._widths). Received: {exc.reason}") from None


def _bounds(array: np.ndarray) -> tuple[int, int]:
    """The first byte of ``array``'s memory and one past its last (``size`` > 0)."""
    low = high = array.__array_interface__["data"][0]
    for n, stride in zip(array.shape, array.strides, strict=True):
        if stride < 0:
            low += (n - 1) * stride
        else:
            high += (n - 1) * stride
    return low, high + array.itemsize


def _check_unshared(stored: list[dict[str, np.ndarray]]) -> None:
    """Refuse two stored arrays sharing memory (see the module docstring); only arrays whose
    bounds overlap are compared (``np.shares_memory``): none where nothing is shared."""
    named = [(f"{i}.{name}", array) for i, arrays in enumerate(stored)
             for name, array in arrays.items() if array.size]
    spans = sorted((*_bounds(array), k) for k, (_, array) in enumerate(named))
    reach: list[tuple[int, int]] = []  # (end, k) of the spans not ended where the next starts
    for start, end, k in spans:
        reach = [span for span in reach if span[0] > start]
        for _, j in reach:
            if np.shares_memory(named[k][1], named[j][1]):
                first, second = sorted((j, k))
                raise ValueError(
                    "Expected each array a model file stores to have its memory to itself: "
                    "the file holds each as a tensor and loading gives each its own array "
                    f"(untied). Received tensors '{named[first][0]}' and '{named[second][0]}' "
                    "sharing memory (one Param or one array in two places); give each its own "
                    "copy (value.copy()), and tie them again after loading")
        reach.append((end, k))
