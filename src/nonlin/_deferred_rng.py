"""The generator of a model read from a file, made on its first use.

A loaded model's ``model.rng`` is the generator of ``build(n, seed=0)``: NumPy's
``default_rng(0)`` after the layers' initializers drew their (discarded) weights. Making it
imports ``numpy.random`` (15-20 ms of a cold start), which ``load`` then ``predict`` never
draws from. So the loader builds nonlin's own layers with a ``DeferredRng`` instead: ``Dense``
allocates its weights without drawing them (the file's replace them), ``Dropout`` and the
noise layers keep it, and the first read of ``rng`` (of the model or of such a layer: a
``fit``, ``pickle``, ``copy``, a training forward) makes the generator by that same build,
its initializers called again in turn: the same state, bit for bit, as if it had been made
at load. ``LazyRng``, the classes' ``rng`` attribute, is a non-data descriptor:
once made, the generator sits in the instance's ``__dict__`` and a read costs no call.
A lock makes it once: threads reading it at once get the same generator, which the model and
its layers share, as after ``build``.
"""

from __future__ import annotations

import threading
from typing import Any

_KEY = "_deferred_rng"  # in the instance's __dict__ while its rng is not made


class DeferredRng:
    """What ``build(n, seed=0)`` leaves in ``model.rng``, made by ``get`` on first use:
    ``default_rng(0)`` after the draws ``record`` noted, each ``init(rng, fan_in, fan_out)``
    of a ``Dense`` (nonlin's layers draw nothing else at build), made again in turn."""

    def __init__(self) -> None:
        self._draws: list[tuple[Any, int, int]] = []
        self._lock = threading.Lock()
        self._made: Any = None

    def allocated(self, dense: Any, shape: tuple[int, int]) -> Any:
        """Zeros of ``shape`` for ``dense``'s weights (``_dense_keras.drawn_weights``), which
        the file's replace; the draw ``build`` would make, ``dense.init(rng, *shape)``, noted."""
        import numpy as np

        from ._misuse import allocating

        self._draws.append((dense.init, *shape))
        with allocating(dense, shape, "(in_features, units)"):
            return np.zeros(shape)

    def get(self) -> Any:
        """The generator: the same object at each call, whichever thread asks."""
        with self._lock:
            if self._made is None:
                import numpy as np

                from ._init_draws import own_draws

                rng = np.random.default_rng(0)
                for init, fan_in, fan_out in self._draws:  # as drawn_weights draws them
                    own_draws(init, rng, fan_in, fan_out)
                self._made, self._draws = rng, []
            return self._made


_NO_DEFAULT = object()


class LazyRng:
    """A class's ``rng``: the instance's own (its ``__dict__``'s) when set; else the
    generator its ``DeferredRng`` makes (then set there), else None. Read on the class:
    ``default`` where given (``NoiseLayer.rng`` is None, as before), else the descriptor
    (what ``getattr(cls, name)`` over ``vars(cls)`` expects to find)."""

    def __init__(self, default: Any = _NO_DEFAULT) -> None:
        self.default = default

    def __get__(self, obj: Any, owner: Any = None) -> Any:
        if obj is None:
            return self if self.default is _NO_DEFAULT else self.default
        deferred = obj.__dict__.get(_KEY)
        if deferred is None:
            return obj.__dict__.get("rng")  # set meanwhile by another thread, or None
        rng = deferred.get()
        obj.__dict__.setdefault("rng", rng)  # another thread's set, the same object
        return rng


def deferrable(layers: list[Any]) -> bool:
    """Whether ``layers`` (made from a file, not built) are all nonlin's own, with nonlin's
    initializers: their ``build`` draws nothing but the initial weights, which a loaded
    model replaces (a class or initializer of one's own may do more, and is built as is)."""
    for layer in layers:
        if not type(layer).__module__.startswith("nonlin."):
            return False
        init = getattr(layer, "init", None)  # a Dense's function (PReLU's is a float)
        if callable(init) and not str(getattr(init, "__module__", "")).startswith("nonlin."):
            return False
    return True


def defer(owner: Any, rng: Any) -> None:
    """Where ``owner`` (a model or layer) holds the stand-in ``rng``: take it out of its
    ``__dict__``, for ``LazyRng`` to make the generator on first use."""
    state = owner.__dict__
    if type(state.get("rng")) is DeferredRng and state["rng"] is rng:
        state[_KEY] = state.pop("rng")


def made_state(obj: Any, state: dict[str, Any]) -> dict[str, Any]:
    """``state`` (``obj``'s ``__dict__`` or a copy) for pickling and ``copy``: with the
    generator made and in it, the stand-in left out, as after ``build``."""
    if _KEY not in state:
        return state
    rng = obj.rng  # made now
    return {**{k: v for k, v in state.items() if k != _KEY}, "rng": rng}
