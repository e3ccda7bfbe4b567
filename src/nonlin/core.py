"""Parameters, the layer protocol and the ``Sequential`` container (which lives in
``sequential.py`` and is imported here: its ``forward`` and ``backward`` are there).

A network is a list of layers. Each layer maps a batch ``x`` of shape ``(n_samples,
in_features)`` to ``(n_samples, out_features)`` and knows how to send a gradient back:

    forward:   y      = f(x)
    backward:  dL/dx  = dL/dy * df/dx      (and dL/dtheta for its parameters)

Rows are samples. In training mode a layer caches exactly what its backward rule needs for one
batch and writes into buffers it reuses, so a training step allocates no array of batch or
parameter size once the first batch has run (nor do ``fit``'s loss, update and streamed
metrics), NumPy's own iterator and casting buffers (at most its 8,192-entry buffer size) aside:
docs/design.md lists the exceptions, and ``tests/test_step_allocations.py`` checks it. In
inference mode nothing is cached and every output is a fresh array.

Non-goals: automatic differentiation, graphs other than a chain, GPUs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, TypeVar, runtime_checkable

import numpy as np

from ._inference import call_layer
from ._keras_keywords import layer_from_config
from ._layer_caches import state_without_caches
from ._layer_names import Named, name_config
from ._layer_weights import LayerWeights
from ._param_state import REQUIRES_GRAD, listed_names, param_state, set_param_state
from .validation import as_rng, check_2d

if TYPE_CHECKING:  # at run time made on first use (__getattr__): numpy.random imported then
    RandomLike = np.random.Generator | np.random.RandomState
    SeedLike = int | np.integer | np.random.Generator | np.random.RandomState | None
    from ._flat_parameter import flat_parameter  # noqa: F401 (the training side's, the same)

_CONSTANTS: dict[tuple[float, np.dtype], np.ndarray] = {}


def const(value: float, dtype: np.dtype) -> np.ndarray:
    """A cached, read-only 0-d array holding ``value`` in ``dtype``: hot loops pass these
    instead of Python floats (NumPy converts a Python scalar on every call, which costs more
    than the arithmetic on small arrays). At most 1024 are kept (a sweep's settings, a
    source's batch sizes: each its own): the cache is emptied when it is full."""
    arr = _CONSTANTS.get((value, dtype))
    if arr is None:
        if len(_CONSTANTS) >= 1024:  # emptied: those handed out stay valid where held
            _CONSTANTS.clear()
        arr = _CONSTANTS[value, dtype] = np.array(value, dtype=dtype)
        arr.flags.writeable = False
    return arr


def layer_buffer(layer: Any, name: str, shape: tuple[int, ...], dtype: Any) -> np.ndarray:
    """The layer's training buffer ``name`` (an attribute), made anew only when its shape
    or dtype changed: a training step writes into it instead of allocating."""
    buf = layer.__dict__.get(name)
    if buf is None or buf.shape != shape or buf.dtype != dtype:
        buf = np.empty(shape, dtype)
        setattr(layer, name, buf)
    return buf


class Param:
    """A trainable array and the gradient of the loss with respect to it.

    Attributes
    ----------
    value : ndarray
        The parameter, updated in place by optimizers.
    grad : ndarray
        ``dL/dvalue``, same shape and dtype, overwritten by each ``backward``; zeros in a
        pickle's or deep copy's ``Param`` (``nonlin._param_state``).
    name : str
        Short name used in summaries and files (``"W"``, ``"b"``): distinct within a
        layer, as ``save`` requires (the file stores each under ``"{layer}.{name}"``).
    """

    __slots__ = ("value", "grad", "name", "_version")  # _version: steps (nonlin._pass_weights)
    requires_grad = requires_grad_ = REQUIRES_GRAD  # PyTorch's: an AttributeError with the way
    __dir__ = listed_names  # ... and dir(param) does not list them (nonlin._param_state)

    def __init__(self, value: np.ndarray, name: str = "") -> None:
        self.value, self.grad, self.name = value, np.zeros_like(value), name
        self._version = 0  # bumped by each optimizer step: a pending backward's check

    def __getstate__(self) -> dict[str, Any]:
        """Pickles and deep copies: value, name, no gradient (``nonlin._param_state``)."""
        return param_state(self)

    def __setstate__(self, state: Any) -> None:
        set_param_state(self, state)

    def __copy__(self) -> Param:
        """``copy.copy``: a ``Param`` sharing this one's arrays, its gradient too."""
        other = type(self).__new__(type(self))
        set_param_state(other, param_state(self, keep_grad=True))
        return other

    def cast(self, dtype: np.dtype) -> None:
        """Convert value and grad to ``dtype`` (no copy when already there)."""
        self.value = self.value.astype(dtype, copy=False)
        self.grad = np.zeros_like(self.value)

    def __repr__(self) -> str:
        return f"Param({self.name!r}, shape={self.value.shape}, dtype={self.value.dtype})"


def pack_parameters(params: list[Param]) -> None:
    """Re-home ``params`` as views into one value buffer and one grad buffer, in order.

    Layers keep working on their own arrays (now views); an optimizer handed
    exactly this list steps the two flat buffers instead, a handful of ufunc
    calls per step whatever the number of layers (see :func:`flat_parameter`).
    Nothing happens for fewer than two parameters, mixed dtypes or a repeated one.
    """
    if len(params) < 2 or len({id(p) for p in params}) != len(params):
        return
    dtype = params[0].value.dtype
    if any(p.value.dtype != dtype for p in params):
        return
    value = np.concatenate([p.value.reshape(-1) for p in params])
    grad = np.zeros_like(value)
    start = 0
    for p in params:
        stop, shape = start + p.value.size, p.value.shape
        p.value, p.grad = value[start:stop].reshape(shape), grad[start:stop].reshape(shape)
        start = stop


@runtime_checkable
class LayerProtocol(Protocol):
    """What ``Sequential`` needs from a layer (any object with these methods works)."""

    def build(self, in_features: int, rng: np.random.Generator | np.random.RandomState) -> int: ...
    def forward(self, x: np.ndarray, *, training: bool = False) -> np.ndarray: ...
    def backward(self, grad_out: np.ndarray) -> np.ndarray | None: ...
    def parameters(self) -> list[Param]: ...
    def get_config(self) -> dict[str, Any]: ...

_L = TypeVar("_L", bound="Layer")  # from_config: Dense.from_config(...) is a Dense


class Layer(LayerWeights, Named):
    """Base class with the protocol's defaults: no parameters, width kept; Keras' ``name``
    (``nonlin._layer_names``); Keras 3's ``get_weights()``, ``weights``, ... (``_layer_weights``).

    ``input_grad`` is cleared by ``Sequential`` on its first layer, which then
    skips computing ``dL/dx`` (nobody reads the gradient of the data).
    ``trainable`` (Keras' flag, default True): False freezes the layer (not ``requires_grad``).
    """

    input_grad: bool = True
    _trainable: bool = True
    _inputs: tuple[str, ...] = ()  # caches that may hold the input: nonlin._layer_caches
    _caches: tuple[str, ...] = ()  # the other per-step caches and scratch buffers
    _dtype: np.dtype | None = None  # the model's (cast_state); None: no model built it

    @property
    def trainable(self) -> bool:
        """Whether ``fit`` updates this layer's parameters (Keras' ``layer.trainable``).

        False freezes the layer: ``Sequential.parameters()`` leaves its parameters
        out, so ``fit`` keeps their values bit for bit, and ``BatchNorm`` runs in
        inference mode (Keras 3). Freezing sets the gradients of the layer's
        parameters to zero (a frozen ``Dense`` skips computing them). Only a bool
        (or ``np.bool_``) is taken; ``fit`` reads the flags when it starts.
        """
        return self._trainable

    @trainable.setter
    def trainable(self, value: bool) -> None:
        from ._trainable import set_trainable

        set_trainable(self, value)  # frozen: its gradients zeroed

    def build(self, in_features: int, rng: np.random.Generator | np.random.RandomState) -> int:
        """Create parameters for inputs of width ``in_features``, drawing any random values
        from ``rng``; return the output width."""
        self.in_features = in_features
        return in_features

    def cast_state(self, dtype: np.dtype) -> None:
        """Compute in the model's ``dtype`` (``Sequential.build`` calls this): a batch or a
        gradient of another real dtype is converted to it (``nonlin._layer_inputs``). Layers
        with state to convert (``BatchNorm``'s statistics) extend it. float32 or float64
        (``ValueError``): an activation's buffers and constants exist in those two only."""
        dtype = np.dtype(dtype)
        if dtype not in (np.float32, np.float64):
            raise ValueError(f"Expected dtype float32 or float64 for {type(self).__name__}. "
                             f"Received: dtype={dtype}")
        self._dtype = dtype

    def forward(self, x: np.ndarray, *, training: bool = False) -> np.ndarray:
        """``y = f(x)`` for a batch ``x`` (n_samples, in_features); with ``training``, cache
        what ``backward`` needs (one batch)."""
        raise NotImplementedError

    def backward(self, grad_out: np.ndarray) -> np.ndarray | None:
        """Fill each ``Param.grad`` from ``grad_out = dL/dy`` (n_samples, out_features) and
        return ``dL/dx`` (it may return None when ``input_grad`` is false)."""
        raise NotImplementedError

    def parameters(self) -> list[Param]:
        """The trainable ``Param``s (none by default)."""
        return []

    def get_config(self) -> dict[str, Any]:
        """Constructor arguments as JSON-able values: ``type(self)(**config)`` rebuilds it."""
        return name_config(self)

    @classmethod
    def from_config(cls: type[_L], config: dict[str, Any]) -> _L:
        """Keras' ``Layer.from_config``: ``cls(**config)`` for ``get_config()``'s dict; a
        ``"trainable"`` key sets the flag (``nonlin._keras_keywords.layer_from_config``)."""
        return layer_from_config(cls, config)

    def __call__(self, x: Any, *, training: bool | None = False) -> np.ndarray:
        """``layer(x)`` (Keras' and PyTorch's call): ``forward(x, training=training)`` with
        ``model(x)``'s rules (``training=None``, Keras' default, is inference), a new array
        each call (``nonlin._inference.call_layer``)."""
        return call_layer(self, x, training)

    if not TYPE_CHECKING:  # hidden from mypy, which would take every name as an attribute

        def __getattr__(self, name: str) -> Any:
            """A name not found (Keras' ``layer.kernel``): nonlin's way (``_keras_habits``)."""
            from ._keras_habits import LAYER_HABITS
            from ._torch_habits import habit_error

            raise habit_error(f"{type(self).__name__!r} object", name, LAYER_HABITS)

    # pickling and copy: the attributes, each cache the class names (_inputs, _caches) as None
    __getstate__ = state_without_caches  # no batch of training data, no scratch

    def __repr__(self) -> str:
        config = self.get_config()
        if not self._trainable:  # as Sequential.get_config records it
            config = {**config, "trainable": False}
        args = ", ".join(f"{k}={v!r}" for k, v in config.items())
        return f"{type(self).__name__}({args})"


# backward_to_input lives in _input_grad (check_2d in validation): offered here, as before
from ._input_grad import backward_to_input  # noqa: E402, F401

# The container lives in its own module; ``from nonlin.core import Sequential`` keeps working.
from .sequential import Sequential  # noqa: E402

if not TYPE_CHECKING:  # hidden from type checkers: a name not declared above stays an error

    def __getattr__(name: str) -> Any:
        """``flat_parameter`` (``nonlin._flat_parameter``), ``RandomLike`` and ``SeedLike``
        (``numpy.random``, which a load and predict do not import), made on first use."""
        if name in ("RandomLike", "SeedLike"):
            random = np.random.Generator | np.random.RandomState
            globals().update(RandomLike=random, SeedLike=int | np.integer | random | None)
            return globals()[name]
        if name != "flat_parameter":  # __path__ too, which each ``from .core import`` asks for
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        from ._flat_parameter import flat_parameter

        return flat_parameter


__all__ = ["Layer", "LayerProtocol", "Param", "RandomLike", "SeedLike", "Sequential", "as_rng",
           "check_2d", "const"]
