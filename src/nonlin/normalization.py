"""Batch normalization (Ioffe & Szegedy, 2015).

Training normalizes each feature with the batch's statistics and updates
running averages of them; inference uses the running averages. The running
statistics are not trained: they live outside ``parameters()`` and are read
and restored with ``get_state`` / ``set_state`` (and ``Sequential.get_state``),
in the model's dtype.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ._keras_keywords import unexpected_keyword
from ._layer_inputs import cached
from ._layer_names import name_config, set_name
from ._misuse import allocating, input_error, layer_input
from ._quoting import quoted
from ._random_hints import RandomLike
from ._state_checks import copy_statistics
from .core import Layer, Param, const, layer_buffer
from .validation import is_real


def _batch_moments(
    x: np.ndarray, centered: np.ndarray, scratch_: np.ndarray, sums: np.ndarray,
    mean: np.ndarray, var: np.ndarray, spare: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Column mean and biased variance of ``x`` into ``mean`` and ``var`` (n_features,);
    writes ``x - mean`` into ``centered`` (``scratch_`` shaped like ``x``, ``spare`` like
    ``var``: both overwritten).

    The column sums accumulate in float64 (``sums``): NumPy adds the rows of an axis-0
    reduction one by one, and in float32 the mean of 256 rows near 1e5 drifted
    by several ulps, which ``x - mean`` amplifies. In float64 this is
    ``x.mean(axis=0)``, ``x.var(axis=0)`` bit for bit, without their temporaries, but for
    a feature whose variance is within the mean's rounding, ``(0, (n eps mean)^2]``,
    which ``nonlin._moment_fix`` recomputes (a constant float64 feature past ~1e10 to 1e14,
    by ``n``: its outputs were +-1, not 0; a float32 feature of spread below ``n eps`` of its
    mean, 1000 +- 0.01 in 256 rows: its outputs were shifted by up to a few percent).
    """
    n = x.shape[0]
    np.add.reduce(x, axis=0, dtype=np.float64, out=sums)
    sums /= n
    np.copyto(mean, sums, casting="same_kind")  # rounded once to x's dtype
    np.subtract(x, mean, out=centered)
    np.multiply(centered, centered, out=scratch_)
    np.add.reduce(scratch_, axis=0, out=var)
    var /= n
    # the mean's rounding, (n eps |m|)^2, where it holds the variance: 0 < var <= it,
    # sign(it - var) var > 0, in x's dtype (no buffer allocated, the square capped)
    np.multiply(np.abs(sums, out=sums), n * _EPS[x.dtype], out=sums)
    np.copyto(spare, np.minimum(sums, _ROOT_MAX[x.dtype], out=sums), casting="same_kind")
    np.subtract(np.multiply(spare, spare, out=spare), var, out=spare)
    np.multiply(np.sign(spare, out=spare), var, out=spare)
    if spare.max() > 0:  # a constant float64 feature past ~1e14, say (nonlin._moment_fix)
        from ._moment_fix import corrected

        corrected(x, centered, mean, var, spare > 0)
    return mean, var


_EPS = {np.dtype(np.float32): 2.0**-23, np.dtype(np.float64): 2.0**-52}
_ROOT_MAX = {np.dtype(np.float32): 9.2e18, np.dtype(np.float64): 6.7e153}  # sqrt(max) / 2


