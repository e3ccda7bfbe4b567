"""What ``train_on_batch`` works out for a model and keeps for its next call.

A call checks the model (layers as built, trainable set, parameters packed), the loss's and
the optimizer's settings, and the optimizer's state against the parameters, then makes
``fit``'s loop (``nonlin._epoch_loop._Loop``) with its objective, step snapshot and
metrics. None of that changes from one call to the next unless something it read changed:
``KeptState`` keeps the outcome with a key of everything those checks and objects read, by
identity (``key``), and a call whose key is the kept one skips them, so that a loop of
``train_on_batch`` calls costs little more than ``fit``'s step. The key holds:

- the model's layer list and each layer, the parameters ``build`` made and recorded per
  layer (``_params``, ``_built_params``), each layer's ``parameters()`` now (a layer built
  again by hand) and the trainable ones (``model.parameters()``: a flag changed), the set
  packed last (``_packed``), ``_copied``, ``_layers_edited``, ``rng``, ``dtype``, the
  widths; the compiled metrics (the list and each entry, and the ``name`` of each metric
  object: ``get_metrics`` refuses a reserved one and copies one met again); the last layer's
  own activation (``Dense(activation=...)``: it chooses the objective's fused output path);
- ``model.loss`` and ``model.optimizer`` and each of their settings (``_settings``) as the
  instance holds it, and the optimizer's slots, binding and owners (what ``check_optimizer``
  and the settings' slot check read). A setting set since, even to an equal value, is
  another object: the call checks everything again, as the first did. A loss or optimizer
  holding a setting of a mutable type (a list, an array: changed in place unseen) or whose
  class checks its settings its own way is checked at every call (nothing kept). A setting
  the class body holds (none on the instance) is read as the first call found it.
- Nothing is kept where ``get_metrics`` copied a metric object (a name met again, logged as
  ``name_1``): each call copies it anew from the user's object, its settings as they are.

The key is taken when the checks pass, and again after that call's step (its first step
binds the optimizer to the parameters: the state the next call's checks would pass on).
``test_on_batch`` uses the kept loss and metrics too (``evaluate``'s checks of the model and
the loss are among those kept). The loop kept holds neither the model nor the batch between
calls (``nonlin._on_batch`` sets them for a call, then clears them), so that the table, weak
on the model, lets a dropped model go; a layer or metric holding its model would keep it.
``compile`` and ``build`` drop the model's entry (``nonlin._kept_table.forget``): the
optimizer, loss and parameters they replace are not held on. A change made otherwise
(``fit(optimizer=...)``, ``model.layers`` edited) leaves them held until the next call, or
the model, goes.
"""

from __future__ import annotations

from operator import attrgetter, is_
from typing import Any

from ._kept_table import _KEPT, forget
from ._optimizer_settings import Settings
from .losses import Loss
from .metrics import Metric
from .optimizers import Optimizer

_MISSING = object()
_END = object()  # a key's last entry: keys of other lengths differ at the shorter's end
_MISSINGS = (_MISSING,) * 64  # map(d.get, names, _MISSINGS): d.get(name, _MISSING) each
_SCALARS = frozenset({bool, int, float, complex, str, bytes, type(None)})  # immutable values
_MODEL_KEYS = ("layers", "_params", "_built_params", "_packed", "_copied", "_layers_edited",
               "_metrics", "rng", "dtype", "n_features_in", "n_outputs", "loss", "optimizer")
_OPTIMIZER_STATE = ("_param_slots", "_owners", "_bound", "_grads", "_slot_names", "_squares",
                    "_slots")
_L2 = attrgetter("l2")
_NAME = attrgetter("name")
_BASE_CHECK = Settings._check_settings  # an optimizer class checking its own way: not kept


def kept_state(model: Any) -> KeptState | None:
    """``model``'s ``KeptState`` if its key is still the model's, else None."""
    try:
        kept = _KEPT.get(model)
    except TypeError:  # an unhashable model (a subclass's __eq__): nothing kept
        return None
    return kept if kept is not None and kept.holds(model) else None


