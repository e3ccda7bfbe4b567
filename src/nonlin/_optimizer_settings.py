"""An optimizer's settings, checked by its constructor and again, as they are then, by ``fit``.

Each optimizer class lists its settings in ``_settings`` (``setting_checks``, the guide's
name: ``_optimizer_contract``; name to check, the checks of ``_optimizer_checks``,
``_clipping``, ``_ema`` and ``validation``): its constructor stores each through ``_set``
(``set_settings``; the check's value) and ``_check_settings`` runs the same checks again on an
existing optimizer (``_loss_checks.check_settings``, which losses use the same way), so an
attribute set since construction (``opt.momentum = 2.0``), or set in a subclass's class body,
is refused with the constructor's message. ``nonlin.train.resolve_optimizer`` calls it once
per call of ``fit`` (``resume_from`` included) and ``compile``, per call of ``train_on_batch``
unless it kept the last call's checks (no setting assigned since: ``nonlin._on_batch_state``), and
``_compile_entries.check_saved_settings`` once per ``save`` and checkpoint written (a file of
settings ``load`` refuses is not written); never per step:
``Optimizer.step`` called by hand does not check settings (as PyTorch does not check its
``param_groups``), except ``ema_momentum`` and ``ema_overwrite_frequency`` with ``use_ema``.
``nonlin.sklearn``'s estimators take no optimizer object: the one they make checks nothing here
(``PenalizedOptimizer``), its settings being theirs, in scikit-learn's ranges.

Settings that choose the slots (SGD's and RMSprop's ``momentum``, RMSprop's ``centered``,
Adam's ``amsgrad``, ``use_ema``) lay the slots out again when none are held yet; once the
first step made them, a setting that needs a slot they lack is refused, the message naming
that setting (``_choosing``): make a new optimizer, or set it back.
``base_options`` passes a constructor's own arguments for ``Optimizer.__init__`` on to it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

import numpy as np

from ._clipping import check_clip, one_clip
from ._ema import check_ema_frequency, check_ema_momentum
from ._finite import all_finite
from ._loss_checks import check_settings
from ._optimizer_contract import alias, sync_public_names
from .validation import check_bool

Check = Callable[[str, Any], Any]
# Optimizer.__init__'s keywords, which every optimizer's constructor names in its signature
BASE_OPTIONS = ("clipnorm", "clipvalue", "global_clipnorm", "learning_rate", "use_ema",
                "ema_momentum", "ema_overwrite_frequency")


def base_options(arguments: dict[str, Any]) -> dict[str, Any]:
    """The ``BASE_OPTIONS`` of a constructor's ``locals()``, for ``Optimizer.__init__``:
    ``super().__init__(lr, **base_options(locals()))``, where each constructor's signature
    still names them all (``help``, ``inspect.signature``)."""
    return {name: arguments[name] for name in BASE_OPTIONS}


class Settings:
    """``_settings`` and their checks, mixed into ``nonlin.optimizers.Optimizer``."""

    # the base class's: every optimizer takes them (constructor: _clipping.clip_options and
    # _ema.ema_options, which run these checks); subclasses add theirs ({**Base._settings, ...})
    _settings: ClassVar[dict[str, Check]] = {
        "clipnorm": check_clip, "clipvalue": check_clip, "use_ema": check_bool,
        "ema_momentum": check_ema_momentum, "ema_overwrite_frequency": check_ema_frequency}
    _slot_names: tuple[str, ...]
    _squares: tuple[str, ...]
    _hidden_slots: tuple[str, ...]
    _param_slots: dict[str, list[np.ndarray]]
    _slots: dict[str, list[np.ndarray]]
    clipnorm: float | None
    clipvalue: float | None
    use_ema: bool

    setting_checks = alias("setting_checks", "_settings")  # the guide's (_optimizer_contract)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """A subclass's own ``setting_checks`` (``_settings``) go with those it inherits
        (``{**Adam._settings, ...}`` written or not): an optimizer of one's own listing only
        its new settings keeps its base class's checks (its constructor's ``set_settings``
        looked them up there: KeyError); its public names stand for the private ones
        (``_optimizer_contract.sync_public_names``)."""
        super().__init_subclass__(**kwargs)
        sync_public_names(cls, Settings)
        own = vars(cls).get("_settings")
        if own is not None:
            inherited: dict[str, Check] = {}
            for base in reversed(cls.__mro__[1:]):
                inherited.update(vars(base).get("_settings", {}))
            cls._settings = {**inherited, **own}

    @property
    def global_clipnorm(self) -> float | None:
        """Keras' name of ``clipnorm`` (already the global norm here), as ``learning_rate`` is
        ``lr``'s: ``opt.global_clipnorm = 1.0`` sets ``clipnorm``, checked by ``fit``."""
        return self.clipnorm

    @global_clipnorm.setter
    def global_clipnorm(self, value: Any) -> None:
        self.clipnorm = value

    def set_settings(self, **values: Any) -> None:
        """Store each of ``values`` as its check in ``setting_checks`` returns it, then check
        them together (``_check_joint``) and lay the slots out (``_slot_layout``): what a
        constructor calls (``self.set_settings(beta=beta)``; ``_set``, its older name).

        Raises
        ------
        KeyError
            For a name ``setting_checks`` does not list.
        ValueError, TypeError
            The check's, for a value it refuses.
        """
        settings = type(self)._settings
        for name in values:  # a KeyError, as documented, that says what to do; nothing set
            if name not in settings:
                raise unlisted_setting(self, name, settings)
        for name, value in values.items():  # each checked (this call's own dict) ...
            values[name] = settings[name](name, value)
        for name in values:  # ... before any is set
            setattr(self, name, values[name])
        self._check_joint()
        self._lay_out(*self._slot_layout())

    _set = set_settings

    def _hidden_finite(self) -> bool:
        """Whether the slots an update may not show are finite: ``_squares`` (a finite ``g^2``
        can overflow them while the update stays finite, ``m / inf = 0``) and ``_hidden_slots``
        (``Optimizer.step``'s check with ``check_finite``)."""
        names = (*self._squares, *self._hidden_slots)
        return all(all_finite(slot) for name in names for slot in self._slots[name])

    def _check_joint(self) -> None:
        """The checks of several settings together: at most one of ``clipnorm`` and
        ``clipvalue`` (``_clipping.one_clip``, the constructor's message)."""
        one_clip({name: value for name in ("clipnorm", "clipvalue")
                  if (value := getattr(self, name, None)) is not None})

    def _slot_layout(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """``(_slot_names, _squares)`` for the settings as they are: those held (the
        instance's, as an optimizer of one's own may set them in ``__init__``, else the
        class's) unless a setting chooses them (overridden there, from the class's)."""
        return self._slot_names, self._squares

    def _saved_slots(self) -> tuple[str, ...]:
        """The slots ``state_dict`` holds and ``load_state_dict`` takes: those of the settings
        as they are (``_slot_layout``; not ``velocity`` once SGD's ``momentum`` was set to 0,
        as a new optimizer with the settings ``get_config`` saves has none), and ``"average"``
        with ``use_ema``."""
        names = self._slot_layout()[0]
        return (*names, "average") if self.use_ema else tuple(names)

    def _makeable_slots(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """``(names, squares)`` of the slots this optimizer makes for its settings as they are
        or with one that is off switched on (SGD's ``velocity`` at ``momentum=0``): those
        ``load_state_dict`` takes unused, as a setting switched off keeps its slot (a file of
        code before session 22 holds it); ``"average"`` is not one (never saved unused)."""
        names, squares = self._slot_layout()
        for name in type(self)._settings:
            value = getattr(self, name, None)
            if name == "use_ema" or isinstance(value, str) or value is None or value:
                continue
            layout = self._layout_with(name, 1)
            if layout is not None:
                names += tuple(n for n in layout[0] if n not in names)
                squares += tuple(n for n in layout[1] if n not in squares)
        return names, squares

    def _layout_with(self, name: str, number: int) -> tuple[tuple[str, ...], ...] | None:
        """``_slot_layout`` with the setting ``name`` at ``number`` in its own type (1: on,
        0: off), on a copy of the settings; None where the value cannot be made or a layout
        of one's own refuses it (``_makeable_slots``, ``_choosing``)."""
        probe = object.__new__(type(self))
        try:
            vars(probe).update(vars(self), **{name: type(getattr(self, name))(number)})
            return probe._slot_layout()
        except Exception:  # a type of no such value, or a layout refusing it
            return None

    def _lay_out(self, names: tuple[str, ...], squares: tuple[str, ...]) -> None:
        """Hold ``names`` and ``squares`` on the instance where they differ from the class's."""
        for attr, value in (("_slot_names", names), ("_squares", squares)):
            if value == getattr(type(self), attr):
                vars(self).pop(attr, None)
            else:
                setattr(self, attr, value)

    def _check_settings(self) -> None:
        """The constructor's checks, run again on the settings as they are now (see the
        module docstring); nothing is converted (an int ``momentum`` stays one).

        Raises
        ------
        ValueError, TypeError
            The constructor's, for a setting it would refuse; a ``ValueError`` for a
            setting that needs a slot the slots made at the first step lack.
        """
        check_settings(self)  # each setting in _settings, as _loss_checks checks a loss's
        self._check_joint()
        names, squares = self._slot_layout()
        held = vars(self).get("_param_slots") or {}
        if not held and not vars(self).get("_bound"):  # no step yet in this process (SGD
            # without momentum steps with none): the first makes them for the settings
            self._lay_out(names, squares)
            return
        # held: settings needing fewer keep them unused (state_dict leaves those out)
        missing = [name for name in (*names, *(("average",) if self.use_ema else ()))
                   if name not in held]
        if missing:
            raise ValueError(self._missing_slots_message(missing, list(held)))

    def _unmade_slot(self, error: KeyError) -> ValueError | None:
        """For a step that found no slot ``error.args[0]``: when the settings as they are
        need it (one switched on since the slots were made, by a callback mid-fit: ``fit``
        checks settings once, not per step), the ``ValueError`` naming that setting; None
        for another missing key (an optimizer of one's own), left as it is."""
        slot = error.args[0] if len(error.args) == 1 else None
        needed = (*self._slot_layout()[0], *(("average",) if self.use_ema else ()))
        if not isinstance(slot, str) or slot not in needed:
            return None
        return ValueError(self._missing_slots_message([slot], list(self._slots)))

    def _missing_slots_message(self, missing: list[str], held: list[str]) -> str:
        """Why the slots ``missing``, which the settings as they are need, are refused: the
        settings that need them (``_choosing``), as they are and as the first step made
        the slots ``held``, and what to do."""
        choosing = self._choosing(missing)
        slots = f"slot{'s' if len(missing) > 1 else ''} {' and '.join(map(repr, missing))}"
        if not choosing:  # an optimizer of one's own choosing its slots otherwise
            return (f"{self!r} needs the {slots}, which this optimizer's first step did not "
                    f"make (it made {', '.join(held) or 'none'}): make a new optimizer with "
                    "these settings, or set back the setting that needs them")
        now = ", ".join(f"{name}={getattr(self, name)!r}" for name in choosing)
        then = ", ".join(f"{name}={value!r}" for name, value in choosing.items())
        return (f"{type(self).__name__}({now}) needs the {slots}, which this optimizer's "
                f"first step did not make (it was made with {then}): make a new optimizer "
                f"with these settings, or set {' and '.join(choosing)} back")

    def _choosing(self, missing: list[str]) -> dict[str, Any]:
        """The settings whose value needs a slot of ``missing``, each with the value (off:
        ``False``, ``0.0``) for which ``_slot_layout`` leaves that slot out: ``use_ema`` for
        ``"average"``, the others found by trying each on a copy of the settings."""
        choosing: dict[str, Any] = {"use_ema": False} if "average" in missing else {}
        needed = set(missing) & set(self._slot_layout()[0])
        for name in type(self)._settings:
            value = getattr(self, name, None)
            if name in choosing or isinstance(value, str) or not value:
                continue
            layout = self._layout_with(name, 0)
            if layout is not None and needed - set(layout[0]):
                choosing[name] = type(value)(0)
        return choosing


def unlisted_setting(optimizer: Any, name: str, settings: dict[str, Any]) -> KeyError:
    """``set_settings``' ``KeyError`` for a name its class's ``setting_checks`` leaves out:
    an attribute the optimizer has already (``lr``) is set as one."""
    cls = type(optimizer).__name__
    if hasattr(optimizer, name):
        advice = (f"{name} is an attribute of {cls}, not one of its settings: set it as one, "
                  f"optimizer.{name} = value")
    else:
        advice = (f"add {name!r}: a check (name, value) -> value to setting_checks in the "
                  "class body (the guide's An optimizer of your own), or set it as a plain "
                  "attribute")
    return KeyError(f"Expected a setting that {cls}.setting_checks lists "
                    f"({', '.join(settings)}). Received: {name}; {advice}")

