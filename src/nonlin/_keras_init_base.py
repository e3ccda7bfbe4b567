"""The base of Keras 3's initializer classes (``nonlin.initializers_keras``): nonlin's
protocol ``(rng, fan_in, fan_out) -> array``, Keras' ``seed=``, ``get_config`` and
``from_config`` with Keras' keys.

``seed``: nonlin draws every weight from an explicit generator, the model's (``build(n,
seed=...)``, ``fit(..., seed=...)``). ``seed=None`` (the default) keeps that rule. An int
``seed >= 0`` gives the initializer a generator of its own, ``numpy.random.default_rng(seed)``
made anew at each call, so that, as in Keras 3 ("an initializer seeded with an integer
will produce the same random values across multiple calls"), the same seed gives the same
bits whatever the model's generator and whatever was drawn before; it draws nothing from
the model's generator. Keras' ``SeedGenerator`` (or its config) and any other seed are
refused naming the way.
"""

from __future__ import annotations

from typing import Any, TypeVar

import numpy as np

from ._quoting import quoted
from ._random_hints import RandomLike
from .validation import is_integer


def checked_seed(seed: object) -> int | None:
    """``seed`` as an int >= 0, or None; anything else refused naming nonlin's way."""
    if seed is None:
        return None
    if is_integer(seed) and seed >= 0:
        return int(seed)
    raise ValueError(
        "Expected seed=None (the weights are drawn from the model's generator: "
        "model.build(n_features, seed=...) or fit(..., seed=...)) or an int >= 0 (the "
        f"initializer's own numpy.random.default_rng(seed)). Received: seed={quoted(seed)}")


_I = TypeVar("_I", bound="Initializer")  # from_config: HeNormal.from_config(...) is one


class Initializer:
    """Keras 3's ``keras.initializers.Initializer`` in nonlin's protocol: an object called
    as ``init(rng, fan_in, fan_out)`` returning a float64 array of shape (fan_in, fan_out).

    Subclass it for an initializer of your own (``__call__`` with that signature): a model
    config records it as ``"custom:<its class name>"``, as any function of your own
    (``nonlin.initializers``). nonlin's Keras classes are recorded by name and config,
    ``{"class_name": "HeNormal", "config": {"seed": None}}``, and rebuilt from the registry.
    """

    _keys: tuple[str, ...] = ()  # get_config's keys after "seed", in Keras' order
    _seeded = True  # takes seed= (Keras' RandomInitializer); Constant, Zeros, ... do not
    seed: int | None = None

    def __call__(self, rng: RandomLike, fan_in: int, fan_out: int) -> np.ndarray:
        """The initial weights of a layer of ``fan_in`` inputs and ``fan_out`` outputs.

        Parameters
        ----------
        rng : numpy.random.Generator or numpy.random.RandomState
            The model's generator, every draw comes from it (not used when ``seed`` is an
            int: then ``numpy.random.default_rng(seed)``).
        fan_in, fan_out : int
            The layer's input and output widths.

        Returns
        -------
        numpy.ndarray
            float64 array of shape (fan_in, fan_out).
        """
        raise NotImplementedError("Initializer subclasses implement "
                                  "__call__(rng, fan_in, fan_out) -> (fan_in, fan_out) array")

    def _rng(self, rng: Any) -> Any:
        """The generator to draw from: ``rng`` (the model's), or this one's own when seeded."""
        # checked again: a seed set after construction is refused as the constructor does
        return rng if self.seed is None else np.random.default_rng(checked_seed(self.seed))

    def get_config(self) -> dict[str, Any]:
        """Keras 3's config: ``{"seed": ..., **parameters}`` (seeded classes), JSON-able."""
        seed = {"seed": checked_seed(self.seed)} if self._seeded else {}
        return {**seed, **{key: getattr(self, key) for key in self._keys}}

    @classmethod
    def from_config(cls: type[_I], config: dict[str, Any]) -> _I:
        """The initializer whose ``get_config()`` is ``config`` (Keras': ``cls(**config)``)."""
        return cls(**config)

    def clone(self) -> Initializer:
        """A new initializer of the same class and config (Keras' ``clone``)."""
        return type(self).from_config(self.get_config())

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"
