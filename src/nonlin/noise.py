"""Noise layers for regularization, active in training only: ``AlphaDropout`` (for SELU
networks), ``GaussianDropout`` and ``GaussianNoise``, as Keras 3 defines them.

At inference (``training=False``, ``predict``, ``evaluate``) each is the identity: it
returns its input itself, as ``Dropout`` does. In training each draws its noise from the
model's generator (``model.rng``, bound at build and by ``fit``, as ``Dropout``'s masks):
the same seed gives the same bits, and a refused step (``DivergenceError``) draws the
same noise again. ``freeze_mask(True)`` reuses the last draw for batches of its shape
(``gradcheck(training=True)`` freezes it), and a rate or ``stddev`` of 0 is the identity
in training too (``gradcheck(training=False)`` sets it so, then restores it). Keras 3's
``seed`` (and ``AlphaDropout``'s ``noise_shape``) are refused saying so: the model's seed
gives the draws (``nonlin._keras_keywords``).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ._deferred_rng import LazyRng
from ._keras_keywords import unexpected_keyword
from ._layer_inputs import cached, layer_batch, passed, passed_grad
from ._layer_names import name_config, set_name
from ._misuse import input_error
from ._quoting import quoted
from ._random_hints import RandomLike
from .activations_smooth import SELU_ALPHA, SELU_SCALE
from .core import Layer, const, layer_buffer
from .layers import Dropout
from .validation import is_real

_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


def _check_rate(rate: Any) -> float:
    if not is_real(rate) or not 0 <= rate < 1:
        raise ValueError(f"Expected a rate in [0, 1). Received: rate={quoted(rate)}")
    return float(rate)


class NoiseLayer(Layer):
    """What the noise layers share: the model's generator, ``freeze_mask`` and the checks.

    ``knob`` names the attribute whose value 0 makes the layer the identity.
    """

    _inputs: tuple[str, ...] = ("_x",)  # nonlin._layer_caches
    _caches: tuple[str, ...] = ("_y", "_grad_in")
    _draws: tuple[str, ...] = ()

    knob = "rate"
    # the model's generator, bound by build: None till then; a loaded model's, made on first
    # use (_deferred_rng); NoiseLayer.rng is None
    rng: np.random.Generator | np.random.RandomState | None = LazyRng(None)  # type: ignore[assignment]
    _frozen = False

    def build(self, in_features: int, rng: RandomLike) -> int:
        self.in_features, self.rng = in_features, rng
        return in_features

    def freeze_mask(self, frozen: bool = True) -> None:
        """Reuse the current draw while ``frozen`` (for gradient checks in training mode);
        False draws again."""
        self._frozen = bool(frozen)

    def _fresh(self, x: Any, name: str) -> bool:
        """Whether a training forward on ``x`` draws anew (else it reuses buffer ``name``,
        frozen); refuses ``x`` when it is no float array, or before build."""
        if self.rng is None or not isinstance(x, np.ndarray) or x.dtype not in _FLOATS:
            error = input_error(self, x, built=self.rng is not None, floats=True)
            raise error or TypeError(f"Expected a float array for {type(self).__name__}")
        drawn = self.__dict__.get(name)
        return not (self._frozen and drawn is not None and drawn.shape == x.shape
                    and drawn.dtype == x.dtype)

    def _draw(self, name: str, x: np.ndarray, normal: bool) -> np.ndarray:
        """Buffer ``name`` filled with uniform [0, 1) or standard normal draws in ``x``'s
        dtype from the model's generator (a legacy ``RandomState`` draws float64, cast)."""
        out = layer_buffer(self, name, x.shape, x.dtype)
        rng: Any = self.rng  # built: ``_fresh`` checked
        if isinstance(rng, np.random.Generator):
            (rng.standard_normal if normal else rng.random)(out=out, dtype=out.dtype)
        else:
            drawn = rng.standard_normal(x.shape) if normal else rng.random_sample(x.shape)
            np.copyto(out, drawn, casting="same_kind")
        return out

    def get_config(self) -> dict[str, Any]:
        return {self.knob: getattr(self, self.knob), **name_config(self)}


