"""Layer normalization (Ba, Kiros & Hinton, 2016): each sample over its own features.

Unlike ``BatchNorm``, the statistics are the row's, not the batch's: training
and inference compute the same function, there are no running statistics, and
a batch of one sample is normalized as well as a batch of a thousand. This is
Keras 3's ``LayerNormalization`` and PyTorch's ``nn.LayerNorm`` over the last
axis of a ``(n_samples, n_features)`` batch.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ._layer_inputs import cached
from ._layer_names import name_config, set_name
from ._misuse import allocating, layer_input, not_built
from ._quoting import quoted
from ._random_hints import RandomLike
from .core import Layer, Param, const, layer_buffer
from .validation import check_bool, is_real

# keywords of PyTorch's nn.LayerNorm and Keras' LayerNormalization that nonlin spells otherwise
_OTHER_KEYWORDS = {
    "eps": "nonlin's (and Keras') name is epsilon=; PyTorch's default 1e-5 is epsilon=1e-5",
    "normalized_shape": "not needed: build (or the first fit) sets the number of features",
    "elementwise_affine": "use scale=False, center=False for elementwise_affine=False",
    "bias": "use center=False for PyTorch's bias=False",
    "rms_scaling": "rms_scaling=True is not supported: this layer always subtracts the mean",
}


def _standardize(
    x: np.ndarray, xhat: np.ndarray, square: np.ndarray, mean: np.ndarray,
    inv_std: np.ndarray, epsilon: float,
) -> None:
    """``xhat = (x - mean) / sqrt(var + epsilon)`` row by row, into ``xhat`` (shaped like
    ``x``), with ``inv_std = 1 / sqrt(var + epsilon)`` (n_samples, 1); ``mean``
    (n_samples, 1) and ``square`` (like ``x``) are scratch. ``var`` is the biased
    variance ``mean((x - mean)**2)``, computed from the centered rows (two passes:
    no cancellation). A row's features are contiguous, so NumPy sums them pairwise,
    accurately in float32 too: every array here is in ``x``'s dtype."""
    dt = x.dtype
    width = const(float(x.shape[1]), dt)
    np.add.reduce(x, axis=1, out=mean, keepdims=True)
    np.divide(mean, width, out=mean)
    np.subtract(x, mean, out=xhat)
    with np.errstate(over="ignore"):  # a row of huge values: its squares or their sum
        np.multiply(xhat, xhat, out=square)  # overflow (rescaled below)
        np.add.reduce(square, axis=1, out=inv_std, keepdims=True)
    np.divide(inv_std, width, out=inv_std)  # var
    _fix_rounded_means(x, xhat, mean, inv_std, square[:, :1])  # square: free now
    np.add(inv_std, const(epsilon, dt), out=inv_std)
    np.sqrt(inv_std, out=inv_std)
    np.divide(const(1.0, dt), inv_std, out=inv_std)
    if not inv_std.all():  # 1 / sqrt(inf): a row's squares overflowed
        _rescaled(xhat, inv_std)
    np.multiply(xhat, inv_std, out=xhat)


def _fix_rounded_means(x: np.ndarray, centered: np.ndarray, mean: np.ndarray,
                       var: np.ndarray, spare: np.ndarray) -> None:
    """The rows whose variance ``var`` (n_samples, 1) is within their rounded ``mean``'s
    error, ``(0, (k eps mean)^2]`` for ``k`` features: a row constant at 1e30 (or at
    1.2e8 in float32) had ``x - mean`` of an ulp, a "variance" of its square and outputs
    of +-1, not 0. ``nonlin._moment_fix`` recomputes those rows' ``mean``, ``var`` and
    ``centered = x - mean`` in place (the corrected two-pass formula, in float64), as
    ``BatchNorm``'s columns, and those of an infinite ``var`` and a finite mean (a float32
    row constant at 1e30: the ulp's square overflowed; a true variance past the float range
    stays inf, for ``_rescaled``); other rows keep their bits. ``spare`` (n_samples, 1) is
    scratch: no array is allocated but on that rare path."""
    info = np.finfo(x.dtype)
    np.multiply(np.abs(mean, out=spare), x.shape[1] * float(info.eps), out=spare)
    np.minimum(spare, 0.5 * math.sqrt(float(info.max)), out=spare)
    np.subtract(np.multiply(spare, spare, out=spare), var, out=spare)
    np.multiply(np.sign(spare, out=spare), var, out=spare)  # > 0: 0 < var < bound; -inf: inf
    if spare.max() > 0 or spare.min() == -math.inf:  # a constant row of huge values, say
        from ._moment_fix import corrected

        suspect = ((spare > 0) | (np.isposinf(var) & np.isfinite(mean)))[:, 0]
        if suspect.any():  # (not a row whose sum overflowed: left as it was)
            with np.errstate(over="ignore"):  # a variance past the float range stays inf
                corrected(x.T, centered.T, mean[:, 0], var[:, 0], suspect)


