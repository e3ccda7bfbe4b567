"""More of Keras 3's initializers: ``variance_scaling``, ``truncated_normal``,
``random_normal``, ``ones`` and ``identity``, with the truncated-normal draw they share
with ``lecun_normal``.

Pure functions ``(rng, fan_in, fan_out, *, parameters) -> array`` of shape
``(fan_in, fan_out)``, float64, every draw from ``rng``. Their keyword parameters have
Keras 3's defaults, so each is an initializer as it stands: ``Dense(init="ones")``,
``init="variance_scaling"``, names that ``nonlin.initializers.INITIALIZERS`` holds and
model configs record. With other parameters (``functools.partial(variance_scaling,
scale=2.0)``) a Dense is built from Python as usual, but its config records the
function as ``"custom:partial"``: a file keeps its weights, a config alone cannot
rebuild the draw (see ``nonlin.initializers``); Keras' classes
(``VarianceScaling(scale=2.0)``, ``nonlin.initializers_keras``) are recorded with their values.
"""

from __future__ import annotations

import math

import numpy as np

from ._quoting import quoted
from ._random_hints import RandomLike
from .validation import is_real

# The standard deviation of N(0, 1) truncated to [-2, 2]: sqrt(1 - 4 phi(2) / (2 Phi(2) - 1)),
# phi and Phi the standard normal's density and distribution function (Keras' constant)
_TRUNCATED_STDDEV = 0.87962566103423978

_MODES = ("fan_in", "fan_out", "fan_avg")
_DISTRIBUTIONS = ("truncated_normal", "untruncated_normal", "uniform")


def _truncated_normal(rng: RandomLike, shape: tuple[int, ...]) -> np.ndarray:
    """Standard normal draws of shape ``shape`` truncated to [-2, 2], from ``rng`` only.

    Each draw with ``|z| > 2`` is drawn again until it falls inside (rejection, as
    Keras' ``TruncatedNormal``: about 4.6% of draws per round), so the result is the
    normal density restricted to [-2, 2] and renormalised: mean 0, standard deviation
    ``_TRUNCATED_STDDEV`` (0.8796...). The same generator state gives the same bits.

    Parameters
    ----------
    rng : numpy.random.Generator or numpy.random.RandomState
        The generator every draw comes from.
    shape : tuple of int
        The shape of the result.

    Returns
    -------
    numpy.ndarray
        float64 array of shape ``shape``, every entry in [-2, 2].
    """
    z = np.asarray(rng.standard_normal(shape), dtype=float)
    flat = z.reshape(-1)  # a view: a fresh array is contiguous
    outside = np.flatnonzero(np.abs(flat) > 2.0)
    while outside.size:
        redrawn = rng.standard_normal(outside.size)
        flat[outside] = redrawn
        outside = outside[np.abs(redrawn) > 2.0]
    return z


def _finite(name: str, value: object, low: float = -math.inf) -> float:
    """``value`` as a float: a finite real number ``>= low``, or a 0-d array of one."""
    number = value[()] if isinstance(value, np.ndarray) and value.ndim == 0 else value
    if not is_real(number) or not math.isfinite(number) or number < low:
        bound = "" if low == -math.inf else f" >= {low:g}"
        raise ValueError(f"Expected a finite number{bound}. Received: {name}={quoted(value)}")
    return float(number)


def check_variance_scaling(scale: object, mode: object, distribution: object) -> float:
    """``scale`` as a float (a 0-d array as its number, as ``_finite`` takes it); a
    ``scale`` not positive and finite (NaN too), or a ``mode`` or ``distribution`` not one
    of ``variance_scaling``'s, is refused naming the value (``ValueError``)."""
    given, scale = scale, scale[()] if isinstance(scale, np.ndarray) and scale.ndim == 0 else scale
    if not is_real(scale) or not 0 < scale < math.inf:
        raise ValueError(f"Expected a positive, finite scale. Received: scale={quoted(given)}")
    if distribution == "uniform" and not 3.0 * scale < math.inf:  # the limit's square
        raise ValueError(f"Expected a scale whose uniform limit sqrt(3 * scale) NumPy can "
                         f"draw (< 5.9e307). Received: scale={quoted(given)}")
    if mode not in _MODES:
        raise ValueError(f"Expected mode one of {', '.join(map(repr, _MODES))}. "
                         f"Received: mode={quoted(mode)}")
    if distribution not in _DISTRIBUTIONS:
        keras = " (Keras 3 reads it as 'truncated_normal')" if distribution == "normal" else ""
        raise ValueError(f"Expected distribution one of {', '.join(map(repr, _DISTRIBUTIONS))}"
                         f". Received: distribution={quoted(distribution)}{keras}")
    return float(scale)


