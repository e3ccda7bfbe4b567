"""The cross-entropies' math: per-sample losses and unreduced gradients.

``BinaryEntropyMath`` and ``CategoricalEntropyMath`` hold the ``_sample_losses`` and
``_grad_terms`` of ``nonlin.losses.BinaryCrossEntropy`` and ``CrossEntropy`` (see
their docstrings for the formulas); those classes add the constructor, the target
checks, the reduction and the public API (``nonlin.losses.Loss``). Each method
writes into ``nonlin._scratch`` buffers, as the other losses do.

Their options (``nonlin._entropy_options``): ``label_smoothing=s`` replaces the targets
first, by ``y (1 - s) + 0.5 s`` (binary) or ``y (1 - s) + s / k`` over ``k`` classes
(integer labels as one-hot rows), Keras 3's expressions. ``pos_weight=w`` (binary, a number
or one per output) weighs the positive term, PyTorch's ``BCEWithLogitsLoss``::

    L = -[w y log p + (1 - y) log(1 - p)] = (1 - y) z + c softplus(-z),  c = 1 + (w - 1) y
    dL/dz = c sigmoid(z) - w y          dL/dp = (c p - w y) / (p_c (1 - p_c))

from logits ``z`` (PyTorch's form) or probabilities ``p`` (``p_c`` clipped as without it,
the numerator unclipped: 0 where ``p = y`` is 0 or 1). Without options the math is the
plain one, bit for bit.
"""

from __future__ import annotations

import numpy as np

from ._loss_focal import alpha_row
from ._loss_math import EPS, log_softmax, put_labels, sigmoid, take_labels
from ._scratch import buffer, like, rows
from .core import const


