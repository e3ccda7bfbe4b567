"""Whether a built model's layers are still the ones ``Sequential.build`` built.

``build`` records each layer's parameters (``model._built_params``). A layer
appended to ``model.layers`` after build (``model.add``, or by hand), one removed
(``model.pop``), or one put in with other weights leaves what build worked out
stale: the output width ``n_outputs`` (which ``fit`` and ``evaluate`` check the
targets against) and the parameters ``fit`` steps. They check this first, so that
the message says what happened rather than that the targets have the wrong width;
``predict`` and ``model(x)`` check it after an ``add`` or ``pop`` (else a layer
changed by hand meets them unbuilt: "This Dense layer is not built yet"). A layer
without weights swapped for another (``layers[i] = ReLU()``, as the estimators do
when their ``activation`` changes) leaves the model as built; so does an unbuilt
layer put where one without weights was (``pop`` then ``add``): it then says itself
that it is not built.

It also keeps which model built each layer (``_BUILT_BY``, weakly: ``_builder``), which
``Sequential``'s construction and build check (``check_distinct_layers``; the
``LayerOwnership`` mixin of ``nonlin._model_state.ModelState``), and ``_collect``, the
garbage collection they run first.
"""

from __future__ import annotations

import contextlib
import gc
import time
import warnings
import weakref
from collections.abc import Sequence
from itertools import chain
from typing import Any

from . import core  # core.Layer read at build (core imports this module, through _inference)
from ._quoting import quoted
from ._stacklevel import user_stacklevel

# layer -> the model that built it (weakly: neither is kept alive by this table)
_BUILT_BY: weakref.WeakKeyDictionary[Any, weakref.ref[Any]] = weakref.WeakKeyDictionary()
# layer -> the copy (copy.deepcopy, pickle) that holds it, which did not build it
_COPIED_INTO: weakref.WeakKeyDictionary[Any, weakref.ref[Any]] = weakref.WeakKeyDictionary()
_COLLECT_TRIES = 10  # waits of 1, 2, 4, ..., 512 ms: about 1 s at most


def _collect() -> None:
    """One full garbage collection run by this thread. ``gc.collect()`` returns at
    once, collecting nothing, while another thread collects (its finalizers can let
    this thread run): the full-collection count then stays put, and this waits for
    that collection to end and tries again, a bounded number of times."""
    for attempt in range(_COLLECT_TRIES):
        done = gc.get_stats()[2]["collections"]
        gc.collect()
        if gc.get_stats()[2]["collections"] != done:
            return
        time.sleep(0.001 * 2**attempt)


def _builder(layer: Any) -> Any:
    """The live model that built ``layer``, or None."""
    try:
        ref = _BUILT_BY.get(layer)
    except TypeError:  # an unhashable layer is not tracked
        return None
    return None if ref is None else ref()


def holder(layer: Any) -> Any:
    """The live model that built ``layer``, else the live copy of a model (``copy``,
    ``pickle``) that holds it, or None: whose training pass ``Layer.set_weights`` drops."""
    model = _builder(layer)
    if model is None:
        with contextlib.suppress(TypeError):  # an unhashable layer is not tracked
            ref = _COPIED_INTO.get(layer)
            model = None if ref is None else ref()
    return model


def check_layers_as_built(model: Any) -> None:
    """Raise ``NotBuiltError`` (a ``RuntimeError``) if ``model`` is built and its layers
    changed since: ``count_params``' error for a layer added since build, here too."""
    built = getattr(model, "_built_params", None)
    if built is None or not model.built:
        return
    layers = list(model.layers)
    if len(layers) != len(built):
        what = f"built with {_layers(len(built))}, it has {_layers(len(layers))} now"
    else:
        changed = [i for i, (layer, params) in enumerate(zip(layers, built, strict=True))
                   if not _same(layer.parameters(), params)]
        if not changed:
            return
        what = f"layers[{changed[0]}] does not hold the weights built there"
    from .exceptions import NotBuiltError

    raise NotBuiltError(
        f"This model's layers changed since it was built ({what}): its output width and the "
        f"weights fit trains are those of the old layers. Build it again, "
        f"model.build({model.n_features_in}, seed), which draws new weights for every layer "
        "(to keep the first layers' weights: weights = model.get_weights() before it, then "
        "model.set_weights(weights[:k] + model.get_weights()[k:]), k the number of weights "
        "kept), or put the layers back")


def _layers(n: int) -> str:
    return f"{n} layer{'s' * (n != 1)}"


def _same(params: list[Any], built: list[Any]) -> bool:
    return len(params) == len(built) and all(p is q for p, q in zip(params, built, strict=True))


def check_distinct_layers(layers: Sequence[Any]) -> None:
    """Refuse one layer object at two places of ``layers`` (the constructor, assigning
    ``model.layers`` and ``build``, for ``model.layers`` edited in place): both would share
    one cache and one set of weights, built twice, and training would read the cache the
    other place overwrote (Keras 3 lets the two places share one layer; nonlin builds each
    place's weights, so it refuses)."""
    first: dict[int, int] = {}
    for i, layer in enumerate(layers):
        j = first.setdefault(id(layer), i)
        if j != i:
            raise ValueError(f"Expected each layer once in a model. Received layers[{i}] "
                             f"is layers[{j}] ({quoted(layer)}); create a new layer for "
                             "each place")