def variance_scaling(rng: RandomLike, fan_in: int, fan_out: int, *, scale: float = 1.0,
                     mode: str = "fan_in",
                     distribution: str = "truncated_normal") -> np.ndarray:
    """Keras 3's ``VarianceScaling``: weights of variance ``scale / n``.

    ``n`` is ``fan_in``, ``fan_out`` or ``(fan_in + fan_out) / 2`` by ``mode`` (at least
    1), and the draw is::

        "truncated_normal":    s * z, z ~ N(0, 1) truncated to [-2, 2],
                               s = sqrt(scale / n) / 0.87962566103423978
        "untruncated_normal":  N(0, scale / n)
        "uniform":             U(-limit, limit), limit = sqrt(3 * scale / n)

    (the truncated normal's standard deviation after truncation is ``sqrt(scale / n)``).
    The defaults are Keras' (``lecun_normal``). nonlin's named initializers are special
    cases with the same bits from the same generator: ``glorot_uniform`` is
    ``scale=1, mode="fan_avg", distribution="uniform"``; ``he_uniform`` ``scale=2,
    "fan_in", "uniform"``; ``lecun_uniform`` ``1, "fan_in", "uniform"``; ``lecun_normal``
    the defaults; ``he_normal`` ``2, "fan_in", "untruncated_normal"`` and
    ``glorot_normal`` ``1, "fan_avg", "untruncated_normal"`` (PyTorch's
    ``kaiming_normal_`` and ``xavier_normal_``; Keras' ``HeNormal`` and ``GlorotNormal``
    truncate: ``"truncated_normal"``). PyTorch's ``xavier_uniform_(gain=g)`` is
    ``scale=g**2, mode="fan_avg", distribution="uniform"``, and ``nn.Linear``'s default
    weights ``scale=1/3, mode="fan_in", distribution="uniform"``. nonlin computes
    ``3 * scale / n``, Keras ``3 * (scale / n)``: a bit apart at most. Keras reads
    ``distribution="normal"`` as ``"truncated_normal"``; nonlin asks for either name.

    Parameters
    ----------
    rng : numpy.random.Generator or numpy.random.RandomState
        The generator every draw comes from.
    fan_in, fan_out : int
        The layer's input and output widths.
    scale : float, default 1.0
        The variance times ``n``, > 0.
    mode : {"fan_in", "fan_out", "fan_avg"}, default "fan_in"
        Which width ``n`` is.
    distribution : {"truncated_normal", "untruncated_normal", "uniform"}, default "truncated_normal"
        The draw.

    Returns
    -------
    numpy.ndarray
        float64 array of shape (fan_in, fan_out).
    """
    scale = check_variance_scaling(scale, mode, distribution)
    n = max(1.0, {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}[mode])
    shape = (fan_in, fan_out)
    if distribution == "uniform":
        limit = math.sqrt(3.0 * scale / n)
        return rng.uniform(-limit, limit, size=shape)
    if distribution == "untruncated_normal":
        return rng.normal(0.0, math.sqrt(scale / n), size=shape)
    stddev = math.sqrt(scale / n) / _TRUNCATED_STDDEV
    return stddev * _truncated_normal(rng, shape)


def truncated_normal(rng: RandomLike, fan_in: int, fan_out: int, *, mean: float = 0.0,
                     stddev: float = 0.05) -> np.ndarray:
    """Keras 3's ``TruncatedNormal``: ``mean + stddev * z``, ``z ~ N(0, 1)`` truncated to
    [-2, 2] (a draw further than two ``stddev`` from ``mean`` is drawn again).

    ``stddev`` is the normal's before truncation, as in Keras (after it, the standard
    deviation is ``0.8796 * stddev``). PyTorch's ``trunc_normal_(mean, std, a, b)`` takes
    absolute bounds and defaults to ``std=1``, ``a=-2``, ``b=2``: it is this
    distribution with ``a = mean - 2 * std``, ``b = mean + 2 * std`` (drawn otherwise).

    Parameters
    ----------
    rng : numpy.random.Generator or numpy.random.RandomState
        The generator every draw comes from.
    fan_in, fan_out : int
        The layer's input and output widths.
    mean : float, default 0.0
        Finite.
    stddev : float, default 0.05
        Finite, >= 0.

    Returns
    -------
    numpy.ndarray
        float64 array of shape (fan_in, fan_out).
    """
    mean, stddev = _finite("mean", mean), _finite("stddev", stddev, 0.0)
    return mean + stddev * _truncated_normal(rng, (fan_in, fan_out))


def random_normal(rng: RandomLike, fan_in: int, fan_out: int, *, mean: float = 0.0,
                  stddev: float = 0.05) -> np.ndarray:
    """Keras 3's ``RandomNormal``: ``N(mean, stddev^2)``, from ``rng`` (PyTorch's
    ``normal_``, whose default is ``std=1``).

    Parameters
    ----------
    rng : numpy.random.Generator or numpy.random.RandomState
        The generator every draw comes from.
    fan_in, fan_out : int
        The layer's input and output widths.
    mean : float, default 0.0
        Finite.
    stddev : float, default 0.05
        Finite, >= 0.

    Returns
    -------
    numpy.ndarray
        float64 array of shape (fan_in, fan_out).
    """
    mean, stddev = _finite("mean", mean), _finite("stddev", stddev, 0.0)
    return rng.normal(mean, stddev, size=(fan_in, fan_out))


def ones(rng: RandomLike, fan_in: int, fan_out: int) -> np.ndarray:
    """All ones of shape (fan_in, fan_out) (Keras' ``Ones``, PyTorch's ``ones_``); draws
    nothing from ``rng``."""
    return np.ones((fan_in, fan_out))


def identity(rng: RandomLike, fan_in: int, fan_out: int, *, gain: float = 1.0) -> np.ndarray:
    """``gain`` times the identity matrix (Keras 3's ``Identity``, PyTorch's ``eye_``):
    ones on the main diagonal of the (fan_in, fan_out) array, zeros elsewhere, also when
    it is not square; draws nothing from ``rng``.

    Parameters
    ----------
    rng : numpy.random.Generator or numpy.random.RandomState
        Not used (the signature of every initializer).
    fan_in, fan_out : int
        The layer's input and output widths.
    gain : float, default 1.0
        Finite.

    Returns
    -------
    numpy.ndarray
        float64 array of shape (fan_in, fan_out).
    """
    return _finite("gain", gain) * np.eye(fan_in, fan_out)
