"""Keras 3's ``Sequential`` methods for a layer stack built one call at a time and trained
one batch at a time: ``add``, ``pop``, ``train_on_batch``, ``test_on_batch``,
``predict_on_batch`` (``compile`` and ``evaluate``: ``nonlin._keras_compile``; ``fit`` stays
in ``sequential``).

``KerasMethods`` is a mixin of ``nonlin.sequential.Sequential`` (as ``ModelState``): the
methods check their arguments and delegate, ``train_on_batch`` and ``test_on_batch`` to
``nonlin._on_batch``, which runs ``fit``'s own step and ``evaluate``'s own pass on one
batch. Where nonlin differs from Keras on purpose, the docstrings say so: a built model
whose layers change is refused until ``model.build(n_features, seed)`` draws its weights
again (Keras rebuilds lazily), since nonlin's ``build`` always takes a seed.
"""

from __future__ import annotations

import contextlib
import weakref
from collections.abc import Iterable
from typing import Any, Literal, overload

import numpy as np

from ._layer_names import assign_names
from ._layers_built import _BUILT_BY, _builder
from ._quoting import quoted
from .core import Layer, LayerProtocol
from .keras_layers import InputLayer, split_input
from .validation import check_bool


def check_layer(layer: Any, where: str) -> None:
    """Refuse an object that is not a layer (a class instead of an instance: a hint)."""
    if type(layer) in _LAYER_CLASSES:  # a class whose own attributes follow the protocol
        return
    if isinstance(layer, type) or not isinstance(layer, LayerProtocol):
        hint = (f"; create one: {layer.__name__}()" if isinstance(layer, type)
                else f"; a name is not a layer: nonlin.registry.activation({layer!r}) makes "
                "one" if isinstance(layer, str) else "")
        raise TypeError("Expected layers with build/forward/backward/parameters/get_config. "
                        f"Received: {where}={quoted(layer)}{hint}")
    if all(hasattr(type(layer), name) for name in _PROTOCOL):  # so every instance does
        _LAYER_CLASSES.add(type(layer))


# LayerProtocol's runtime isinstance reads the five names on each call: a model or a file
# of many layers of one class checks the class once
_PROTOCOL = ("build", "forward", "backward", "parameters", "get_config")
_LAYER_CLASSES: weakref.WeakSet[type] = weakref.WeakSet()


def check_layers(layers: Iterable[Any]) -> None:
    """``check_layer`` on each of ``layers``: ``model.layers``, which an edit by hand may
    have given a non-layer (``build``, ``summary`` and ``get_config`` name it)."""
    for i, layer in enumerate(layers):
        check_layer(layer, f"layers[{i}]")


