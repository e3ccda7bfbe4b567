"""The public names of an optimizer of one's own, and the private ones they stand for.

The guide's "An optimizer of your own" is the contract: a subclass of
``nonlin.optimizers.Optimizer`` names its slots in ``slot_names``, may make them otherwise in
``build_slots(params)`` (Keras 3's ``build``, its ``add_variable_from_reference``: a dict of one
array per parameter and slot), reads them as ``self.slots[name][i]`` in
``compute_updates(params, lr)`` (the ``d`` of ``w <- w + d`` for each parameter; Keras 3's
``update_step``, which applies it, PyTorch's ``step``), lists the checks of its settings in
``setting_checks`` and stores them with ``self.set_settings(name=value)``.

Each public name is the private one nonlin's own optimizers use (``_slot_names``, ``_slots``,
``_init_slots``, ``_deltas``, ``_settings``, ``_set``; an optimizer written against those,
as the guide had it before session 25, works unchanged):

* ``slot_names``, ``slots`` and ``setting_checks`` are ``Alias`` descriptors on the base
  classes: reading or setting one reads or sets the private attribute, on the class or an
  instance. A class body that assigns a public one has it moved to the private name
  (``sync_public_names``, from ``Settings.__init_subclass__``), so that the descriptor serves it.
* ``compute_updates`` and ``_deltas``, ``set_settings`` and ``_set`` are one function under
  two names in each class that defines either: ``step`` calls ``_deltas`` as before (no
  Python call more per step), and ``super().compute_updates(...)`` reaches the base class's.
* ``build_slots`` returns the slots, ``_init_slots`` sets ``_slots``: the base class's
  ``_init_slots`` is ``init_from_build``, and a class that defines ``build_slots`` (not
  ``_init_slots``) gets it back, over an ``_init_slots`` of a class it derives from.

A class body that defines both names of a pair, unlike, is a ``TypeError`` naming them.
"""

from __future__ import annotations

from typing import Any

import numpy as np

DATA = (("slot_names", "_slot_names"), ("slots", "_slots"), ("setting_checks", "_settings"))
METHODS = (("compute_updates", "_deltas"), ("set_settings", "_set"))


class Alias:
    """A public name that reads and sets the private attribute ``private``, on the class
    (``HeavyBall.slot_names``) and on an instance (``opt.slots``)."""

    def __init__(self, private: str) -> None:
        self.private = private

    def __get__(self, obj: Any, owner: type | None = None) -> Any:
        if obj is None:  # on the class: the class's own (or inherited) value
            return getattr(owner, self.private, self)
        return getattr(obj, self.private)

    def __set__(self, obj: Any, value: Any) -> None:
        setattr(obj, self.private, value)


def init_from_build(self: Any, params: list[Any]) -> None:
    """The base class's ``_init_slots``: the slots ``build_slots(params)`` returns (the base
    class's zeros made here, no Python call more per binding than before session 25)."""
    build = type(self).build_slots
    if build is zero_slots:
        self._slots = {name: [np.zeros_like(p.value) for p in params]
                       for name in self._slot_names}
    else:
        self._slots = self.build_slots(params)


def zero_slots(self: Any, params: list[Any]) -> dict[str, list[np.ndarray]]:
    """The base class's ``build_slots``: for each of ``slot_names`` one array of zeros like
    each of ``params``, ``{name: [array per parameter]}``, what ``self.slots`` then holds."""
    return {name: [np.zeros_like(p.value) for p in params] for name in self._slot_names}


def sync_public_names(cls: type) -> None:
    """Give the class body's public names to their private ones and back (module docstring).

    Raises
    ------
    TypeError
        For a class body that defines both names of a pair, to different values.
    """
    own = vars(cls)
    for public, private in DATA:
        if public in own and not isinstance(own[public], Alias):
            _check_one(cls, public, private)
            setattr(cls, private, own[public])
            delattr(cls, public)  # the base class's Alias reads the private one
    for public, private in METHODS:
        if public in own or private in own:
            _check_one(cls, public, private)
            function = own.get(public, own.get(private))
            setattr(cls, public, function)
            setattr(cls, private, function)
    if "build_slots" in own and "_init_slots" not in own:  # over a base's _init_slots
        cls._init_slots = init_from_build  # type: ignore[attr-defined]


def _check_one(cls: type, public: str, private: str) -> None:
    own = vars(cls)
    if public in own and private in own and own[public] is not own[private] \
            and own[public] != own[private]:
        raise TypeError(f"Expected {cls.__name__} to define {public} (the name the guide "
                        f"gives) or {private} (its older name), not both. Received both: "
                        f"define {public} alone")


def updates_name(optimizer: Any) -> str:
    """The name the class of ``optimizer`` gave its update rule, for a message:
    ``compute_updates`` or ``_deltas``."""
    name = getattr(type(optimizer)._deltas, "__name__", "_deltas")
    return name if name in ("compute_updates", "_deltas") else "compute_updates"


def slots_name(optimizer: Any) -> str:
    """The name of what made the slots of ``optimizer``, for a message: ``build_slots``,
    or ``_init_slots`` where its class (or one it derives from) sets ``_slots`` so."""
    return "build_slots" if type(optimizer)._init_slots is init_from_build else "_init_slots"
