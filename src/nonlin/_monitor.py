"""What the monitoring callbacks share: the direction of a monitored key, the
"improved" test, reading the key from the logs, and checking the counters of a
saved ``state_dict`` (``EarlyStopping``, ``ReduceLROnPlateau``, ``ModelCheckpoint``).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Iterable
from typing import Any, TypeGuard

from .validation import is_integer, is_real


def _direction(monitor: str, mode: str, metrics: Iterable[Any] = ()) -> str:
    """``"min"`` or ``"max"``: ``mode``, or for ``"auto"`` the direction of ``monitor``.

    As in Keras 3, ``"auto"`` asks the fit's metric of that name (``val_``
    stripped) which way is better (its ``greater_is_better``); ``"loss"``, and
    keys no metric declares, are guessed from the name: accuracies, R² and
    ``score`` (the estimators' ``val_score``, scikit-learn's ``score``) up, the rest down.
    """
    if mode not in ("auto", "min", "max"):
        raise ValueError(f"Expected mode 'auto', 'min' or 'max'. Received: mode={mode!r}")
    if mode == "auto":
        name = monitor.removeprefix("val_")
        declared = [getattr(m, "greater_is_better", None) for m in metrics
                    if getattr(m, "name", None) == name]
        if name != "loss" and declared and declared[0] is not None:
            return "max" if declared[0] else "min"
        name = name.lower()
        mode = "max" if ("acc" in name or name in ("r2", "r2_score", "score")) else "min"
    return mode


def fit_metrics(model: Any) -> list[Any]:
    """The metrics of the ``fit`` running on ``model`` (none outside one)."""
    return list(getattr(model, "_fit_metrics", ()))


def _better(monitor: str, mode: str,
            metrics: Iterable[Any] = ()) -> Callable[[float, float, float], bool]:
    """Keras 3's ``MonitorCallback`` test: ``current + delta < best`` (``current - delta >
    best`` for max), ``delta >= 0``."""
    if _direction(monitor, mode, metrics) == "max":
        return lambda current, best, delta: current - delta > best
    return lambda current, best, delta: current + delta < best


def _logged(logs: dict[str, Any] | None, monitor: str, what: str,
            stacklevel: int = 3) -> TypeGuard[dict[str, Any]]:
    """Whether ``logs`` has ``monitor`` (then it is a dict, not None); if not, warn as
    Keras 3 does and return False. ``what`` starts the warning (``"Early stopping
    conditioned on metric"``); the available keys follow, in the logs' order.
    ``stacklevel`` counts from the caller."""
    if logs and monitor in logs:
        return True
    warnings.warn(f"{what} `{monitor}` which is not available. "
                  f"Available metrics are: {','.join(logs or {})}", stacklevel=stacklevel)
    return False


def _monitored(logs: dict[str, Any], monitor: str) -> float | None:
    """The monitored value of ``logs`` (present), or None when it is NaN or infinite."""
    value = float(logs[monitor])
    return value if math.isfinite(value) else None


def _count(state: dict[str, Any], key: str) -> int:
    value = state.get(key, 0)
    if not is_integer(value) or value < 0:
        raise ValueError(f"Expected an integer >= 0 for {key!r}. Received: {value!r}")
    return int(value)


def _optional_float(state: dict[str, Any], key: str) -> float | None:
    value = state.get(key)
    if value is None:
        return None
    if not is_real(value):
        raise ValueError(f"Expected a number or None for {key!r}. Received: {value!r}")
    return float(value)


def _keys(state: dict[str, Any], prefix: str) -> list[str]:
    return [k for k in state if k.startswith(prefix)]


def _index(key: str) -> int:
    return int(key.rsplit(".", 1)[1])