class LayerOwnership:
    """``Sequential``'s check, at build, that its layers are its own (through its
    ``ModelState`` mixin): ``_claim_layers`` refuses a layer another model in use built,
    ``_build_layers`` builds them and warns of weights made elsewhere it drew anew,
    ``_mark_layer`` records that this model built one (``_BUILT_BY``)."""

    layers: Any
    rng: Any
    _checked_width: Any  # ModelState's

    def _claim_layers(self) -> dict[int, list[Any]]:
        """Refuse a layer that another model, still in use and built, built.

        Building it again re-initializes its weights under that model, whose
        ``get_weights`` and ``save`` still show the old ones while its ``predict``
        uses the new (Keras shares such a layer; here a layer with parameters
        belongs to the model that built it). A model dropped but kept alive by a
        reference cycle (its ``History``) is collected first (see ``_collect``), so
        a list of layers may serve one model after another, in any thread. Returns
        ``{i: layers[i].parameters()}`` for the layers holding weights this model's builds
        did not make (another model's, now dropped, or copies), those of layers whose
        ``build`` is nonlin's: ``_build_layers`` warns for those it draws anew (Keras would
        keep them).
        """
        mine: set[int] | None = None  # ids of the weights this model's builds made
        held = {}
        for i, layer in enumerate(self.layers):
            if self._built_elsewhere(layer):
                _collect()  # no reference held here: a model held only by a cycle goes
            if self._built_elsewhere(layer):
                raise ValueError(
                    f"Expected layers built by no other model in use. Received layers[{i}]="
                    f"{quoted(layer)}, built by another model: building it here would "
                    "re-initialize that model's weights. Create new layers (copy weights with "
                    "set_weights)")
            build = type(layer).build  # nonlin's draws weights (a Dense subclass's included)
            if build is core.Layer.build or str(build.__module__)[:7] != "nonlin.":
                continue  # one's own may make its weights in __init__, or be built by load's
            params = layer.parameters()  # width check (_widths) before this build
            if params:  # built before: by this model, or elsewhere
                if mine is None:
                    built = getattr(self, "_built_params", None) or ()
                    mine = set(map(id, chain.from_iterable(built)))
                if not all(map(mine.__contains__, map(id, params))) and (
                        _builder(layer) is not self):  # not built by a build that failed
                    held[i] = params
        return held

    def _build_layers(self, width: int, dtype: Any, held: dict[int, list[Any]]) -> list[int]:
        """``Sequential.build``'s loop: build each layer in turn for inputs of ``width``
        features, its weights and state in ``dtype``; return each layer's input width, then
        the output width. Then, the build finished or failed part way, warn naming the
        layers of ``held`` (``_claim_layers``) whose weights it replaced."""
        widths = [width]
        try:
            for i, layer in enumerate(self.layers):
                width = self._checked_width(i, layer.build(width, self.rng))
                widths.append(width)
                self._mark_layer(layer)
                for param in layer.parameters():
                    param.cast(dtype)
                if hasattr(layer, "cast_state"):  # non-trainable state, e.g. BatchNorm's
                    layer.cast_state(dtype)
                if isinstance(layer, core.Layer):
                    layer.input_grad = True
        finally:
            if held:  # (no call when none, as in most builds)
                _warn_redrawn(self.layers, [i for i, params in held.items()
                                            if not _same(self.layers[i].parameters(), params)])
        return widths

    def _built_elsewhere(self, layer: Any) -> bool:
        other = _builder(layer)
        return other is not None and other is not self and other.built

    def _mark_copied(self) -> None:
        """Record that this model, a copy (``__setstate__``), holds its layers (``holder``):
        not that it built them (``_BUILT_BY``, which rules who may build them)."""
        for layer in getattr(self, "layers", None) or ():  # (a pickle of no layers)
            with contextlib.suppress(TypeError):  # unhashable, or no weak reference
                _COPIED_INTO[layer] = weakref.ref(self)

    def _mark_layer(self, layer: Any) -> None:
        """Record that this model built ``layer`` (only layers with parameters)."""
        if layer.parameters():
            with contextlib.suppress(TypeError):  # unhashable, or no weak reference
                _BUILT_BY[layer] = weakref.ref(self)


def _warn_redrawn(layers: list[Any], redrawn: list[int]) -> None:
    """Warn, if ``redrawn`` is not empty, that ``build`` drew new weights for ``layers[i]``,
    ``i`` in ``redrawn``: layers holding weights this model did not build (trained or loaded
    in another model, now dropped, or copied: ``copy.deepcopy(old.layers[:2])``). Keras
    keeps a built layer's weights; nonlin's ``build`` draws every layer's, so transfer
    learning copies them in."""
    if not redrawn:
        return
    shown = ", ".join(f"layers[{i}] ({type(layers[i]).__name__} "
                      f"{getattr(layers[i], 'name', '')!r})" for i in redrawn)
    warnings.warn(
        f"Building this model draws new weights for {shown}, which held weights built "
        "elsewhere (another model's, or a copy's): those are lost. Keras keeps a built "
        "layer's weights; nonlin's build draws every layer's. To reuse them, build this "
        "model, then copy them in, layer by layer: new.layers[i].set_weights("
        "old.layers[i].get_weights()) for each layer i reused (guide: Freezing layers)",
        UserWarning, stacklevel=user_stacklevel())
