"""What the monitoring callbacks share: the direction of a monitored key, the
"improved" test, reading the key from the logs, and checking the counters of a
saved ``state_dict`` (``EarlyStopping``, ``ReduceLROnPlateau``, ``ModelCheckpoint``).
"""

from __future__ import annotations

import contextlib
import functools
import math
import warnings
import weakref
from collections.abc import Callable, Iterable
from typing import Any, TypeGuard

import numpy as np

from ._quoting import quoted
from ._stacklevel import user_stacklevel
from .validation import is_integer, is_real


def _check_mode(mode: Any) -> None:
    if not isinstance(mode, str) or mode not in ("auto", "min", "max"):
        raise ValueError(f"Expected mode 'auto', 'min' or 'max'. Received: mode={quoted(mode)}")


def _direction(monitor: str, mode: str, metrics: Iterable[Any] = (),
               owner: str = "EarlyStopping") -> str:
    """``"min"`` or ``"max"``: ``mode``, or for ``"auto"`` the direction of ``monitor``.

    As in Keras 3, ``"auto"`` asks the fit's metric of that name (``val_``
    stripped) which way is better (its ``greater_is_better``); keys with ``loss``
    in them go down, and so do nonlin's metrics by the names they log (``acc``,
    ``AUC``, ``mae``, ...), as their classes declare; the estimators' ``score``
    (accuracy or R²) goes up. Any other key raises a ``ValueError`` (Keras 3's
    rule), naming ``owner``: ``mode`` must then say.
    """
    _check_mode(mode)
    found = mode if mode != "auto" else _auto(monitor, metrics)
    if found is None:
        raise ValueError(
            f"{owner} received monitor={quoted(monitor)} with mode='auto', but cannot tell whether "
            f"{quoted(monitor)} should be maximized or minimized: it is no loss and no nonlin "
            "metric, "
            "and no metric of the fit by that name declares greater_is_better. Pass mode='max' "
            "if higher is better, or mode='min' if lower is better")
    return found


def _auto(monitor: str, metrics: Iterable[Any]) -> str | None:
    """The direction of ``monitor`` that ``metrics`` or its name tells, else None."""
    name = monitor.removeprefix("val_")
    for metric in metrics:
        if getattr(metric, "name", None) == name:
            declared = getattr(metric, "greater_is_better", None)
            if declared is not None and not isinstance(declared, bool | np.bool_):
                raise TypeError(f"Expected greater_is_better True, False or None on the "
                                f"metric {name!r}. Received: {quoted(declared)}")
            if declared is not None:
                return "max" if declared else "min"
            break
    if "loss" in name.lower():
        return "min"
    if name == "score":  # the estimators' validation score (scikit-learn's score)
        return "max"
    from .metrics import METRICS

    known = METRICS.get(name) or METRICS.get(name.lower())
    if known is None or known.greater_is_better is None:
        return None
    return "max" if known.greater_is_better else "min"


def fit_metrics(model: Any) -> list[Any]:
    """The metrics of the ``fit`` running on ``model`` (none outside one)."""
    return list(getattr(model, "_fit_metrics", ()))


def _better(monitor: str, mode: str, metrics: Iterable[Any] = (),
            owner: str = "ReduceLROnPlateau", *,
            lazy: bool = False) -> Callable[[float, float, float], bool]:
    """Keras 3's ``MonitorCallback`` test: ``current + delta < best`` (``current - delta >
    best`` for max), ``delta >= 0``. ``lazy`` (a callback made before ``fit`` names its
    metrics): a key of unknown direction gives a test that raises when first used."""
    _check_mode(mode)
    if lazy and mode == "auto" and _auto(monitor, metrics) is None:
        return functools.partial(_undecided, monitor, mode, list(metrics), owner)
    if _direction(monitor, mode, metrics, owner) == "max":
        return _greater
    return _lower


# module-level, not lambdas: a callback holding its test pickles (pickle.dump of an
# estimator with callbacks=[EarlyStopping()], as scikit-learn users keep models)
def _greater(current: float, best: float, delta: float) -> bool:
    return current - delta > best


def _lower(current: float, best: float, delta: float) -> bool:
    return current + delta < best


