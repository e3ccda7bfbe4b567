"""``Sequential.summary`` and ``count_params``: the layers and their weight counts.

The summary starts with Keras 3's ``Model: "sequential"`` line (the model's name), then
a row per layer and the counts.

Counts are Keras': a layer's ``Params`` are all its weights (``BatchNorm``: ``gamma``,
``beta`` and the two running statistics), ``Total params`` is ``count_params()``,
``Trainable params`` the values ``fit`` updates (``parameters()``: frozen layers
left out) and ``Non-trainable params`` the rest (frozen layers' parameters and the
layers' state).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ._layer_names import assign_names
from ._layer_weights import trainable_weights_of, weights_of
from ._quoting import quoted
from .validation import check_bool


def counts(model: Any) -> tuple[int, int]:
    """(all the weights' values, the trainable ones) of a built ``model``: its layers'
    (``model.layers``, edited by hand too) ``weights`` and ``trainable_weights``."""
    return (sum(_layer_count(layer) for layer in model.layers),
            sum(w.size for layer in model.layers for w in trainable_weights_of(layer)))


def check_counted(model: Any) -> None:
    """Refuse ``count_params`` where the count would be wrong: before ``build`` (Keras 3's
    ``ValueError``; ``NotBuiltError`` is a ``RuntimeError`` too) or with a layer whose
    weights are not drawn yet (``model.add(Dense(3))`` after ``build``: Keras' model is
    then not built either), named."""
    from .exceptions import NotBuiltError

    how = "call model.build(n_features, seed) or fit it (build draws every layer's weights)"
    if model.n_features_in is None:
        raise NotBuiltError(f"You tried to call count_params on model {model.name!r}, but "
                            f"it is not built yet: {how}")
    i = unbuilt_layer(model)
    if i is not None:
        layer = model.layers[i]
        raise NotBuiltError(
            f"You tried to call count_params on model {model.name!r}, but its layers[{i}] "
            f"({type(layer).__name__} {layer.name!r}) is not built yet (added after "
            f"build), so its weights are not counted: {how}")


def unbuilt_layer(model: Any) -> int | None:
    """The index of the first layer of the built ``model`` whose weights are not drawn yet
    (added after ``build``: a layer with parameters to make, none made, no ``in_features``),
    or None."""
    from .core import Layer

    for i, layer in enumerate(model.layers):
        if (isinstance(layer, Layer) and type(layer).parameters is not Layer.parameters
                and not layer.parameters()
                and getattr(layer, "__dict__", {}).get("in_features") is None):
            return i
    return None


def _layer_count(layer: Any) -> int:
    """The values of ``layer``'s weights (``Layer.count_params`` once built)."""
    return sum(w.size for w in weights_of(layer))


def table(model: Any, show: Callable[[str], str] = str, flags: bool = False) -> list[str]:
    """The lines of the summary: a row per layer, ``name (ClassName)`` as Keras shows it,
    each name as ``show`` writes it (``info``: escaped), then the counts (``Not built``).
    ``flags``: Keras 3's ``show_trainable`` column, ``Y`` or ``N`` for a layer with
    weights (its ``trainable`` flag), ``-`` for one without."""
    from ._keras_methods import check_layers
    from ._trainable import is_trainable

    check_layers(model.layers)  # edited by hand: a non-layer named
    if not model.built and model.__dict__.get("_input_width") is not None:
        return _probed(model, show, flags)
    rows = [("Layer (type)", "Output", "Params", "Trainable")]
    width: Any = model.n_features_in
    for layer, name in zip(model.layers, assign_names(model.layers), strict=True):
        width, count = getattr(layer, "units", width), _layer_count(layer)
        flag = "-" if not count else "Y" if is_trainable(layer) else "N"
        rows.append((f"{show(name)} ({type(layer).__name__})", f"(None, {width})",
                     f"{count:,}", flag))
    cols = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = [f"{a:<{cols[0]}}  {b:<{cols[1]}}  {c:>{cols[2]}}"
             + (f"  {d:<{cols[3]}}".rstrip() if flags else "") for a, b, c, d in rows]
    rule = "-" * len(lines[0])
    if not model.built:
        return [lines[0], rule, *lines[1:], rule, "Not built"]
    if (i := unbuilt_layer(model)) is not None:  # no total: count_params refuses it too
        return [lines[0], rule, *lines[1:], rule, f"Not built: layers[{i}] was added after "
                "build; build(n_features, seed) draws every layer's weights"]
    total, trainable = counts(model)
    return [lines[0], rule, *lines[1:], rule, f"Total params: {total:,}",
            f"Trainable params: {trainable:,}", f"Non-trainable params: {total - trainable:,}"]


def _probed(model: Any, show: Callable[[str], str], flags: bool) -> list[str]:
    """The table of an unbuilt model whose ``Input(shape=(n,))`` gives its width: the
    widths and counts of a copy of its layers built apart (with a generator of the copy's
    own, thrown away; a ``Dense``'s weights zeros, its ``init`` not called), and a last
    line saying the model's weights are not drawn yet."""
    import copy

    from .initializers import INITIALIZERS
    from .layers import Dense
    from .sequential import Sequential

    probe = Sequential(copy.deepcopy(list(model.layers)), name=model._name)
    for layer in probe.layers:  # a user's init (its own generator, say) is not called
        if isinstance(layer, Dense):
            layer.init = INITIALIZERS["zeros"]
    probe.build(model.__dict__["_input_width"], seed=0)
    return [*table(probe, show, flags), "Not built: build(seed=0) or fit draws the weights"]


def header(model: Any, show: Callable[[str], str] = str) -> str:
    """The summary's first line, as Keras 3 prints it: ``Model: "sequential"`` (the
    model's ``name``, the given one or ``"sequential"``, as ``show`` writes it)."""
    return f'Model: "{show(model.name)}"'


_LAYOUT = ("line_length", "positions", "layer_range")  # Keras 3's summary keywords for layout


def shown(model: Any, print_fn: Callable[[str], Any] | None, expand_nested: Any = False,
          show_trainable: Any = False, **keras: Any) -> str | None:
    """``summary(print_fn)``: the table as text, or each line handed to ``print_fn``;
    Keras 3's ``show_trainable`` adds its column, ``expand_nested`` changes nothing (no
    model nests another), its layout keywords are refused saying so."""
    if keras:
        name = next(iter(keras))
        hint = ": not supported, the table is as wide as its contents" if name in _LAYOUT else ""
        raise TypeError(f"summary() got an unexpected keyword argument {quoted(name)}{hint}")
    check_bool("expand_nested", expand_nested)
    if print_fn is not None and not callable(print_fn):
        raise TypeError("Expected a callable print_fn (print, logging.info). "
                        f"Received: print_fn={quoted(print_fn)}")
    lines = [header(model), *table(model, flags=check_bool("show_trainable", show_trainable))]
    if print_fn is None:
        return _Table("\n".join(lines))
    for line in lines:
        print_fn(line)
    return None


class _Table(str):
    """Text that an interactive session (``repr``) shows as it prints."""

    __slots__ = ()

    def __repr__(self) -> str:
        return str(self)
