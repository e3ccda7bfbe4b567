"""Batch normalization (Ioffe & Szegedy, 2015).

Training normalizes each feature with the batch's statistics and updates
running averages of them; inference uses the running averages. The running
statistics are not trained: they live outside ``parameters()`` and are read
and restored with ``get_state`` / ``set_state`` (and ``Sequential.get_state``),
in the model's dtype.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._misuse import cached, input_error, layer_input
from .core import Layer, Param, RandomLike, const
from .layers import scratch
from .validation import is_real


def _batch_moments(
    x: np.ndarray, centered: np.ndarray, scratch_: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Column mean and biased variance of ``x``; writes ``x - mean`` into ``centered``.

    The column sums accumulate in float64: NumPy adds the rows of an axis-0
    reduction one by one, and in float32 the mean of 256 rows near 1e5 drifted
    by several ulps, which ``x - mean`` amplifies. In float64 this is
    ``x.mean(axis=0)``, ``x.var(axis=0)`` bit for bit, without their temporaries.
    """
    n = x.shape[0]
    mean = np.add.reduce(x, 0, np.float64)
    mean /= n
    mean = mean.astype(x.dtype, copy=False)
    np.subtract(x, mean, out=centered)
    np.multiply(centered, centered, out=scratch_)
    var = np.add.reduce(scratch_, 0)
    var /= n
    return mean, var


