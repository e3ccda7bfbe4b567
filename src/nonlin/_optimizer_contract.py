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
* ``build_slots`` returns the slots, ``_init_slots`` sets ``_slots``: a class that defines
  one gets the other made from it (``_init_by``, ``_build_by``), calling that class's own
  function (as it is then: one set on the class later is called), so that
  ``super().build_slots(params)`` reaches an ``_init_slots`` above it and
  ``super()._init_slots(params)`` a ``build_slots``, each level once.
* A mixin that is not an optimizer (``class Mine(Rule, SGD)``) gives its names the same way:
  the nearest class defining either name of a pair decides both. (``compute_updates`` set on
  a class after it is made is not seen by ``step``, which calls ``_deltas``: set both.)

A class body that defines both names of a pair, unlike, is a ``TypeError`` naming them; so is
``slot_names`` or ``setting_checks`` written as a property, a method or a classmethod (the
private name would be one, which the base class sets or reads on the class), ``slot_names``
a str (``("velocity")``, no comma), and ``slots`` set at all (each instance's state, which
``build_slots`` makes: ``slots = ("velocity",)`` meant ``slot_names``).
"""

from __future__ import annotations

from typing import Any, cast

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


def zero_init(self: Any, params: list[Any]) -> None:
    """The base class's ``_init_slots``: ``self._slots``, for each of ``slot_names`` one array
    of zeros like each of ``params`` (no Python call more per binding than before session 25)."""
    self._slots = {name: [np.zeros_like(p.value) for p in params] for name in self._slot_names}


def zero_slots(self: Any, params: list[Any]) -> dict[str, list[np.ndarray]]:
    """The base class's ``build_slots``: for each of ``slot_names`` one array of zeros like
    each of ``params``, ``{name: [array per parameter]}``, what ``self.slots`` then holds."""
    return {name: [np.zeros_like(p.value) for p in params] for name in self._slot_names}


zero_init.made_by = zero_slots.made_by = "build_slots"  # type: ignore[attr-defined]


def _init_by(owner: type) -> Any:
    """The ``_init_slots`` of a class whose nearest slot maker is the ``build_slots`` of
    ``owner``: that one, not ``self.build_slots``, so that ``super()`` reaches each level
    (looked up as it is called: ``Adagrad.build_slots = ...`` set later is the one)."""

    def _init_slots(self: Any, params: list[Any]) -> None:
        self._slots = vars(owner)["build_slots"](self, params)

    _init_slots.made_by = "build_slots"  # type: ignore[attr-defined]
    return _init_slots


def _build_by(owner: type) -> Any:
    """The ``build_slots`` of a class whose nearest slot maker is the older ``_init_slots`` of
    ``owner`` (setting ``self._slots``): what it sets, returned."""

    def build_slots(self: Any, params: list[Any]) -> dict[str, list[np.ndarray]]:
        vars(owner)["_init_slots"](self, params)
        return cast(dict[str, list[np.ndarray]], self._slots)

    build_slots.made_by = "_init_slots"  # type: ignore[attr-defined]
    return build_slots


# what a class body may not make a public name, with what to write instead
_NOT_DESCRIPTORS = {
    "slot_names": "a tuple of slot names (names that depend on a setting: set them in "
                  "__init__, self.slot_names = (...))",
    "setting_checks": "a dict of each setting's name to its check",
    "slots": "made by build_slots(params), the state of each optimizer, not set in the "
             "class body (their names: slot_names = (...))",
}


def sync_public_names(cls: type) -> None:
    """Give the class's public names to their private ones and back (module docstring): its
    own, or those of the nearest class it derives from that defines either name of a pair
    (a mixin that is not an optimizer; an optimizer's are given already).

    Raises
    ------
    TypeError
        For a class body that defines both names of a pair, to different values, or a
        public name of data as a property, a method or a classmethod.
    """
    for public, private in DATA:
        _sync_data(cls, public, private)
    for public, private in METHODS:
        owner = _owner(cls, public, private)
        if owner is not None:
            _check_one(owner, public, private)
            function = vars(owner).get(public, vars(owner).get(private))
            setattr(cls, public, function)
            setattr(cls, private, function)
    _sync_slot_makers(cls)


def _sync_data(cls: type, public: str, private: str) -> None:
    """``sync_public_names`` for one name of data: the nearest class's public value moved
    to the private name, which an ``Alias`` then serves, also over a farther mixin's."""
    owner = _owner(cls, public, private)
    value = vars(owner).get(public) if owner is not None else None
    if owner is None or value is None or isinstance(value, Alias):
        seen = next((vars(k)[public] for k in cls.__mro__ if public in vars(k)), None)
        if not isinstance(seen, Alias):  # a farther mixin's, over the private name's
            setattr(cls, public, Alias(private))
        return
    _check_one(owner, public, private)
    if hasattr(type(value), "__get__") or public == "slots":  # slots: an instance's
        raise TypeError(f"Expected {owner.__name__}.{public} to be "
                        f"{_NOT_DESCRIPTORS[public]}. Received a {type(value).__name__}")
    if public == "slot_names" and isinstance(value, str):  # ("velocity"): no comma
        raise TypeError(f"Expected {owner.__name__}.slot_names to be a tuple of slot names. "
                        f"Received the str {value!r}: write ({value!r},)")
    setattr(cls, private, value)
    if owner is cls:
        delattr(cls, public)  # the base class's Alias reads the private one
    else:
        setattr(cls, public, Alias(private))


def _owner(cls: type, public: str, private: str) -> type | None:
    """The nearest class of ``cls.__mro__`` that defines ``public`` (not as an ``Alias``) or
    ``private``; None where that is an optimizer's (its names given already), or none does."""
    for klass in cls.__mro__:
        own = vars(klass)
        if private in own or (public in own and not isinstance(own[public], Alias)):
            return klass if klass is cls or public not in own or private not in own else None
    return None


def _sync_slot_makers(cls: type) -> None:
    """``build_slots`` and ``_init_slots``: the one that the nearest class defining either
    defines, and the other made from it (``_init_by``, ``_build_by``)."""
    owner = _owner(cls, "build_slots", "_init_slots")
    if owner is None:
        return
    own = vars(owner)
    if "_init_slots" not in own:
        cls._init_slots = _init_by(owner)  # type: ignore[attr-defined]
    elif "build_slots" not in own:
        cls.build_slots = _build_by(owner)  # type: ignore[attr-defined]


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
    return getattr(type(optimizer)._init_slots, "made_by", "_init_slots")
