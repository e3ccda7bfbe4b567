"""The whole-array value of a metric of one's own that streams but defines no ``_compute``.

Keras 3 defines a metric of one's own by ``update_state``, ``result`` and ``reset_state``
alone; nonlin's metrics also compute over whole arrays (``Metric._compute``: a call,
``evaluate`` and ``fit``'s validation when the rows fit in one chunk, and ``fit`` for a
metric that does not stream). For a subclass that does not override ``_compute`` but
defines the streaming trio, ``Metric._compute`` calls ``streamed_compute``: the trio run on a
fresh copy (``reset_state``, one update with the whole arrays, ``result``), so that the
metric's own running state is left as it was (a call is no batch of ``fit``'s). The built-in
metrics each define ``_compute``: nothing here runs for them.

``records_state``: whether a checkpoint written mid-epoch can record a metric's running state
(such a metric may stream without ``state_dict``, as a Keras 3 one has none).
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np

from ._metric_base import Metric, streamed_update

# what the fallback needs: each overridden, the update either way (see streamed_update)
_TRIO = (("update_state", "_update_state"), ("result",), ("reset_state",))


def streamed_compute(metric: Metric, y_true: np.ndarray, y_pred: np.ndarray,
                     w: np.ndarray | None) -> Any:
    """``metric``'s value over whole arrays through its streaming methods, on a copy.

    Parameters
    ----------
    metric : Metric
        A subclass instance that overrides ``result``, ``reset_state`` and ``update_state``
        (or ``_update_state``), and not ``_compute``.
    y_true : np.ndarray
        The targets as ``Metric._checked`` returns them, one row per row of ``y_pred``.
    y_pred : np.ndarray
        The outputs, (n_samples, n_outputs).
    w : np.ndarray or None
        float64 sample weights (n_samples,), passed as the update's third argument when
        given (``fit`` and ``evaluate`` pass none).

    Returns
    -------
    Any
        ``result()`` of the copy (``Metric._call`` checks that it is one number).

    Raises
    ------
    NotImplementedError
        Naming the class, when it defines neither ``_compute`` nor the streaming trio.
    """
    cls = type(metric)
    missing = [" or ".join(names) for names in _TRIO
               if all(getattr(cls, name) is getattr(Metric, name) for name in names)]
    if missing:
        raise NotImplementedError(
            f"Expected {cls.__name__} to define _compute(y_true, y_pred, w), the metric over "
            f"whole arrays (a call, evaluate and fit's validation use it), or the streaming "
            f"update_state, result and reset_state, as a Keras 3 metric. Received a class "
            f"without _compute, nor {', '.join(missing)}")
    fresh = copy.deepcopy(metric)  # its state as it is: the copy's reset leaves it so
    fresh.reset_state()
    update = streamed_update(fresh)
    if w is None:
        update(y_true, y_pred)
    else:
        update(y_true, y_pred, w)  # type: ignore[call-arg]
    return fresh.result()


def records_state(metric: Any) -> bool:
    """Whether a checkpoint written mid-epoch can record ``metric``'s running state: it
    streams and its class defines ``state_dict`` (the built-ins' all do); else that epoch
    starts again from its first batch on resume, as for a plain function."""
    return (isinstance(metric, Metric) and metric.streams
            and type(metric).state_dict is not Metric.state_dict)
