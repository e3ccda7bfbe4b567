"""What a ``Sequential`` holds, read and written: weights, state, config, summary.

``ModelState`` is a mixin of ``nonlin.sequential.Sequential`` (which stays the public, pickled
class); it only reads the attributes ``Sequential.build`` sets (``layers``, ``_params``,
``n_features_in``, ``dtype``) and never runs on the training step. Weights come out and go back
in Keras' order (each layer's parameters, then its state, in turn: ``nonlin._weights``);
``parameters()`` leaves frozen layers out (``nonlin._trainable``); ``get_config`` describes the
architecture as JSON-able data, which ``from_config`` (a classmethod) rebuilds through the
registry's allowlist. That a model's layers are its own (each object once, and none that
another model in use built) is checked by ``nonlin._layers_built`` (``check_distinct_layers``,
and the ``LayerOwnership`` mixin, a base of ``ModelState``); this says what is wrong with an
input ``forward`` cannot take (``_check_width``).
"""

from __future__ import annotations

import copyreg
from collections.abc import Callable, Sequence
from typing import Any, TypeVar, overload

import numpy as np

from ._backward_pass import KEYS, drop
from ._deferred_rng import made_state
from ._layers_built import LayerOwnership
from ._layers_built import check_distinct_layers as check_distinct_layers  # Sequential's
from ._protocol_checks import check_input, checked_width
from ._quoting import quoted
from ._random_hints import SeedLike
from ._trainable import live_parameters, trainable_parameters
from .core import Layer, Param
from .exceptions import NotBuiltError

# what a model holds by object ids (nonlin._grad_written, the running fit's mark, its layer list)
_BY_ID = frozenset({"_grads_written", "_fit_running", "_params_of"})
_NOT_COPIED = _BY_ID.union(KEYS)  # and a training pass's marks: a copy holds no caches
_Q = TypeVar("_Q", bound="ModelState")  # from_config: MyNet.from_config(...) is a MyNet


