"""The input checks behind every loss's public ``__call__`` and ``grad``.

``Loss._check`` (``nonlin.losses``) runs them once per public call; training
loops validate once up front and then call the losses' private ``_value`` /
``_grad`` on each batch, so nothing here runs on the training step. Every
message names what was expected and what was received. ``check_reduction`` is the
check of every loss's ``reduction`` argument, run by its constructor; the checks of the
losses' numbers (``_unit_interval``, ``_at_least_zero``, ``_finite_positive``, ``class_alpha``,
...) are ``_loss_numbers``', re-exported here. ``check_settings`` runs
those checks again on an existing loss (each class lists its own in ``_settings``), for an
attribute set after construction (``loss.gamma = float("nan")``): ``fit``, ``compile``,
``evaluate`` (``evaluation.resolve_loss``), ``train_on_batch``, every public call, and ``save``
and every checkpoint write (``_compile_entries.check_saved_settings``) refuse it as the
constructor does. An optimizer's ``_check_settings`` (``_optimizer_settings``) calls it too.
"""

from __future__ import annotations

import inspect
import warnings
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from ._loss_numbers import (  # noqa: F401  (re-exported: the losses' modules import them here)
    _as_float,
    _at_least_zero,
    _finite_positive,
    _unit_interval,
    check_class_alpha,
    class_alpha,
    stored_class_alpha,
)
from ._quoting import quoted
from .validation import check_rows


def first_bad(a: np.ndarray) -> str:
    """The first non-finite entry of ``a`` and its index, for a message."""
    index = tuple(int(i) for i in np.argwhere(~np.isfinite(a))[0])
    return f"{a[index]} at index {index}"


def finite_rows(value: Any, name: str) -> np.ndarray:
    """``value`` checked by ``validation.check_rows`` (a metric's direct call), then a
    ``ValueError`` naming its first NaN or infinity, if any."""
    values = check_rows(value, name)
    if values.dtype.kind == "f" and not np.isfinite(values).all():
        raise ValueError(f"Expected finite {name}. Received {first_bad(values)}")
    return values


def check_loss_inputs(
    y_true: Any,
    y_pred: Any,
    sample_weight: Any,
    check_target: Callable[[np.ndarray, np.ndarray], np.ndarray],
) -> tuple[Any, Any, Any]:
    """``(y_true, y_pred, sample_weight)`` as arrays a loss's math accepts.

    ``y_pred`` becomes a finite float32 or float64 array (any other dtype, float16
    included, becomes float64) of shape (n_samples, n_outputs) (a 1-D one counts
    as one column), ``y_true`` is checked finite and then by the
    loss's own ``check_target``, and ``sample_weight``, if given, becomes a
    finite, non-negative array of shape (n_samples,) in ``y_pred``'s dtype.
    """
    y_pred = np.asarray(y_pred)
    if y_pred.dtype.kind not in "fiub":  # complex lost its imaginary part, text was parsed
        raise TypeError(f"Expected numeric y_pred. Received dtype {y_pred.dtype}")
    if y_pred.dtype not in (np.float32, np.float64):  # float16's eps (1e-15) would be 0
        y_pred = y_pred.astype(np.float64)
    if y_pred.ndim == 1:
        y_pred = y_pred[:, None]
    if y_pred.ndim != 2 or y_pred.shape[0] == 0:
        raise ValueError(
            f"Expected y_pred of shape (n_samples, n_outputs). Received shape {y_pred.shape}"
        )
    if not np.all(np.isfinite(y_pred)):
        raise ValueError(f"Expected finite y_pred. Received {first_bad(y_pred)}")
    y_true = np.asarray(y_true)
    if y_true.dtype.kind in "fc" and not np.all(np.isfinite(y_true)):
        raise ValueError(f"Expected finite y_true. Received {first_bad(y_true)}")
    try:
        y_true = check_target(y_true, y_pred)
    except ValueError as error:  # PyTorch's order, loss(out, y)? (the error path only)
        raise swapped_hint(error, y_true, y_pred, check_target) from None
    if sample_weight is not None:
        try:
            sample_weight = np.asarray(sample_weight, dtype=y_pred.dtype)
        except (TypeError, ValueError):  # text, None, ragged lists
            raise ValueError("Expected real numbers in sample_weight. "
                             f"Received {quoted(sample_weight, 80)}") from None
        if sample_weight.shape != (y_pred.shape[0],):
            raise ValueError(
                f"Expected sample_weight of shape ({y_pred.shape[0]},). "
                f"Received shape {sample_weight.shape}"
            )
        bad = np.flatnonzero(~(np.isfinite(sample_weight) & (sample_weight >= 0)))
        if bad.size:
            raise ValueError("Expected finite, non-negative sample weights. Received "
                             f"sample_weight[{bad[0]}]={sample_weight[bad[0]].item()!r}")
    return y_true, y_pred, sample_weight


