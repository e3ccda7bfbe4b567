"""Keras 3's initializer classes (``keras.initializers``) in nonlin's protocol: objects
called ``init(rng, fan_in, fan_out)`` returning a float64 (fan_in, fan_out) array, with
Keras' arguments, defaults, ``get_config`` keys and ``seed`` (``_keras_init_base``).

``Dense(64, kernel_initializer=HeNormal())`` or ``"HeNormal"`` draws Keras' distribution: a
config (and a model file) records it as ``{"class_name": "HeNormal", "config": {"seed":
None}}``, rebuilt through the registry (``from_entry``), never as ``"custom:..."``.

nonlin's snake-case names keep their own draws, so existing models stay bit-identical:
``"he_normal"`` and ``"glorot_normal"`` are untruncated normals (PyTorch's
``kaiming_normal_``, ``xavier_normal_``) where ``HeNormal`` and ``GlorotNormal`` truncate at
two standard deviations (Keras'), and ``"uniform"`` is ``U[-1, 1)`` (the tutorial's) where
Keras' alias ``"uniform"`` is ``RandomUniform()``. The other Keras snake-case names
(``"he_uniform"``, ``"lecun_normal"``, ``"random_normal"``, ...) draw what their Keras class
draws, bit for bit with the class from the same generator.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ._keras_init_base import Initializer, checked_seed
from ._quoting import quoted
from ._random_hints import RandomLike
from .initializers_more import (
    _finite,
    check_variance_scaling,
    identity,
    random_normal,
    truncated_normal,
    variance_scaling,
)


class RandomNormal(Initializer):
    """Keras 3's ``RandomNormal(mean=0.0, stddev=0.05, seed=None)``: ``N(mean, stddev^2)``
    (nonlin's ``random_normal``; PyTorch's ``normal_(mean, std)``, whose default std is 1)."""

    _keys = ("mean", "stddev")

    def __init__(self, mean: float = 0.0, stddev: float = 0.05, seed: int | None = None) -> None:
        self.mean, self.stddev = _finite("mean", mean), _finite("stddev", stddev, 0.0)
        self.seed = checked_seed(seed)

    def __call__(self, rng: RandomLike, fan_in: int, fan_out: int) -> np.ndarray:
        return random_normal(self._rng(rng), fan_in, fan_out, mean=self.mean,
                             stddev=self.stddev)


class TruncatedNormal(RandomNormal):
    """Keras 3's ``TruncatedNormal(mean=0.0, stddev=0.05, seed=None)``: ``mean + stddev *
    z``, ``z ~ N(0, 1)`` redrawn outside [-2, 2] (nonlin's ``truncated_normal``; PyTorch's
    ``trunc_normal_(mean, std, a=mean - 2 * std, b=mean + 2 * std)``). Its standard
    deviation after truncation is ``0.8796 * stddev``."""

    def __call__(self, rng: RandomLike, fan_in: int, fan_out: int) -> np.ndarray:
        return truncated_normal(self._rng(rng), fan_in, fan_out, mean=self.mean,
                                stddev=self.stddev)


class RandomUniform(Initializer):
    """Keras 3's ``RandomUniform(minval=-0.05, maxval=0.05, seed=None)``: ``U[minval,
    maxval)`` (PyTorch's ``uniform_(a, b)``, whose default is ``U[0, 1)``); finite bounds,
    ``minval <= maxval``, a finite ``maxval - minval``."""

    _keys = ("minval", "maxval")

    def __init__(self, minval: float = -0.05, maxval: float = 0.05,
                 seed: int | None = None) -> None:
        self.minval, self.maxval = _finite("minval", minval), _finite("maxval", maxval)
        if self.minval > self.maxval or not math.isfinite(self.maxval - self.minval):
            what = "a finite maxval - minval" if self.minval <= self.maxval else "minval <= maxval"
            raise ValueError(f"Expected {what}. Received: minval={quoted(minval)}, "
                             f"maxval={quoted(maxval)}")
        self.seed = checked_seed(seed)

    def __call__(self, rng: RandomLike, fan_in: int, fan_out: int) -> np.ndarray:
        low, high = _finite("minval", self.minval), _finite("maxval", self.maxval)
        return self._rng(rng).uniform(low, high, size=(fan_in, fan_out))


class VarianceScaling(Initializer):
    """Keras 3's ``VarianceScaling(scale=1.0, mode="fan_in", distribution="truncated_normal",
    seed=None)``: weights of variance ``scale / n``, ``n`` the ``mode``'s width (``fan_avg``:
    their mean; at least 1), drawn as nonlin's ``variance_scaling`` documents (the formulas
    and PyTorch's equivalents). As in Keras, ``distribution`` is read in lower case and
    ``"normal"`` is ``"truncated_normal"`` (which the config then records); a ``scale`` not
    positive and finite (NaN too), another mode or distribution: ``ValueError``.
    """

    _keys: tuple[str, ...] = ("scale", "mode", "distribution")

    def __init__(self, scale: float = 1.0, mode: str = "fan_in",
                 distribution: str = "truncated_normal", seed: int | None = None) -> None:
        if isinstance(distribution, str):
            distribution = distribution.lower()
            distribution = "truncated_normal" if distribution == "normal" else distribution
        check_variance_scaling(scale, mode, distribution)
        self.scale, self.mode, self.distribution = float(scale), mode, distribution
        self.seed = checked_seed(seed)

    def __call__(self, rng: RandomLike, fan_in: int, fan_out: int) -> np.ndarray:
        return variance_scaling(self._rng(rng), fan_in, fan_out, scale=self.scale,
                                mode=self.mode, distribution=self.distribution)


class _Fixed(VarianceScaling):
    """A ``VarianceScaling`` of fixed settings, whose config is ``{"seed": ...}`` alone."""

    _keys = ()
    _settings: tuple[float, str, str] = (1.0, "fan_in", "truncated_normal")

    def __init__(self, seed: int | None = None) -> None:
        super().__init__(*self._settings, seed=seed)


class GlorotUniform(_Fixed):
    """Keras 3's ``GlorotUniform(seed=None)``: ``U(-a, a)``, ``a = sqrt(6 / (fan_in +
    fan_out))``; nonlin's ``glorot_uniform`` bit for bit, PyTorch's ``xavier_uniform_``."""

    _settings = (1.0, "fan_avg", "uniform")


class GlorotNormal(_Fixed):
    """Keras 3's ``GlorotNormal(seed=None)``: a normal truncated at two standard deviations,
    of standard deviation ``sqrt(2 / (fan_in + fan_out))`` after truncation. nonlin's
    ``glorot_normal`` and PyTorch's ``xavier_normal_`` do not truncate (the same variance)."""

    _settings = (1.0, "fan_avg", "truncated_normal")