class ModelState(LayerOwnership):
    """Parameters, weights, non-trainable state and description of a layer chain."""

    layers: list[Layer]  # typed as nonlin's layers (see _container.ContainerMethods)
    n_features_in: int | None
    dtype: np.dtype
    _params: list[Param]
    _params_of: Any = None  # the LayerList of _params and its count of edits then (build's);
    _params_edits = 0  # another list, or edited since: parameters() reads the layers anew

    @property
    def built(self) -> bool:
        return self.n_features_in is not None

    def __getstate__(self) -> dict[str, Any] | tuple[dict[str, Any], dict[str, Any]]:
        """Pickling and ``copy``: the attributes but those keyed by this process's object ids
        (``_grads_written``, ``_fit_running``), which would make the same model pickle to other
        bytes in each run; the copy checks its gradients written again at its first step. Nor
        a training pass's marks (``nonlin._backward_pass``): the copy's layers hold no caches,
        so its backward waits for a training forward of its own.
        A subclass's ``__slots__`` that are set come as Python's own ``(dict, slots)`` pair."""
        state = {k: v for k, v in made_state(self, self.__dict__).items() if k not in _NOT_COPIED}
        slots = {name: getattr(self, name) for name in copyreg._slotnames(type(self))  # type: ignore[attr-defined]
                 if hasattr(self, name)}
        return (state, slots) if slots else state

    def __setstate__(self, state: Any) -> None:
        """Unpickling and ``copy``: the next model's (``NamedModel``'s), then a mark that the
        parameters own their arrays (pickled views are copies), for the next ``fit`` or
        ``train_on_batch`` to pack them into one flat buffer again (``fit_parameters``).
        A pickle written before ``__getstate__`` may hold the id-keyed entries: the ids of
        another process, which the copy could happen to have (its fit refused as running).
        A ``(dict, slots)`` pair (a subclass with ``__slots__``) sets the slots too."""
        state, slots = state if isinstance(state, tuple) else (state, None)
        super().__setstate__(state or {})  # type: ignore[misc]  # NamedModel's, in Sequential
        for name, value in (slots or {}).items():
            setattr(self, name, value)
        for key in _NOT_COPIED:  # a pickle of loop30's main may hold a training pass's marks
            self.__dict__.pop(key, None)
        self.__dict__["_copied"] = True
        self._mark_copied()  # Layer.set_weights drops this copy's training pass (holder)

    def _require_built(self) -> None:
        if self.n_features_in is None:
            state = "is not built yet;" if self.layers else (
                "has no layers yet: add them (model.add(layer)), then")
            raise NotBuiltError(f"This model {state} call model.build(n_features, seed) or fit it.")

    def _checked_width(self, i: int, width: Any) -> int:
        """``layers[i].build``'s result, the output width (``_protocol_checks``)."""
        return checked_width(i, self.layers[i], width)

    def _check_width(self, x: np.ndarray) -> None:
        """Why ``forward`` cannot take ``x`` (``_protocol_checks.check_input``)."""
        self._require_built()
        check_input(x, self.n_features_in)

    # -- parameters and weights (see nonlin._weights) -------------------------
    def parameters(self) -> list[Param]:
        """The trainable ``Param``s of the layers as they are now, layer by layer (``[W0, b0,
        W1, b1, ...]``): those of the layers whose ``trainable`` is True, which ``fit``
        updates; after ``pop``, ``add`` or ``layers[i] = ...`` those of the layers now
        (``nonlin._trainable.live_parameters``). A new list each call; with nothing frozen
        nor edited a copy of the list ``build`` made (a loop calling this every step pays a
        list comparison and a few flag reads)."""
        layers = self.layers
        if layers is not self._params_of or layers._edits != self._params_edits:  # edited: cold
            return live_parameters(self)
        for layer in layers:
            if getattr(layer, "trainable", True) is False:
                return trainable_parameters(layers, self._params)
        return list(self._params)

    @property
    def trainable(self) -> bool:
        """Keras' ``model.trainable``: False when every layer is frozen. Setting it sets
        every layer's ``trainable`` (``model.trainable = False`` freezes them all)."""
        from ._trainable import is_trainable

        return any(is_trainable(layer) for layer in self.layers)

    @trainable.setter
    def trainable(self, value: bool) -> None:
        from .validation import check_bool

        owner = f"{type(self).__name__} {getattr(self, 'name', '')!r}"
        value = check_bool("trainable", value, where=owner)
        for layer in self.layers:
            layer.trainable = value  # a protocol layer (typed as a Layer): its own attribute

    def get_weights(self) -> list[np.ndarray]:
        """Copies of every weight, trainable or not, in Keras' order: layer by layer, the
        layer's parameters then its state (``BatchNorm``: ``gamma``, ``beta``,
        ``moving_mean``, ``moving_variance``); ``[W0, b0, W1, b1, ...]`` for ``Dense``
        layers, W of shape (in, out). ``b.set_weights(a.get_weights())`` makes ``b``
        predict as ``a``."""
        from ._weights import layout

        self._require_built()
        return [value.copy() for _, value, _ in layout(self)]

    def set_weights(self, weights: Sequence[Any]) -> None:
        """Overwrite the weights in place from a list in ``get_weights`` order (all of them,
        state included). Everything is checked before anything is copied: a refused list
        (its length, which the message explains, a shape, a non-finite value, a negative
        variance) changes nothing."""
        from ._weights import set_weights

        self._require_built()
        set_weights(self, weights)
        drop(self)  # a training pass of the former weights: no backward of it

    def _parameter_weights(self) -> list[np.ndarray]:
        """Copies of the parameters alone (frozen or not), layer by layer: the list
        ``EarlyStopping`` keeps beside ``get_state()``."""
        return [p.value.copy() for p in self._params]

    def _set_parameter_weights(self, weights: Sequence[Any]) -> None:
        """Copy ``_parameter_weights``' list in (checked first, as ``set_weights``)."""
        from ._weights import checked, parameter_layout

        entries = parameter_layout(self)
        for (_, target, _), w in zip(entries, checked(entries, weights), strict=True):
            np.copyto(target, w, casting="unsafe")

    def get_state(self) -> dict[str, np.ndarray]:
        """Copies of the layers' non-trainable state (e.g. ``BatchNorm`` running
        statistics), keyed ``"<layer index>.<name>"``; empty for most models."""
        from ._weights import layer_state

        self._require_built()
        state = {}
        for i, layer in enumerate(self.layers):
            for name, arr in layer_state(layer).items():  # not copied: copied here, once
                state[f"{i}.{name}"] = arr.copy()
        return state

    def set_state(self, state: dict[str, Any]) -> None:
        """Restore ``state``, what ``get_state`` returned: all of it, or nothing.

        The keys must be those of ``get_state()``, all of them (as PyTorch's strict
        ``load_state_dict``): an unknown key (a typo, a layer index out of range) or a
        missing one is refused, naming it. Each value must have the shape of the array
        it replaces and hold finite real numbers within the model's dtype; then each
        layer's own checks run (``BatchNorm``: variance >= 0). Everything is checked
        before anything is kept: when a layer refuses its part, the layers set before
        it are put back. Messages name the key and the first offending entry.
        """
        from ._state_checks import checked_state, set_layer_states

        self._require_built()
        if not isinstance(state, dict):  # None too: get_state() gives {} for no state
            raise TypeError(f"Expected a dict from get_state(). Received: "
                            f"state={quoted(state, 200)}")
        before = self.get_state()  # copies: what a refused state puts back
        set_layer_states(self.layers, checked_state(state, before), before)

    def save(self, path: Any, *, metadata: dict[str, Any] | None = None,
             include_optimizer: bool = True) -> None:
        """Write the model to ``path``: ``nonlin.save(self, path, metadata=metadata, ...)``.

        Keras' ``model.save`` and the estimators' ``save``; see ``nonlin.save`` for the
        safetensors format, the ``metadata`` kept, the compile record (the loss,
        optimizer and metrics, which ``nonlin.load`` restores) and the atomic write.

        Parameters
        ----------
        path : str, bytes, path-like or binary file object
            The file to (over)write, intact on failure; or ``io.BytesIO()``, written once.
        metadata : dict, optional
            JSON-able facts to keep with the model (``classes``, ``feature_names``, ...).
        include_optimizer : bool, default True
            False leaves the optimizer and its state out of the file.
        """
        from .io import _save

        _save(self, path, metadata, stacklevel=5,  # type: ignore[arg-type]  # a Sequential
              include_optimizer=include_optimizer)

    def count_params(self) -> int:
        """The number of values in ``get_weights()``, trainable and not (Keras'), of the
        layers as they are now (after ``pop``: those left). Before ``build``, or with a layer
        added since that is not built, ``NotBuiltError`` (a ``ValueError``, as Keras 3's, and
        a ``RuntimeError``): 0 would be wrong, not empty."""
        from ._summary import check_counted, counts

        check_counted(self)
        return counts(self)[0]

    # -- description --------------------------------------------------------
    def get_config(self) -> dict[str, Any]:
        """The architecture as JSON-able data (layer class names and configs); a frozen
        layer's config has ``"trainable": False``, as Keras records it; ``"name"`` when given;
        Keras 3's ``"build_input_shape"`` for an unbuilt model with an ``Input``."""
        from ._keras_methods import check_layers
        from ._layer_names import name_config, with_given_name
        from ._trainable import is_trainable
        from .keras_layers import input_entry

        check_layers(self.layers)  # model.layers edited by hand: a non-layer named

        return {
            "layers": [
                {"class_name": type(layer).__name__,
                 "config": with_given_name(layer, layer.get_config()) if is_trainable(layer)
                 else {**with_given_name(layer, layer.get_config()), "trainable": False}}
                for layer in self.layers
            ],
            "n_features_in": self.n_features_in,
            "dtype": self.dtype.name, **name_config(self), **input_entry(self),
        }

    @classmethod
    def from_config(cls: type[_Q], config: dict[str, Any], seed: SeedLike = None) -> _Q:
        """Rebuild a model from ``config`` (``get_config()``'s) through the layer registry (no
        code runs); built, drawing from ``seed``, if the config has ``n_features_in``."""
        from .keras_layers import input_from_config
        from .registry import layer_from_config

        if not isinstance(config, dict) or not isinstance(config.get("layers"), list):
            raise ValueError("Expected a config dict with a 'layers' list (see get_config). "
                             f"Received: config={quoted(config, 200)}")
        make: Any = cls  # a Sequential (or a subclass), which takes the layers
        model = make([*input_from_config(config),  # Keras 3's build_input_shape: its Input
                      *[layer_from_config(item) for item in config["layers"]]],
                     name=config.get("name"))
        if config.get("n_features_in") is not None:
            model.build(config["n_features_in"], seed, dtype=config.get("dtype", "float64"))
        return model

    def to_json(self, **kwargs: Any) -> str:
        """Keras' ``model.to_json()``: ``{"class_name": "Sequential", "config": get_config()}``
        as JSON text (``kwargs``: ``json.dumps``'), which ``nonlin.model_from_json`` reads back
        through the registry; the architecture alone, not the weights (as Keras')."""
        import json

        return json.dumps({"class_name": "Sequential", "config": self.get_config()}, **kwargs)

    @overload
    def summary(self, print_fn: None = None, **keras: Any) -> str: ...
    @overload
    def summary(self, print_fn: Callable[[str], Any], **keras: Any) -> None: ...

    def summary(self, print_fn: Callable[[str], Any] | None = None, **keras: Any) -> str | None:
        """``Model: "sequential"`` (the model's ``name``, as Keras 3 heads it), a table of
        layers, output widths and weight counts, then Keras' totals: ``Total params``,
        ``Trainable params`` and ``Non-trainable params`` (frozen layers' parameters and
        ``BatchNorm``'s running statistics).

        A ``str`` that an interactive session shows as the table itself (a plain
        string would show as one line of ``\\n`` escapes there). Keras prints its
        summary: ``summary(print_fn=print)`` does, calling ``print_fn`` on each line
        as ``tf.keras`` does (``logging.info`` works too), and returns None, as Keras
        (a session would show the table twice); nonlin itself never prints. Keras 3's
        ``show_trainable=True`` adds its ``Trainable`` column (``Y``, ``N``, ``-`` without
        weights), ``expand_nested`` is taken (nothing nests); ``line_length``, ``positions``
        and ``layer_range`` are refused (``nonlin._summary.shown``).
        """
        from ._summary import shown

        return shown(self, print_fn, **keras)
