"""Numerical gradient checks by central differences, in float64.

For every parameter entry ``w`` (and every input entry ``x``)::

    numeric = (L(w + eps) - L(w - eps)) / (2 eps)

is compared with the analytic gradient from ``backward``, where ``L`` is the
loss plus the layers' regularization terms (``Dense(l2=...)``), the objective
``fit`` minimizes. The error of one array is::

    ||analytic - numeric|| / max(||analytic|| + ||numeric||, floor)

with an absolute ``floor`` of ``GRADIENT_FLOOR = 1e-2``: large gradients are
compared relatively, gradients whose norms add up to less than the floor
absolutely, so an exactly zero gradient (a ``Dense`` bias feeding
``BatchNorm``) against finite-difference noise of ~1e-10 scores ~1e-8, not 1.
``gradcheck`` returns the largest error over all arrays. Correct rules give
about 1e-8 or less; a wrong rule gives something far larger (a gradient off
by 1% of itself about 5e-3, a wrong one near 1).

Both passes compute the same function. With ``training=False`` (inference):
``Dropout`` keeps every unit, the noise layers (``AlphaDropout``, ``GaussianDropout``,
``GaussianNoise``) add none and ``BatchNorm`` normalizes with its running
statistics (``freeze_statistics``) during the analytic pass, whose backward is
then that of the inference function. With ``training=True``: every finite
difference reuses the analytic pass's dropout masks and noise (``freeze_mask``) and
recomputes the batch statistics, as the training backward assumes. A custom
layer whose training forward differs from its inference one in other ways
should be checked with ``training=True``. The check leaves the model as it
found it: weights, gradients (``Param.grad``), running statistics, dropout
settings and generators. What the layers cached for ``backward`` is the check's
own pass afterwards: run it between steps, not between a training forward and
its backward.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import numpy as np

import nonlin  # the ``loss`` hint's ``nonlin.losses``: imported when the hints are read, not here

from ._backward_pass import drop
from ._quoting import quoted
from .core import Sequential
from .noise import noise_knob
from .normalization import BatchNorm
from .validation import check_bool, check_X, is_real

if TYPE_CHECKING:
    import nonlin.losses

GRADIENT_FLOOR = 1e-2


def relative_error(analytic: np.ndarray, numeric: np.ndarray,
                   floor: float = GRADIENT_FLOOR) -> float:
    """``||a - n|| / max(||a|| + ||n||, floor)`` with ``a = analytic``, ``n = numeric``;
    0 when both are equal."""
    diff = float(np.linalg.norm(analytic - numeric))
    scale = float(np.linalg.norm(analytic) + np.linalg.norm(numeric))
    return diff / max(scale, floor)


def numeric_grad(f: Callable[[], float], array: np.ndarray, eps: float) -> np.ndarray:
    """Central differences of ``f()`` for each entry of ``array`` (perturbed in place by
    ``+-eps``).

    Entries are indexed, not reached through ``reshape(-1)``: that is a copy for a
    weight that is not C-contiguous (``W.value = torch_weight.T``), and the
    perturbations would never reach the model.
    """
    grad = np.zeros_like(array)
    for index in np.ndindex(array.shape):
        saved = array[index]
        array[index] = saved + eps
        plus = f()
        array[index] = saved - eps
        minus = f()
        array[index] = saved
        grad[index] = (plus - minus) / (2 * eps)
    return grad


@contextmanager
def _one_function(model: Sequential, training: bool) -> Iterator[None]:
    """Make training-mode forwards compute the checked function; restore everything after."""
    state = model.get_state()
    grads = [(p.grad, p.grad.copy()) for p in model.parameters()]  # backward overwrites them
    generators = {id(g): g for g in (model.rng, *(getattr(x, "rng", None) for x in model.layers))
                  if isinstance(g, np.random.Generator | np.random.RandomState)}
    saved_rng = {key: _rng_state(g) for key, g in generators.items()}
    layers: list[Any] = model.layers
    noisy = [(x, knob, getattr(x, knob), x._frozen) for x in layers
             if (knob := noise_knob(x)) is not None]  # Dropout and the noise layers
    norms = [(x, x._frozen) for x in model.layers if isinstance(x, BatchNorm)]
    for layer, knob, _, _ in noisy:
        if training:
            layer.freeze_mask(True)  # one mask for the analytic pass and every difference
        else:
            setattr(layer, knob, 0.0)  # the inference function: every unit kept, no noise
    for norm, frozen in norms:
        norm.freeze_statistics(frozen or not training)
    try:
        yield
    finally:
        for layer, knob, value, frozen in noisy:
            setattr(layer, knob, value)
            layer.freeze_mask(frozen)
        for norm, frozen in norms:
            norm.freeze_statistics(frozen)
        model.set_state(state)
        drop(model)  # its forwards replaced the caches of a pass before it (_backward_pass)
        for grad, saved in grads:
            np.copyto(grad, saved)
        for key, generator in generators.items():
            _set_rng_state(generator, saved_rng[key])


def _rng_state(rng: Any) -> Any:
    return rng.bit_generator.state if isinstance(rng, np.random.Generator) else rng.get_state()


def _set_rng_state(rng: Any, state: Any) -> None:
    if isinstance(rng, np.random.Generator):
        rng.bit_generator.state = state
    else:
        rng.set_state(state)


def gradcheck(
    model: Sequential,
    loss: nonlin.losses.Loss | str,
    X: Any,
    y: Any,
    *,
    eps: float = 1e-6,
    training: bool = False,
    check_input: bool = True,
) -> float:
    """Largest error between backprop and central differences (see the module docstring):
    the largest value of ``gradcheck_errors``, which names the array of each error.

    Parameters
    ----------
    model : Sequential
        A built model with float64 parameters. It is left as it was found.
    loss : Loss or registry name (``"cross_entropy"``)
        The loss whose gradient is checked: ``loss(y, model(X))`` plus the
        layers' regularization terms. With ``reduction="none"``, the sum of its
        per-sample losses (the gradient its ``grad`` gives).
    X : array of shape (n_samples, n_features_in)
    y : targets accepted by ``loss``
    eps : float
        Finite-difference step.
    training : bool
        Check the training-mode function (batch statistics, one frozen dropout
        mask) instead of the inference one.
    check_input : bool
        Also check ``dL/dX`` (the first layer then computes it).

    Returns
    -------
    float
        The largest error over all parameters (and the input): about 1e-8 or
        less for correct rules, far larger for a wrong one.
    """
    errors = gradcheck_errors(model, loss, X, y, eps=eps, training=training,
                              check_input=check_input)
    return max(errors.values(), default=0.0)


def _array_names(model: Sequential, params: list[Any]) -> list[str]:
    """A name for each of ``params`` (``model.parameters()``): ``"{layer name}.{Param name}"``,
    by the first layer that lists it (a ``Param`` two layers share, tied weights, has one);
    its position in the layer's ``parameters()`` where its name is empty or taken, then a
    ``~`` and a count where that is taken too. Different arrays never share a name, so the
    dict ``gradcheck_errors`` makes keeps every one (``parameters()[k]`` for one no layer
    lists)."""
    names: dict[int, str] = {}
    taken: set[str] = set()
    for i, layer in enumerate(model.layers):
        layer_name = getattr(layer, "name", None) or f"layers[{i}]"
        for k, param in enumerate(layer.parameters()):
            if id(param) in names:
                continue
            name = f"{layer_name}.{getattr(param, 'name', '') or k}"
            name = name if name not in taken else f"{layer_name}.{k}"
            base, count = name, 1
            while name in taken:
                name, count = f"{base}~{count}", count + 1
            names[id(param)] = name
            taken.add(name)
    return [names.get(id(p)) or f"parameters()[{k}]" for k, p in enumerate(params)]


def gradcheck_errors(
    model: Sequential,
    loss: nonlin.losses.Loss | str,
    X: Any,
    y: Any,
    *,
    eps: float = 1e-6,
    training: bool = False,
    check_input: bool = True,
) -> dict[str, float]:
    """The error between backprop and central differences of each array, by name: which
    gradient is wrong, and how far.

    Parameters
    ----------
    model, loss, X, y, eps, training, check_input : as ``gradcheck`` takes them

    Returns
    -------
    dict of str to float
        ``"{layer name}.{Param name}"`` (``"dense.W"``, ``"dense.b"``, ``"dense_1.W"``, in the
        order of ``model.parameters()``, a ``Param`` it lists twice once; a name taken ends in
        ``~1``, ``~2``, ...), then ``"input"`` (``dL/dX``, with ``check_input``):
        ``||a - n|| / max(||a|| + ||n||, 1e-2)`` each. A layer's wrong ``dL/dx`` shows on
        the input and on the parameters of every layer before it, none after it; a wrong
        parameter gradient on that parameter alone. Reading the layers from the input, the
        fault is in the last layer with a large error or in a layer after it, up to the next
        layer whose parameters are right (a ``Square`` layer between ``dense.W``, wrong, and
        ``dense_1.W``, right).
    """
    from .evaluation import penalty, resolve_loss  # the training side: not with ``import nonlin``

    if not is_real(eps) or not 0 < eps < math.inf:
        raise ValueError(f"Expected a positive, finite step. Received: eps={quoted(eps)}")
    if not isinstance(model, Sequential):
        hint = ("; check a layer alone inside a model: gradcheck(nonlin.Sequential([layer])"
                ".build(n_features, seed=0), loss, X, y)") if hasattr(model, "backward") else ""
        raise TypeError(f"Expected a nonlin.Sequential. Received: model={quoted(model, 200)}"
                        f"{hint}")
    loss = resolve_loss(loss, per_sample=True)  # reduction='none': its sum is checked
    training, check_input = check_bool("training", training), check_bool("check_input", check_input)
    params = model.parameters()
    narrow = next((p.value.dtype for p in params if p.value.dtype != np.float64), None)
    if narrow is not None:
        raise ValueError("Expected a float64 model for gradcheck (build it with "
                         f"dtype=np.float64). Received parameters of dtype {narrow}")
    # checked here, so that messages name X, gradcheck's parameter (predict's is x); a copy:
    # entries are perturbed in place
    X = np.array(check_X(X, n_features=model.n_features_in), dtype=np.float64)
    y_true, _, _ = loss._check(y, model.predict(X), None)

    def f() -> float:
        return loss._value(y_true, model.forward(X, training=training)) + penalty(model)

    with _one_function(model, training):
        out = model.forward(X, training=True)  # caches what backward needs
        grad_x = model.backward(loss._grad(y_true, out), input_grad=check_input)
        analytic = [p.grad.copy() for p in params]
        if check_input:
            analytic.append(np.array(grad_x, copy=True))
        arrays = [p.value for p in params] + ([X] if check_input else [])
        names = _array_names(model, params) + (["input"] if check_input else [])
        return {
            name: relative_error(a, numeric_grad(f, arr, eps))
            for name, a, arr in zip(names, analytic, arrays, strict=True)
        }
