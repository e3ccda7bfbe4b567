"""Weight initializers: pure functions ``(rng, fan_in, fan_out) -> array``.

Each returns a float64 array of shape ``(fan_in, fan_out)`` drawn from the
generator it is given (a ``numpy.random.Generator``, or a legacy
``RandomState`` to replay the tutorial's stream). Nothing touches the global
NumPy random state.

A layer's config names its initializer (``"glorot_uniform"``). A function of
the user's own is recorded as ``"custom:<its name>"``: the name is information
only, since a file never names code to run. Such a layer loads with its saved
weights; built anew, it draws them from ``DEFAULT`` instead.

Some take keyword parameters (``orthogonal``'s ``gain``; ``variance_scaling``,
``truncated_normal``, ``random_normal`` and ``identity``, from ``initializers_more``
and importable from here): a name stands for their defaults. A config has no place
for other values: ``functools.partial(orthogonal, gain=2.0)`` is a function of the
user's own there (``"custom:partial"``); Keras' ``Orthogonal(gain=2.0)`` below is recorded
with its value.

Keras 3's classes (``HeNormal()``, ``RandomNormal(mean=0.0, stddev=0.05)``,
``VarianceScaling(scale=2.0, mode="fan_in", distribution="truncated_normal")``,
``Constant(0.1)``, ``Orthogonal(gain=1.0)``, ``Identity(gain)``, ...; ``initializers_keras``)
are importable from here and known by their class names (``"HeNormal"``); the config records
them by name and parameters, ``{"class_name": "HeNormal", "config": {"seed": None}}``, read
back through ``initializers_keras.CLASSES``. Their draws are Keras': ``HeNormal`` and
``GlorotNormal`` truncate, where the names ``"he_normal"`` and ``"glorot_normal"`` keep
nonlin's untruncated normals (PyTorch's ``kaiming_normal_``, ``xavier_normal_``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from ._quoting import quoted
from ._random_hints import RandomLike
from .initializers_keras import (
    NAMES,
    Constant,
    GlorotNormal,
    GlorotUniform,
    HeNormal,
    HeUniform,
    Identity,
    LecunNormal,
    LecunUniform,
    Ones,
    Orthogonal,
    RandomNormal,
    RandomUniform,
    TruncatedNormal,
    VarianceScaling,
    Zeros,
    entry,
)
from .initializers_more import (
    _TRUNCATED_STDDEV,
    _truncated_normal,
    identity,
    ones,
    random_normal,
    truncated_normal,
    variance_scaling,
)
from .validation import is_real

__all__ = [
    "CUSTOM", "DEFAULT", "INITIALIZERS", "Constant", "GlorotNormal", "GlorotUniform",
    "HeNormal", "HeUniform", "Identity", "LecunNormal", "LecunUniform", "Ones", "Orthogonal",
    "RandomNormal", "RandomUniform", "TruncatedNormal", "VarianceScaling", "Zeros",
    "glorot_normal", "glorot_uniform", "he_normal", "he_uniform", "identity",
    "initializer_name", "is_custom", "lecun_normal", "lecun_uniform", "ones", "orthogonal",
    "random_normal", "truncated_normal", "uniform", "variance_scaling", "zeros",
]


def uniform(rng: RandomLike, fan_in: int, fan_out: int) -> np.ndarray:
    """The tutorial's draw: ``W = 2 * U[0, 1) - 1``, uniform on [-1, 1), of shape
    (fan_in, fan_out), from ``rng``."""
    return 2 * rng.random((fan_in, fan_out)) - 1


def glorot_uniform(rng: RandomLike, fan_in: int, fan_out: int) -> np.ndarray:
    """Glorot & Bengio (2010): ``U(-a, a)`` with ``a = sqrt(6 / (fan_in + fan_out))``,
    from ``rng``: Keras 3's ``GlorotUniform()`` bit for bit, PyTorch's ``xavier_uniform_(w)``
    (``w`` of shape (fan_out, fan_in) is ``W.T``)."""
    limit = math.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, size=(fan_in, fan_out))


def glorot_normal(rng: RandomLike, fan_in: int, fan_out: int) -> np.ndarray:
    """Glorot normal: ``N(0, s^2)`` with ``s = sqrt(2 / (fan_in + fan_out))``, untruncated,
    from ``rng``: PyTorch's ``xavier_normal_(w)`` (``w`` of shape (fan_out, fan_in) is
    ``W.T``). Keras 3's ``GlorotNormal`` truncates at ``2 s / 0.8796``: ``GlorotNormal()``."""
    return rng.normal(0.0, math.sqrt(2.0 / (fan_in + fan_out)), size=(fan_in, fan_out))


def he_normal(rng: RandomLike, fan_in: int, fan_out: int) -> np.ndarray:
    """He et al. (2015), for ReLU: ``N(0, s^2)`` with ``s = sqrt(2 / fan_in)`` (untruncated),
    of shape (fan_in, fan_out), from ``rng``: PyTorch's ``kaiming_normal_(w, mode="fan_in",
    nonlinearity="relu")`` for ``w`` of shape (fan_out, fan_in), ``W.T`` (its fan_in is
    ``w.shape[1]``). Keras 3's ``HeNormal`` truncates at ``2 s / 0.8796``: ``HeNormal()``."""
    return rng.normal(0.0, math.sqrt(2.0 / fan_in), size=(fan_in, fan_out))


