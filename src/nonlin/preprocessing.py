"""Input standardization with statistics computed once: Keras 3's ``Normalization``.

The layer holds a mean and a variance per feature, computed from training data
by ``adapt(X)`` (or given as ``mean=`` and ``variance=``), and standardizes every
batch with them, in training and inference alike. Adapted statistics are
non-trainable state, as ``BatchNorm``'s running statistics are: saved in model
files and checkpoints, listed by ``get_weights`` after the layer's (absent)
parameters. Given ones belong to the configuration, as in Keras.

Non-goals: ``axis`` other than the features (Keras' ``axis=None``, one mean for
every value), and adapting from an iterable of batches.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np

from ._column_stats import variance as column_variance
from ._layer_inputs import cached
from ._layer_names import name_config, set_name
from ._misuse import layer_input, not_built
from ._quoting import quoted
from ._random_hints import RandomLike
from ._state_checks import copy_statistics, negative_entry
from .core import Layer, const, layer_buffer
from .validation import as_dtype, check_bool, check_X

EPSILON = 1e-7  # Keras' backend.epsilon(): the smallest standard deviation divided by


def _given(mean: Any, variance: Any) -> tuple[Any, Any]:
    """``mean=`` and ``variance=`` as Python floats (or lists of them, as the config holds
    them), checked: both or neither, real finite numbers of one shape (a scalar or one
    value per feature), ``variance >= 0``."""
    if (mean is None) != (variance is None):
        raise ValueError("Expected mean and variance together (both or neither). "
                         f"Received: mean={quoted(mean)}, variance={quoted(variance)}")
    arrays = []
    for name, value in (("mean", mean), ("variance", variance)):
        try:
            arr = np.asarray(value)
        except (TypeError, ValueError):  # a ragged list
            arr = np.asarray(None)
        if arr.dtype.kind not in "fiu" or arr.ndim > 1 or not np.isfinite(arr).all():
            raise ValueError(f"Expected finite real numbers, a scalar or one per feature, for "
                             f"{name}. Received: {name}={quoted(value)}")
        arrays.append(arr.astype(np.float64))
    if arrays[0].shape != arrays[1].shape:
        raise ValueError(f"Expected mean and variance of the same shape. Received shapes "
                         f"{arrays[0].shape} and {arrays[1].shape}")
    negative = negative_entry("variance", arrays[1].reshape(-1))
    if negative:
        raise ValueError(f"Expected a variance >= 0. Received {negative}")
    return arrays[0].tolist(), arrays[1].tolist()


class Normalization(Layer):
    """``y = (x - mean) / max(sqrt(variance), 1e-7)`` per feature; ``invert``: the inverse.

    ``mean`` and ``variance`` (biased) are the columns' of the data given to
    ``adapt`` (summed in float64, stored in the model's dtype), or the values given
    as ``mean=`` and ``variance=``. The floor ``1e-7`` (Keras' ``backend.epsilon()``)
    is on the standard deviation, as Keras 3 writes it: a constant feature maps to
    0. Training and inference compute the same function, and nothing trains.

    Backward: ``dL/dx = g / max(sqrt(variance), 1e-7)`` (``invert``: times it). As
    the first layer of a model, where it usually sits, it computes nothing.

    Using the layer before ``adapt`` (or without ``mean=`` and ``variance=``)
    raises. ``adapt`` before the layer is built builds it for the data's width,
    and building it again (``Sequential.build``, ``fit``) keeps the statistics.

    Keras 3's adapted layer also holds ``count``, an integer it never updates (kept
    for older Keras files): nonlin has none, so ``get_weights`` lists ``mean``,
    ``variance``, and ``count_params`` is Keras' less one.

    Shapes: ``x`` and ``y`` (n_samples, n_features); ``mean``, ``variance`` (n_features,).

    Parameters
    ----------
    axis : int, default -1
        The features: -1 or 1 (one mean and variance per feature).
    mean : float or array of shape (n_features,), optional
        Given with ``variance``: fixed statistics, kept in the layer's config.
    variance : float or array of shape (n_features,), optional
        ``>= 0``; given with ``mean``.
    invert : bool, default False
        ``y = mean + x * max(sqrt(variance), 1e-7)``: back from standardized values.
    name : str, optional
        The layer's name, as ``Dense``'s (Keras' ``name=``).
    **others
        Refused, with Python's message.
    """

    _caches = ("_y", "_std", "_grad_in")

    _fixed_state = True  # no training step changes the statistics: fit does not snapshot them

    def __init__(self, axis: int = -1, mean: Any = None, variance: Any = None,
                 invert: bool = False, *, name: str | None = None, **others: Any) -> None:
        if others:
            raise TypeError(f"Normalization() got an unexpected keyword argument "
                            f"{quoted(next(iter(others)))}")
        if isinstance(axis, bool) or not isinstance(axis, int | np.integer) or axis not in (-1, 1):
            raise ValueError("Expected axis=-1 (or 1), the features of a (n_samples, n_features) "
                             f"batch. Received: axis={quoted(axis)}")
        self.axis, self.invert = int(axis), check_bool("invert", invert)
        set_name(self, name)
        self._fixed = None if mean is None and variance is None else _given(mean, variance)
        # None until build or adapt; typed as built: forward (the hot path) runs built
        self.mean: np.ndarray = None  # type: ignore[assignment]
        self.variance: np.ndarray = None  # type: ignore[assignment]
        self._ready = False  # statistics adapted, given, set or loaded

    def build(self, in_features: int, rng: RandomLike) -> int:
        if self._fixed is not None:
            shape = np.shape(self._fixed[0])
            if shape and shape[0] != in_features:
                raise ValueError(f"Expected mean and variance of shape (in_features,) = "
                                 f"({in_features},), or scalars. Received shape {shape}")
            self.mean, self.variance = (np.full(in_features, a, np.float64)
                                        for a in self._fixed)
            self._ready = True
        elif self._ready:  # adapted (or set) before: the statistics stay
            if self.mean.shape[0] != in_features:
                raise ValueError(f"Expected inputs of the {self.mean.shape[0]} features this "
                                 f"Normalization was adapted on. Received: in_features="
                                 f"{in_features} (adapt it again on such data)")
        else:
            self.mean, self.variance = np.zeros(in_features), np.ones(in_features)
        self.in_features = in_features
        return in_features

    def cast_state(self, dtype: np.dtype) -> None:
        """Convert the statistics to the model's dtype, float32 or float64 (``ValueError``,
        ``Layer.cast_state``'s check), refusing a value beyond its range."""
        super().cast_state(dtype)
        self.mean = as_dtype(self.mean, dtype, "mean", contiguous=False)
        self.variance = as_dtype(self.variance, dtype, "variance", contiguous=False)

    def adapt(self, data: Any) -> None:
        """Set ``mean`` and ``variance`` to the columns' of ``data`` (n_samples, n_features),
        computed in float64 (``np.mean``, ``np.var``) and stored in the layer's dtype.

        Builds the layer when it is not (float64 until a model builds it); a built one
        takes data of its width only.
        """
        if self._fixed is not None:
            raise ValueError("This Normalization was given mean= and variance=, which adapt "
                             "would replace: create Normalization() without them to adapt it")
        X = check_X(data, "data", n_features=None if self.mean is None else self.mean.shape[0])
        with np.errstate(over="ignore"):
            mean = X.mean(axis=0, dtype=np.float64)
            variance = column_variance(X, mean)  # np.var's bits, in blocks of rows
        if not (np.isfinite(mean).all() and np.isfinite(variance).all()):
            raise ValueError("Expected data whose mean and variance float64 can hold. Received "
                             f"values up to {quoted(float(np.abs(X).max()), 30)}")
        from ._moment_fix import corrected_columns  # (not imported by a run without adapt)

        corrected_columns(X, mean, variance)  # a constant feature at 1e30: exact, as BatchNorm
        if self.mean is None:  # adapt builds the layer, as Keras'
            self.in_features, self.mean, self.variance = X.shape[1], mean, variance
        else:
            mean = as_dtype(mean, self.mean.dtype, "mean", contiguous=False)
            variance = as_dtype(variance, self.variance.dtype, "variance", contiguous=False)
            np.copyto(self.mean, mean)
            np.copyto(self.variance, variance)
        self._ready = True

    @property
    def is_adapted(self) -> bool:
        """Whether the layer has its statistics: adapted, given (``mean=``, ``variance=``;
        True once built), set (``set_state``) or loaded. Keras' name. ``save`` refuses a
        model whose ``Normalization`` is not: the file would hold no statistics."""
        return self._ready

    def _unready(self) -> Exception:
        if self._fixed is not None:
            return not_built(self)
        return RuntimeError("This Normalization layer has no mean and variance yet: call its "
                            "adapt(X) on the training data first (or create it with mean= and "
                            "variance=)")

    def forward(self, x: np.ndarray, *, training: bool = False) -> np.ndarray:
        if not self._ready:
            raise self._unready()
        mean = self.mean
        try:
            if x.dtype != mean.dtype or x.ndim != 2 or x.shape[1] != mean.shape[0]:
                x = layer_input(self, x, mean.dtype, mean.shape[0])  # cast, as Dense does
        except AttributeError:  # x is no array
            x = layer_input(self, x, mean.dtype, mean.shape[0])
        dt = x.dtype
        if training:
            std = self._std = layer_buffer(self, "_std", mean.shape, dt)
            y = self._y = layer_buffer(self, "_y", x.shape, dt)
        else:
            std, y = np.empty(mean.shape, dt), np.empty(x.shape, dt)
        np.sqrt(self.variance, out=std)
        np.maximum(std, const(EPSILON, dt), out=std)  # max(sqrt(variance), epsilon)
        if self.invert:
            return np.add(np.multiply(x, std, out=y), mean, out=y)
        return np.divide(np.subtract(x, mean, out=y), std, out=y)

    def backward(self, grad_out: np.ndarray) -> np.ndarray | None:
        _, grad_out = cached(self, "_y", grad_out)  # a training forward of this shape came first
        if not self.input_grad:  # the first layer: nobody reads dL/dx
            return None
        grad_in = layer_buffer(self, "_grad_in", grad_out.shape, self._std.dtype)
        if self.invert:
            return np.multiply(grad_out, self._std, out=grad_in)
        return np.divide(grad_out, self._std, out=grad_in)

    def get_state(self) -> dict[str, np.ndarray]:
        """Copies of the adapted statistics, ``{"mean": ..., "variance": ...}`` (``{}`` when
        they were given, as they are in the config, or before build and adapt)."""
        return {name: value.copy() for name, value in self._live_state().items()}

    def _live_state(self) -> dict[str, np.ndarray]:
        """The adapted statistics themselves, not copied (as ``BatchNorm._live_state``)."""
        if self._fixed is not None or self.mean is None:
            return {}
        return {"mean": self.mean, "variance": self.variance}

    def set_state(self, state: dict[str, Any]) -> None:
        """Copy ``state``'s ``mean`` and ``variance`` in (checked first, as
        ``BatchNorm.set_state``: both keys, the shape, finite values, variance >= 0); the
        layer is then ready."""
        current = self._live_state()  # the arrays themselves, copied into below
        if not current:
            raise RuntimeError("This Normalization has no state to set: it is not built (or "
                               "its mean and variance were given, in its config)")
        copy_statistics(state, current, "variance")
        self._ready = True

    def get_config(self) -> dict[str, Any]:
        mean, variance = self._given_now()
        return {"axis": self.axis, "mean": mean, "variance": variance, "invert": self.invert,
                **name_config(self)}

    def _given_now(self) -> tuple[Any, Any]:
        """The config's ``mean`` and ``variance``: None for adapted statistics (they are
        state), copies of those given (editing the config must not change the layer), or,
        where the built arrays were changed since (``norm.mean[:] = 3``: ``forward`` reads
        them), their values now, so that a file loads predicting as the layer does."""
        if self._fixed is None:
            return None, None
        built = (self.mean, self.variance)
        if self.mean is None or all(map(_same, built, self._fixed)):
            return copy.copy(self._fixed[0]), copy.copy(self._fixed[1])
        return np.asarray(built[0]).tolist(), np.asarray(built[1]).tolist()


def _same(now: Any, given: Any) -> bool:
    """Whether the built array ``now`` holds the values ``given`` (a number or a list) in
    its dtype, as ``build`` and ``cast_state`` made it."""
    now = np.asarray(now)
    try:
        with np.errstate(over="ignore"):
            was = np.broadcast_to(np.asarray(given, dtype=now.dtype), now.shape)
    except (TypeError, ValueError):  # replaced by an array of another shape
        return False
    return bool(np.array_equal(now, was))


__all__ = ["Normalization"]
