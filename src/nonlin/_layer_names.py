"""Keras' layer and model names: ``Dense(64, name="hidden")``, ``layer.name``,
``Sequential([...], name="mlp")``, ``model.get_layer("hidden")``.

A layer's name is the one given (``name=``, a non-empty str), else an automatic one, as
Keras 3 makes it: its class name in snake case (``Dense`` -> ``dense``, ``ReLU`` ->
``re_lu``), made unique *within its model* by position (the first ``dense``, then
``dense_1``, ``dense_2``, ...; a name given to another layer of the model is skipped).
Keras counts in one global table, so a second model gets ``dense_2``; nonlin reads no
global state, and the same model always gets the same names. Two layers of one model with
the same given name are refused (``Sequential``, ``add`` and ``build`` check).

``Named`` is the base of ``nonlin.Layer``: its ``__init__`` takes the keyword alone, so a
layer class without an ``__init__`` of its own (``ReLU``) takes ``name=``; the others
take it as their own keyword and call ``set_name``. A layer class of a user's own whose
``__init__`` takes no ``name`` keeps working: it gets the automatic name, and a name
set on it (``layer.name = "x"``) that its ``get_config`` leaves out is added to its entry
of the model's config (``with_given_name``) and set after building it on load.
``get_config`` holds ``"name"`` only when one was given (``name_config``), so the file of a
model without given names is what it was before names existed. ``NamedModel`` is a mixin of
``nonlin.sequential.Sequential``: ``name`` (``"sequential"`` unless given), ``get_layer``.
"""

from __future__ import annotations

import contextlib
import operator
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any, SupportsIndex, overload

from ._metric_names import snake_case
from ._param_state import REQUIRES_GRAD, listed_names
from ._quoting import quoted

if TYPE_CHECKING:
    from .core import Layer


def check_name(name: Any, what: str = "name") -> str | None:
    """``name`` when it is None or a non-empty str, else ``TypeError`` / ``ValueError``."""
    if name is None:
        return None
    if not isinstance(name, str):
        raise TypeError(f"Expected a str (or None) {what}. Received: {what}={quoted(name)} of "
                        f"type {type(name).__name__}")
    if not name:
        raise ValueError(f"Expected a non-empty {what}. Received: {what}=''")
    return name


def set_name(layer: Named, name: str | None) -> None:
    """Record the ``name`` given to ``layer``'s constructor (checked; None: automatic)."""
    layer._name = check_name(name)


def name_config(layer: Any) -> dict[str, str]:
    """``{"name": ...}`` when the layer (or model) was given a name, else ``{}``: what its
    ``get_config`` adds."""
    name = getattr(layer, "_name", None)
    return {} if name is None else {"name": name}


def with_given_name(layer: Any, config: dict[str, Any]) -> dict[str, Any]:
    """``config`` (``layer.get_config()``) with ``"name"`` added when the layer was given
    one (``layer.name = "x"``) that its own ``get_config`` leaves out (a layer class of a
    user's own written before names); ``config`` itself otherwise, so a model without
    given names saves what it did."""
    name = layer._name if isinstance(layer, Named) else None
    return config if name is None or "name" in config else {**config, "name": name}


def without_names(config: dict[str, Any]) -> dict[str, Any]:
    """A model's ``get_config()`` without the names given: what resuming from a checkpoint
    compares (names change no number)."""
    layers = [{**item, "config": {k: v for k, v in item["config"].items() if k != "name"}}
              for item in config["layers"]]
    return {**{k: v for k, v in config.items() if k != "name"}, "layers": layers}


class Named:
    """A layer's ``name`` (the base of ``nonlin.Layer``; see the module docstring).

    ``**keras``: any other keyword given to a layer without a constructor of its own
    (``ReLU(max_value=6)``) raises Python's ``TypeError`` naming the layer's class, with
    nonlin's way for Keras 3's keywords (``nonlin._keras_keywords``)."""

    _name: str | None = None  # given (name=); None: automatic
    _auto_name: str | None = None  # set by the model that holds the layer, by position
    requires_grad = REQUIRES_GRAD  # set (PyTorch's): an AttributeError naming trainable
    __dir__ = listed_names  # which dir(layer) does not list (nonlin._param_state)

    def __init__(self, *, name: str | None = None, **keras: Any) -> None:
        if keras:  # ReLU(max_value=6): Python's error naming the class, nonlin's way added
            from ._keras_keywords import unexpected_keyword

            raise unexpected_keyword(type(self).__name__, keras)
        set_name(self, name)

    @property
    def name(self) -> str:
        """The layer's name (Keras' ``layer.name``): the one given (``name=``), else the
        automatic one its model gave it by position (``dense``, ``dense_1``, ...), else,
        in no model yet, its class name in snake case. Setting it gives it a name."""
        return self._name or self._auto_name or _base(self)

    @name.setter
    def name(self, value: str) -> None:
        set_name(self, value)