class BinaryEntropyMath:
    """``L_i = -sum_j [y log p + (1 - y) log(1 - p)]`` and its gradient, from
    probabilities or (``from_logits``) logits ``z`` with ``p = sigmoid(z)``;
    ``y_pred`` and ``y_true`` of shape (n_samples, n_outputs)."""

    from_logits: bool
    label_smoothing: float = 0.0  # the defaults; a loss holds an option only when set
    pos_weight: float | tuple[float, ...] | None = None

    def _sample_losses(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        if self.label_smoothing:  # no call without it: the default path as before
            y_true = self._smooth_binary(y_true, y_pred)
        if self.pos_weight is not None:
            return self._weighted_losses(y_true, y_pred)
        terms, other = like("terms", y_pred, y_true), like("other", y_pred, y_true)
        if self.from_logits:  # max(z, 0) - z y + log(1 + exp(-|z|))
            z = y_pred
            np.maximum(z, 0, out=terms)
            terms -= np.multiply(z, y_true, out=other)
            e = np.abs(z, out=like("e", z))
            terms += np.log1p(np.exp(np.negative(e, out=e), out=e), out=e)
        else:  # -(y log p + (1 - y) log(1 - p))
            eps = EPS.get(y_pred.dtype, 1e-15)
            p = np.clip(y_pred, eps, 1 - eps, out=like("p", y_pred))
            np.multiply(y_true, np.log(p, out=like("log_p", p)), out=terms)
            log_q = np.log1p(np.negative(p, out=p), out=p)
            terms += np.multiply(np.subtract(1, y_true, out=other), log_q, out=other)
            np.negative(terms, out=terms)
        return np.add.reduce(terms, 1, out=rows("losses", terms))  # .sum(axis=1)

    def _grad_terms(self, y_true: np.ndarray, y_pred: np.ndarray, out: np.ndarray) -> np.ndarray:
        if self.label_smoothing:  # no call without it: the default path as before
            y_true = self._smooth_binary(y_true, y_pred)
        if self.pos_weight is not None:
            return self._weighted_grad(y_true, y_pred, out)
        if self.from_logits:
            return np.subtract(sigmoid(y_pred), y_true, out=out)
        eps = EPS.get(y_pred.dtype, 1e-15)
        p = np.clip(y_pred, eps, 1 - eps, out=like("p", y_pred))
        q = np.subtract(1, p, out=like("q", p))
        np.multiply(p, q, out=q)
        np.subtract(y_pred, y_true, out=out)  # the prediction unclipped: 0 where p = y
        return np.divide(out, q, out=out)  # (p - y) / (p_c (1 - p_c))

    def _smooth_binary(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        """``y (1 - s) + 0.5 s`` for ``label_smoothing=s`` (Keras 3's); called only when set."""
        s, dt = self.label_smoothing, y_pred.dtype
        y = np.multiply(y_true, const(1.0 - s, dt), out=like("smoothed", y_pred, y_true))
        return np.add(y, const(0.5 * s, dt), out=y)

    def _weights(self, y: np.ndarray, dt: np.dtype) -> tuple[np.ndarray, np.ndarray]:
        """``(w y, c)`` with ``c = 1 + (w - 1) y``, computed as ``(1 - y) + w y``."""
        w = self.pos_weight
        weight = alpha_row(w, dt) if isinstance(w, tuple) else const(float(w or 0.0), dt)
        wy = np.multiply(y, weight, out=like("weighted_y", y))
        c = np.subtract(const(1.0, dt), y, out=like("c", y))
        return wy, np.add(c, wy, out=c)

    def _weighted_losses(self, y: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        """Per-sample losses with ``pos_weight`` (see the module docstring)."""
        dt = y_pred.dtype
        terms = like("terms", y_pred, y)
        if self.from_logits:  # (1 - y) z + c (max(-z, 0) + log(1 + exp(-|z|)))
            z = y_pred
            e = np.abs(z, out=like("e", z))
            np.log1p(np.exp(np.negative(e, out=e), out=e), out=e)
            np.maximum(np.negative(z, out=terms), const(0.0, dt), out=terms)
            terms += e
            wy, c = self._weights(y, dt)
            np.multiply(terms, c, out=terms)
            one_minus_y = np.subtract(const(1.0, dt), y, out=wy)
            terms += np.multiply(one_minus_y, z, out=one_minus_y)
        else:  # -(w y log p + (1 - y) log(1 - p))
            eps = EPS.get(dt, 1e-15)
            p = np.clip(y_pred, eps, 1 - eps, out=like("p", y_pred))
            wy = self._weights(y, dt)[0]
            np.multiply(wy, np.log(p, out=like("log_p", p)), out=terms)
            log_q = np.log1p(np.negative(p, out=p), out=p)
            other = np.subtract(const(1.0, dt), y, out=like("other", y_pred, y))
            terms += np.multiply(other, log_q, out=other)
            np.negative(terms, out=terms)
        return np.add.reduce(terms, 1, out=rows("losses", terms))  # .sum(axis=1)

    def _weighted_grad(self, y: np.ndarray, y_pred: np.ndarray, out: np.ndarray) -> np.ndarray:
        """``c sigmoid(z) - w y`` from logits, ``(c p - w y) / (p_c (1 - p_c))`` otherwise."""
        dt = y_pred.dtype
        wy, c = self._weights(y, dt)
        if self.from_logits:
            np.multiply(c, sigmoid(y_pred), out=out)
            return np.subtract(out, wy, out=out)
        eps = EPS.get(dt, 1e-15)
        p = np.clip(y_pred, eps, 1 - eps, out=like("p", y_pred))
        q = np.subtract(1, p, out=like("q", p))
        np.multiply(p, q, out=q)
        np.multiply(c, y_pred, out=out)  # the prediction unclipped: 0 where p = y
        np.subtract(out, wy, out=out)
        return np.divide(out, q, out=out)


class CategoricalEntropyMath:
    """``L_i = -sum_j y_ij log p_ij`` and its gradient, from probabilities or
    (``from_logits``) logits with ``log p = log_softmax(z)``; ``y_true`` integer
    labels (n_samples,) or rows (n_samples, n_classes)."""

    from_logits: bool
    label_smoothing: float = 0.0  # the default; a loss holds it only when set

    def _smooth_rows(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        """``y (1 - s) + s / k`` for ``label_smoothing=s`` and ``k`` classes (Keras 3's;
        integer labels as one-hot rows); called only when set."""
        s, dt, k = self.label_smoothing, y_pred.dtype, y_pred.shape[1]
        y = like("smoothed", y_pred)
        if y_true.ndim == 1:
            y.fill(0)
            put_labels(y, y_true, True)
            np.multiply(y, const(1.0 - s, dt), out=y)
        else:
            np.multiply(y_true, const(1.0 - s, dt), out=y)
        return np.add(y, const(s / k, dt), out=y)

    def _log_p(self, y_pred: np.ndarray) -> np.ndarray:
        if self.from_logits:
            return log_softmax(y_pred)
        p = np.clip(y_pred, EPS.get(y_pred.dtype, 1e-15), None, out=like("log_p", y_pred))
        return np.log(p, out=p)

    def _sample_losses(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        if self.label_smoothing:
            y_true = self._smooth_rows(y_true, y_pred)
        log_p = self._log_p(y_pred)
        if y_true.ndim == 1:
            picked = take_labels(log_p, y_true, rows("losses", log_p))
        else:
            dtype = np.result_type(y_true, log_p)
            picked = np.einsum("ij,ij->i", y_true, log_p,
                               out=buffer("losses", log_p.shape[:1], dtype))
        return np.negative(picked, out=picked)

    def _grad_terms(self, y_true: np.ndarray, y_pred: np.ndarray, out: np.ndarray) -> np.ndarray:
        if self.label_smoothing:
            y_true = self._smooth_rows(y_true, y_pred)
        if self.from_logits:
            np.exp(log_softmax(y_pred), out=out)
            if y_true.ndim == 1:  # out[i, y_i] -= 1
                at = take_labels(out, y_true, rows("at_label", out))
                put_labels(out, y_true, np.subtract(at, 1, out=at))
                return out
            s = np.add.reduce(y_true, 1, out=rows("row_sums", y_true))[:, None]
            np.multiply(out, s, out=out)  # rows summing to s
            return np.subtract(out, y_true, out=out)  # s softmax(z) - y
        p = np.clip(y_pred, EPS.get(y_pred.dtype, 1e-15), None, out=like("p", y_pred))
        if y_true.ndim == 1:  # -1 / p at each label, 0 elsewhere
            out.fill(0)
            at = take_labels(p, y_true, rows("at_label", p))
            put_labels(out, y_true, np.divide(-1.0, at, out=at))
            return out
        return np.divide(np.negative(y_true, out=like("negative", y_true)), p, out=out)
