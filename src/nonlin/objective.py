"""One training step's loss and output gradient, with the output activation fused in.

A final ``Softmax`` followed by ``CrossEntropy`` (or ``CrossEntropy(from_logits=True)``
on raw scores) is trained through the logits ``z``: with ``p = softmax(z)``::

    L_i = log sum_j exp(z_ij - m_i) - (z_iy - m_i),     m_i = max_j z_ij
    dL/dz = (p - onehot(y)) * w_i / n

and likewise ``Sigmoid`` + ``BinaryCrossEntropy`` as ``dL/dz = (sigmoid(z) - y) w_i / n``.
With ``reduction="sum"`` the same math runs without the ``1 / n``.
``MeanSquaredError`` shares one residual between its value and gradient. Any other
loss goes through its ``_value`` / ``_grad``. Every buffer is preallocated in the
model's dtype; the batch loss comes out of the arrays the gradient needs anyway. The
warnings ``fit`` gives about the output layer and the loss: ``nonlin._output_warnings``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import numpy as np

from ._dense_keras import fused_head, output_layer
from ._entropy_options import has_options
from ._grad_written import first_backward
from ._inference import output_shape_error
from ._objective_logits import logits_step, logits_twin
from ._output_warnings import (  # noqa: F401 (fit's: train, _source_fit import them here)
    warn_constant_softmax,
    warn_double_activation,
)
from ._scratch import using
from .activations import Sigmoid, Softmax
from .core import Sequential, const
from .losses import BinaryCrossEntropy, CrossEntropy, Loss, MeanSquaredError


def fused_kind(model: Sequential, loss: Loss) -> tuple[str, bool]:
    """(kind, drop_last): which fused path applies, and whether the last layer is skipped.
    ``reduction`` "mean" and "sum" fuse alike (``"none"`` is not trained on). A
    cross-entropy with options (``label_smoothing``, ``pos_weight``) is kind ``"logits"``:
    trained through the logits by its own math (``nonlin._objective_logits``)."""
    kind, drop_last = _plain_kind(model, loss)
    if kind in ("softmax", "sigmoid") and has_options(loss):
        return "logits", drop_last
    return kind, drop_last


def _plain_kind(model: Sequential, loss: Loss) -> tuple[str, bool]:
    if getattr(loss, "reduction", "mean") not in ("mean", "sum"):
        return "generic", False
    last = output_layer(model.layers[-1])  # Dense(k, activation="softmax"): its Softmax
    if type(loss) is CrossEntropy:
        if loss.from_logits:
            return "softmax", False
        if type(last) is Softmax:
            return "softmax", True
    if type(loss) is BinaryCrossEntropy:
        if loss.from_logits:
            return "sigmoid", False
        if type(last) is Sigmoid:
            return "sigmoid", True
    if type(loss) is MeanSquaredError:
        return "mse", False
    return "generic", False


class Objective:
    """Forward, loss and backward for one batch.

    Parameters
    ----------
    model : Sequential
        Built model.
    loss : Loss
    batch_size : int
        Largest batch (sizes buffers).
    labels : bool
        Whether targets are integer labels (for cross-entropy).
    """

    def __init__(self, model: Sequential, loss: Loss, batch_size: int, labels: bool) -> None:
        self.model, self.loss, self.labels = model, loss, labels
        self.kind, drop_last = fused_kind(model, loss)
        self.mean = getattr(loss, "reduction", "mean") == "mean"  # else "sum": no 1 / n
        self.layers = fused_head(model.layers) if drop_last else list(model.layers)
        self.reversed = self.layers[::-1]
        # stores the model's real output: probabilities if the activation was dropped
        self.output_is_activated = drop_last
        dt, k = model.dtype, cast(int, model.n_outputs)  # built
        self.dtype = dt
        self._p = np.empty((batch_size, k), dtype=dt)
        self._probs: np.ndarray | None = None  # probabilities for the metrics (labels, fused)
        self._rowmax = np.empty(batch_size, dtype=dt)
        self._rowsum = np.empty(batch_size, dtype=dt)
        # flat index of each row's first entry, and of each label's entry: intp, what
        # take and put index with (int32 on 32-bit platforms, which refuse int64 indices)
        self._rowbase = np.arange(batch_size, dtype=np.intp) * k
        self._flat = np.empty(batch_size, dtype=np.intp)
        self._ones = np.ones(k, dtype=dt)
        # scratch, so that a step allocates no array of batch size: per-row values; the
        # sigmoid's loss terms also need two (batch, k) arrays
        self._rows, self._picked = np.empty(batch_size, dtype=dt), np.empty(batch_size, dtype=dt)
        sigmoid = self.kind == "sigmoid"
        self._terms = np.empty((batch_size, k) if sigmoid else (0, k), dtype=dt)
        self._other = np.empty((batch_size, k) if sigmoid else (0, k), dtype=dt)
        self._pool: dict[Any, np.ndarray] = {}  # the buffers of a loss without a fused path
        self.logit_loss = logits_twin(loss) if self.kind == "logits" else None
        self._tiny = float(np.finfo(dt).tiny) * 1e8  # row sums above this lost no precision
        self._unchecked = True  # no backward yet: the first checks the gradients are written
        self._shapes: list[tuple[int, ...]] = []  # the first forward's input shapes

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Training forward through the kept layers (logits when fused); the first step
        keeps each layer's input shape, for ``backward``'s check (``checked_backward``)."""
        if self._unchecked:
            self._shapes = []
            for layer in self.layers:
                self._shapes.append(np.shape(x))  # np.shape: no array, the layer's error
                x = layer.forward(x, training=True)
            return x
        for layer in self.layers:
            x = layer.forward(x, training=True)
        return x

    def backward(self, grad: np.ndarray) -> None:
        """Back through the kept layers, last to first: ``grad <- layer.backward(grad)``, the
        chain rule ``dL/dx = dL/dy * dy/dx``, each layer filling its ``Param.grad``. ``grad``:
        ``dL/dz`` (n_samples, n_outputs). The first step also checks that every gradient
        is written (``nonlin._grad_written.first_backward``)."""
        if self._unchecked:
            return first_backward(self, grad)
        for layer in self.reversed:  # None comes from the first layer only, the last here
            grad = layer.backward(grad)

    def step(self, x: np.ndarray, y: np.ndarray, w: np.ndarray | None,
             sink: Callable[[np.ndarray], None] | None = None) -> float:
        """Forward, loss and backward on one batch; returns the batch's loss, reduced as the
        loss's ``reduction`` says: the mean, or with ``"sum"`` the sum ``sum_i w_i L_i``.

        ``sink(out)``, when given, is called with the model's outputs for the
        batch (probabilities when the output activation was fused in) before
        their buffer is reused: ``fit`` updates its metrics there.
        ``w`` holds per-sample weights already divided by the batch size (``"mean"``) or
        as they are (``"sum"``), or is None (then the gradient is divided by the batch
        size for ``"mean"``).
        """
        z = self.forward(x)
        if type(z) is not np.ndarray or z.shape != (x.shape[0], self._ones.shape[0]):
            # a layer's forward of another width than its build returned, or no array
            # (an ndarray subclass of the right shape passes; no call on the hot path)
            if not isinstance(z, np.ndarray) or z.shape != (x.shape[0], self._ones.shape[0]):
                raise output_shape_error("", (x.shape[0], self._ones.shape[0]), z)
        n = z.shape[0]
        if self.kind == "softmax":
            total, grad = self._softmax(z, y, w, sink)
        elif self.kind == "sigmoid":
            total, grad = self._sigmoid(z, y, w, sink)
        elif self.kind == "logits":
            return logits_step(self, z, y, w, sink)
        else:
            if sink is not None:
                sink(z)
            if self.kind == "mse":
                total, grad = self._mse(z, y, w)
            else:
                return self._generic(z, y, w)
        self.backward(grad)
        return total / n if w is None and self.mean else total

    # -- fused paths ----------------------------------------------------------
    def _scale(self, grad: np.ndarray, w: np.ndarray | None) -> None:
        """``grad_i *= w_i`` (weights already divided by n for "mean"); unweighted, ``grad /= n``
        under "mean", unchanged under "sum"."""
        if w is None:
            if self.mean:
                np.multiply(grad, const(1.0 / grad.shape[0], self.dtype), out=grad)
        else:
            np.multiply(grad, w[:, None], out=grad)

    def _softmax(self, z: np.ndarray, y: np.ndarray, w: Any, sink: Any) -> Any:
        """Softmax and cross-entropy fused on the logits ``z`` (n, k), ``p = softmax(z)``: (total,
        grad), total ``sum_i L_i`` (weighted ``sum_i w_i L_i``), ``L_i = log sum_j exp(z_ij)``
        ``- z_iy`` for labels, ``- sum_j y_ij z_ij`` for rows ``y`` (one-hot or soft); grad ``dL/dz
        = (p - y) w_i`` (``y`` one-hot for labels) in ``self._p``, unweighted ``w_i = 1/n`` under
        "mean", 1 under "sum"."""
        n = z.shape[0]
        p, s = self._p[:n], self._rowsum[:n]
        if sink is not None and not self.output_is_activated:
            sink(z)
        flat = np.add(self._rowbase[:n], y, out=self._flat[:n]) if self.labels else None
        # Shift by the batch's largest logit (one fast reduction) rather than each row's;
        # if that underflows a whole row (or z is not finite), redo it with row maxima.
        picked = self._exp_shifted(z, z.max(), y, flat, p, s)
        if not s.min() > self._tiny:
            np.max(z, axis=1, out=self._rowmax[:n])
            picked = self._exp_shifted(z, self._rowmax[:n], y, flat, p, s)
        log_s = np.log(s, out=self._rows[:n])
        np.subtract(log_s, picked, out=log_s)  # per-sample loss log sum exp - z_iy
        total = float(np.dot(log_s, w) if w is not None else log_s.sum())
        if flat is not None:
            if sink is not None and self.output_is_activated:
                # the metrics read the probabilities; the gradient is computed as without them
                if self._probs is None:
                    self._probs = np.empty_like(self._p)
                sink(np.divide(p, s[:, None], out=self._probs[:n]))
            # (p / s - onehot) * w_i as p * (w_i / s), then -w_i at each label: a pass fewer
            weight = w if w is not None else const(1.0 / n if self.mean else 1.0, self.dtype)
            np.multiply(p, np.divide(weight, s, out=s)[:, None], out=p)
            # p.flat[flat] -= weight, through a buffer (fancy indexing makes three arrays)
            entries = p.reshape(-1)
            at_label = entries.take(flat, None, self._picked[:n], "clip")
            entries.put(flat, np.subtract(at_label, weight, out=at_label))
            return total, p
        np.divide(p, s[:, None], out=p)
        if sink is not None and self.output_is_activated:
            sink(p)
        np.subtract(p, y, out=p)  # soft or one-hot rows
        self._scale(p, w)
        return total, p

    def _exp_shifted(self, z: np.ndarray, shift: Any, y: np.ndarray, flat: Any,
                     p: np.ndarray, s: np.ndarray) -> np.ndarray:
        """``p = exp(z - shift)``, ``s`` its row sums; returns ``sum_j y_ij (z_ij - shift)``.
        ``shift`` is a 0-d array or one value per row (n,)."""
        np.subtract(z, shift[:, None] if shift.ndim else shift, out=p)
        picked = self._picked[: p.shape[0]]
        if flat is not None:
            p.reshape(-1).take(flat, None, picked, "clip")
        else:
            np.einsum("ij,ij->i", p, y, out=picked)
        np.exp(p, out=p)
        np.dot(p, self._ones[: p.shape[1]], out=s)
        return picked

    def _sigmoid(self, z: np.ndarray, y: np.ndarray, w: Any, sink: Any) -> Any:
        n = z.shape[0]
        p = self._p[:n]
        if sink is not None and not self.output_is_activated:
            sink(z)
        # loss terms max(z, 0) - z y + log(1 + exp(-|z|))
        np.abs(z, out=p)
        np.negative(p, out=p)
        np.exp(p, out=p)
        terms, other = np.log1p(p, out=self._terms[:n]), self._other[:n]
        terms += np.maximum(z, 0, out=other)
        terms -= np.multiply(z, y, out=other)
        per_sample = np.add.reduce(terms, 1, out=self._rows[:n])  # terms.sum(axis=1)
        total = float(np.dot(per_sample, w) if w is not None else per_sample.sum())
        # sigmoid(z): 1 / (1 + e) for z >= 0, e / (1 + e) otherwise, with e = exp(-|z|)
        denom = np.add(p, const(1.0, self.dtype), out=other)
        flag = np.greater_equal(z, const(0.0, self.dtype), out=terms)  # 1.0 where z >= 0
        np.maximum(flag, p, out=p)  # 1 or e (0 <= e <= 1): no masked copy, 30x slower
        np.divide(p, denom, out=p)
        if sink is not None and self.output_is_activated:
            sink(p)
        np.subtract(p, y, out=p)
        self._scale(p, w)
        return total, p

    def _mse(self, z: np.ndarray, y: np.ndarray, w: Any) -> Any:
        """(total, grad): total ``sum_i L_i`` (weighted ``sum_i w_i L_i``), ``L_i = 1/2 sum_j
        r_ij^2``, ``r = z - y`` (n, k); grad ``dL/dz = r w_i`` (unweighted: ``r / n`` under
        "mean", ``r`` under "sum"), in the residual's own buffer."""
        n = z.shape[0]
        r = np.subtract(z, y, out=self._p[:n])  # r = z - y, the tutorial's -l2_error
        per_sample = np.einsum("ij,ij->i", r, r, out=self._rows[:n])
        total = 0.5 * float(np.dot(per_sample, w) if w is not None else per_sample.sum())
        self._scale(r, w)
        return total, r

    def _generic(self, z: np.ndarray, y: np.ndarray, w: Any) -> float:
        """The loss's own ``_value`` and ``_grad``, their math written into ``self._pool``."""
        n = z.shape[0]
        # the loss divides by n itself ("mean"): the weights as given
        weights = w if w is None or not self.mean else np.multiply(w, n, out=self._rows[:n])
        with using(self._pool):
            value = self.loss._value(y, z, weights)
            grad = self.loss._grad(y, z, weights, self._p[:n])
        self.backward(grad)
        return value
