"""Focal cross-entropies' math: per-sample losses and unreduced gradients.

``FocalMath`` holds the ``_sample_losses`` and ``_grad_terms`` of
``nonlin.losses_extra.BinaryFocalCrossentropy``, which adds the constructor, the target
checks, the reduction and the public API; each method writes into ``nonlin._scratch``
buffers, as the other losses do. With ``y`` the (smoothed) targets, ``a`` the class
weights (1 without balancing), ``b`` the binary cross-entropy of an entry and
``q = 1 - p_t = y (1 - p) + (1 - y) p``::

    L = a q^gamma b
    dL/dp = a q^gamma [gamma (1 - 2y) b / q + (p - y) / (p (1 - p))]      from probabilities
    dL/dz = a q^gamma [gamma (1 - 2y) b p (1 - p) / q + (p - y)]          from logits z

``q`` is computed as that sum of two terms >= 0, not as ``1 - p_t``, which cancels where
``p_t`` is near 1 (Keras computes ``1 - p_t``; the two differ by rounding only).

From probabilities, ``b`` and ``p (1 - p)`` take ``p`` clipped to ``[eps, 1 - eps]`` as
``BinaryCrossEntropy`` does (``eps`` 1e-7 in float32, 1e-15 in float64, and the same
gradient outside the clip range), and the ``q`` of ``b / q`` is floored at ``eps``: for
targets 0 and 1 that changes nothing within the clip range (``q >= eps`` there), and it
keeps the gradient finite for ``gamma < 1``, whose ``q^(gamma - 1)`` is infinite at a
right prediction.

From logits, ``b = max(z, 0) - z y + log1p(exp(-|z|))``, and ``p`` and ``1 - p`` both
come from ``exp(-|z|)`` without cancellation, so ``q`` keeps its relative accuracy for any
``z``. ``p (1 - p) / q <= 1`` (``q`` is at least ``min(p, 1 - p)``); its ``q`` is floored
at the smallest normal float, so that ``0 / 0`` (``q = p (1 - p) = 0``) gives 0. For
``gamma > 0``, ``p - y`` is ``(1 - y) p - y (1 - p)``, ``1 - p`` computed on its own: ``p - 1``
of a rounded ``p`` keeps an absolute error of eps/2, a relative ``eps / (2 (1 - p))`` of a
right positive's gradient (up to 20% with ``1 - p`` a few eps, and all of it once ``p``
rounds to 1), which the focal factor does not scale away. ``gamma=0`` is
``BinaryCrossEntropy`` and keeps its bits, its ``p - y`` included.

``CategoricalFocalMath`` is ``nonlin.losses_extra.CategoricalFocalCrossentropy``'s, one
softmax over the classes: with ``y`` the (smoothed) target row, ``q_j = 1 - p_j`` and
``a_j`` the class weights (``alpha`` for every class, or one per class)::

    L = sum_j a_j y_j q_j^gamma (-log p_j)
    dL/dp_j = a_j y_j q_j^gamma [gamma log p_j / q_j - 1 / p_j]         from probabilities
    dL/dz_k = c_k - p_k sum_j c_j,  c_j = -a_j y_j q_j^gamma (1 - gamma p_j r_j)
                                                                        from logits z

with ``r_j = log(p_j) / q_j`` (``-1`` in the limit ``q_j = 0``). From logits ``log p`` is
``log_softmax(z)`` and ``q = -expm1(log p)``, accurate where ``p`` is near 1. From
probabilities, as Keras, ``p`` is each row of the input ``x`` over its sum ``s``, then clipped
to ``[eps, 1 - eps]``, in the value as Keras clips it and in the gradient (the same formula
outside the clip range, as ``BinaryCrossEntropy``); the gradient goes back through the
rescaling, ``dL/dx_k = (dL/dp_k - sum_j dL/dp_j p_j) / s``. A scalar ``alpha`` multiplies the
row sums (the logits' gradient) once, as before per-class weights existed: the same bits.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._loss_math import EPS, log_softmax, put_labels
from ._scratch import like, rows
from .core import const


class FocalMath:
    """``L_i = sum_j a_ij q_ij^gamma b_ij`` and its gradient, from probabilities or
    (``from_logits``) logits; ``y_pred`` and ``y_true`` of shape (n_samples, n_outputs)."""

    from_logits: bool
    apply_class_balancing: bool
    alpha: float
    gamma: float
    label_smoothing: float

    def _sample_losses(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        y = self._smoothed(y_true, y_pred)
        b, q = (self._logit_parts if self.from_logits else self._probability_parts)(y, y_pred)[:2]
        np.multiply(b, np.power(q, const(self.gamma, q.dtype), out=q), out=b)
        self._balance(y, b)
        return np.add.reduce(b, 1, out=rows("losses", b))  # .sum(axis=1)

    def _grad_terms(self, y_true: np.ndarray, y_pred: np.ndarray, out: np.ndarray) -> np.ndarray:
        dt, y = y_pred.dtype, self._smoothed(y_true, y_pred)
        if self.from_logits:
            b, q, p, s = self._logit_parts(y, y_pred)
            if self.gamma:  # gamma 0 is BinaryCrossEntropy, with its bits (its p - y)
                _kept_difference(out, y, p, s)  # db/dz
            else:
                np.subtract(p, y, out=out)  # db/dz
            focal = np.power(q, const(self.gamma, dt), out=like("focal", q))
            np.maximum(q, const(float(np.finfo(dt).tiny), dt), out=q)
            np.multiply(b, np.divide(np.multiply(p, s, out=s), q, out=s), out=b)  # b p(1-p) / q
        else:
            b, q, clipped = self._probability_parts(y, y_pred)
            np.subtract(y_pred, y, out=out)  # db/dp = (p - y) / (p_c (1 - p_c)), as BCE's
            variance = np.subtract(const(1.0, dt), clipped, out=like("other", y_pred))
            np.divide(out, np.multiply(variance, clipped, out=variance), out=out)
            focal = np.power(q, const(self.gamma, dt), out=like("focal", q))
            np.divide(b, np.maximum(q, const(EPS.get(dt, 1e-15), dt), out=q), out=b)  # b / q
        slope = np.multiply(y, const(-2.0 * self.gamma, dt), out=like("other", y_pred))
        np.multiply(b, np.add(slope, const(self.gamma, dt), out=slope), out=b)  # gamma (1 - 2y)
        np.add(out, b, out=out)
        np.multiply(out, focal, out=out)
        self._balance(y, out)
        return out

    # -- shared parts -------------------------------------------------------
    def _smoothed(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        """``y (1 - s) + s / 2`` for ``label_smoothing=s`` (``y_true`` itself for 0)."""
        if not self.label_smoothing:
            return y_true
        s, dt = self.label_smoothing, y_pred.dtype
        y = np.multiply(y_true, const(1.0 - s, dt), out=like("smoothed", y_pred))
        return np.add(y, const(0.5 * s, dt), out=y)

    def _balance(self, y: np.ndarray, out: np.ndarray) -> None:
        """``out *= alpha y + (1 - alpha)(1 - y)`` with ``apply_class_balancing``."""
        if self.apply_class_balancing:
            dt = out.dtype
            weight = np.multiply(y, const(2.0 * self.alpha - 1.0, dt), out=like("balance", out))
            np.multiply(out, np.add(weight, const(1.0 - self.alpha, dt), out=weight), out=out)

    def _probability_parts(self, y: np.ndarray, p: np.ndarray) -> tuple[np.ndarray, ...]:
        """``(b, q, p_c)``: the cross-entropy terms of ``p_c = clip(p, eps, 1 - eps)``,
        ``q = y (1 - p) + (1 - y) p`` of ``p`` itself (as Keras' ``p_t``), and ``p_c``."""
        dt = p.dtype
        eps, one = EPS.get(dt, 1e-15), const(1.0, dt)
        clipped = np.clip(p, const(eps, dt), const(1 - eps, dt), out=like("p", p))
        b, other, q = like("terms", p), like("other", p), like("q", p)
        np.multiply(y, np.log(clipped, out=b), out=b)
        np.log1p(np.negative(clipped, out=other), out=other)  # log(1 - p_c)
        negatives = np.subtract(one, y, out=q)
        b += np.multiply(other, negatives, out=other)
        np.negative(b, out=b)  # -(y log p_c + (1 - y) log(1 - p_c))
        np.multiply(negatives, p, out=other)  # (1 - y) p
        np.multiply(np.subtract(one, p, out=q), y, out=q)
        return b, np.add(q, other, out=q), clipped

    def _logit_parts(self, y: np.ndarray, z: np.ndarray) -> tuple[np.ndarray, ...]:
        """``(b, q, p, 1 - p)`` from the logits ``z``, with ``p = sigmoid(z)``."""
        dt, one = z.dtype, const(1.0, z.dtype)
        e, p, s, q = like("e", z), like("p", z), like("s", z), like("q", z)
        b, other = like("terms", z), like("other", z)
        np.exp(np.negative(np.abs(z, out=e), out=e), out=e)
        np.greater_equal(z, const(0.0, dt), out=p)  # 1.0 where z >= 0, else 0.0
        np.maximum(np.subtract(one, p, out=s), e, out=s)
        np.maximum(p, e, out=p)  # p and s: 1 and e, or e and 1 (0 <= e <= 1) ...
        denominator = np.add(e, one, out=q)
        np.divide(p, denominator, out=p)  # ... over 1 + e: sigmoid(z) and sigmoid(-z)
        np.divide(s, denominator, out=s)
        np.maximum(z, const(0.0, dt), out=b)
        b -= np.multiply(z, y, out=other)
        b += np.log1p(e, out=e)  # max(z, 0) - z y + log(1 + exp(-|z|))
        np.multiply(np.subtract(one, y, out=other), p, out=other)  # (1 - y) p
        np.multiply(y, s, out=q)
        return b, np.add(q, other, out=q), p, s


def _kept_difference(out: np.ndarray, y: np.ndarray, p: np.ndarray, s: np.ndarray) -> None:
    """``p - y`` into ``out`` as ``(1 - y) p - y s``, ``s = sigmoid(-z)`` computed on its own
    (all of shape (n_samples, n_outputs)): exact to a few ulps for targets 0 and 1, where
    ``p - y`` of a rounded ``p`` is off by up to eps/2 absolutely, the whole of a confident
    right positive's ``-s`` once ``p`` rounds to 1 (``z`` past 15.9 in float32, 36.0 in
    float64) and up to 20% of it just below."""
    dt = out.dtype
    np.subtract(const(1.0, dt), y, out=out)
    np.multiply(out, p, out=out)  # (1 - y) p
    np.subtract(out, np.multiply(y, s, out=like("ys", p)), out=out)


class CategoricalFocalMath:
    """``L_i = sum_j alpha_j y_ij q_ij^gamma (-log p_ij)`` and its gradient, from probabilities
    (each row rescaled to sum to 1 first, as Keras) or (``from_logits``) logits ``z`` with
    ``p = softmax(z)``; ``y_true`` integer labels (n_samples,) or rows (n_samples, n_classes);
    ``alpha`` one float for every class or one per class (a tuple)."""

    from_logits: bool
    alpha: float | tuple[float, ...]
    gamma: float
    label_smoothing: float

    def _sample_losses(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        y = self._rows(y_true, y_pred)
        log_p, _, q, _ = self._parts(y_pred)
        focal = np.power(q, self._gamma(q.dtype), out=q)
        terms = np.multiply(np.multiply(y, focal, out=focal), log_p, out=focal)
        if isinstance(self.alpha, tuple):
            np.multiply(terms, self._alpha(terms.dtype), out=terms)
        losses = np.add.reduce(terms, 1, out=rows("losses", terms))
        scale = -1.0 if isinstance(self.alpha, tuple) else -self.alpha
        return np.multiply(losses, const(scale, losses.dtype), out=losses)

    def _grad_terms(self, y_true: np.ndarray, y_pred: np.ndarray, out: np.ndarray) -> np.ndarray:
        dt, y = y_pred.dtype, self._rows(y_true, y_pred)
        log_p, p, q, near = self._parts(y_pred)
        gamma = self._gamma(dt)
        # a huge gamma: gamma log p overflows where q^gamma underflows to 0; the product is
        # set to its limit, 0, not inf * 0 = NaN (hence no warning for either)
        if not self.from_logits:  # alpha y q^gamma (gamma log p / q - 1 / p), p clipped
            with np.errstate(over="ignore", invalid="ignore"):
                np.divide(np.multiply(log_p, gamma, out=log_p), q, out=out)
                np.subtract(out, np.reciprocal(p, out=like("inverse", p)), out=out)
                focal = np.power(q, gamma, out=q)
                np.multiply(out, focal, out=out)
            out[focal == 0] = -0.0  # (< 0) times 0
            weights = np.multiply(y, self._alpha(dt), out=q)  # alpha y
            np.multiply(out, weights, out=out)  # dL/dr, r the rescaled p
            return self._through_rescaling(y_pred, out)
        r = np.divide(log_p, q, out=like("ratio", q), where=q > 0)
        r[q <= 0] = -1.0  # log(p) / (1 - p) as p -> 1
        with np.errstate(over="ignore", invalid="ignore"):
            c = np.multiply(np.multiply(r, p, out=r), gamma, out=r)
            np.subtract(const(1.0, dt), c, out=c)  # 1 - gamma p r (>= 1)
            focal = np.power(q, gamma, out=q)
            np.multiply(c, focal, out=c)
        c[focal == 0] = 0.0
        np.multiply(c, y, out=c)  # -c_j
        if isinstance(self.alpha, tuple):  # -alpha_j c_j: sum_j c_j below weighs them too
            np.multiply(c, self._alpha(dt), out=c)
        total = np.add.reduce(c, 1, out=rows("total", c))
        np.subtract(np.multiply(p, total[:, None], out=out), c, out=out)  # c_k - p_k sum_j c_j
        if near is not None:  # a confident right row's top class (nonlin._loss_focal_top)
            from ._loss_focal_top import confident_gradient

            confident_gradient(out, log_p, p, c, near)
        return out if isinstance(self.alpha, tuple) else np.multiply(
            out, const(self.alpha, dt), out=out)

    def _alpha(self, dt: np.dtype) -> np.ndarray:
        """``alpha`` in ``dt``: a 0-d array, or a row of one per class (n_classes,)."""
        alpha = self.alpha
        return alpha_row(alpha, dt) if isinstance(alpha, tuple) else const(alpha, dt)

    def _gamma(self, dt: np.dtype) -> np.ndarray:
        """``gamma`` in ``dt``, at most its largest float (not inf: ``inf * 0`` is NaN)."""
        return const(min(self.gamma, float(np.finfo(dt).max)), dt)

    def _rows(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        """Target rows: one-hot for integer labels, smoothed ``y (1 - s) + s / k``."""
        dt, k = y_pred.dtype, y_pred.shape[1]
        y = y_true
        if y_true.ndim == 1:
            y = like("one_hot", y_pred)
            y.fill(0)
            put_labels(y, y_true, True)
        if not self.label_smoothing:
            return y
        s = self.label_smoothing
        smoothed = np.multiply(y, const(1.0 - s, dt), out=like("smoothed", y_pred))
        return np.add(smoothed, const(s / k, dt), out=smoothed)

    def _parts(self, y_pred: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, Any]:
        """``(log p, p, 1 - p, near)``: of ``softmax(z)`` from logits, else of ``p`` rescaled
        to rows summing to 1 (``_rescaled``), then clipped; ``near`` the entries that
        ``confident_tops`` recomputed (from logits, ``gamma > 0``), or None."""
        dt = y_pred.dtype
        if self.from_logits:
            log_p = log_softmax(y_pred)  # its buffer "log_p"
            p = np.exp(log_p, out=like("p", y_pred))
            q = np.negative(np.expm1(log_p, out=like("q", y_pred)), out=like("q", y_pred))
            if not self.gamma:
                return log_p, p, q, None
            from ._loss_focal_top import confident_tops  # focal from logits: not at import

            return log_p, p, q, confident_tops(y_pred, log_p, p, q)
        eps = EPS.get(dt, 1e-15)
        p = np.clip(_rescaled(y_pred)[0], const(eps, dt), const(1 - eps, dt),
                    out=like("p", y_pred))
        q = np.subtract(const(1.0, dt), p, out=like("q", y_pred))
        return np.log(p, out=like("log_p_c", y_pred)), p, q, None

    def _through_rescaling(self, y_pred: np.ndarray, g: np.ndarray) -> np.ndarray:
        """``dL/dp`` from ``g = dL/dr`` for ``r = p / s``, ``s`` the row sums:
        ``(g - sum_j g_j r_j) / s``, in place."""
        r, sums = _rescaled(y_pred)
        dots = np.einsum("ij,ij->i", g, r, out=rows("dots", g))
        np.subtract(g, dots[:, None], out=g)
        return np.divide(g, sums[:, None], out=g)


def _rescaled(y_pred: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(p / s, s)``: the rows of ``y_pred`` over their sums ``s`` (Keras' rescaling of
    probabilities), ``s`` floored at the smallest normal float (a row of zeros stays 0)."""
    dt = y_pred.dtype
    sums = np.add.reduce(y_pred, 1, out=rows("sums", y_pred))
    np.maximum(sums, const(float(np.finfo(dt).tiny), dt), out=sums)
    return np.divide(y_pred, sums[:, None], out=like("rescaled", y_pred)), sums


_ALPHA_ROWS: dict[tuple[tuple[float, ...], np.dtype], np.ndarray] = {}


def alpha_row(alpha: tuple[float, ...], dtype: np.dtype) -> np.ndarray:
    """A cached, read-only array of the per-class ``alpha`` in ``dtype`` (as ``core.const``)."""
    key = (alpha, np.dtype(dtype))
    row = _ALPHA_ROWS.get(key)
    if row is None:
        if len(_ALPHA_ROWS) >= 64:  # one per setting (a sweep's): emptied, never grows
            _ALPHA_ROWS.clear()
        row = _ALPHA_ROWS[key] = np.array(alpha, dtype=dtype)
        row.flags.writeable = False
    return row