class BatchNorm(Layer):
    """``y = gamma * (x - mean) / sqrt(var + epsilon) + beta``, per feature.

    Training: ``mean`` and ``var`` (biased) are the batch's, and the running
    statistics move towards them::

        moving_mean <- momentum * moving_mean + (1 - momentum) * mean
        moving_variance <- momentum * moving_variance + (1 - momentum) * var

    Inference: ``mean = moving_mean``, ``var = moving_variance``.

    This is Keras 3's ``BatchNormalization``. PyTorch's ``BatchNorm1d(momentum=1 -
    momentum, eps=epsilon)`` gives the same training outputs, gradients and
    ``running_mean``, but its ``running_var`` averages the unbiased variance
    ``var * n / (n - 1)``, so its inference outputs differ (and its defaults,
    ``momentum=0.1``, ``eps=1e-5``, are ``momentum=0.9``, ``epsilon=1e-5`` here).

    ``freeze_statistics(True)`` makes training-mode forwards compute the
    inference function too (running statistics, left unchanged), with its
    backward ``dL/dx = g * gamma / sqrt(moving_variance + eps)``: ``gradcheck``
    checks inference mode so. ``freeze_statistics(False)`` resumes.

    Backward in training, with ``xhat = (x - mean) / s``, ``s = sqrt(var + eps)``,
    ``n`` rows and ``h = g * gamma``::

        dL/dgamma = sum_rows(g * xhat)      dL/dbeta = sum_rows(g)
        dL/dx = (h - mean_rows(h) - xhat * mean_rows(h * xhat)) / s

    Shapes: ``x`` and ``y`` (n_samples, n_features); ``gamma``, ``beta`` and the
    running statistics (n_features,).

    Parameters
    ----------
    momentum : float, default 0.99
        In [0, 1) (Keras' convention: the weight of the old value).
    epsilon : float, default 1e-3
    """

    def __init__(self, momentum: float = 0.99, epsilon: float = 1e-3) -> None:
        if not is_real(momentum) or not (
            0 <= momentum < 1
        ):
            raise ValueError(f"Expected momentum in [0, 1). Received: momentum={momentum!r}")
        if not is_real(epsilon) or not epsilon > 0:
            raise ValueError(f"Expected a positive epsilon. Received: epsilon={epsilon!r}")
        self.momentum, self.epsilon = float(momentum), float(epsilon)
        # None until build; typed as built: forward and backward (the hot path) run built
        self.gamma: Param = None  # type: ignore[assignment]
        self.beta: Param = None  # type: ignore[assignment]
        self.moving_mean: np.ndarray = None  # type: ignore[assignment]
        self.moving_variance: np.ndarray = None  # type: ignore[assignment]
        self._frozen = self._fixed = False  # freeze_statistics; the mode of the cached batch

    def build(self, in_features: int, rng: RandomLike) -> int:
        self.in_features = in_features
        self.gamma = Param(np.ones(in_features), "gamma")
        self.beta = Param(np.zeros(in_features), "beta")
        self.moving_mean = np.zeros(in_features)
        self.moving_variance = np.ones(in_features)
        return in_features

    def cast_state(self, dtype: np.dtype) -> None:
        """Convert the running statistics to the model's dtype."""
        self.moving_mean = self.moving_mean.astype(dtype)
        self.moving_variance = self.moving_variance.astype(dtype)

    def freeze_statistics(self, frozen: bool = True) -> None:
        """While ``frozen``, normalize training batches with the running statistics,
        unchanged (see above); False resumes batch statistics."""
        self._frozen = bool(frozen)

    def forward(self, x: np.ndarray, *, training: bool = False) -> np.ndarray:
        try:
            gamma, beta = self.gamma.value, self.beta.value
            if x.dtype != gamma.dtype or x.ndim != 2 or x.shape[1] != gamma.shape[0]:
                x = layer_input(self, x, gamma.dtype, gamma.shape[0])  # cast, as Dense does
        except AttributeError as error:  # gamma is None before build; x may be no array
            raise (input_error(self, x, built=self.gamma is not None) or error) from None
        if not training:
            scale = gamma / np.sqrt(self.moving_variance + self.epsilon)
            return (x - self.moving_mean) * scale + beta
        dt, self._fixed = x.dtype, self._frozen
        xhat = self._xhat = scratch(getattr(self, "_xhat", None), x.shape, dt)
        y = self._y = scratch(getattr(self, "_y", None), x.shape, dt)
        if self._fixed:
            mean, var = self.moving_mean, self.moving_variance
            np.subtract(x, mean, out=xhat)
        else:
            mean, var = _batch_moments(x, xhat, y)
        self._inv_std = inv_std = 1.0 / np.sqrt(var + const(self.epsilon, dt))
        np.multiply(xhat, inv_std, out=xhat)
        np.multiply(xhat, gamma, out=y)
        np.add(y, beta, out=y)
        if self._fixed:
            return y
        m, keep = const(self.momentum, dt), const(1.0 - self.momentum, dt)
        self.moving_mean *= m
        self.moving_mean += keep * mean
        self.moving_variance *= m
        self.moving_variance += keep * var
        return y

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        xhat = cached(self, "_xhat", grad_out)  # the training forward's (x - mean) / s
        # below, out positional: NumPy's stubs only know out= as a keyword
        np.add.reduce(grad_out * xhat, 0, None, self.gamma.grad)  # type: ignore[call-overload]
        np.add.reduce(grad_out, 0, None, self.beta.grad)  # type: ignore[call-overload]
        h = grad_out * self.gamma.value
        if self._fixed:  # the statistics do not depend on x
            return np.multiply(h, self._inv_std, out=h)
        grad_in = h - h.mean(axis=0)
        grad_in -= xhat * (h * xhat).mean(axis=0)
        grad_in *= self._inv_std
        return grad_in

    def parameters(self) -> list[Param]:
        return [] if self.gamma is None else [self.gamma, self.beta]

    def get_state(self) -> dict[str, np.ndarray]:
        """The running statistics: ``{"moving_mean": ..., "moving_variance": ...}``."""
        if self.moving_mean is None:
            return {}
        return {"moving_mean": self.moving_mean, "moving_variance": self.moving_variance}

    def set_state(self, state: dict[str, Any]) -> None:
        """Copy the running statistics of ``state`` in (as ``get_state`` returns them;
        shapes must match, values finite, variance >= 0)."""
        for name in ("moving_mean", "moving_variance"):
            if name not in state:
                raise ValueError(
                    f"Expected {name} in the BatchNorm state. Received {sorted(state)}"
                )
            target = getattr(self, name)
            value = np.asarray(state[name])
            if value.shape != target.shape or not np.all(np.isfinite(value)):
                raise ValueError(
                    f"Expected a finite {name} of shape {target.shape}. "
                    f"Received shape {value.shape}"
                )
            if name == "moving_variance" and np.any(value < 0):
                raise ValueError("Expected a non-negative moving_variance")
            np.copyto(target, value, casting="unsafe")

    def get_config(self) -> dict[str, Any]:
        return {"momentum": self.momentum, "epsilon": self.epsilon}