def swapped_hint(error: ValueError, y_true: np.ndarray, y_pred: np.ndarray,
                 check_target: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> ValueError:
    """The target check's ``error``, saying to swap the arguments when ``y_pred`` holds hard
    labels and ``y_true`` what a model outputs, and, swapped, they pass the check (logits
    given as ``BinaryCrossEntropy``'s targets, in PyTorch's order). Hard labels: whole
    numbers, at least two of them (a model's outputs all alike, as a zero-initialized
    output layer's zeros, would look like labels), and outputs: some not whole (targets
    of whole numbers in ``y_true``, labels out of range or of {-1, 1}, are the user's
    targets, in the right order)."""
    if ("Keras' order" in str(error) or y_true.dtype.kind not in "fiub"
            or not np.array_equal(y_pred, np.round(y_pred))
            or np.array_equal(y_true, np.round(y_true))
            or np.all(y_pred == y_pred.flat[0])):
        return error
    as_pred = y_true.astype(y_pred.dtype)
    as_pred = as_pred[:, None] if as_pred.ndim == 1 else as_pred
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            check_target(y_pred.copy(), as_pred)
    except (ValueError, TypeError):
        return error
    return ValueError(f"{error}; the arguments are loss(y_true, y_pred), Keras' order "
                      "(PyTorch's losses take (input, target)): swapped, they pass: swap them")


def check_not_swapped(y_true: np.ndarray, y_pred: np.ndarray) -> None:
    """Refuse one column of predictions against several columns of targets, naming the
    likely cause: the arguments in PyTorch's order, ``loss(input, target)``."""
    if y_pred.shape[1] == 1 and y_true.ndim == 2 and y_true.shape[1] > 1:
        raise ValueError(
            f"Expected y_true of shape ({y_pred.shape[0]},) or {y_pred.shape} for y_pred of "
            f"shape {y_pred.shape}. Received y_true of shape {y_true.shape}; the arguments "
            "are loss(y_true, y_pred), Keras' order (PyTorch's losses take (input, target)): "
            "swap them")


def check_categorical_inputs(y_true: np.ndarray, y_pred: np.ndarray, from_logits: bool) -> None:
    """``CrossEntropy``'s public calls: the arguments in their order, and probabilities
    in [0, 1] unless ``from_logits`` (fit's Softmax outputs are in range)."""
    check_not_swapped(y_true, y_pred)
    if not from_logits:
        check_probabilities(y_pred)


def check_probabilities(y_pred: np.ndarray) -> None:
    """Refuse a ``y_pred`` outside [0, 1] for a cross-entropy of probabilities, as PyTorch's
    ``BCELoss`` does: scores (logits) given without ``from_logits=True`` would give a
    negative or huge loss and gradient. Public calls only: on each batch ``fit`` runs the
    private math (a Sigmoid or Softmax output is in range; it warns once of a model
    without one)."""
    outside = (y_pred < 0) | (y_pred > 1)
    if outside.any():
        index = tuple(int(i) for i in np.argwhere(outside)[0])
        raise ValueError(
            f"Expected probabilities in [0, 1] in y_pred (from_logits=False). Received "
            f"{y_pred[index]} at index {index}; for scores (logits), use from_logits=True")


def check_real_target(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    """Same shape as ``y_pred`` (a 1-D target counts as one column), real numbers,
    returned in ``y_pred``'s dtype."""
    if y_true.ndim == 1:
        y_true = y_true[:, None]
    if y_true.shape != y_pred.shape:
        raise ValueError(
            f"Expected y_true of shape {y_pred.shape} like y_pred. "
            f"Received shape {y_true.shape}"
        )
    if y_true.dtype.kind not in "fiub":
        raise TypeError(f"Expected numeric y_true. Received dtype {y_true.dtype}")
    return y_true.astype(y_pred.dtype, copy=False)


def check_probability_rows(y: np.ndarray, what: str = "cross-entropy") -> np.ndarray:
    """Refuse target rows (n_samples, n_classes) that are not one-hot or probability rows
    for ``what`` (cross-entropy, the categorical hinge): each must sum to 1 (within
    ``np.allclose``'s tolerance, ``atol=1e-6``) with no entry below 0 (``[2, -1]`` sums to 1
    too; its cross-entropy has no lower bound). ``fit`` runs it once on its targets
    (``data.prepare_targets``), the public calls on theirs."""
    sums = y.sum(axis=1, dtype=np.float64)
    if not np.allclose(sums, 1.0, atol=1e-6):
        row = int(np.argmax(np.abs(sums - 1)))
        from ._target_hints import rows_hint  # lazily: the error path only

        hint = rows_hint(y, sums, row) if what == "cross-entropy" else ""
        raise ValueError(
            f"Expected one-hot or probability rows summing to 1 for {what}. "
            f"Received a row summing to {float(sums[row])!r} (row {row}){hint}")
    if np.any(y < 0):
        raise ValueError(f"Expected one-hot or probability rows (entries >= 0) for "
                         f"{what}. Received {y[y < 0][0].item()!r}")
    return y


def check_out(out: Any, y_pred: np.ndarray) -> None:
    """``loss.grad(..., out=out)``: an array of ``y_pred``'s shape and dtype (after its
    conversion), which the gradient is written into."""
    if (not isinstance(out, np.ndarray) or out.shape != y_pred.shape
            or out.dtype != y_pred.dtype or not out.flags.writeable):
        received = (f"shape {out.shape}, dtype {out.dtype}" if isinstance(out, np.ndarray)
                    else type(out).__name__)
        raise (TypeError if not isinstance(out, np.ndarray) else ValueError)(
            f"Expected out, an array of shape {y_pred.shape} and dtype {y_pred.dtype} like "
            f"y_pred, writeable. Received {received}")


# PyTorch's names, and Keras 3's where they mean the same (see nonlin.losses)
_REDUCTIONS = {"mean": "mean", "sum": "sum", "none": "none", None: "none",
               "sum_over_batch_size": "mean"}


class _ClassReduction(str):
    """``Loss.__init__``'s default: not given, so the class's own reduction is kept."""

    def __repr__(self) -> str:
        return "<the class's reduction>"


# a str, so that the signature still reads as one; "mean" unless a class body sets another
CLASS_REDUCTION = _ClassReduction("mean")


def check_reduction(reduction: str | None) -> str:
    """``"mean"``, ``"sum"`` or ``"none"`` for a reduction's name (or Keras' None)."""
    if not isinstance(reduction, str | None) or reduction not in _REDUCTIONS:
        hint = (" (Keras' 'mean_with_sample_weight' divides by the sum of the weights; "
                "nonlin's 'mean' by n_samples: use 'sum' and divide)"
                if isinstance(reduction, str) and reduction == "mean_with_sample_weight" else "")
        raise ValueError(f"Expected reduction 'mean', 'sum' or 'none'{hint}. "
                         f"Received: reduction={quoted(reduction)}")
    return _REDUCTIONS[reduction]


def stored_reduction(name: str, value: Any) -> str:
    """``reduction`` as a loss holds it, set after construction: ``"mean"``, ``"sum"`` or
    ``"none"`` (the constructor's other spellings, Keras' ``"sum_over_batch_size"`` and None,
    would reduce as ``"sum"`` or not at all if stored as given)."""
    if isinstance(value, str) and value in ("mean", "sum", "none"):
        return value
    check_reduction(value)  # an unknown name: the constructor's message and hint
    raise ValueError(f"Expected reduction 'mean', 'sum' or 'none' on an existing loss (the "
                     f"constructor also takes Keras' names and None). Received: "
                     f"{name}={quoted(value)}")


def check_settings(loss: Any, unused: tuple[str, ...] = ()) -> None:
    """Check again the attributes that the constructor of ``loss``'s class checked
    (``type(loss)._settings``: name to check), as they are now: one set since
    (``loss.gamma = float("nan")``) is refused with the constructor's message, and so is
    one a subclass's class body sets (``reduction = "sum_over_batch_size"`` in a loss of
    one's own, which no constructor converts). Nothing is changed (an int ``gamma`` stays
    one). ``unused``: names not checked (``nonlin.sklearn`` sets its own ``reduction`` and
    ``from_logits`` on a copy)."""
    settings: Mapping[str, Callable[[str, Any], Any]] = getattr(type(loss), "_settings", {})
    for name, check in settings.items():
        value = _held(loss, name)
        if value is not _MISSING and name not in unused:
            check(name, value)


_MISSING = object()


def _held(loss: Any, name: str) -> Any:
    """``loss``'s own ``name``, else a plain value of its class body (not a property's or a
    method's, whatever they compute), else ``_MISSING``."""
    if name in vars(loss):
        return vars(loss)[name]
    value = inspect.getattr_static(type(loss), name, _MISSING)
    return _MISSING if hasattr(value, "__get__") else value