class AlphaDropout(NoiseLayer):
    """Dropout that keeps SELU's self-normalization (Klambauer et al., 2017): in training,
    a dropped unit takes SELU's negative saturation value ``alpha' = -scale * alpha``
    (``-1.7580993...``), then an affine map restores mean 0 and variance 1::

        y = a * (x * mask + alpha' * (1 - mask)) + b,    mask ~ Bernoulli(1 - rate)
        a = ((1 - rate) * (1 + rate * alpha'^2)) ** -0.5,    b = -a * alpha' * rate

    (Keras 3's ``AlphaDropout`` and PyTorch's ``nn.AlphaDropout``; a unit is kept where a
    uniform draw is ``>= rate``, as ``Dropout`` keeps it). At inference ``y = x``.
    Backward: ``dL/dx = g * a * mask``.

    Shapes: ``x``, ``y`` and ``g = dL/dy`` (n_samples, n_features).

    Parameters
    ----------
    rate : float
        Fraction of units dropped, in [0, 1).
    name : str, optional
        The layer's name, as ``Dense``'s (Keras' ``name=``).
    **keras
        Keras' ``seed`` (and ``noise_shape``) refused saying so (see the module docstring).
    """

    _caches = ("_keep", "_offset", "_slope")
    _draws = ("_keep", "_offset", "_slope")  # kept while frozen (freeze_mask)
    _slope: np.ndarray  # a * mask and the offsets (b or a alpha' + b) of the last draw
    _offset: np.ndarray

    def __init__(self, rate: float, *, name: str | None = None, **keras: Any) -> None:
        if keras:  # Keras' seed=, noise_shape=: Python's error, nonlin's way added
            raise unexpected_keyword(type(self).__name__, keras)
        self.rate = _check_rate(rate)
        set_name(self, name)

    def forward(self, x: np.ndarray, *, training: bool = False) -> np.ndarray:
        x = layer_batch(self, x)  # the model's dtype (one dtype test)
        if not training or self.rate == 0.0:
            return passed(self, x, training)  # rate 0: recorded for backward
        if self._fresh(x, "_slope"):
            self._draw_mask(x)
        y = layer_buffer(self, "_y", x.shape, x.dtype)
        np.multiply(x, self._slope, out=y)
        return np.add(y, self._offset, out=y)

    def _draw_mask(self, x: np.ndarray) -> None:
        """``_slope = a * mask`` and ``_offset = b`` where kept, ``a alpha' + b`` where
        dropped, the latter as ``(mask - 1) * (-a alpha') + b``, PyTorch's order."""
        dtype, rate = x.dtype, self.rate
        saturation = -SELU_ALPHA * SELU_SCALE
        a = 1.0 / math.sqrt((saturation * saturation * rate + 1.0) * (1.0 - rate))
        slope = self._draw("_slope", x, normal=False)
        keep = layer_buffer(self, "_keep", x.shape, np.dtype(bool))
        np.greater_equal(slope, const(rate, dtype), out=keep)
        np.multiply(keep, const(a, dtype), out=slope)
        offset = layer_buffer(self, "_offset", x.shape, dtype)
        np.subtract(keep, const(1.0, dtype), out=offset)  # 0 kept, -1 dropped
        np.multiply(offset, const(-a * saturation, dtype), out=offset)
        np.add(offset, const(-a * saturation * rate, dtype), out=offset)

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        if self.rate == 0.0:
            return passed_grad(self, grad_out)
        slope, grad_out = cached(self, "_slope", grad_out)  # the training forward's a * mask
        return np.multiply(grad_out, slope, out=layer_buffer(self, "_grad_in", slope.shape,
                                                             slope.dtype))


