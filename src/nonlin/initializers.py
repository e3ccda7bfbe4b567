"""Weight initializers: pure functions ``(rng, fan_in, fan_out) -> array``.

Each returns a float64 array of shape ``(fan_in, fan_out)`` drawn from the
generator it is given (a ``numpy.random.Generator``, or a legacy
``RandomState`` to replay the tutorial's stream). Nothing touches the global
NumPy random state.

A layer's config names its initializer (``"glorot_uniform"``). A function of
the user's own is recorded as ``"custom:<its name>"``: the name is information
only, since a file never names code to run. Such a layer loads with its saved
weights; built anew, it draws them from ``DEFAULT`` instead.
"""

from __future__ import annotations

import math

import numpy as np

from .core import RandomLike


def uniform(rng: RandomLike, fan_in: int, fan_out: int) -> np.ndarray:
    """The tutorial's draw: ``W = 2 * U[0, 1) - 1``, uniform on [-1, 1), of shape
    (fan_in, fan_out), from ``rng``."""
    return 2 * rng.random((fan_in, fan_out)) - 1


def glorot_uniform(rng: RandomLike, fan_in: int, fan_out: int) -> np.ndarray:
    """Glorot & Bengio (2010): ``U(-a, a)`` with ``a = sqrt(6 / (fan_in + fan_out))``,
    from ``rng``."""
    limit = math.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, size=(fan_in, fan_out))


def glorot_normal(rng: RandomLike, fan_in: int, fan_out: int) -> np.ndarray:
    """Glorot normal: ``N(0, s^2)`` with ``s = sqrt(2 / (fan_in + fan_out))``, from ``rng``."""
    return rng.normal(0.0, math.sqrt(2.0 / (fan_in + fan_out)), size=(fan_in, fan_out))


def he_normal(rng: RandomLike, fan_in: int, fan_out: int) -> np.ndarray:
    """He et al. (2015), for ReLU: ``N(0, s^2)`` with ``s = sqrt(2 / fan_in)`` (untruncated),
    of shape (fan_in, fan_out), from ``rng``."""
    return rng.normal(0.0, math.sqrt(2.0 / fan_in), size=(fan_in, fan_out))


def he_uniform(rng: RandomLike, fan_in: int, fan_out: int) -> np.ndarray:
    """He uniform: ``U(-a, a)`` with ``a = sqrt(6 / fan_in)``, of shape (fan_in, fan_out),
    from ``rng``."""
    limit = math.sqrt(6.0 / fan_in)
    return rng.uniform(-limit, limit, size=(fan_in, fan_out))


def zeros(rng: RandomLike, fan_in: int, fan_out: int) -> np.ndarray:
    """All zeros of shape (fan_in, fan_out) (the default for biases); draws nothing from
    ``rng``."""
    return np.zeros((fan_in, fan_out))


INITIALIZERS = {
    f.__name__: f for f in (uniform, glorot_uniform, glorot_normal, he_normal, he_uniform, zeros)
}

DEFAULT = "glorot_uniform"
CUSTOM = "custom"


def initializer_name(init: object) -> str:
    """The config name of ``init``: its registered name, else ``"custom:<its name>"``."""
    name = getattr(init, "__name__", None)
    if isinstance(name, str) and INITIALIZERS.get(name) is init:
        return name
    return f"{CUSTOM}:{name if isinstance(name, str) else type(init).__name__}"


def is_custom(name: str) -> bool:
    """Whether the config name ``name`` stands for a user's function (``initializer_name``)."""
    return name == CUSTOM or name.startswith(CUSTOM + ":")
