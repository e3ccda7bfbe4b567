"""Margin losses, as Keras 3 names them: ``Hinge``, ``SquaredHinge``, ``CategoricalHinge``.

Re-exported by ``nonlin.losses`` (``from nonlin.losses import Hinge``) and by ``nonlin``;
the conventions of ``nonlin.losses`` hold: the per-sample loss sums over the outputs,
``reduction`` and ``sample_weight`` as there, float32 kept. None of them has a fused path:
``fit`` calls their ``_value`` / ``_grad`` on each batch, with the buffers it lends
(``nonlin._scratch``).

How they relate to Keras 3 (``keras.losses``) and PyTorch, per sample of ``k`` outputs:
``Hinge`` and ``SquaredHinge`` are ``k`` times Keras' ``hinge`` and ``squared_hinge``, which
average over the outputs; ``CategoricalHinge`` equals Keras' ``categorical_hinge`` (one
term per sample there too). Where a ``max(., 0)`` sits exactly at its kink, the gradient is
the one of its first argument, as TensorFlow's ``maximum`` (Keras 3's default backend)
gives it. PyTorch has none of them: its ``MultiMarginLoss`` adds the hinge of every wrong
class (``CategoricalHinge`` takes the largest), and ``HingeEmbeddingLoss`` is another loss.
"""

from __future__ import annotations

import numpy as np

from ._loss_checks import check_probability_rows, check_reduction
from ._scratch import like, rows
from .core import const
from .losses import Loss
from .losses_more import _refuse_outside


def _first(mask: np.ndarray) -> tuple[int, ...]:
    return tuple(int(i) for i in np.argwhere(mask)[0])


def _check_signs(y: np.ndarray, name: str) -> None:
    """Targets all in {-1, 1}, or all in {0, 1}: a ``ValueError`` naming the first that
    is not, or a -1 and a 0 found together (Keras reads 0 as -1 only without any -1)."""
    what = f"targets in {{-1, 1}} or in {{0, 1}} for the hinge loss in {name}"
    outside = (y != -1) & (y != 0) & (y != 1)
    if outside.any():
        index = _first(outside)
        raise ValueError(f"Expected {what}. Received {y[index]} at index {index}")
    minus, zero = y == -1, y == 0
    if minus.any() and zero.any():
        raise ValueError(f"Expected {what}, not both. Received -1 at index {_first(minus)} "
                         f"and 0 at index {_first(zero)}")


def check_fit_targets(loss: Loss, y: np.ndarray, name: str = "y_true") -> None:
    """Refuse targets ``loss`` has no meaning for, naming the first: other than -1 and 1
    (or 0 and 1) for ``Hinge`` and ``SquaredHinge``; for ``CategoricalHinge``, values
    outside [0, 1] or rows not summing to 1 (one-hot rows, or soft ones: a row of no class
    or of several has no true class to hold a margin for). The public calls and ``fit``
    (``data.prepare_targets``)."""
    if isinstance(loss, Hinge | SquaredHinge):
        _check_signs(y, name)
    elif isinstance(loss, CategoricalHinge):
        _refuse_outside(y, 0.0, 1.0, f"one-hot target rows (values in [0, 1]) for the "
                        f"categorical hinge in {name}", "")
        check_probability_rows(y, f"the categorical hinge in {name} (one class per row; "
                                  "for several, loss='hinge')")


