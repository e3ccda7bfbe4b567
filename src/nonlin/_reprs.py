"""``repr`` from a constructor's signature: ``EarlyStopping(monitor='val_acc', patience=3)``.

The arguments shown are those the object keeps under their own names and whose value
differs from the default, in the signature's order, as Keras and scikit-learn print
their objects' settings.
"""

from __future__ import annotations

import inspect
from typing import Any

_SKIPPED = (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)


def constructor_repr(obj: Any, keywords: tuple[str, ...] = ()) -> str:
    """``ClassName(arg=value, ...)``: the non-default constructor arguments ``obj`` keeps,
    then those of ``keywords`` (names its ``**kwargs`` takes) that it keeps and that are not
    among its parameters."""
    try:
        parameters = list(inspect.signature(type(obj).__init__).parameters.values())[1:]
    except (TypeError, ValueError):  # no signature to read
        parameters = []
    kept, shown = getattr(obj, "__dict__", {}), []  # no __dict__ (slots): nothing shown
    for p in parameters:
        if p.kind in _SKIPPED or p.name not in kept:
            continue
        value = kept[p.name]
        if p.default is not p.empty and _same(value, p.default):
            continue
        shown.append(f"{p.name}={value!r}")
    named = {p.name for p in parameters}
    shown += [f"{name}={kept[name]!r}" for name in keywords
              if name in kept and name not in named]
    return f"{type(obj).__name__}({', '.join(shown)})"


def _same(value: Any, default: Any) -> bool:
    """Whether ``value`` is the default (``0.0`` for a default ``0`` too)."""
    if value is default:
        return True
    try:
        return type(value) in (type(default), float) and bool(value == default)
    except Exception:  # an array, or an object without a plain ==
        return False
