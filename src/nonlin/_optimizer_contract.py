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
  instance (``setting_checks`` on the class only: ``set_settings``, ``fit`` and ``save`` read
  the class's, so ``opt.setting_checks = {...}`` is an ``AttributeError``). A class body
  that assigns a public one has it moved to the private name (``sync_public_names``, from
  ``Settings.__init_subclass__``), so that the descriptor serves it.
* ``compute_updates`` and ``_deltas``, ``set_settings`` and ``_set`` are one function under
  two names in each class that defines either (``nonlin._method_names``, as a loss's ``call``
  and ``_sample_losses``): ``step`` calls ``_deltas`` as before (no Python call more per
  step), and ``super().compute_updates(...)`` reaches the base class's.
* ``build_slots`` returns the slots, ``_init_slots`` sets ``_slots``: a class that defines
  one gets the other made from it (``_init_by``, ``_build_by``), calling that class's own
  function (as it is then: one set on the class later is called), so that
  ``super().build_slots(params)`` reaches an ``_init_slots`` above it and
  ``super()._init_slots(params)`` a ``build_slots``, each level once.
* A mixin that is not an optimizer (``class Mine(Rule, SGD)``) gives its names the same way:
  the nearest class defining either name of a pair decides both. (``compute_updates`` set on
  a class after it is made is not seen by ``step``, which calls ``_deltas``: set both; a class
  made from it while they differ is a ``TypeError`` saying so. ``setting_checks`` set on a
  class after it is made is not seen either, as ``__init_subclass__`` merged them.)

A class body that defines both names of a pair, unlike, is a ``TypeError`` naming them (a
mixin's as the class's own, when a class taking its names is made); so is
``slot_names`` or ``setting_checks`` written as a property, a method or a classmethod (the
private name would be one, which the base class sets or reads on the class), ``slot_names``
a str (``("velocity")``, no comma), and ``slots`` set at all (each instance's state, which
``build_slots`` makes: ``slots = ("velocity",)`` meant ``slot_names``).
"""

from __future__ import annotations

from typing import Any, cast

import numpy as np

from ._method_names import clash, given_name, nearest, sync_methods

DATA = (("slot_names", "_slot_names"), ("slots", "_slots"), ("setting_checks", "_settings"))
METHODS = (("compute_updates", "_deltas"), ("set_settings", "_set"))


class Alias:
    """A public name that reads and sets the private attribute ``private``, on the class
    (``HeavyBall.slot_names``) and on an instance (``opt.slots``); with ``class_only`` (the
    public name), set on an instance is an ``AttributeError`` (``setting_checks``: the class's,
    which ``set_settings``, ``fit`` and ``save`` read from the class; one set on an instance
    would be ignored)."""

    def __init__(self, private: str, class_only: str = "") -> None:
        self.private = private
        self.class_only = class_only

    def __get__(self, obj: Any, owner: type | None = None) -> Any:
        if obj is None:  # on the class: the class's own (or inherited) value
            return getattr(owner, self.private, self)
        return getattr(obj, self.private)

    def __set__(self, obj: Any, value: Any) -> None:
        if self.class_only:
            name, public = type(obj).__name__, self.class_only
            raise AttributeError(f"Expected {public} in the body of a class (class "
                                 f"{name}(...): {public} = {{...}}): set_settings, fit and "
                                 f"save read the class's. Received {public} set on one "
                                 f"{name} instance, which they would ignore")
        setattr(obj, self.private, value)


def alias(public: str, private: str) -> Alias:
    """The ``Alias`` of ``public``: ``setting_checks`` set on the class only."""
    return Alias(private, public if public == "setting_checks" else "")


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


def sync_public_names(cls: type, root: type) -> None:
    """Give the class's public names to their private ones and back (module docstring): its
    own, or those of the nearest class it derives from that defines either name of a pair
    (a mixin that is not an optimizer; an optimizer's are given already). ``root``: the base
    class whose ``__init_subclass__`` calls it; the methods: ``_method_names.sync_methods``.

    Raises
    ------
    TypeError
        For a class body that defines both names of a pair, to different values, or a
        public name of data as a property, a method or a classmethod.
    """
    for public, private in DATA:
        _sync_data(cls, public, private, root)
    sync_methods(cls, METHODS, root)
    _sync_slot_makers(cls)


def _sync_data(cls: type, public: str, private: str, root: type) -> None:
    """``sync_public_names`` for one name of data: the nearest class's public value moved
    to the private name, which an ``Alias`` then serves, also over a farther mixin's; a
    class above defining both, unlike (a mixin, or an optimizer set since), refused."""
    above = nearest(cls, public, private)
    if above is not None and above is not cls \
            and not isinstance(vars(above).get(public), Alias):
        clash(above, public, private, made=issubclass(above, root))
    owner = _owner(cls, public, private)
    value = vars(owner).get(public) if owner is not None else None
    if owner is None or value is None or isinstance(value, Alias):
        seen = next((vars(k)[public] for k in cls.__mro__ if public in vars(k)), None)
        if not isinstance(seen, Alias):  # a farther mixin's, over the private name's
            setattr(cls, public, alias(public, private))
        return
    clash(owner, public, private)
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
        setattr(cls, public, alias(public, private))


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


def updates_name(optimizer: Any) -> str:
    """The name the class of ``optimizer`` gave its update rule, for a message:
    ``compute_updates`` or ``_deltas``."""
    return given_name(type(optimizer), "compute_updates", "_deltas")


def slots_name(optimizer: Any) -> str:
    """The name of what made the slots of ``optimizer``, for a message: ``build_slots``,
    or ``_init_slots`` where its class (or one it derives from) sets ``_slots`` so."""
    return getattr(type(optimizer)._init_slots, "made_by", "_init_slots")