def _mean_rows(a: np.ndarray, out: np.ndarray) -> np.ndarray:
    """``a.mean(axis=0)`` into ``out``: the column sums divided by the number of rows
    (NumPy divides in float64 and rounds once: the same bits in float32, the
    quotient of two floats being exact before that rounding, up to 2**-53)."""
    np.add.reduce(a, axis=0, out=out)
    return np.divide(out, const(float(a.shape[0]), out.dtype), out=out)


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
    checks inference mode so. ``freeze_statistics(False)`` resumes. A frozen layer
    (``trainable = False``, Keras 3) runs so too, and ``fit`` leaves ``gamma`` and
    ``beta`` as they are.

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
    axis : int, default -1
        Keras' ``axis``: the features, -1 or 1 (the one axis of features a batch has), and
        so not recorded in the config.
    name : str, optional
        The layer's name, as ``Dense``'s (Keras' ``name=``).
    **keras
        Keras' ``center``, ``scale`` (both always on here) and the like are refused saying
        so (``nonlin._keras_keywords``).
    """

    _caches = ("_xhat", "_y", "_sums", "_mean", "_var", "_inv_std", "_step", "_part",
                "_grad_in")

    # buffers of a training forward: the batch's mean and variance (reused by backward)
    _mean: np.ndarray
    _var: np.ndarray

    def __init__(self, momentum: float = 0.99, epsilon: float = 1e-3, *, axis: int = -1,
                 name: str | None = None, **keras: Any) -> None:
        if keras:  # Keras' center=, scale=, ...: Python's error, nonlin's way added
            raise unexpected_keyword("BatchNorm", keras)
        if isinstance(axis, bool) or not isinstance(axis, int | np.integer) or axis not in (-1, 1):
            raise ValueError("Expected axis=-1 (or 1), the features of a (n_samples, n_features) "
                             f"batch. Received: axis={quoted(axis)}")
        if not is_real(momentum) or not (
            0 <= momentum < 1
        ):
            raise ValueError(f"Expected momentum in [0, 1). Received: momentum={quoted(momentum)}")
        if not is_real(epsilon) or not 0 < epsilon < math.inf:  # inf: every output 0
            raise ValueError("Expected a positive, finite epsilon. "
                             f"Received: epsilon={quoted(epsilon)}")
        self.momentum, self.epsilon = float(momentum), float(epsilon)
        set_name(self, name)
        # None until build; typed as built: forward and backward (the hot path) run built
        self.gamma: Param = None  # type: ignore[assignment]
        self.beta: Param = None  # type: ignore[assignment]
        self.moving_mean: np.ndarray = None  # type: ignore[assignment]
        self.moving_variance: np.ndarray = None  # type: ignore[assignment]
        self._frozen = self._fixed = False  # freeze_statistics; the mode of the cached batch

    def build(self, in_features: int, rng: RandomLike) -> int:
        self.in_features = in_features
        with allocating(self, (in_features,), "(in_features,)"):
            self.gamma = Param(np.ones(in_features), "gamma")
            self.beta = Param(np.zeros(in_features), "beta")
            self.moving_mean = np.zeros(in_features)
            self.moving_variance = np.ones(in_features)
        return in_features

    def cast_state(self, dtype: np.dtype) -> None:
        """Convert the running statistics to the model's dtype: float32 or float64
        (``ValueError``, ``Layer.cast_state``'s check)."""
        super().cast_state(dtype)
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
        dt, self._fixed = x.dtype, self._frozen or not self._trainable
        xhat = self._xhat = layer_buffer(self, "_xhat", x.shape, dt)
        y = self._y = layer_buffer(self, "_y", x.shape, dt)
        row = x.shape[1:]
        inv_std = self._inv_std = layer_buffer(self, "_inv_std", row, dt)
        if self._fixed:
            mean, var = self.moving_mean, self.moving_variance
            np.subtract(x, mean, out=xhat)
        else:
            mean, var = _batch_moments(x, xhat, y, layer_buffer(self, "_sums", row, np.float64),
                                       layer_buffer(self, "_mean", row, dt),
                                       layer_buffer(self, "_var", row, dt), inv_std)
        np.add(var, const(self.epsilon, dt), out=inv_std)
        np.divide(1.0, np.sqrt(inv_std, out=inv_std), out=inv_std)  # 1 / sqrt(var + eps)
        np.multiply(xhat, inv_std, out=xhat)
        np.multiply(xhat, gamma, out=y)
        np.add(y, beta, out=y)
        if self._fixed:
            return y
        m, keep = const(self.momentum, dt), const(1.0 - self.momentum, dt)
        step = layer_buffer(self, "_step", row, dt)
        self.moving_mean *= m
        self.moving_mean += np.multiply(mean, keep, out=step)
        self.moving_variance *= m
        self.moving_variance += np.multiply(var, keep, out=step)
        return y

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        xhat, grad_out = cached(self, "_xhat", grad_out)  # the training forward's (x - mean) / s
        inv_std = self._inv_std
        part = layer_buffer(self, "_part", xhat.shape, xhat.dtype)
        np.add.reduce(np.multiply(grad_out, xhat, out=part), axis=0,
                      out=self.gamma.grad)
        np.add.reduce(grad_out, axis=0, out=self.beta.grad)
        h = layer_buffer(self, "_grad_in", xhat.shape, xhat.dtype)
        np.multiply(grad_out, self.gamma.value, out=h)
        if self._fixed:  # the statistics do not depend on x
            return np.multiply(h, inv_std, out=h)
        h_mean = _mean_rows(h, self._mean)
        hx_mean = _mean_rows(np.multiply(h, xhat, out=part), self._var)
        grad_in = np.subtract(h, h_mean, out=h)  # h - mean_rows(h)
        grad_in -= np.multiply(xhat, hx_mean, out=part)  # - xhat * mean_rows(h xhat)
        return np.multiply(grad_in, inv_std, out=grad_in)

    def parameters(self) -> list[Param]:
        return [] if self.gamma is None else [self.gamma, self.beta]

    def get_state(self) -> dict[str, np.ndarray]:
        """Copies of the running statistics: ``{"moving_mean": ..., "moving_variance": ...}``,
        each of shape ``(n_features,)`` (``{}`` before build)."""
        return {name: value.copy() for name, value in self._live_state().items()}

    def _live_state(self) -> dict[str, np.ndarray]:
        """The running statistics themselves, not copied (``_weights.layer_state``: nonlin's
        own readers and writers, and ``set_state``, which copies into them)."""
        if self.moving_mean is None:
            return {}
        return {"moving_mean": self.moving_mean, "moving_variance": self.moving_variance}

    def set_state(self, state: dict[str, Any]) -> None:
        """Copy the running statistics of ``state`` in (as ``get_state`` returns them).

        Both are checked before either is copied (both keys and no other, the shape,
        finite real values within the layer's dtype, variance >= 0): a refused state
        changes nothing. Messages name the entry and its first offending value.
        """
        current = self._live_state()  # the arrays themselves, copied into below
        if not current:
            raise RuntimeError("This BatchNorm is not built yet: it has no state to set")
        copy_statistics(state, current, "moving_variance")

    def get_config(self) -> dict[str, Any]:
        return {"momentum": self.momentum, "epsilon": self.epsilon, **name_config(self)}
