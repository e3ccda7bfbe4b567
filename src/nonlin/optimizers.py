"""Optimizers: small objects that update a list of ``Param`` in place.

An optimizer is built without parameters (``Adam(lr=1e-3)``) and updates
the list it is handed in ``step(params)``; its per-parameter state ("slots") is
created on the first step, in the parameters' dtype, and belongs to those
parameters: handed another list (a second model's, a rebuilt one's) while it
holds slots, it raises, as Keras 3 does, rather than share or restart them.

Every optimizer accepts ``clipnorm``: when the global norm
``||g|| = sqrt(sum_i ||g_i||^2)`` over all gradients exceeds it, every gradient
is scaled by ``clipnorm / ||g||`` before the update (Keras' ``global_clipnorm``, also
accepted under that name; PyTorch's ``clip_grad_norm_`` scales by ``clipnorm / (||g|| + 1e-6)``,
smaller by ``1e-6 / ||g||`` relative; Keras' own ``clipnorm`` clips each gradient separately).
Or ``clipvalue``: each gradient entry clipped to ``[-clipvalue, clipvalue]`` (Keras';
PyTorch's ``clip_grad_value_``). At most one of the three, as Keras 3 allows.
``lr`` is a float or a schedule (``nonlin.schedules``) evaluated at
``iterations``, the number of steps taken so far.

``use_ema=True`` (Keras 3's, with ``ema_momentum=0.99`` and ``ema_overwrite_frequency=None``)
keeps an exponential moving average of the weights, updated after each step by Keras'
formula (``_ema``), overwriting the weights every ``ema_overwrite_frequency`` steps and,
at the end of ``fit``, always (``finalize_variable_values``); ``SwapEMAWeights`` validates
with it. It is a slot, ``"average"``, saved and restored with the others.

``step`` first computes every parameter's update, then applies them all, so training loops can
refuse (``check_finite``), before any weight changes, an update that is not finite, that would
overflow a weight, or that leaves a slot non-finite behind a finite update (Adam's average of
``g^2`` overflowing: ``m / inf = 0``; Lion's momentum after an infinite gradient:
``sign(inf) = 1``). A refused update also resets the slots (moment estimates), which then count
their steps from there (``slots_since``: Adam's bias correction is that of a fresh Adam, while
a schedule goes on from ``iterations``).
``state_dict()`` / ``load_state_dict()`` save and restore the slots and the
step counts (flat keys such as ``"m.0"``, arrays and plain scalars); a NaN or
infinite slot value is refused (``_optimizer_state``). ``clip_by_global_norm`` is
``_clipping``'s.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from . import _ema
from ._clipping import clip_by_global_norm, clip_by_value, clip_options
from ._ema import ema_config, ema_options, fresh_average, overwrite_with_average, update_average
from ._finite import update_finite
from ._misuse import check_binding, params_error
from ._optimizer_checks import (  # noqa: F401
    _check_lr,
    _check_positive,
    _check_range,
    check_deltas,
    check_slots,
    nothing_to_step,
    refused_update,
    schedule_rate,
)
from ._optimizer_contract import Alias, zero_init, zero_slots
from ._optimizer_pickle import Pickling
from ._optimizer_settings import Settings
from ._optimizer_state_dict import StateDict
from ._reexport import reexports
from ._scratch import flat_copy, flat_views
from ._torch_habits import OPTIMIZER_HABITS, habit_error, params_first
from .core import Param, flat_parameter

_O = TypeVar("_O", bound="Optimizer")  # from_config: Adam.from_config(...) is an Adam


class Optimizer(Settings, StateDict, Pickling):
    """Base class: learning rate ``lr`` (or schedule; ``learning_rate``, Keras' name, sets
    it too), ``clipnorm`` (``global_clipnorm``) or ``clipvalue``, slots and the step count.

    Subclasses call ``super().__init__(lr, ...)`` and define ``slot_names`` (or
    ``build_slots``: each slot one array per parameter, of its shape and dtype), read as
    ``self.slots``, ``compute_updates(params, lr)`` (for each parameter the ``d`` of
    ``w <- w + d``, of its shape) and ``setting_checks`` (see ``_optimizer_settings``); the
    guide's "An optimizer of your own" (the older private names: ``_optimizer_contract``).
    ``__new__`` reads ``*args``, ``**kwargs`` to refuse ``Adam(model.parameters(), lr=...)``.
    """

    _slot_names: tuple[str, ...] = ()
    slot_names, slots = Alias("_slot_names"), Alias("_slots")  # the guide's names of these
    _squares: tuple[str, ...] = ()  # slots of summed or averaged squared gradients: >= 0
    _hidden_slots: tuple[str, ...] = ()  # others that can become inf behind a finite update
    _slots: dict[str, list[np.ndarray]]  # set up by _reset and _ready (see there)
    _param_slots: dict[str, list[np.ndarray]]
    _scratch: list[np.ndarray]
    _two_scratch = False  # True: _ready makes a second scratch array per parameter, _spare
    _spare: list[np.ndarray] = []
    _bound: list[np.ndarray]
    _grads: list[np.ndarray] = []  # the bound parameters' grads (a Param's may be rebound)
    _owners: list[Param] = []  # the parameters the slots were made for
    _work: list[Param]
    clipvalue: float | None = None  # here too for optimizers pickled before it existed
    _deltas_checked = False  # whether step checked _deltas' shapes since the binding
    use_ema, ema_momentum, ema_overwrite_frequency = False, 0.99, None  # (_ema) as clipvalue

    def __new__(cls, *args: Any, **kwargs: Any) -> Optimizer:  # PyTorch's Adam(params, lr=...)
        if (error := params_first(cls, args, kwargs)) is not None:
            raise error
        return super().__new__(cls)

    if not TYPE_CHECKING:  # opt.zero_grad(), opt.param_groups: nonlin's way (_torch_habits)

        def __getattr__(self, name: str) -> Any:
            raise habit_error(f"{type(self).__name__!r} object", name, OPTIMIZER_HABITS)

    def __init__(self, lr: Any, *, clipnorm: float | None = None, learning_rate: Any = None,
                 clipvalue: float | None = None, global_clipnorm: float | None = None,
                 use_ema: bool = False, ema_momentum: float = 0.99,
                 ema_overwrite_frequency: int | None = None) -> None:
        self.lr = lr if learning_rate is None else learning_rate  # checked by the setter
        self.clipnorm, self.clipvalue = clip_options(clipnorm, clipvalue, global_clipnorm)
        self.use_ema, self.ema_momentum, self.ema_overwrite_frequency = ema_options(
            use_ema, ema_momentum, ema_overwrite_frequency)
        self.iterations = 0
        self._slots_since = 0  # the step count when the slots last started from zero
        self.check_finite = False
        self._reset()

    @property
    def lr(self) -> Any:
        """The rate, a float or a schedule; ``learning_rate`` (Keras' name) is the same.
        Setting it, whenever (a callback during ``fit``), checks it: an int or a NumPy
        scalar is stored as a float; a negative, NaN, infinite or non-number is refused."""
        return self._lr

    @lr.setter
    def lr(self, value: Any) -> None:
        self._lr = _check_lr(value)

    learning_rate = lr

    def current_lr(self) -> float:
        """The learning rate of the next step: ``lr`` or ``lr(iterations)``; a schedule's
        rate that is negative or NaN (a schedule of one's own) is a ``ValueError`` naming
        it, not a step uphill or a divergence blamed on the rate's size."""
        lr = self._lr  # a float (the setter made it one) or a schedule
        if isinstance(lr, float):
            return lr
        rate = lr(self.iterations)
        if type(rate) is not float:  # a NumPy scalar, or no number (no call for the built-ins')
            rate = schedule_rate(lr, self.iterations, rate)
        if not rate >= 0:
            raise ValueError(f"Expected a learning rate >= 0 from the schedule {lr!r}. "
                             f"Received {rate!r} at step {self.iterations}")
        return rate

    _init_slots, build_slots = zero_init, zero_slots  # (_optimizer_contract)

    def _ready(self, params: list[Param], average: list[np.ndarray] | None = None) -> list[Param]:
        """The list to step: ``params``, or their one flat ``Param`` when they are packed.

        ``_slots`` follows that list (what ``_deltas`` reads); ``_param_slots`` has
        one array per parameter (views into the flat slots when packed) for
        ``state_dict``. Set up again whenever a parameter's value or grad array changed
        (a grad assigned by hand); the slots survive that for the same parameters and
        are refused for others (``_misuse.check_binding``; ``load_state_dict`` fills them).
        ``average``: the moving average a refused update kept (``step``), for new slots.
        """
        bound = self._bound
        if len(bound) == len(params) and all(map(_is_bound, params, bound, self._grads)):
            return self._work
        shapes = [p.value.shape for p in params]
        check_binding(self, params, shapes)  # grads shaped like values; slots made for these
        kept = self._param_slots
        fits = kept and all([a.shape for a in v] == shapes for v in kept.values())
        flat = flat_parameter(params)
        self._work = params if flat is None else [flat]
        if not fits:  # for the settings as they are (opt.momentum set before a step by hand)
            self._lay_out(*self._slot_layout())
            self._init_slots(self._work)
            check_slots(self, self._work)
            if self.use_ema:  # Keras' zeros before the first step, or the kept (see _ema)
                self._slots["average"] = fresh_average(self.iterations, self._work, average)
        elif flat is None:
            self._slots = kept
        else:
            self._slots = {name: [flat_copy(v, flat.value.dtype)] for name, v in kept.items()}
        self._param_slots = self._slots if flat is None else {
            name: flat_views(buffers[0], shapes) for name, buffers in self._slots.items()}
        self._scratch = [np.empty_like(p.value) for p in self._work]
        self._spare = [np.empty_like(p.value) for p in self._work] if self._two_scratch else []
        self._bound, self._grads = [p.value for p in params], [p.grad for p in params]
        self._deltas_checked = False  # step checks its next updates' shapes
        self._owners = list(params)
        return self._work

    def _reset(self) -> None:
        """Forget the slots and the binding: the next step starts them afresh."""
        self._slots, self._param_slots, self._scratch, self._bound = {}, {}, [], []
        self._grads, self._owners = [], []

    def step(self, params: list[Param]) -> None:
        """Update every parameter of ``params`` in place from its ``grad``: ``w <- w + d``.

        In order: clip the gradients (``clipnorm`` or ``clipvalue``), compute every ``d``
        (``_deltas``: ``-lr * g`` for plain SGD, Adam's ``-lr_t m / (sqrt(v) + eps)``),
        refuse them all if one is not finite (``check_finite``, which ``fit`` sets), add
        them, update the moving average (``use_ema``), count the step. Settings set since
        construction are checked by ``fit``, not here (nor by PyTorch's ``step``)."""
        if not params:  # no trainable weights, or no list of Param (_optimizer_checks)
            return nothing_to_step(self, params)
        try:
            work = self._ready(params)
        except (AttributeError, TypeError) as error:  # not a list of Param, or check_binding's
            raise (params_error(params) or error) from None
        if self.use_ema:  # its two settings may have been set since: checked before the update
            _ema.check_ema(self)
        if self.clipnorm is not None:
            clip_by_global_norm(work, self.clipnorm)
        elif self.clipvalue is not None:
            clip_by_value(work, self.clipvalue)
        try:
            deltas = self._deltas(work, self.current_lr())
        except KeyError as error:  # a slot a setting switched on since the slots were made
            unmade = self._unmade_slot(error)  # needs (a callback's amsgrad=True mid-fit)
            if unmade is None:
                raise
            raise unmade from None
        if not self._deltas_checked:  # the first step since binding: a subclass's updates
            check_deltas(self, work, deltas)
            self._deltas_checked = True
        if self.check_finite and not (all(map(update_finite, deltas, (p.value for p in work)))
                                      and self._hidden_finite()):
            raise refused_update(self, params)  # the slots start afresh (_optimizer_checks)
        for p, d in zip(work, deltas, strict=True):
            np.add(p.value, d, p.value)  # w <- w + d, in place
        for p in params:  # counted: a backward pending at the former weights is refused
            p._version += 1  # (nonlin._pass_weights; _misuse.check_binding made it)
        if self.use_ema:  # Keras 3's moving average of the weights, after the update
            update_average(self, work)
        self.iterations += 1

    def compute_updates(self, params: list[Param], lr: float) -> list[np.ndarray]:
        """For each of ``params`` the ``d`` of ``w <- w + d``, of its shape, at the rate
        ``lr``: the update rule a subclass defines (``_deltas``, its older name)."""
        raise NotImplementedError(f"Expected {type(self).__name__} to define "
                                  "compute_updates(self, params, lr), its update rule")

    _deltas = compute_updates

    def finalize_variable_values(self, var_list: list[Param]) -> None:
        """Keras 3's: with ``use_ema``, the weights of ``var_list`` (``model.parameters()``)
        become the moving average (nothing before the first step). ``fit`` calls it after
        its last epoch (``epochs > 0``), before ``on_train_end``, as Keras' ``fit`` does."""
        if self.use_ema:
            overwrite_with_average(self, var_list)

    def get_config(self) -> dict[str, Any]:
        lr = self.lr if isinstance(self.lr, float) else {
            "class_name": type(self.lr).__name__, "config": self.lr.get_config()}
        config: dict[str, Any] = {"lr": lr}
        if self.clipnorm is not None:  # global_clipnorm's too: the same
            config["clipnorm"] = self.clipnorm
        if self.clipvalue is not None:
            config["clipvalue"] = self.clipvalue
        config.update(ema_config(self))  # use_ema and its two: only when not the defaults
        return config

    @classmethod
    def from_config(cls: type[_O], config: dict[str, Any]) -> _O:
        """Rebuild from ``get_config()``; a schedule given as ``{"class_name", "config"}``
        is rebuilt through the allowlist in ``nonlin.schedules``."""
        from .schedules import schedule_from_config

        config = dict(config)
        if isinstance(config.get("lr"), dict):
            config["lr"] = schedule_from_config(config["lr"])
        return cls(**config)

    def __repr__(self) -> str:
        config = self.get_config()
        if isinstance(config.get("lr"), dict):  # a schedule: its own repr, not its file record
            config["lr"] = self.lr
        args = ", ".join(f"{k}={v!r}" for k, v in config.items())
        return f"{type(self).__name__}({args})"


def _is_bound(p: Param, value: np.ndarray, grad: np.ndarray) -> bool:
    return p.value is value and p.grad is grad


if TYPE_CHECKING:  # imported on first use (see _reexport): they import this module
    from .adaptive import Adagrad, Adam, AdamW, RMSprop
    from .adaptive_more import Adamax, Nadam
    from .optim_extra import Adadelta, Lion
    from .sgd import SGD
else:  # hidden from type checkers, which would take every name as an attribute (a typo too)
    __getattr__ = reexports(__name__, SGD="sgd", Adagrad="adaptive", Adam="adaptive",
                            AdamW="adaptive", RMSprop="adaptive", Adamax="adaptive_more",
                            Nadam="adaptive_more", Adadelta="optim_extra", Lion="optim_extra")

__all__ = ["Adadelta", "Adagrad", "Adam", "AdamW", "Adamax", "Lion", "Nadam", "Optimizer",
           "RMSprop", "SGD", "clip_by_global_norm"]