def _rescaled(centered: np.ndarray, inv_std: np.ndarray) -> None:
    """``inv_std`` again for the rows whose variance overflowed (``inv_std`` 0 there):
    ``1 / (m sqrt(mean((c / m)^2)))`` with ``m = max |c|`` (``epsilon / m^2`` is nothing
    beside it), as PyTorch's ``LayerNorm`` does not (it returns zeros)."""
    rows = np.flatnonzero((inv_std[:, 0] == 0) & np.isfinite(centered).all(axis=1))
    for i in rows:
        c = centered[i]
        m = np.abs(c).max()
        inv_std[i, 0] = 1.0 / (m * np.sqrt(np.mean(np.square(c / m))))


class LayerNormalization(Layer):
    """``y = gamma * (x - mean) / sqrt(var + epsilon) + beta``, per sample (row).

    ``mean`` and ``var`` (biased) are each row's, over its features::

        mean = mean_cols(x)      var = mean_cols((x - mean)**2)      (n_samples, 1)

    in training and inference alike. ``gamma`` starts at ones and ``beta`` at zeros,
    one per feature. Keras 3's ``LayerNormalization(axis=-1, epsilon=1e-3, center=True,
    scale=True)``; PyTorch's ``nn.LayerNorm(n_features)`` is
    ``LayerNormalization(epsilon=1e-5)`` (``eps=1e-5`` is its default), and its
    ``elementwise_affine=False`` is ``center=False, scale=False``. ``LayerNorm`` is
    another name for this class.

    Backward, with ``xhat = (x - mean) / s``, ``s = sqrt(var + epsilon)``, ``d``
    features and ``h = g * gamma``::

        dL/dgamma = sum_rows(g * xhat)      dL/dbeta = sum_rows(g)
        dL/dx = (h - mean_cols(h) - xhat * mean_cols(h * xhat)) / s

    A frozen layer (``trainable = False``) computes ``dL/dx`` only; as the first
    layer of a model it computes the parameters' gradients only.

    Shapes: ``x`` and ``y`` (n_samples, n_features); ``gamma``, ``beta`` (n_features,).

    Parameters
    ----------
    axis : int, default -1
        The features: -1 or 1 (a batch is 2-D: the last axis is the only one).
    epsilon : float, default 1e-3
        Added to the variance (positive, finite). Keras' default; PyTorch's is 1e-5.
    center : bool, default True
        Whether to add ``beta`` (Keras' ``center``, PyTorch's ``bias``).
    scale : bool, default True
        Whether to multiply by ``gamma``.
    name : str, optional
        The layer's name, as ``Dense``'s (Keras' ``name=``).
    **others
        Refused, naming nonlin's way for PyTorch's keywords (``eps``,
        ``normalized_shape``, ``elementwise_affine``, ``bias``) and Keras' ``rms_scaling=True``
        (``rms_scaling=False``, Keras' default, is taken).
    """

    _caches = ("_xhat", "_y", "_inv_std", "_mean", "_part", "_grad_in",
                "_hx_mean")

    def __init__(self, axis: int = -1, epsilon: float = 1e-3, center: bool = True,
                 scale: bool = True, *, name: str | None = None, **others: Any) -> None:
        if others.get("rms_scaling", True) is False:  # Keras 3's default, said explicitly
            del others["rms_scaling"]
        if others:
            name = next(iter(others))
            hint = _OTHER_KEYWORDS.get(name)
            raise TypeError(f"LayerNormalization() got an unexpected keyword argument "
                            f"{quoted(name)}"
                            + (f": {hint}" if hint else ""))
        if isinstance(axis, bool) or not isinstance(axis, int | np.integer) or axis not in (-1, 1):
            raise ValueError(
                "Expected axis=-1 (or 1), the features of a (n_samples, n_features) batch; the "
                "number of features comes from build (PyTorch's normalized_shape is not needed). "
                f"Received: axis={quoted(axis)}")
        if not is_real(epsilon) or not 0 < epsilon < math.inf:
            raise ValueError("Expected a positive, finite epsilon. "
                             f"Received: epsilon={quoted(epsilon)}")
        self.axis, self.epsilon = int(axis), float(epsilon)
        self.center, self.scale = check_bool("center", center), check_bool("scale", scale)
        set_name(self, name)
        self.gamma: Param | None = None
        self.beta: Param | None = None
        self._dtype: np.dtype | None = None  # the model's, set by build and cast_state

    def build(self, in_features: int, rng: RandomLike) -> int:
        self.in_features = in_features
        with allocating(self, (in_features,), "(in_features,)"):
            self.gamma = Param(np.ones(in_features), "gamma") if self.scale else None
            self.beta = Param(np.zeros(in_features), "beta") if self.center else None
        self._dtype = np.dtype(np.float64)
        return in_features

    def cast_state(self, dtype: np.dtype) -> None:
        """Compute in the model's ``dtype`` (``Sequential.build`` calls this; the layer holds
        no state, and may hold no parameter to carry the dtype): float32 or float64."""
        super().cast_state(dtype)

    def _input(self, x: Any) -> np.ndarray:
        """``x`` converted to the layer's dtype, or the error saying why it does not fit."""
        if self._dtype is None:
            raise not_built(self)
        return layer_input(self, x, self._dtype, self.in_features)

    def forward(self, x: np.ndarray, *, training: bool = False) -> np.ndarray:
        try:
            if x.dtype != self._dtype or x.ndim != 2 or x.shape[1] != self.in_features:
                x = self._input(x)  # cast, as Dense does
        except AttributeError:  # x is no array, or no in_features before build
            x = self._input(x)
        dt, rows = x.dtype, (x.shape[0], 1)
        if training:
            xhat = self._xhat = layer_buffer(self, "_xhat", x.shape, dt)
            y = layer_buffer(self, "_y", x.shape, dt)
            inv_std = self._inv_std = layer_buffer(self, "_inv_std", rows, dt)
            mean = layer_buffer(self, "_mean", rows, dt)
        else:  # fresh arrays; the same operations, so the same bits as in training
            xhat, y = np.empty(x.shape, dt), np.empty(x.shape, dt)
            inv_std, mean = np.empty(rows, dt), np.empty(rows, dt)
        _standardize(x, xhat, y, mean, inv_std, self.epsilon)
        if self.gamma is not None:
            np.multiply(xhat, self.gamma.value, out=y)
        else:
            np.copyto(y, xhat)
        if self.beta is not None:
            np.add(y, self.beta.value, out=y)
        return y

    def backward(self, grad_out: np.ndarray) -> np.ndarray | None:
        xhat, grad_out = cached(self, "_xhat", grad_out)  # the training forward's (x - mean) / s
        dt, gamma = xhat.dtype, self.gamma
        part = layer_buffer(self, "_part", xhat.shape, dt)
        if self._trainable:  # frozen: no dL/dgamma, dL/dbeta (their grads stay zero)
            if gamma is not None:
                np.add.reduce(np.multiply(grad_out, xhat, out=part), axis=0,
                              out=gamma.grad)
            if self.beta is not None:
                np.add.reduce(grad_out, axis=0, out=self.beta.grad)
        if not self.input_grad:  # the first layer: nobody reads dL/dx
            return None
        h = layer_buffer(self, "_grad_in", xhat.shape, dt)
        if gamma is not None:
            np.multiply(grad_out, gamma.value, out=h)
        else:
            np.copyto(h, grad_out, casting="same_kind")
        rows, width = (xhat.shape[0], 1), const(float(xhat.shape[1]), dt)
        h_mean = layer_buffer(self, "_mean", rows, dt)  # the forward's mean: no longer needed
        hx_mean = layer_buffer(self, "_hx_mean", rows, dt)
        np.divide(np.add.reduce(h, axis=1, out=h_mean, keepdims=True), width,
                  out=h_mean)
        np.multiply(h, xhat, out=part)
        np.divide(np.add.reduce(part, axis=1, out=hx_mean, keepdims=True), width,
                  out=hx_mean)
        grad_in = np.subtract(h, h_mean, out=h)  # h - mean_cols(h)
        grad_in -= np.multiply(xhat, hx_mean, out=part)  # - xhat * mean_cols(h xhat)
        return np.multiply(grad_in, self._inv_std, out=grad_in)

    def parameters(self) -> list[Param]:
        return [p for p in (self.gamma, self.beta) if p is not None]

    def get_config(self) -> dict[str, Any]:
        return {"axis": self.axis, "epsilon": self.epsilon, "center": self.center,
                "scale": self.scale, **name_config(self)}


LayerNorm = LayerNormalization  # PyTorch's name for the same class

__all__ = ["LayerNorm", "LayerNormalization"]