class KerasMethods:
    """``add``/``pop`` and the ``*_on_batch`` methods of a ``Sequential``."""

    layers: list[Layer]  # typed as nonlin's layers (see _container.ContainerMethods)
    n_features_in: int | None
    dtype: np.dtype
    _params: list[Any]
    _layers_edited: bool  # set by add/pop on a built model, cleared by build

    def _check_has_layers(self) -> None:
        """``build``'s first check: a model needs a layer (Keras' ``build`` refuses too)."""
        if not self.layers:
            raise ValueError("Expected at least one layer to build: call model.add(layer) "
                             "first. Received: layers=[]")

    def add(self, layer: LayerProtocol, rebuild: bool = True) -> None:
        """Keras' ``model.add(layer)``: put ``layer`` on top of the stack (``model.layers``).

        ``Sequential()`` then ``add`` for each layer is ``Sequential([...])``: the same
        config, and the same weights for the same ``build`` seed.

        Parameters
        ----------
        layer : layer instance
            Refused (``TypeError``) if it is not a layer, as by the constructor (Keras
            raises ``ValueError`` there); refused (``ValueError``) if it is in the model
            already: one object at two places would share its weights and its cached
            batch (Keras 3 lets the same instance in again, shared); refused
            (``ValueError``) if it was given the name of a layer in the model (as Keras).
        rebuild : bool, default True
            Keras 3's flag, taken for its signature: Keras rebuilds a model that starts
            with an ``Input`` layer; nonlin draws weights at ``build`` alone (see Notes).
            ``add(Input(shape=(n,)))`` to an empty model records its input width, as
            ``Sequential([Input(shape=(n,)), ...])`` (``nonlin.keras_layers``).

        Notes
        -----
        On a built model the layers are then no longer those ``build`` built: ``fit``,
        ``evaluate``, ``predict`` and the ``*_on_batch`` methods refuse to run until
        ``model.build(n_features, seed)`` builds every layer again, drawing all the weights
        anew. Keras instead rebuilds on the next call, keeping the weights of the layers
        already built; nonlin's ``build`` draws every layer from the seed, so it asks
        rather than re-initialize trained layers unseen. A layer that needs no build
        (an activation) put where one without weights was (``pop`` then ``add``) leaves the
        model as built and runs at once: ``add`` gives it the model's dtype (``cast_state``,
        as ``build`` would), so a float32 model stays float32. A layer whose own
        ``cast_state`` converts state (``BatchNorm``) gets it from that ``build``.
        """
        check_bool("rebuild", rebuild)
        if isinstance(layer, InputLayer):  # Keras' add(Input(shape=(n,))), to an empty model
            split_input([*self.layers, layer])  # after a layer: refused as the constructor does
            self.layers = [layer]  # type: ignore[list-item]  # as the constructor: no layer
            return
        check_layer(layer, "layer")
        for i, other in enumerate(self.layers):
            if other is layer:
                raise ValueError(f"Expected each layer once in a model. Received: layer="
                                 f"{quoted(layer)}, which is layers[{i}] already; create a new "
                                 "layer for each place")
        assign_names([*self.layers, layer])  # a name given twice is refused (Keras)
        self.layers.append(layer)  # type: ignore[arg-type]  # any protocol layer (typed Layer)
        self._edited()
        if self.n_features_in is not None and getattr(type(layer), "cast_state", None) is \
                Layer.cast_state:  # only records the dtype: safe before build
            layer.cast_state(self.dtype)  # type: ignore[attr-defined]  # Layer's, checked above
        params = layer.parameters()
        if self.n_features_in is not None and params and all(
                any(p is q for q in self._params) for p in params):
            self._mark_layer(layer)  # type: ignore[attr-defined]  # put back: this model's

    def pop(self, rebuild: bool = True) -> Layer:
        """Keras' ``model.pop()``: remove the top layer and return it (``rebuild``, a bool,
        as ``add``'s).

        An empty model raises ``IndexError``, as Keras 3 (``list.pop``'s; ``tf.keras``
        2 raised ``TypeError``). On a built model the model must be built again before it
        runs (see ``add``); the layer returned is no longer this model's, so another model
        may build it.
        """
        check_bool("rebuild", rebuild)
        if not self.layers:
            raise IndexError("Expected a layer to pop. Received: a model with no layers "
                             "(model.layers=[])")
        layer = self.layers.pop()
        self._edited()
        if _builder(layer) is self:
            with contextlib.suppress(TypeError, KeyError):
                del _BUILT_BY[layer]
        return layer

    def _edited(self) -> None:
        """Flag a built model's layer list as changed: ``predict`` then checks it."""
        if self.n_features_in is not None:
            self._layers_edited = True

    # -- one batch (nonlin._on_batch) ------------------------------------------------
    # for type checkers: ``return_dict`` (False by default) gives a list or float, True a dict
    @overload
    def train_on_batch(self, x: Any, y: Any, sample_weight: Any = ...,
                       class_weight: dict[int, float] | None = ...,
                       return_dict: Literal[False] = ...) -> float | list[float]: ...
    @overload
    def train_on_batch(self, x: Any, y: Any, sample_weight: Any = ...,
                       class_weight: dict[int, float] | None = ..., *,
                       return_dict: Literal[True]) -> dict[str, float]: ...
    @overload  # return_dict=True given by position
    def train_on_batch(self, x: Any, y: Any, sample_weight: Any,
                       class_weight: dict[int, float] | None,
                       return_dict: Literal[True]) -> dict[str, float]: ...
    @overload
    def train_on_batch(self, x: Any, y: Any, sample_weight: Any = ...,
                       class_weight: dict[int, float] | None = ...,
                       return_dict: bool = ...) -> dict[str, float] | float | list[float]: ...
    def train_on_batch(self, x: Any, y: Any, sample_weight: Any = None,
                       class_weight: dict[int, float] | None = None,
                       return_dict: bool = False) -> dict[str, float] | float | list[float]:
        """Keras' ``train_on_batch``: one optimizer step on the batch ``(x, y)``.

        The step is ``fit``'s: ``model.optimizer``, ``model.loss`` and the metrics of
        ``compile`` (or of the last ``fit``), the same checks of ``x`` and ``y``, float32
        kept, the same ``DivergenceError`` (the model as before the step), and the
        optimizer's state carried from call to call, so calls on batches ``b_1, b_2, ...``
        give the bits of ``fit`` on their concatenation with ``batch_size=len(b_i)``,
        ``shuffle=False``, ``epochs=1``. Each call checks the loss's and the optimizer's
        settings again, as ``fit`` does (``opt.beta_1 = 1.5`` set between calls is
        refused before the step), unless nothing those checks read changed since the last
        call (no setting assigned on the instances): that call's checks are kept
        (``nonlin._on_batch_state``). ``model.history`` is left alone (as Keras).

        Parameters
        ----------
        x : array or DataFrame of shape (n_samples, n_features)
            An unbuilt model is built from it as ``fit`` builds one without a seed (fresh
            entropy): ``model.build(n_features, seed)`` first gives reproducible weights.
        y : array of shape (n_samples,) or (n_samples, n_outputs)
        sample_weight : array of shape (n_samples,), optional
        class_weight : dict {class index: weight}, optional
            As in ``fit``; given both, they multiply (Keras refuses both at once).
        return_dict : bool, default False
            True: ``{"loss": ..., <metric>: ...}``.

        Returns
        -------
        float or list or dict
            The batch's loss (before the update, with the layers' penalties) or, with
            metrics, ``[loss, *metrics]`` (Keras 3's order); the metrics are those of
            the training-mode outputs of this batch alone. Keras 3 accumulated them
            (and the loss) over the calls until ``reset_metrics()``; Keras since
            PR 22617 (2026), as ``tf.keras``' default ``reset_metrics=True``, reports
            each batch alone, which nonlin does.

        Raises
        ------
        ValueError
            Without a loss and optimizer: ``model.compile(optimizer, loss)`` first; a
            setting of the loss or optimizer its constructor refuses.
        DivergenceError
            When the loss, an update or a layer's state becomes NaN or infinite.
        """
        from ._on_batch import train_on_batch

        return train_on_batch(self, x, y, sample_weight,  # type: ignore[arg-type]  # a Sequential
                              class_weight, return_dict)

    @overload
    def test_on_batch(self, x: Any, y: Any, sample_weight: Any = ...,
                      return_dict: Literal[False] = ...) -> float | list[float]: ...
    @overload
    def test_on_batch(self, x: Any, y: Any, sample_weight: Any = ..., *,
                      return_dict: Literal[True]) -> dict[str, float]: ...
    @overload  # return_dict=True given by position
    def test_on_batch(self, x: Any, y: Any, sample_weight: Any,
                      return_dict: Literal[True]) -> dict[str, float]: ...
    @overload
    def test_on_batch(self, x: Any, y: Any, sample_weight: Any = ...,
                      return_dict: bool = ...) -> dict[str, float] | float | list[float]: ...
    def test_on_batch(self, x: Any, y: Any, sample_weight: Any = None,
                      return_dict: bool = False) -> dict[str, float] | float | list[float]:
        """Keras' ``test_on_batch``: the loss and metrics of ``(x, y)``, no update.

        ``evaluate`` on that batch in one pass (``batch_size=len(x)``): inference mode,
        ``model.loss`` and ``compile``'s metrics, the layers' penalties in the loss, each
        sample's loss weighed by ``sample_weight`` (n_samples,) if given. Returns
        the loss, or ``[loss, *metrics]`` with metrics, or with ``return_dict=True`` the dict;
        each call reports its batch alone (see ``train_on_batch``). Without a loss (neither
        compiled nor fitted) it raises ``ValueError`` naming ``compile``; an unbuilt model
        is refused, as by ``evaluate`` (Keras builds it with fresh weights).
        """
        from ._on_batch import test_on_batch

        return test_on_batch(self, x, y,  # type: ignore[arg-type]  # a Sequential
                             sample_weight, return_dict)

    def predict_on_batch(self, x: Any) -> np.ndarray:
        """Keras' ``predict_on_batch``: ``predict(x)`` in one pass, shape
        (n_samples, n_outputs), in inference mode (an unbuilt model is refused, as by
        ``predict``)."""
        from ._inference import predict_rows

        return predict_rows(self, x, None, 0, one_pass=True)
