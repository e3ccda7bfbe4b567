"""``Dense``, the layer with weights, and ``Dropout``. Activations live in ``activations.py``.

Every layer follows the protocol in ``core.py``; the backward rule sits right
under its forward rule.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from ._deferred_rng import LazyRng
from ._dense_keras import ActivationSlot, dense_args, drawn_weights, resolve_init
from ._keras_habits import layers_getattr
from ._keras_keywords import unexpected_keyword
from ._layer_inputs import cached, frozen_grad, layer_batch, passed, passed_grad, scratch
from ._layer_names import name_config, set_name
from ._misuse import (
    dense_grad,
    grad_error,
    input_error,
    keras_keywords,
    layer_input,
    no_forward,
    shape_error,
)
from ._products import MATMUL_BYTES, weight_grad
from ._quoting import quoted
from ._random_hints import RandomLike
from .activations import GELU, Identity, LeakyReLU, ReLU, Sigmoid, Softmax, Tanh
from .core import Layer, Param, const
from .validation import check_bool, is_real

Initializer = Callable[["RandomLike", int, int], np.ndarray]

__all__ = [
    "Dense", "Dropout", "GELU", "Identity", "LeakyReLU", "ReLU", "Sigmoid", "Softmax", "Tanh",
]


class Dense(ActivationSlot, Layer):
    """Fully connected layer: ``y = x @ W + b``.

    Shapes: ``x`` (n_samples, in_features), ``W`` (in_features, units),
    ``b`` (units,), ``y`` (n_samples, units).

    Backward, with ``g = dL/dy``::

        dL/dW = x.T @ g (+ 2 l2 W)      dL/db = sum_rows(g)      dL/dx = g @ W.T

    With an ``activation``, ``y = f(x @ W + b)`` and ``g`` goes through ``f``'s own backward
    rule first (Keras' ``Dense(64, activation="relu")``, one layer).
    A frozen layer (``trainable = False``) computes ``dL/dx`` only, and no ``l2`` term
    enters the loss (Keras 3 counts the regularizers of trainable weights alone).

    Parameters
    ----------
    units : int
        Output width.
    activation : str or activation layer, optional
        Applied to ``x @ W + b``: a name of ``nonlin.registry.ACTIVATIONS`` (``"relu"``,
        ``"softmax"``, ``"sigmoid"``, ...; ``"linear"`` and None: none) or an activation
        layer (``LeakyReLU(alpha=0.2)``, copied). The config records it only when set.
    bias : bool, default True
        Whether to add ``b`` (the tutorial's network has none). Keras' ``use_bias``.
    init : str or callable, default "glorot_uniform"
        Weight initializer ``(rng, fan_in, fan_out) -> (fan_in, fan_out) array``
        or the name of one in ``nonlin.initializers`` (the array returned is copied,
        never trained in place). Biases start at zero. Keras' ``kernel_initializer``, and
        its classes (``HeNormal()``, ``"HeNormal"``: Keras' draws, recorded with config).
        The config records a function of your own as ``"custom:<its name>"``
        (a loaded model's weights come from its file); given that name, the
        layer draws its weights with ``"glorot_uniform"`` when it is built.
    l2 : float, default 0
        L2 penalty ``l2 * sum(W**2)`` added to the training loss (Keras'
        convention; the bias is not penalized). Its gradient ``2 * l2 * W`` is
        added to ``dL/dW`` in ``backward``. Keras' ``kernel_regularizer="l2"`` is
        ``l2=0.01``, ``nonlin.regularizers.L2(x)`` is ``l2=x``.
    name : str, optional
        The layer's name (Keras' ``name=``, ``layer.name``); by default its model names it
        by class and position: ``dense``, ``dense_1``, ... (``nonlin._layer_names``).
    **keras
        Keras' ``use_bias``, ``kernel_initializer``, ``kernel_regularizer`` (with nonlin's
        name too: ``TypeError``; ``nonlin._dense_keras``); the others are refused naming
        nonlin's way (``input_shape``: ``nonlin.Input`` or ``build(n_features)``).
    """

    _inputs = ("_x",)  # nonlin._layer_caches
    _caches = ("_y", "_grad_in", "_decay")

    def __init__(
        self, units: int, activation: Any = None, *, bias: bool = True,
        init: str | Initializer = "glorot_uniform", l2: float = 0.0, name: str | None = None,
        **keras: Any,
    ) -> None:
        bias, init, l2 = dense_args(bias, init, l2, keras)
        if keras:
            raise keras_keywords(keras)
        set_name(self, name)
        if isinstance(units, bool) or not isinstance(units, int | np.integer) or units <= 0:
            raise ValueError(f"Expected a positive integer. Received: units={quoted(units)}")
        self.init, self._init_name = resolve_init(init, Layer)
        self.l2 = l2
        self._decay: np.ndarray | None = None
        self.units = int(units)
        self.bias = check_bool("bias", bias)
        self.W: Param = None  # type: ignore[assignment]  # None until build (hot path: no check)
        self.b: Param | None = None
        self.activation = activation  # checked and copied (nonlin._dense_keras.ActivationSlot)
        self._x: np.ndarray | None = None
        self._y: np.ndarray | None = None
        self._grad_in: np.ndarray | None = None

    def build(self, in_features: int, rng: RandomLike) -> int:
        self.in_features = in_features
        self.W = Param(drawn_weights(self, rng, in_features), "W")  # checked: finite, shape
        self.b = Param(np.zeros(self.units), "b") if self.bias else None
        if self._activation is not None:
            self._activation.build(self.units, rng)
        return self.units

    def forward(self, x: np.ndarray, *, training: bool = False,
                logits: bool = False) -> np.ndarray:
        """``y = f(x @ W + b)``: ``x`` (n_samples, in_features), ``y`` (n_samples, units); ``f``
        the activation, if any (``logits``: none, for the fused output paths, ``DenseLogits``).
        The math: ``np.dot`` (or ``np.matmul``, the same product), ``np.add``; the rest checks."""
        try:
            W = self.W.value
            if x.dtype != W.dtype:
                x = layer_input(self, x, W.dtype)  # ints, a float32 batch; not complex, text
        except AttributeError as error:  # W is None before build; x may be no array
            raise (input_error(self, x, built=self.W is not None) or error) from None
        if not training:
            if x.ndim != 2:  # x @ W would take a 1-D or 3-D x
                raise shape_error(self, x, self.in_features)
            try:
                y = x @ W
            except ValueError:  # x of another width
                raise shape_error(self, x, self.in_features) from None
            if self.b is not None:
                y += self.b.value
            return y if self._activation is None or logits else self._activation.forward(y)
        self._x = x
        try:
            y = self._y = scratch(self._y, (x.shape[0], self.units), W.dtype)  # reused buffer
            if y.nbytes >= MATMUL_BYTES and type(x) is type(W) is np.ndarray and x.ndim == 2 and (
                    x.shape[0] > 1 and x.shape[1] > 1 and self.units > 1 and x.flags.forc
                    and W.flags.forc):  # np.dot's GEMM without its pass zeroing y: _products
                np.matmul(x, W, y)  # y = x @ W, large arrays
            else:
                np.dot(x, W, y)  # y = x @ W, the same bits
        except (ValueError, IndexError) as error:  # x of another width or number of dimensions
            self._x = None
            raise (input_error(self, x, width=self.in_features) or error) from None
        if self.b is not None:
            np.add(y, self.b.value, y)  # y = x @ W + b (b broadcast over the rows)
        if self._activation is None or logits:
            return y
        return self._activation.forward(y, training=True)

    def backward(self, grad_out: np.ndarray, *, logits: bool = False) -> np.ndarray | None:
        """With ``g = grad_out`` (n_samples, units): ``W.grad = x.T @ g (+ 2 l2 W)``, ``b.grad =
        sum_rows(g)``; returns ``dL/dx = g @ W.T`` (n_samples, in_features), or None (first layer).
        ``g`` goes through the activation's backward first, unless ``logits``."""
        x = self._x
        if x is None:
            raise no_forward(self)
        if type(grad_out) is not np.ndarray and not isinstance(grad_out, np.ndarray):
            raise grad_error(self, (x.shape[0], self.units), grad_out)  # NumPy takes a list
        if self._activation is not None and not logits:  # its rule first: dL/dz
            grad_out = self._activation.backward(grad_out)
        if not self._trainable:  # frozen: no dL/dW, dL/db (their grads stay zero)
            if not (isinstance(grad_out, np.ndarray) and grad_out.dtype == x.dtype
                    and grad_out.shape == (x.shape[0], self.units)):
                return self.backward(frozen_grad(self, x, grad_out), logits=True)
        else:
            try:
                weight_grad(x, grad_out, self.W.grad)  # W.grad = x.T @ g
            except (ValueError, TypeError, AttributeError) as error:  # or W.grad None
                return self.backward(dense_grad(self, x, grad_out, error), logits=True)
            if self.l2:
                W = self.W.value
                decay = self._decay = scratch(self._decay, W.shape, W.dtype)
                np.multiply(W, const(2.0 * self.l2, W.dtype), out=decay)  # decay = 2 l2 W
                np.add(self.W.grad, decay, out=self.W.grad)  # W.grad = x.T @ g + 2 l2 W
            if self.b is not None:
                np.add.reduce(grad_out, axis=0, out=self.b.grad)  # b.grad = sum_rows(g)
        if not self.input_grad:  # the model's first layer: no dL/dx needed
            return None
        grad_in = self._grad_in = scratch(self._grad_in, x.shape, x.dtype)  # reused buffer
        W = self.W.value
        if grad_in.nbytes >= MATMUL_BYTES and type(grad_out) is type(W) is np.ndarray and (
                grad_out.dtype == W.dtype == x.dtype and grad_out.ndim == x.ndim == 2
                and x.shape[0] > 1 and x.shape[1] > 1 and self.units > 1
                and grad_out.flags.forc and W.flags.forc):  # as in forward
            return np.matmul(grad_out, W.T, grad_in)  # dL/dx = g @ W.T, large arrays
        return np.dot(grad_out, W.T, grad_in)  # dL/dx = g @ W.T (the tutorial's -l1_error)

    def parameters(self) -> list[Param]:
        if self.W is None:
            return []
        return [self.W] if self.b is None else [self.W, self.b]

    def penalty(self) -> float:
        """The regularization term ``l2 * sum(W**2)`` this layer adds to the loss."""
        if not self.l2 or self.W is None:
            return 0.0
        w = self.W.value.reshape(-1)
        return self.l2 * float(np.dot(w, w))


class Dropout(Layer):
    """Inverted dropout: in training, ``y = x * mask / (1 - rate)`` with
    ``mask ~ Bernoulli(1 - rate)`` per entry; at inference ``y = x``.

    Backward: ``dL/dx = g * mask / (1 - rate)``. The mask is drawn from the model's
    generator (``model.rng``, bound at build and by ``fit``): the same seed, the same masks.

    ``freeze_mask(True)`` keeps reusing the current mask for batches of the same shape
    (for gradient checks in training mode); ``freeze_mask(False)`` resumes drawing.

    Parameters
    ----------
    rate : float
        Fraction of entries dropped, in [0, 1] (Keras 3's and PyTorch's range): 1 drops
        every entry in training (``y = 0``, ``dL/dx = 0``).
    name : str, optional
        The layer's name, as ``Dense``'s.
    **keras
        Keras' ``seed`` and ``noise_shape`` are refused saying nonlin's way: the masks come
        from the model's generator (its seed), one draw per entry.
    """

    _inputs = ("_x",)  # nonlin._layer_caches
    _caches = ("_mask", "_keep", "_y", "_grad_in")
    _draws = ("_mask", "_keep")  # kept while frozen (freeze_mask)

    rng: RandomLike = LazyRng()  # type: ignore[assignment]  # a loaded model's: _deferred_rng
    def __init__(self, rate: float, *, name: str | None = None, **keras: Any) -> None:
        if keras:  # Keras' seed=, noise_shape=: Python's error, nonlin's way added
            raise unexpected_keyword("Dropout", keras)
        if not is_real(rate) or not 0 <= rate <= 1:
            raise ValueError(f"Expected a rate in [0, 1]. Received: rate={quoted(rate)}")
        self.rate = float(rate)
        set_name(self, name)
        self.rng = None  # type: ignore[assignment]  # None until build
        self._mask: np.ndarray | None = None
        self._keep: np.ndarray | None = None
        self._frozen = False

    def build(self, in_features: int, rng: RandomLike) -> int:
        self.in_features, self.rng = in_features, rng
        return in_features

    def freeze_mask(self, frozen: bool = True) -> None:
        """Reuse the current mask while ``frozen`` (see above); False draws again."""
        self._frozen = bool(frozen)

    def forward(self, x: np.ndarray, *, training: bool = False) -> np.ndarray:
        x = layer_batch(self, x)  # the model's dtype (one dtype test)
        if not training or self.rate == 0.0:
            return passed(self, x, training)  # rate 0: recorded for backward
        mask = self._mask
        if not (self._frozen and mask is not None and mask.shape == x.shape):
            try:
                mask = self._draw(x.shape, x.dtype)
            except AttributeError as error:  # no rng before build
                raise (input_error(self, x, built=self.rng is not None) or error) from None
        self._y = y = scratch(getattr(self, "_y", None), x.shape, x.dtype)
        return np.multiply(x, mask, out=y)

    def _draw(self, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
        mask = self._mask = scratch(self._mask, shape, dtype)
        if isinstance(self.rng, np.random.Generator):
            self.rng.random(out=mask, dtype=mask.dtype)
        else:
            np.copyto(mask, self.rng.random_sample(shape), casting="same_kind")  # no int mask
        keep = self._keep = scratch(self._keep, shape, np.dtype(bool))
        np.greater_equal(mask, const(self.rate, dtype), out=keep)
        scale = 1.0 / (1.0 - self.rate) if self.rate < 1 else 0.0  # rate 1: nothing kept
        return np.multiply(keep, const(scale, dtype), out=mask)

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        if self.rate == 0.0:
            return passed_grad(self, grad_out)
        mask, grad_out = cached(self, "_mask", grad_out)  # the training forward's (its dtype)
        grad_in = self._grad_in = scratch(getattr(self, "_grad_in", None), mask.shape,
                                          mask.dtype)
        return np.multiply(grad_out, mask, out=grad_in)

    def get_config(self) -> dict[str, Any]:
        return {"rate": self.rate, **name_config(self)}


if not TYPE_CHECKING:  # hidden from mypy, which would take every name as an attribute
    __getattr__ = layers_getattr  # Keras' layers.PReLU(): nonlin's way in the error
