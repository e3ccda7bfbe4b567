"""``Metric``, the base class of nonlin's metrics, and ``streamed_update``.

Re-exported by ``nonlin.metrics`` (``nonlin.metrics.Metric``). It lives apart so that each
private metric module (``_confusion_metrics``, ``_mean_metrics``, ...) can be imported
first, in a fresh process: ``nonlin.metrics`` imports them all, and a module that took
``Metric`` from it would be imported back half made (a circular import).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np

from ._loss_checks import finite_rows
from ._metric_names import class_default_name
from ._quoting import quoted
from .validation import check_labels, check_rows, check_sample_weight, is_real


def check_target_width(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    """``y_true`` (n_samples,), (n_samples, 1) or of ``y_pred``'s shape (n_samples,
    n_outputs), rows already matched; a ``ValueError`` naming both shapes otherwise."""
    n, k = y_pred.shape
    if y_true.ndim == 2 and y_true.shape[1] not in (1, k):
        shapes = f"({n},) or ({n}, 1)" if k == 1 else f"({n},), ({n}, 1) or ({n}, {k})"
        raise ValueError(f"Expected y_true of shape {shapes} for y_pred of shape "
                         f"{y_pred.shape}. Received shape {y_true.shape}")
    return y_true


_M = TypeVar("_M", bound="Metric")  # from_config: Accuracy.from_config(...) is one


class Metric:
    """Base class. ``name`` is the key in ``History.history``; ``greater_is_better``
    (True, False, or None: not declared) tells ``EarlyStopping``,
    ``ReduceLROnPlateau`` and ``ModelCheckpoint`` with ``mode="auto"`` which way is
    better (Keras 3's ``_direction``); a plain function may carry it as an attribute.

    Subclasses define ``_compute(y_true, y_pred, w)`` over whole arrays and, to
    stream, ``result`` / ``reset_state`` and ``_update_state`` (what the public
    ``update_state`` calls once it has checked the batch), or ``update_state`` itself,
    which ``fit`` and ``evaluate`` then call (see ``streamed_update``). One that streams
    needs no ``_compute``: its streaming methods then run on a copy (``_metric_streamed``).
    """

    name = "metric"
    greater_is_better: bool | None = None
    streams = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """A subclass setting no ``name`` is named after its class (``F1Score``: ``"f1_score"``)."""
        super().__init_subclass__(**kwargs)
        if "name" not in vars(cls) and (auto := class_default_name(cls, Metric)) is not None:
            cls.name = auto

    def __init__(self, name: str | None = None) -> None:
        """``name``: the key in ``History.history``, the class's ``name`` when None (Keras'
        ``Metric(name=...)``, so a subclass may call ``super().__init__(name=name)``)."""
        if name is not None:
            if not isinstance(name, str) or not name:
                raise TypeError(f"Expected a non-empty str name. Received: name={quoted(name)}")
            self.name = name

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        """Add one batch, ``y_true`` and ``y_pred`` (n_samples, n_outputs), its rows
        weighed by ``sample_weight`` (n_samples,), to the running state; checked as
        ``__call__`` checks its input (a ``ValueError`` / ``TypeError`` naming it)."""
        y_pred = finite_rows(y_pred, "y_pred")
        self._update_state(*self._batch(finite_rows(y_true, "y_true"), y_pred, sample_weight))

    def _update_state(self, y_true: np.ndarray, y_pred: np.ndarray,
                      sample_weight: np.ndarray | None = None) -> None:
        """``update_state`` on a checked batch: ``y_true`` as ``_checked`` returns it,
        ``y_pred`` (n_samples, n_outputs), float64 weights or None."""
        raise NotImplementedError(f"{type(self).__name__} does not stream")

    def result(self) -> float:
        """The metric over every batch added since ``reset_state`` (NaN before any)."""
        raise NotImplementedError(f"{type(self).__name__} does not stream")

    def reset_state(self) -> None:
        """Forget the batches added so far."""

    def state_dict(self) -> dict[str, Any]:
        """The running state as numbers and lists of numbers (for checkpoints mid-epoch)."""
        raise NotImplementedError(f"{type(self).__name__} does not stream")

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore ``state``, what ``state_dict`` returned."""
        raise NotImplementedError(f"{type(self).__name__} does not stream")

    def __call__(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> float:
        """The metric of ``y_pred`` against ``y_true``, rows weighed by ``sample_weight``;
        a NaN or infinity is a ``ValueError`` naming its index (``_call`` does not check)."""
        y_pred = finite_rows(y_pred, "y_pred")
        return self._call(finite_rows(y_true, "y_true"), y_pred, sample_weight)

    def _call(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> float:
        """``__call__`` without the check for NaN and infinities."""
        return one_number(self, self._compute(*self._batch(y_true, y_pred, sample_weight)))

    def _batch(self, y_true: Any, y_pred: Any,
               sample_weight: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """``(y_true, y_pred, w)`` checked (but not for NaN): ``y_true`` as ``_checked``
        returns it, ``y_pred`` (n_samples, n_outputs), ``w`` float64 (n_samples,) or None."""
        y_pred, y_true = check_rows(y_pred, "y_pred"), check_rows(y_true, "y_true")
        if y_pred.ndim == 1:
            y_pred = y_pred[:, None]
        if y_true.shape[:1] != y_pred.shape[:1]:
            raise ValueError(
                f"Expected y_true with one row per row of y_pred ({y_pred.shape[0]}). "
                f"Received y_true of shape {y_true.shape}"
            )
        w = check_sample_weight(sample_weight, y_pred.shape[0])
        w = None if w is None else w.astype(np.float64, copy=False)
        return self._checked(y_true, y_pred), y_pred, w

    def _checked(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        """``y_true`` as this metric reads it (a direct call checks it; ``fit`` already has)."""
        return y_true

    def _class_labels(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        """Integer labels in ``[0, n_outputs)`` from labels (any integral dtype) or one-hot rows
        (n_samples, n_outputs): rows of another width are a ``ValueError``."""
        if y_true.ndim == 2 and y_true.shape[1] > 1:
            return check_target_width(y_true, y_pred)
        return check_labels(y_true, y_pred.shape[1], "y_true")

    def _compute(self, y_true: np.ndarray, y_pred: np.ndarray, w: np.ndarray | None) -> float:
        """A subclass's metric over whole arrays; without it, its streaming methods run on a
        copy (``_metric_streamed``), as a Keras 3 metric defines only those."""
        from ._metric_streamed import streamed_compute  # (it imports this module)

        return streamed_compute(self, y_true, y_pred, w)

    def get_config(self) -> dict[str, Any]:
        return {}

    @classmethod
    def from_config(cls: type[_M], config: dict[str, Any]) -> _M:
        """``cls(**config)``: the metric that ``get_config`` described (Keras')."""
        return cls(**config)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r})"


def streamed_update(metric: Metric) -> Callable[[np.ndarray, np.ndarray], None]:
    """How ``fit`` and ``evaluate`` add a batch they have checked to ``metric`` (decided
    once per pass): the unchecked ``_update_state``, or the metric's own ``update_state``
    where a subclass overrides it."""
    if type(metric).update_state is Metric.update_state:
        return metric._update_state
    return metric.update_state


def one_number(metric: Metric, value: Any) -> Any:
    """``value``, what ``metric`` gave (its ``_compute`` or ``result()``), as it is when it
    is one real number (a NumPy scalar, a 0-d array): a nonlin metric is one number, so
    another value of a metric of one's own (an array of one value per row or per class, None,
    a str) is a ``TypeError`` naming the metric, before ``fit`` logs it or a progress bar
    formats it."""
    if is_real(value) or isinstance(value, np.ndarray) and value.ndim == 0 and is_real(value[()]):
        return value
    raise TypeError(f"Expected one number from metric {quoted(metric.name)} "
                    f"({type(metric).__name__}). Received: {quoted(value, 200)}")


def result_of(metric: Metric) -> Any:
    """``metric.result()``, checked by ``one_number`` unless a float (the built-ins')."""
    value = metric.result()
    return value if type(value) is float else one_number(metric, value)