class GaussianDropout(NoiseLayer):
    """Multiplicative noise of mean 1: in training ``y = x * (1 + s * z)``, ``z ~ N(0, 1)``
    per entry, ``s = sqrt(rate / (1 - rate))`` (Keras 3's ``GaussianDropout``, the noise
    ``Dropout(rate)`` has, in variance; Srivastava et al., 2014). At inference ``y = x``.
    Backward: ``dL/dx = g * (1 + s * z)``.

    Shapes: ``x``, ``y`` and ``g = dL/dy`` (n_samples, n_features).

    Parameters
    ----------
    rate : float
        In [0, 1) (Keras takes 1 too, dividing by 0).
    name : str, optional
        The layer's name, as ``Dense``'s (Keras' ``name=``).
    **keras
        Keras' ``seed`` (and ``noise_shape``) refused saying so (see the module docstring).
    """

    _caches = ("_noise",)
    _draws = ("_noise",)  # kept while frozen (freeze_mask)
    _noise: np.ndarray  # 1 + s z, the last training draw

    def __init__(self, rate: float, *, name: str | None = None, **keras: Any) -> None:
        if keras:  # Keras' seed=, noise_shape=: Python's error, nonlin's way added
            raise unexpected_keyword(type(self).__name__, keras)
        self.rate = _check_rate(rate)
        set_name(self, name)

    def forward(self, x: np.ndarray, *, training: bool = False) -> np.ndarray:
        x = layer_batch(self, x)  # the model's dtype (one dtype test)
        if not training or self.rate == 0.0:
            return passed(self, x, training)  # rate 0: recorded for backward
        if self._fresh(x, "_noise"):
            noise = self._draw("_noise", x, normal=True)
            np.multiply(noise, const(math.sqrt(self.rate / (1.0 - self.rate)), x.dtype),
                        out=noise)
            np.add(noise, const(1.0, x.dtype), out=noise)
        return np.multiply(x, self._noise, out=layer_buffer(self, "_y", x.shape, x.dtype))

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        if self.rate == 0.0:
            return passed_grad(self, grad_out)
        noise, grad_out = cached(self, "_noise", grad_out)  # the training forward's 1 + s z
        return np.multiply(grad_out, noise, out=layer_buffer(self, "_grad_in", noise.shape,
                                                             noise.dtype))


class GaussianNoise(NoiseLayer):
    """Additive noise of mean 0: in training ``y = x + stddev * z``, ``z ~ N(0, 1)`` per
    entry (Keras 3's ``GaussianNoise``). At inference ``y = x``. Backward: ``dL/dx = g``.

    Shapes: ``x``, ``y`` and ``g = dL/dy`` (n_samples, n_features).

    Parameters
    ----------
    stddev : float
        The noise's standard deviation, finite and ``>= 0`` (Keras 3 refuses one above 1).
    name : str, optional
        The layer's name, as ``Dense``'s (Keras' ``name=``).
    **keras
        Keras' ``seed`` (and ``noise_shape``) refused saying so (see the module docstring).
    """

    _caches = ("_noise",)
    _draws = ("_noise",)  # kept while frozen (freeze_mask)

    knob = "stddev"
    _noise: np.ndarray  # stddev * z, the last training draw

    def __init__(self, stddev: float, *, name: str | None = None, **keras: Any) -> None:
        if keras:  # Keras' seed=: Python's error, nonlin's way added
            raise unexpected_keyword(type(self).__name__, keras)
        if not is_real(stddev) or not 0 <= stddev < math.inf:
            raise ValueError(f"Expected a finite stddev >= 0. Received: stddev={quoted(stddev)}")
        self.stddev = float(stddev)
        set_name(self, name)

    def forward(self, x: np.ndarray, *, training: bool = False) -> np.ndarray:
        x = layer_batch(self, x)  # the model's dtype (one dtype test)
        if not training or self.stddev == 0.0:
            return passed(self, x, training)  # stddev 0: recorded for backward
        if self._fresh(x, "_noise"):
            noise = self._draw("_noise", x, normal=True)
            np.multiply(noise, const(self.stddev, x.dtype), out=noise)
        return np.add(x, self._noise, out=layer_buffer(self, "_y", x.shape, x.dtype))

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        if self.stddev == 0.0:
            return passed_grad(self, grad_out)
        _, grad_out = cached(self, "_noise", grad_out)  # a training forward of this shape
        return grad_out


def noise_knob(layer: Any) -> str | None:
    """The attribute whose value 0 makes ``layer`` the identity in training (``"rate"``,
    ``"stddev"``), for ``Dropout`` and the noise layers; None for any other layer."""
    if isinstance(layer, Dropout):
        return "rate"
    return layer.knob if isinstance(layer, NoiseLayer) else None