class HeNormal(_Fixed):
    """Keras 3's ``HeNormal(seed=None)``: a normal truncated at two standard deviations, of
    standard deviation ``sqrt(2 / fan_in)`` after truncation (``VarianceScaling(2.0)``).
    nonlin's ``he_normal`` and PyTorch's ``kaiming_normal_(w, mode="fan_in",
    nonlinearity="relu")`` (``w`` of shape (fan_out, fan_in)) do not truncate."""

    _settings = (2.0, "fan_in", "truncated_normal")


class HeUniform(_Fixed):
    """Keras 3's ``HeUniform(seed=None)``: ``U(-a, a)``, ``a = sqrt(6 / fan_in)``; nonlin's
    ``he_uniform`` bit for bit, PyTorch's ``kaiming_uniform_(w, nonlinearity="relu")``."""

    _settings = (2.0, "fan_in", "uniform")


class LecunNormal(_Fixed):
    """Keras 3's ``LecunNormal(seed=None)``: a normal truncated at two standard deviations,
    of standard deviation ``sqrt(1 / fan_in)`` after truncation; nonlin's ``lecun_normal``
    bit for bit (the initializer for ``SELU``)."""


class LecunUniform(_Fixed):
    """Keras 3's ``LecunUniform(seed=None)``: ``U(-a, a)``, ``a = sqrt(3 / fan_in)``;
    nonlin's ``lecun_uniform`` bit for bit."""

    _settings = (1.0, "fan_in", "uniform")


class Orthogonal(Initializer):
    """Keras 3's ``Orthogonal(gain=1.0, seed=None)``: ``gain`` times a matrix with
    orthonormal columns (``fan_in >= fan_out``) or rows; nonlin's ``orthogonal`` bit for
    bit, PyTorch's ``orthogonal_(gain=gain)``."""

    _keys = ("gain",)

    def __init__(self, gain: float = 1.0, seed: int | None = None) -> None:
        self.gain, self.seed = _finite("gain", gain), checked_seed(seed)

    def __call__(self, rng: RandomLike, fan_in: int, fan_out: int) -> np.ndarray:
        from .initializers import orthogonal  # imports this module: read at call time

        return orthogonal(self._rng(rng), fan_in, fan_out, gain=self.gain)


class Identity(Initializer):
    """Keras 3's ``Identity(gain=1.0)``: ``gain`` times the (rectangular) identity matrix;
    PyTorch's ``eye_`` (gain 1). Its config keeps ``gain`` (Keras 3's is empty, so a saved
    Keras ``Identity(2.0)`` comes back with gain 1)."""

    _keys, _seeded = ("gain",), False

    def __init__(self, gain: float = 1.0) -> None:
        self.gain = _finite("gain", gain)

    def __call__(self, rng: RandomLike, fan_in: int, fan_out: int) -> np.ndarray:
        return identity(rng, fan_in, fan_out, gain=self.gain)