def _base(layer: Any) -> str:
    return snake_case(type(layer).__name__) or "layer"


def _given(layer: Any) -> str | None:
    """The name given to ``layer``: ``name=`` for a ``Named`` one, a non-empty str
    ``name`` attribute for another object following the layer protocol."""
    name = layer._name if isinstance(layer, Named) else getattr(layer, "name", None)
    return name if isinstance(name, str) and name else None


def layer_names(layers: list[Any]) -> list[str]:
    """The names of ``layers``, one model's, in order (see the module docstring); a layer
    object found twice (``model.layers`` edited by hand: ``build`` refuses it) has one name.

    Raises ``ValueError`` naming both positions when two layers were given one name.
    """
    given = [_given(layer) for layer in layers]
    at = {id(layer): i for i, layer in reversed(list(enumerate(layers)))}  # first position
    first: dict[str, int] = {}
    for i, name in enumerate(given):
        if name is not None and at[id(layers[i])] == i and first.setdefault(name, i) != i:
            raise ValueError(
                f"Expected unique layer names in a model (Keras: all layers added to a "
                f"Sequential model should have unique names). Received name={name!r} at "
                f"layers[{first[name]}] and layers[{i}]")
    taken, names = set(first), list[str]()
    counts: dict[str, int] = {}
    for i, (layer, name) in enumerate(zip(layers, given, strict=True)):
        if at[id(layer)] != i:  # one object twice (model.layers edited by hand): one name
            names.append(names[at[id(layer)]])
            continue
        if name is None:
            base = _base(layer)
            while name is None or name in taken:
                count = counts[base] = counts.get(base, -1) + 1
                name = base if count == 0 else f"{base}_{count}"
            taken.add(name)
        names.append(name)
    return names


def assign_names(layers: list[Any]) -> list[str]:
    """``layer_names(layers)``, each automatic one recorded on its ``Named`` layer (what
    ``layer.name`` then returns)."""
    names = layer_names(layers)
    for layer, name in zip(layers, names, strict=True):
        if isinstance(layer, Named) and layer._name is None:
            layer._auto_name = name
    return names


class LayerList(list[Any]):
    """``Sequential.layers``: a list that names its layers anew (``assign_names``) after each
    change made to it (``model.layers.insert(0, Dense(4))``), so that ``layer.name`` agrees
    with ``summary()`` and ``get_layer`` at once, and counts the changes (``_edits``). Two
    layers given one name, and one layer twice, are left for ``build`` to refuse. Assigning
    ``model.layers = [...]`` makes a new one (``NamedModel.layers``); pickled and copied as a
    plain list (``NamedModel.__setstate__`` makes it one of these again)."""

    __slots__ = ("_edits",)
    _edits: int  # changes made in place (0 where made): ModelState.parameters reads it

    if TYPE_CHECKING:  # read as nonlin's layers (model.layers[0].set_weights(w) checks); any
        @overload  # protocol layer is taken in (append, insert, [i] = ..., a list[LayerProtocol])
        def __getitem__(self, index: SupportsIndex) -> Layer: ...
        @overload
        def __getitem__(self, index: slice) -> list[Layer]: ...
        def __getitem__(self, index: Any) -> Any: ...
        def __iter__(self) -> Iterator[Layer]: ...
        def __reversed__(self) -> Iterator[Layer]: ...

    def __reduce_ex__(self, protocol: Any) -> tuple[Any, ...]:
        return list, (list(self),)


