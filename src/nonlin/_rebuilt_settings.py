"""Whether an optimizer rebuilt from its config, as a file rebuilds it, has the settings of the
one written: ``_compile_entries._optimizer_entry`` asks it for a model file's and a
checkpoint's optimizer (``save(include_optimizer=True)``, ``ModelCheckpoint``,
``BackupAndRestore``).

Comparing ``get_config`` with the rebuilt one's ``get_config`` misses a setting the config
leaves out: both leave it out. An optimizer of one's own whose ``get_config`` forgot ``beta``
was saved with ``beta=0.5`` and loaded or resumed with the default, ``beta=0.9``, silently.
Here each setting is read on both, as ``_saveable._check_rebuilt`` reads a layer's
constructor arguments: the optimizer's ``_settings`` and constructor arguments, and its
learning-rate schedule's constructor arguments (a schedule of one's own whose ``get_config``
leaves one out). Only plain values are compared (``_saveable._same``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from ._quoting import quoted
from ._saveable import _UNREAD, _arguments, _attribute, _same

# why a file cannot rebuild an optimizer: its class, or its schedule's, is not in the
# registry; its config does not rebuild it; the rebuilt one holds a setting otherwise
Kind = Literal["unregistered optimizer", "unregistered schedule", "config", "lost setting"]


@dataclass(frozen=True)
class Unrebuilt:
    """Why a model file or checkpoint cannot rebuild an optimizer as it is
    (``_compile_entries._optimizer_entry``): ``kind``, which check refused it, for the
    callers that choose the fix by it (``_resumable.unresumable``, ``_compile_record``), and
    ``reason``, the words a message quotes (also ``str()``)."""

    kind: Kind
    reason: str

    def __str__(self) -> str:
        return self.reason


def lost_setting(optimizer: Any, rebuilt: Any) -> str | None:
    """Why ``rebuilt``, ``optimizer`` as its config rebuilds it, is not the same optimizer:
    the first setting it holds otherwise, with the fix; None when none differs.

    Parameters
    ----------
    optimizer : Optimizer
        The optimizer written.
    rebuilt : Optimizer
        ``type(optimizer).from_config(config)``, the config read back from its JSON.
    """
    names = (*type(optimizer)._settings, *_arguments(type(optimizer)))
    lost = _first_lost(optimizer, rebuilt, names, optimizer.get_config())
    if lost is not None:
        return _message("its config", type(optimizer).__name__, *lost)
    schedule, back = getattr(optimizer, "lr", None), getattr(rebuilt, "lr", None)
    if isinstance(schedule, float) or type(back) is not type(schedule):
        return None  # a float rate is in the config; another class: get_config compared it
    return lost_schedule_setting(schedule, back)


def lost_schedule_setting(schedule: Any, rebuilt: Any) -> str | None:
    """As ``lost_setting``, for a learning-rate ``schedule`` and ``rebuilt``, its class's
    ``from_config`` of its config: the first constructor argument that differs."""
    lost = _first_lost(schedule, rebuilt, _arguments(type(schedule)), schedule.get_config())
    if lost is None:
        return None
    return _message(f"its learning-rate schedule {quoted(schedule, 80)}'s config",
                    type(schedule).__name__, *lost)


def _first_lost(given: Any, rebuilt: Any, names: tuple[str, ...],
                config: dict[str, Any]) -> tuple[str, Any, Any] | None:
    """``(name, value written, value rebuilt)`` of the first of ``names`` that ``config``
    leaves out and ``rebuilt`` holds otherwise than ``given``; None when none does."""
    for name in dict.fromkeys(names):  # in order, once each
        if name in config:
            continue  # compared as the config's (the rebuilt one's get_config)
        value, back = _attribute(given, name), _attribute(rebuilt, name)
        if value is not _UNREAD and back is not _UNREAD and not _same(value, back):
            return name, value, back
    return None


def _message(whose: str, cls: str, name: str, given: Any, back: Any) -> str:
    return (f"{whose} rebuilds {cls} with {name}={quoted(back)}, not {quoted(given)}: "
            f"return every setting from {cls}.get_config, def get_config(self): return "
            f"{{**super().get_config(), {name!r}: self.{name}}}")
