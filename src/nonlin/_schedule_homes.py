"""Where ``nonlin.schedules`` finds its allowlist and the schedules defined elsewhere.

Its module ``__getattr__`` (``schedules_getattr``) gives ``SCHEDULES``, the allowlist of
schedules by class name, built on first use and then kept in ``nonlin.schedules`` itself,
and the schedules of ``schedules_more`` (``PiecewiseConstantDecay``, ``PolynomialDecay``,
``InverseTimeDecay``) and ``schedules_cyclic`` (``CosineDecayRestarts``, ``OneCycle``), which
import ``nonlin.schedules``, so it imports them on first use (``_reexport``).
``schedule_from_config`` rebuilds an allowlisted schedule; both are ``nonlin.schedules``'s.
"""

from __future__ import annotations

import sys
from typing import Any

import nonlin  # schedule_from_config's hint, read when the hints are

from ._quoting import quoted
from ._reexport import reexports

_HOME = "nonlin.schedules"  # the module these serve, loaded whenever they are called
_MORE = reexports(_HOME, PiecewiseConstantDecay="schedules_more",
                  PolynomialDecay="schedules_more", InverseTimeDecay="schedules_more",
                  CosineDecayRestarts="schedules_cyclic", OneCycle="schedules_cyclic")


def schedules_getattr(name: str) -> Any:
    """``SCHEDULES``, the allowlist of schedules by class name (built on first use, with
    ``schedules_more``'s and ``schedules_cyclic``'s), and the re-exported
    ``PiecewiseConstantDecay``, ``PolynomialDecay``, ``InverseTimeDecay``,
    ``CosineDecayRestarts`` and ``OneCycle``."""
    if name != "SCHEDULES":
        return _MORE(name)
    home = vars(sys.modules[_HOME])
    table = home["SCHEDULES"] = {cls.__name__: cls for cls in (
        home["Constant"], home["StepDecay"], home["ExponentialDecay"], home["CosineDecay"],
        _MORE("PiecewiseConstantDecay"), _MORE("PolynomialDecay"), _MORE("InverseTimeDecay"),
        _MORE("CosineDecayRestarts"), _MORE("OneCycle"))}
    return table


def schedule_from_config(item: dict[str, Any]) -> nonlin.schedules.Schedule:
    """Rebuild a schedule from ``item``, ``{"class_name": ..., "config": {...}}`` (allowlisted
    names only)."""
    table = vars(sys.modules[_HOME]).get("SCHEDULES") or schedules_getattr("SCHEDULES")
    if not isinstance(item, dict) or item.get("class_name") not in table:
        raise ValueError(
            f"Expected a schedule entry with class_name in {sorted(table)}. "
            f"Received: {quoted(item, 200)}"
        )
    return table[item["class_name"]](**item.get("config", {}))