def _renaming(method_name: str) -> Any:
    """``list``'s mutating method ``method_name``, then the layers named anew."""
    method = getattr(list, method_name)

    def changed(self: LayerList, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        finally:  # also after a failure: extend(a generator that raises) keeps what it took
            self._edits += 1  # ModelState.parameters: the list build made is stale
            with contextlib.suppress(ValueError, TypeError, AttributeError):
                assign_names(self)

    changed.__name__, changed.__doc__ = method_name, method.__doc__
    return changed


for _method in ("append", "extend", "insert", "remove", "pop", "clear", "sort", "reverse",
                "__setitem__", "__delitem__", "__iadd__", "__imul__"):
    setattr(LayerList, _method, _renaming(_method))


class NamedModel:
    """``Sequential.name`` and ``get_layer`` (a mixin; see the module docstring)."""

    _name: str | None = None

    @property
    def layers(self) -> list[Any]:
        """The layers, bottom to top: a ``LayerList``, which names them anew after each change
        made to it in place (``model.layers.insert(0, Dense(4))``; ``build`` checks those).

        Assigning (``model.layers = [...]``) takes what the constructor takes, checked as
        there (each a layer, each object once, given names unique: a refused list changes
        nothing), and keeps a ``LayerList``. A built model must then be built again.
        """
        try:
            return self.__dict__["layers"]
        except KeyError:  # not set yet (a subclass's __init__ before super's): as an attribute
            raise AttributeError(f"{type(self).__name__!r} object has no attribute 'layers'",
                                 name="layers", obj=self) from None

    @layers.setter
    def layers(self, layers: Iterable[Any]) -> None:
        from ._container import ContainerMethods
        from ._keras_methods import check_layer
        from ._model_state import check_distinct_layers
        from .keras_layers import split_input

        if (isinstance(layers, str | bytes | dict | ContainerMethods)  # a model: not a list
                or not isinstance(layers, Iterable)):
            raise TypeError(f"Expected a list of layers. Received: layers={quoted(layers, 200)}")
        width, layers = split_input(list(layers))  # Keras' Input(shape=(n,)) first
        new = LayerList(layers)  # renames when edited
        new._edits = 0  # (ModelState.parameters compares it with build's)
        for i, layer in enumerate(new):
            check_layer(layer, f"layers[{i}]")
        check_distinct_layers(new)
        assign_names(new)  # unique given names; the automatic ones by position
        self.__dict__["layers"] = new
        if width is not None:  # the width build() and input_shape take (nonlin.keras_layers)
            self.__dict__["_input_width"] = width
        if self.__dict__.get("n_features_in") is not None:  # built: as add/pop, predict checks
            self._layers_edited = True

    @property
    def name(self) -> str:
        """The model's name (Keras' ``model.name``): the one given, else ``"sequential"``."""
        return self._name or "sequential"

    @name.setter
    def name(self, value: str) -> None:
        self._name = check_name(value)

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Unpickling: the attributes back, then the layers named by position (a model
        pickled before names existed holds none; duplicates are left for build to refuse)."""
        self.__dict__.update(state)
        if type(self.__dict__.get("layers")) is list:  # pickled as a plain list (LayerList)
            self.__dict__["layers"] = layers = LayerList(self.__dict__["layers"])  # unchecked
            layers._edits = 0
        with contextlib.suppress(ValueError, TypeError, AttributeError):
            assign_names(self.layers)

    def get_layer(self, name: str | None = None, index: int | None = None) -> Any:
        """Keras' ``model.get_layer``: the layer called ``name`` or the one at ``index``
        (``model.layers[index]``), exactly one of the two.

        Raises ``ValueError`` for both or neither, a name no layer has (listing the
        model's layer names) and an index out of range, as Keras 3 does.
        """
        if (name is None) == (index is None):
            raise ValueError("Expected exactly one of name and index. Received: "
                             f"name={quoted(name)}, index={quoted(index)}")
        names = assign_names(self.layers)
        if index is not None:
            return self.layers[_position(index, len(self.layers))]
        if name in names:
            return self.layers[names.index(name)]
        hint = f" (a position is get_layer(index={name}))" if isinstance(name, int) else ""
        raise ValueError(f"No such layer: {quoted(name)}{hint}. Expected one of the model's "
                         f"layer names: {', '.join(names) or '(none: the model has no layers)'}")


def _position(index: Any, n_layers: int) -> int:
    """``get_layer``'s ``index``, an int in [-n_layers, n_layers), as an int."""
    try:
        if isinstance(index, bool):
            raise TypeError
        i = operator.index(index)
    except TypeError:
        raise TypeError(f"Expected an integer index. Received: index={quoted(index)}") from None
    if not -n_layers <= i < n_layers:
        raise ValueError(f"Expected an index in [{-n_layers}, {n_layers - 1}] for a model of "
                         f"{n_layers} layers. Received: index={i}")
    return i