class Constant(Initializer):
    """Keras 3's ``Constant(value=0.0)``: every weight ``value`` (a finite real number);
    PyTorch's ``constant_(w, value)``. Draws nothing."""

    _keys: tuple[str, ...] = ("value",)
    _seeded = False

    def __init__(self, value: float = 0.0) -> None:
        self.value = _finite("value", value)

    def __call__(self, rng: RandomLike, fan_in: int, fan_out: int) -> np.ndarray:
        return np.full((fan_in, fan_out), _finite("value", self.value))


class Zeros(Constant):
    """Keras 3's ``Zeros()``: all zeros (nonlin's ``zeros``; PyTorch's ``zeros_``)."""

    _keys = ()

    def __init__(self) -> None:
        super().__init__(0.0)


class Ones(Constant):
    """Keras 3's ``Ones()``: all ones (nonlin's ``ones``; PyTorch's ``ones_``)."""

    _keys = ()

    def __init__(self) -> None:
        super().__init__(1.0)


CLASSES: dict[str, type[Initializer]] = {cls.__name__: cls for cls in (
    RandomNormal, TruncatedNormal, RandomUniform, VarianceScaling, GlorotUniform, GlorotNormal,
    HeNormal, HeUniform, LecunNormal, LecunUniform, Orthogonal, Identity, Constant, Zeros, Ones)}
# Keras' class names that its files write too: the first name a class is exported with
# (Keras' api_export), IdentityInitializer and, in Keras 3.0-3.x, OrthogonalInitializer
ENTRY_NAMES: dict[str, type[Initializer]] = {**CLASSES, "OrthogonalInitializer": Orthogonal,
                                             "IdentityInitializer": Identity}
# Keras' other names of them that nonlin's INITIALIZERS lacks (its snake-case names are
# nonlin's functions): each stands for the class at its defaults
NAMES: dict[str, type[Initializer]] = {**ENTRY_NAMES, "random_uniform": RandomUniform,
                                       "constant": Constant}


def entry(init: object) -> dict[str, Any] | None:
    """The config entry ``{"class_name": ..., "config": ...}`` of one of these classes'
    objects (not a subclass of your own), else None."""
    cls = type(init)
    if CLASSES.get(cls.__name__) is not cls:
        return None
    return {"class_name": cls.__name__, "config": init.get_config()}  # type: ignore[attr-defined]


def from_entry(item: dict[str, Any]) -> Initializer:
    """The initializer of a config entry (``entry``'s, or Keras 3's, whose ``"module"`` is
    ``"keras.initializers"`` and ``"registered_name"`` None), from ``ENTRY_NAMES`` alone."""
    keras = {"module": "keras.initializers", "registered_name": None}
    name = item.get("class_name")
    cls = ENTRY_NAMES.get(name) if isinstance(name, str) else None
    config = item.get("config")
    if (cls is None or not isinstance(config, dict)
            or not {"class_name", "config"} <= set(item) <= {"class_name", "config", *keras}
            or any(item[key] != keras[key] for key in keras if key in item)):
        raise ValueError(f"Expected an initializer entry {{'class_name': one of "
                         f"{', '.join(CLASSES)}, 'config': dict}}. Received: init="
                         f"{quoted(item, 200)}")
    try:
        return cls.from_config(config)
    except TypeError as error:  # a key the class does not take
        raise ValueError(f"Expected the config of {cls.__name__}. Received: "
                         f"{quoted(config, 200)} ({error})") from None


def keras_initializer(init: object) -> Initializer | None:
    """What ``Dense(init=...)`` makes of a config entry (``from_entry``) or an initializer
    class (instantiated, as Keras' ``initializers.get``); None for anything else. The
    abstract ``Initializer`` (or a subclass without its own ``__call__``), class or
    instance, is a ``TypeError`` naming it: it draws nothing."""
    if isinstance(init, dict):
        return from_entry(init)
    made = init() if isinstance(init, type) and issubclass(init, Initializer) else init
    if isinstance(made, Initializer) and type(made).__call__ is Initializer.__call__:
        raise TypeError(
            "Expected an initializer that draws weights: a name, a class of "
            "nonlin.initializers_keras (HeNormal, ...) or a subclass of Initializer with its "
            f"own __call__(rng, fan_in, fan_out). Received: init={quoted(init)}, whose "
            "__call__ is the abstract Initializer's (it draws nothing)")
    return made if isinstance(made, Initializer) and made is not init else None