def keep(model: Any, metrics: list[Any]) -> KeptState | None:
    """Record what a full call checked and resolved (``model.loss``, ``model.optimizer``,
    ``metrics``), once it checked them all; None where nothing can be kept (see the module
    docstring)."""
    loss_names, optimizer_names = _names(model.loss, Loss), _names(model.optimizer, Optimizer)
    own_check = getattr(type(model.optimizer), "_check_settings", None)
    if (loss_names is None or optimizer_names is None or own_check is not _BASE_CHECK
            or _copied(model.__dict__["_metrics"], metrics)):
        forget(model)
        return None
    state = KeptState(model, metrics, loss_names, (*optimizer_names, *_OPTIMIZER_STATE))
    if not state.scalar_settings(len(loss_names), len(optimizer_names)):
        forget(model)
        return None
    try:
        _KEPT[model] = state
    except TypeError:
        return None
    return state


def _copied(requests: Any, metrics: list[Any]) -> bool:
    """Whether ``get_metrics`` resolved a metric object of ``requests`` to a copy of it."""
    resolved = {id(metric) for metric in metrics}
    return any(isinstance(r, Metric) and id(r) not in resolved for r in requests)


def _names(obj: Any, kind: type) -> tuple[str, ...] | None:
    """The names of ``obj``'s settings, or None if it is no ``kind`` or has too many."""
    if not isinstance(obj, kind):
        return None
    names = tuple(getattr(type(obj), "_settings", {}))
    return names if len(names) + len(_OPTIMIZER_STATE) <= len(_MISSINGS) else None


class KeptState:
    """One model's kept checks and loop (see the module docstring)."""

    def __init__(self, model: Any, metrics: list[Any], loss_names: tuple[str, ...],
                 optimizer_names: tuple[str, ...]) -> None:
        self.loss, self.optimizer, self.metrics = model.loss, model.optimizer, metrics
        self.loss_names, self.optimizer_names = loss_names, optimizer_names
        layers = model.__dict__["layers"]
        # the user's metric objects, whose names get_metrics checks
        self.named = [m for m in model.__dict__["_metrics"] if isinstance(m, Metric)]
        self.key = self.key_now(model)
        # what _bind_rng sets at each call, and where has_penalty reads l2
        self.rng_layers = [layer for layer in layers if hasattr(layer, "rng")]
        self.l2_layers = [layer for layer in layers if hasattr(layer, "l2")]
        self.loop: Any = None
        self.shape: tuple[Any, ...] = ()  # what the loop's buffers were made for

    def key_now(self, model: Any) -> tuple[Any, ...]:
        """The key of ``model`` as it is now (``key``: as checked, or as the step after the
        checks left it: the optimizer bound to the parameters by its first step)."""
        d = model.__dict__
        layers = d["layers"]
        return (*map(d.get, _MODEL_KEYS, _MISSINGS),
                *map(vars(self.loss).get, self.loss_names, _MISSINGS),
                *map(vars(self.optimizer).get, self.optimizer_names, _MISSINGS),
                *d["_metrics"], None, *(map(_NAME, self.named) if self.named else ()),
                None, *layers, None, *model.parameters(), None,
                *[p for layer in layers for p in layer.parameters()],
                _output_activation(layers), _END)

    def holds(self, model: Any) -> bool:
        """Whether ``model`` is as when kept: every entry of the key the same object (its
        ``loss`` and ``optimizer`` the kept ones; the end mark at the same place)."""
        return all(map(is_, self.key_now(model), self.key))

    def scalar_settings(self, n_loss: int, n_optimizer: int) -> bool:
        """Whether every setting held by the loss and the optimizer (not their state) is
        of an immutable type, so that the same object is the same value."""
        start = len(_MODEL_KEYS)
        values = [*self.key[start:start + n_loss],
                  *self.key[start + len(self.loss_names):][:n_optimizer]]
        return all(v is _MISSING or type(v) in _SCALARS for v in values)

    def bind_rng(self, model: Any) -> None:
        """``train._bind_rng`` for the layers kept: each drawing layer takes ``model.rng``."""
        rng = model.rng
        for layer in self.rng_layers:
            layer.rng = rng

    def has_penalty(self) -> bool:
        """``_Loop.has_penalty`` now (an ``l2`` set between calls counts)."""
        return any(map(_L2, self.l2_layers))


def _output_activation(layers: list[Any]) -> Any:
    """The last layer's own activation (``Dense(activation=...)``, set since by hand:
    ``layer.activation = None``), which chooses the kept objective's fused output path."""
    state = getattr(layers[-1], "__dict__", None) if layers else None
    return None if state is None else state.get("_activation")