def _undecided(monitor: str, mode: str, metrics: list[Any], owner: str,
               current: float, best: float, delta: float) -> bool:
    _direction(monitor, mode, metrics, owner)  # raises, saying what to pass
    return False


_HINTED: weakref.WeakSet[Any] = weakref.WeakSet()  # callbacks whose warning had the hint


def _logged(logs: dict[str, Any] | None, monitor: str, what: str,
            owner: Any = None) -> TypeGuard[dict[str, Any]]:
    """Whether ``logs`` has ``monitor`` (then it is a dict, not None); if not, warn as
    Keras 3 does and return False. ``what`` starts the warning (``"Early stopping
    conditioned on metric"``); the available keys follow, in the logs' order. It points at
    the user's call (``fit``, or their own callback's), not at nonlin's line.

    A ``val_`` key in logs without any (a fit without validation data, or an epoch that
    ``validation_freq`` skips) gets, the first time for the callback ``owner``, a hint
    after Keras' sentence: what to pass, or why the epoch has none.
    """
    if logs and monitor in logs:
        return True
    message = (f"{what} `{monitor}` which is not available. "
               f"Available metrics are: {','.join(logs or {})}")
    if (monitor.startswith("val_") and not any(k.startswith("val_") for k in logs or {})
            and owner is not None and owner not in _HINTED):
        with contextlib.suppress(TypeError):  # no weak reference: the hint each time
            _HINTED.add(owner)
        message += _val_hint(owner, monitor)
    warnings.warn(message, stacklevel=user_stacklevel())
    return False


def _val_hint(owner: Any, monitor: str) -> str:
    """What ``_logged`` adds when a ``val_`` monitor is missing: why, and what to do (an
    estimator's fit, whose callbacks include its ``SklearnSchedule``: that one's words)."""
    model = getattr(owner, "model", None)
    for callback in getattr(model, "_fit_callbacks", None) or ():
        if hasattr(callback, "val_hint"):
            return str(callback.val_hint(monitor))
    freq = getattr(model, "_fit_val_freq", None)
    if not freq:
        return (f". This fit has no validation data: pass validation_split=0.2 or "
                f"validation_data=(X_val, y_val) to fit, or monitor={monitor[4:]!r}")
    hint = (f". This fit validates every {freq} epochs (validation_freq={freq}), and this "
            "epoch is not one of them")
    if getattr(owner, "save_best_only", False):  # ModelCheckpoint: Keras 3 saves then
        hint += (f"; the file is written anyway, as Keras 3 does: ModelCheckpoint(every={freq}) "
                 "saves at the validated epochs alone")
    return hint


def _monitored(logs: dict[str, Any], monitor: str, owner: Any = None) -> float | None:
    """The monitored value of ``logs`` (present), or None when it is NaN or infinite; a
    ``TypeError`` naming ``monitor`` and ``owner`` (the callback) when it is no number (a
    str or a list a callback logged, which ``History`` and ``CSVLogger`` record; an array
    of one value too, which NumPy 1.25 to 2.3 convert, with a DeprecationWarning)."""
    raw = logs[monitor]
    try:
        if isinstance(raw, np.ndarray) and raw.ndim:
            raise TypeError(raw)
        value = float(raw)
    except (TypeError, ValueError):
        who = "the callback" if owner is None else type(owner).__name__
        raise TypeError(f"Expected a number in the logs for monitor={monitor!r}, which {who} "
                        f"compares from epoch to epoch. Received: logs[{monitor!r}]="
                        f"{quoted(logs[monitor], 80)}; monitor a numeric key") from None
    return value if math.isfinite(value) else None


def _count(state: dict[str, Any], key: str) -> int:
    value = state.get(key, 0)
    if not is_integer(value) or value < 0:
        raise ValueError(f"Expected an integer >= 0 for {key!r}. Received: {quoted(value)}")
    return int(value)


def _optional_float(state: dict[str, Any], key: str) -> float | None:
    value = state.get(key)
    if value is None:
        return None
    if not is_real(value):
        raise ValueError(f"Expected a number or None for {key!r}. Received: {quoted(value)}")
    return float(value)


def _keys(state: dict[str, Any], prefix: str) -> list[str]:
    return [k for k in state if k.startswith(prefix)]


def _index(key: str) -> int:
    return int(key.rsplit(".", 1)[1])
