"""The cross-entropies' math: per-sample losses and unreduced gradients.

``BinaryEntropyMath`` and ``CategoricalEntropyMath`` hold the ``_sample_losses`` and
``_grad_terms`` of ``nonlin.losses.BinaryCrossEntropy`` and ``CrossEntropy`` (see
their docstrings for the formulas); those classes add the constructor, the target
checks, the reduction and the public API (``nonlin.losses.Loss``). Each method
writes into ``nonlin._scratch`` buffers, as the other losses do.
"""

from __future__ import annotations

import numpy as np

from ._loss_math import EPS, log_softmax, put_labels, sigmoid, take_labels
from ._scratch import buffer, like, rows


class BinaryEntropyMath:
    """``L_i = -sum_j [y log p + (1 - y) log(1 - p)]`` and its gradient, from
    probabilities or (``from_logits``) logits ``z`` with ``p = sigmoid(z)``;
    ``y_pred`` and ``y_true`` of shape (n_samples, n_outputs)."""

    from_logits: bool

    def _sample_losses(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
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
        if self.from_logits:
            return np.subtract(sigmoid(y_pred), y_true, out=out)
        eps = EPS.get(y_pred.dtype, 1e-15)
        p = np.clip(y_pred, eps, 1 - eps, out=like("p", y_pred))
        q = np.subtract(1, p, out=like("q", p))
        np.multiply(p, q, out=q)
        np.subtract(y_pred, y_true, out=out)  # the prediction unclipped: 0 where p = y
        return np.divide(out, q, out=out)  # (p - y) / (p_c (1 - p_c))


class CategoricalEntropyMath:
    """``L_i = -sum_j y_ij log p_ij`` and its gradient, from probabilities or
    (``from_logits``) logits with ``log p = log_softmax(z)``; ``y_true`` integer
    labels (n_samples,) or rows (n_samples, n_classes)."""

    from_logits: bool

    def _log_p(self, y_pred: np.ndarray) -> np.ndarray:
        if self.from_logits:
            return log_softmax(y_pred)
        p = np.clip(y_pred, EPS.get(y_pred.dtype, 1e-15), None, out=like("log_p", y_pred))
        return np.log(p, out=p)

    def _sample_losses(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        log_p = self._log_p(y_pred)
        if y_true.ndim == 1:
            picked = take_labels(log_p, y_true, rows("losses", log_p))
        else:
            dtype = np.result_type(y_true, log_p)
            picked = np.einsum("ij,ij->i", y_true, log_p,
                               out=buffer("losses", log_p.shape[:1], dtype))
        return np.negative(picked, out=picked)

    def _grad_terms(self, y_true: np.ndarray, y_pred: np.ndarray, out: np.ndarray) -> np.ndarray:
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
