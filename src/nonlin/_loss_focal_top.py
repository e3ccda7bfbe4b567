"""The confident right rows of ``CategoricalFocalCrossentropy(from_logits=True)``.

``log_softmax`` takes ``log p_t = -log(1 + rest)`` of the top class ``t`` from the rounded
sum ``1 + rest``, ``rest = sum_{j != t} exp(z_j - z_t)`` (``1 - p_t = rest / (1 + rest)``),
which is off by up to about half an ulp of 1 per class. Where ``rest`` is a few eps or less
the computed ``q_t = 1 - p_t`` is 0 or a few eps, not ``rest``, and the gradient
``c_k - p_k sum_j c_j`` of ``nonlin._loss_focal`` takes ``p_t - 1`` (0 or a few ulps) for
``-q_t``: a confident right row's gradient came out 0 or several times off, its loss 0.
Just above, the relative error ``n_classes eps / rest`` of ``q_t`` reached 20-30% of a
row's gradient and loss (a lead of 14 in float32, 34 in float64). Where the computed ``q_t``
is below 1/4 (the top class's ``p_t`` above 3/4: at most one class a row),
``confident_tops`` recomputes ``log p_t`` as ``-log1p(rest)`` (``rest`` summed without the
top's 1), with ``p_t`` and ``q_t`` from it, and ``confident_gradient`` takes the top entry
as ``p_t sum_{j != t} c_j - q_t c_t``, the same difference without the cancellation: the
gradient and loss to a few ulps at any lead. Rows of no class above 3/4 keep their bits
(their ``q_t`` keeps the rounding of ``1 + rest``: relative ``n_classes eps`` at most, ``rest``
being over 1/3 there). ``gamma=0`` (the cross-entropy: ``CrossEntropy``'s bits, ``p - y``
included) does not come here.
"""

from __future__ import annotations

import numpy as np

from ._scratch import buffer, like, rows
from .core import const

_BOUND = 0.25  # 1 - p of the top class below it (p above 3/4): the top class alone


def confident_tops(z: np.ndarray, log_p: np.ndarray, p: np.ndarray,
                   q: np.ndarray) -> np.ndarray | None:
    """Recompute, in place, ``log p``, ``p`` and ``q = 1 - p`` of the top class of each row
    of the logits ``z`` whose computed ``q`` is below 1/4 (all of shape
    (n_samples, n_classes)).

    Returns
    -------
    near : ndarray of bool, shape (n_samples, n_classes), or None
        The entries recomputed (at most one per row); None where there are none.
    """
    dt = z.dtype
    near = np.less(q, const(_BOUND, dt), out=buffer("top_near", q.shape, bool))
    if not near.any():
        return None
    far = np.logical_not(near, out=buffer("top_far", q.shape, bool))
    top = np.max(z, axis=1, out=rows("top_max", z))
    terms = like("top_terms", z)
    with np.errstate(over="ignore"):  # a row spanning more than the float range: exp(-inf)
        np.subtract(z, top[:, None], out=terms)
    np.exp(terms, out=terms)
    rest = np.add.reduce(terms, 1, where=far, out=rows("top_rest", z))  # the other classes
    log_top = np.negative(np.log1p(rest, out=rest), out=rest)
    np.copyto(log_p, log_top[:, None], where=near)
    np.exp(log_p, out=p, where=near)
    np.negative(np.expm1(log_p, out=q, where=near), out=q, where=near)
    return near


def confident_gradient(out: np.ndarray, log_p: np.ndarray, p: np.ndarray, c: np.ndarray,
                       near: np.ndarray) -> None:
    """``out``'s ``near`` entries (the top class ``t`` of their row) as
    ``p_t sum_{j != t} c_j - q_t c_t``, for ``out = p sum_j c_j - c``; all arrays of shape
    (n_samples, n_classes), ``log_p`` as ``confident_tops`` left it."""
    far = np.logical_not(near, out=buffer("top_far", near.shape, bool))
    others = np.add.reduce(c, 1, where=far, out=rows("top_others", c))
    q = np.negative(np.expm1(log_p, out=like("top_q", c)), out=like("top_q", c))
    np.multiply(q, c, out=q)  # q_t c_t
    fixed = np.multiply(p, others[:, None], out=like("top_grad", c))
    np.copyto(out, np.subtract(fixed, q, out=fixed), where=near)
