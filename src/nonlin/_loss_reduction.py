"""The reduction and sample weights shared by every loss: ``nonlin.losses.Loss``'s plumbing.

``Reduction`` holds ``_value``, ``_sum``, ``_per_sample`` and ``_grad``, which reduce
the per-sample losses and their gradients as ``reduction`` says (see ``nonlin.losses``'
module docstring), around each loss's ``_sample_losses`` and ``_grad_terms`` (the guide's
``call`` and ``grad_terms``: ``nonlin._loss_contract``); mixed into ``Loss``, which adds
validation and the public API.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ._loss_contract import defined_name
from ._scratch import like


class Reduction:
    """``reduction`` and ``sample_weight`` around ``_sample_losses`` and ``_grad_terms``
    (defined by ``nonlin.losses.Loss`` and its subclasses)."""

    reduction: str

    if TYPE_CHECKING:  # the per-loss math, defined by ``Loss`` and its subclasses
        def _sample_losses(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray: ...

        def _grad_terms(self, y_true: np.ndarray, y_pred: np.ndarray,
                        out: np.ndarray) -> np.ndarray: ...

    def _value(self, y_true: np.ndarray, y_pred: np.ndarray, sample_weight: Any = None) -> float:
        """The reduced loss; ``"none"`` gives the sum, whose gradient ``_grad`` gives."""
        total = self._sum(y_true, y_pred, sample_weight)
        return total / y_pred.shape[0] if self.reduction == "mean" else total

    def _sum(self, y_true: np.ndarray, y_pred: np.ndarray, sample_weight: Any = None) -> float:
        """``sum_i w_i l_i``: the sample losses (times the weights) added up."""
        losses = self._sample_losses(y_true, y_pred)
        if type(losses) is not np.ndarray or losses.shape != y_pred.shape[:1]:
            _check_losses(self, losses, y_pred)  # no call per step on a right one
        if sample_weight is not None:
            losses = np.multiply(losses, sample_weight, out=like("weighted", losses, sample_weight))
        return float(losses.sum())

    def _per_sample(self, y_true: np.ndarray, y_pred: np.ndarray,
                    sample_weight: Any = None) -> np.ndarray:
        """``w_i L_i``, shape (n_samples,), in ``y_pred``'s dtype: a new array (never a
        buffer lent by ``nonlin._scratch``), the terms ``_sum`` adds up."""
        losses = self._sample_losses(y_true, y_pred)
        if type(losses) is not np.ndarray or losses.shape != y_pred.shape[:1]:
            _check_losses(self, losses, y_pred)
        if sample_weight is not None:
            return np.multiply(losses, sample_weight).astype(y_pred.dtype, copy=False)
        return np.array(losses, dtype=y_pred.dtype)

    def _grad(
        self, y_true: np.ndarray, y_pred: np.ndarray, sample_weight: Any = None, out: Any = None
    ) -> np.ndarray:
        """``dL/dy_pred``, shape (n_samples, n_outputs), written into ``out`` (new if None)::

            out_ij = w_i * d l_i / d y_pred_ij  (/ n_samples with reduction="mean")

        ``_grad_terms`` writes ``d l_i / d y_pred`` (for ``MeanSquaredError`` ``y_pred - y_true``,
        the tutorial's ``-l2_error``), then the weights and the ``1 / n`` scale it in place."""
        if out is None:
            out = np.empty_like(y_pred)
        terms = self._grad_terms(y_true, y_pred, out)
        if terms is not out and terms is not None:  # a loss of one's own's new array
            _copy_terms(self, terms, out)
        if sample_weight is not None:
            np.multiply(out, sample_weight[:, None], out=out)  # out_ij *= w_i
        if self.reduction == "mean":
            np.multiply(out, 1.0 / y_pred.shape[0], out=out)  # out /= n_samples
        return out


def _copy_terms(loss: Any, terms: Any, out: np.ndarray) -> None:
    """A loss of one's own whose ``_grad_terms`` returned a new array and left ``out``
    unwritten: its values go into ``out``, but never broadcast (a scalar, one row) into it."""
    if np.shape(terms) != out.shape:
        raise _shape_error(loss, "_grad_terms", out.shape, terms)
    np.copyto(out, terms)


def _check_losses(loss: Any, losses: Any, y_pred: np.ndarray) -> None:
    """Refuse ``_sample_losses``' result unless an array of shape (n_samples,) (an ndarray
    subclass passes): a loss of one's own returning (n_samples, 1), say, met the weights in
    NumPy's broadcasting error. ``_sum`` calls it only past an exact ndarray of that shape."""
    if not isinstance(losses, np.ndarray) or losses.shape != y_pred.shape[:1]:
        raise _shape_error(loss, "_sample_losses", y_pred.shape[:1], losses)


def _shape_error(loss: Any, method: str, expected: tuple[int, ...], received: Any) -> ValueError:
    """What a loss of one's own sees when its ``method`` returns another shape than the
    guide's "A custom loss" asks for (or no array)."""
    kind = "" if isinstance(received, np.ndarray) else f"a {type(received).__name__} of "
    what = "the per-sample losses" if method == "_sample_losses" else "d l_i / d y_pred"
    method = defined_name(loss, method)  # call or grad_terms, as its class names it
    return ValueError(
        f"Expected {type(loss).__name__}.{method} to return {what} as an array of shape "
        f"{expected}. Received {kind}shape {np.shape(received)}")