def he_uniform(rng: RandomLike, fan_in: int, fan_out: int) -> np.ndarray:
    """He uniform: ``U(-a, a)`` with ``a = sqrt(6 / fan_in)``, of shape (fan_in, fan_out),
    from ``rng``: Keras 3's ``HeUniform()`` bit for bit, PyTorch's ``kaiming_uniform_(w,
    nonlinearity="relu")`` (``w`` of shape (fan_out, fan_in) is ``W.T``)."""
    limit = math.sqrt(6.0 / fan_in)
    return rng.uniform(-limit, limit, size=(fan_in, fan_out))


def lecun_normal(rng: RandomLike, fan_in: int, fan_out: int) -> np.ndarray:
    """LeCun normal (Keras 3's ``LecunNormal``), for ``SELU``: a normal truncated at two
    standard deviations whose standard deviation after truncation is ``sqrt(1 / fan_in)``.

    ``W = s * z``, ``z ~ N(0, 1)`` truncated to [-2, 2] (``_truncated_normal``),
    ``s = sqrt(1 / fan_in) / 0.87962566103423978``: Keras'
    ``VarianceScaling(scale=1, mode="fan_in", distribution="truncated_normal")``.
    Every entry lies in ``[-2 s, 2 s]`` and ``Var(W) = 1 / fan_in``, the variance that
    keeps a self-normalising network's activations at mean 0, variance 1
    (Klambauer et al., 2017).

    Parameters
    ----------
    rng : numpy.random.Generator or numpy.random.RandomState
        The generator every draw comes from.
    fan_in, fan_out : int
        The layer's input and output widths.

    Returns
    -------
    numpy.ndarray
        float64 array of shape (fan_in, fan_out).
    """
    stddev = math.sqrt(1.0 / fan_in) / _TRUNCATED_STDDEV
    return stddev * _truncated_normal(rng, (fan_in, fan_out))


def lecun_uniform(rng: RandomLike, fan_in: int, fan_out: int) -> np.ndarray:
    """LeCun uniform (Keras 3's ``LecunUniform``): ``U(-a, a)``, ``a = sqrt(3 / fan_in)``,
    so that ``Var(W) = a^2 / 3 = 1 / fan_in``; of shape (fan_in, fan_out), from ``rng``."""
    limit = math.sqrt(3.0 / fan_in)
    return rng.uniform(-limit, limit, size=(fan_in, fan_out))


def orthogonal(rng: RandomLike, fan_in: int, fan_out: int, *, gain: float = 1.0) -> np.ndarray:
    """Orthogonal (Saxe et al., 2014; Keras 3's ``Orthogonal(gain)``, PyTorch's
    ``orthogonal_(gain=gain)``): ``gain`` times a matrix with orthonormal columns if
    ``fan_in >= fan_out``, else orthonormal rows.

    ``A`` of shape ``(max(fan_in, fan_out), min(fan_in, fan_out))`` is drawn from
    N(0, 1); its reduced QR decomposition ``A = Q R`` gives ``Q`` with orthonormal
    columns, whose column ``j`` is multiplied by the sign of ``R[j, j]`` so that ``Q``
    is uniformly (Haar) distributed, as both libraries do (Mezzadri, 2007). ``W = gain * Q``,
    or ``gain * Q.T`` when ``fan_in < fan_out``; so ``W.T @ W = gain^2 I`` (tall or
    square) or ``W @ W.T = gain^2 I`` (wide). Both libraries default to ``gain=1``.

    Parameters
    ----------
    rng : numpy.random.Generator or numpy.random.RandomState
        The generator every draw comes from.
    fan_in, fan_out : int
        The layer's input and output widths.
    gain : float, default 1.0
        Finite; the scale of the result.

    Returns
    -------
    numpy.ndarray
        float64 array of shape (fan_in, fan_out).
    """
    if not is_real(gain) or not math.isfinite(gain):
        raise ValueError(f"Expected a finite gain. Received: gain={quoted(gain)}")
    rows, cols = max(fan_in, fan_out), min(fan_in, fan_out)
    q, r = np.linalg.qr(np.asarray(rng.standard_normal((rows, cols)), dtype=float))
    q *= np.where(np.diagonal(r) < 0, -1.0, 1.0)  # sign(R_jj); R_jj = 0 has probability 0
    if gain != 1:
        q *= float(gain)
    return q if fan_in >= fan_out else np.ascontiguousarray(q.T)


def zeros(rng: RandomLike, fan_in: int, fan_out: int) -> np.ndarray:
    """All zeros of shape (fan_in, fan_out) (the default for biases); draws nothing from
    ``rng``."""
    return np.zeros((fan_in, fan_out))


# nonlin's functions by name, then Keras 3's classes (Dense instantiates a class it is named)
INITIALIZERS: dict[str, Callable[..., Any]] = {
    **{f.__name__: f for f in (uniform, glorot_uniform, glorot_normal, he_normal, he_uniform,
                               lecun_normal, lecun_uniform, orthogonal, zeros,
                               variance_scaling, truncated_normal, random_normal, ones,
                               identity)},
    **NAMES,
}

DEFAULT = "glorot_uniform"
CUSTOM = "custom"


def initializer_name(init: object) -> str | dict[str, Any]:
    """The config name of ``init``: its registered name, the entry of one of Keras' classes
    (``{"class_name": "HeNormal", "config": {"seed": None}}``), else ``"custom:<its
    name>"``."""
    name = getattr(init, "__name__", None)
    if isinstance(name, str) and INITIALIZERS.get(name) is init:
        return name
    recorded = entry(init)
    if recorded is not None:
        return recorded
    return f"{CUSTOM}:{name if isinstance(name, str) else type(init).__name__}"


def is_custom(name: str) -> bool:
    """Whether the config name ``name`` stands for a user's function (``initializer_name``)."""
    return name == CUSTOM or name.startswith(CUSTOM + ":")