class _MarginLoss(Loss):
    """The constructor and target checks the three share."""

    def __init__(self, reduction: str | None = "mean") -> None:
        self.reduction = check_reduction(reduction)

    def _check_target(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        y_true = super()._check_target(y_true, y_pred)
        check_fit_targets(self, y_true)
        return y_true


def _margins(y_true: np.ndarray, y_pred: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(1 - t p, t)``, both (n_samples, n_outputs), with ``t = 1`` where ``y > 0`` and
    ``-1`` elsewhere: Keras' ``2 y - 1`` for targets in {0, 1}, ``y`` itself for {-1, 1}."""
    one = const(1.0, y_pred.dtype)
    t = np.greater(y_true, const(0.0, y_pred.dtype), out=like("signs", y_pred))  # 1.0 or 0.0
    np.multiply(t, const(2.0, y_pred.dtype), out=t)
    np.subtract(t, one, out=t)
    margins = np.multiply(t, y_pred, out=like("terms", y_pred))
    return np.subtract(one, margins, out=margins), t


class Hinge(_MarginLoss):
    """Hinge loss: ``L_i = sum_j max(1 - t_ij p_ij, 0)``, with ``t`` the targets in {-1, 1}
    (targets in {0, 1} read as ``2 y - 1``, as Keras does).

    Gradient ``d L_i / d p_ij = -t_ij`` where ``1 - t_ij p_ij >= 0``, else 0.

    ``y_true`` (n_samples, n_outputs) holds -1 and 1, or 0 and 1, not -1 and 0 together
    (Keras would read that 0 as 0 and the whole batch as unconverted); a public call
    refuses other values, and so does ``fit``. ``y_pred`` holds scores: end the model
    with ``Dense`` or ``Tanh()``, and predict the class ``p > 0``. Keras' ``hinge``
    averages over the outputs (nonlin's is ``n_outputs`` times it).
    """

    def _sample_losses(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        margins, _ = _margins(y_true, y_pred)
        np.maximum(margins, const(0.0, margins.dtype), out=margins)
        return np.add.reduce(margins, 1, out=rows("losses", margins))  # .sum(axis=1)

    def _grad_terms(self, y_true: np.ndarray, y_pred: np.ndarray, out: np.ndarray) -> np.ndarray:
        margins, t = _margins(y_true, y_pred)
        np.greater_equal(margins, const(0.0, margins.dtype), out=out)  # 1.0 where active
        np.multiply(out, t, out=out)
        return np.negative(out, out=out)


class SquaredHinge(_MarginLoss):
    """Squared hinge loss: ``L_i = sum_j max(1 - t_ij p_ij, 0)^2``, targets as ``Hinge``'s.

    Gradient ``d L_i / d p_ij = -2 t_ij max(1 - t_ij p_ij, 0)``: smooth where ``Hinge``
    has a kink. Keras' ``squared_hinge`` averages over the outputs (nonlin's is
    ``n_outputs`` times it).
    """

    def _sample_losses(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        margins, _ = _margins(y_true, y_pred)
        np.maximum(margins, const(0.0, margins.dtype), out=margins)
        return np.einsum("ij,ij->i", margins, margins, out=rows("losses", margins))

    def _grad_terms(self, y_true: np.ndarray, y_pred: np.ndarray, out: np.ndarray) -> np.ndarray:
        margins, t = _margins(y_true, y_pred)
        np.maximum(margins, const(0.0, margins.dtype), out=margins)
        np.multiply(margins, t, out=out)
        return np.multiply(out, const(-2.0, out.dtype), out=out)


class CategoricalHinge(_MarginLoss):
    """Categorical (Crammer-Singer) hinge loss, Keras 3's ``categorical_hinge``:
    ``L_i = max(neg_i - pos_i + 1, 0)`` with ``pos_i = sum_j y_ij p_ij`` and
    ``neg_i = max_j (1 - y_ij) p_ij``.

    For a one-hot row of class ``c``: ``pos = p_c`` and ``neg`` the largest score of the
    other classes, or 0 if all are below 0 (the class's own entry, ``0 * p_c``, counts
    in the max, as in Keras). Gradient, where ``neg_i - pos_i + 1 >= 0`` (else 0):
    ``d L_i / d p_ij = (1 - y_ij) [j attains neg_i] / m_i - y_ij``, ``m_i`` the number
    of entries attaining it (ties share the gradient, as TensorFlow's and JAX's ``max``).

    ``y_true`` (n_samples, n_classes) holds one-hot rows (soft rows, summing to 1, are
    read by the same formula); a public call refuses values outside [0, 1] and rows not
    summing to 1, and so does ``fit``: Keras' ``categorical_hinge`` expects one-hot rows
    and computes any silently, PyTorch's ``MultiMarginLoss`` takes one class index per
    sample. A row of no class or of several has no true class (for several, ``Hinge``).
    ``y_pred`` holds scores, one per class.
    """

    def _parts(self, y_true: np.ndarray, y_pred: np.ndarray) -> tuple[np.ndarray, ...]:
        """``(1 - y, (1 - y) p, neg, neg - pos + 1)``."""
        dt = y_pred.dtype
        others = np.subtract(const(1.0, dt), y_true, out=like("terms", y_pred))
        scores = np.multiply(others, y_pred, out=like("other", y_pred))
        neg = np.maximum.reduce(scores, 1, out=rows("neg", y_pred))  # .max(axis=1)
        pos = np.einsum("ij,ij->i", y_true, y_pred, out=rows("losses", y_pred))
        np.subtract(neg, pos, out=pos)
        return others, scores, neg, np.add(pos, const(1.0, dt), out=pos)

    def _sample_losses(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        margin = self._parts(y_true, y_pred)[3]
        return np.maximum(margin, const(0.0, margin.dtype), out=margin)

    def _grad_terms(self, y_true: np.ndarray, y_pred: np.ndarray, out: np.ndarray) -> np.ndarray:
        others, scores, neg, margin = self._parts(y_true, y_pred)
        np.equal(scores, neg[:, None], out=out)  # 1.0 where the max is attained
        ties = np.add.reduce(out, 1, out=neg)
        np.divide(out, ties[:, None], out=out)
        np.multiply(out, others, out=out)
        np.subtract(out, y_true, out=out)
        active = np.greater_equal(margin, const(0.0, margin.dtype), out=margin)  # 1.0 or 0.0
        return np.multiply(out, active[:, None], out=out)

