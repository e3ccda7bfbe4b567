"""The seed tutorial's network, rebuilt from library parts.

The tutorial ("Build a Neural Net") trains a 3-4-1 sigmoid network without
biases on the XOR table by full-batch backpropagation::

    l1 = sigmoid(X @ syn0);  l2 = sigmoid(l1 @ syn1)
    l2_delta = (y - l2) * l2 * (1 - l2);  l1_delta = l2_delta @ syn1.T * l1 * (1 - l1)
    syn1 += l1.T @ l2_delta;  syn0 += X.T @ l1_delta

That is gradient descent with learning rate 1 on the sum-of-squares loss
``1/2 * sum (l2 - y)^2``. Here it is ``Dense`` + ``Sigmoid`` layers, a
``MeanSquaredError(reduction="sum")`` loss and ``SGD(lr=1)``, with the weights
drawn from the stream the tutorial's seeded global generator gives (a local
``RandomState(1)``, never the global one), so the numbers match the tutorial's.

Where each of the tutorial's lines lives in nonlin (docs/design.md, "Reading backprop
in the source", lists the lines of each function that are the math)::

    l1 = nonlim(np.dot(X, syn0))        Dense.forward (layers.py), Sigmoid.forward (activations.py)
    l2_error = y - l2                   MeanSquaredError._grad_terms (losses.py): l2 - y
    l2_delta = l2_error * l2 * (1 - l2) Sigmoid.backward: g * (y * (1 - y))
    l1_error = l2_delta.dot(syn1.T)     Dense.backward: dL/dx = g @ W.T
    syn1 += l1.T.dot(l2_delta)          Dense.backward: dL/dW = x.T @ g,
                                        then SGD.step (sgd.py): W -= dL/dW

nonlin's gradient is the tutorial's delta negated and its step subtracts it: the same
bits at every step. ``train`` below is the README's four-call loop with two changes that
leave the numbers as they are: it calls the loss's unchecked ``_grad`` (``loss.grad``
without the input checks, which ``train`` ran once on ``X`` and ``y``) into a buffer,
and it records the per-step errors a block of steps at a time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ._quoting import quoted
from .activations import Sigmoid
from .core import Sequential
from .initializers import uniform
from .layers import Dense
from .losses import MeanSquaredError
from .optimizers import SGD
from .validation import check_X, check_y, is_integer

X_XOR = np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]], dtype=np.float64)
Y_XOR = np.array([[0], [1], [1], [0]], dtype=np.float64)
_BLOCK = 4096  # steps whose errors are reduced together


@dataclass
class TutorialRun:
    """What the tutorial's loop leaves behind.

    Attributes
    ----------
    model : Sequential
        The trained network.
    errors : ndarray of shape (steps,)
        Mean absolute error ``mean(|y - l2|)`` before each step's update.
    """

    model: Sequential
    errors: np.ndarray


def build_network(
    n_features: int = 3, hidden: int = 4, n_outputs: int = 1, seed: int = 1
) -> Sequential:
    """The tutorial's net: ``Dense(hidden) -> Sigmoid -> Dense(n_outputs) -> Sigmoid``, no biases.

    Weights are ``2 * random - 1`` from ``RandomState(seed)``, first (n_features,
    hidden) then (hidden, n_outputs), exactly the tutorial's ``create_synapses``.
    """
    layers = [
        Dense(hidden, bias=False, init=uniform),
        Sigmoid(),
        Dense(n_outputs, bias=False, init=uniform),
        Sigmoid(),
    ]
    return Sequential(layers).build(n_features, np.random.RandomState(seed))


def train(
    X: np.ndarray = X_XOR,
    y: np.ndarray = Y_XOR,
    *,
    steps: int = 60_000,
    hidden: int = 4,
    seed: int = 1,
    report_every: int = 10_000,
    on_report: Callable[[int, float], None] | None = None,
) -> TutorialRun:
    """Run the tutorial's training loop; returns the model and the per-step error.

    ``on_report(step, error)`` is called every ``report_every`` steps, from step 0.
    """
    for name, value in (("steps", steps), ("hidden", hidden), ("report_every", report_every)):
        if not is_integer(value) or value <= 0:
            raise ValueError(f"Expected a positive integer. Received: {name}={quoted(value)}")
    X = np.ascontiguousarray(check_X(X), dtype=np.float64)
    y = np.asarray(check_y(y, X.shape[0]), dtype=np.float64).reshape(X.shape[0], -1)
    model = build_network(X.shape[1], hidden, y.shape[1], seed)
    loss, optimizer, params = MeanSquaredError(reduction="sum"), SGD(lr=1.0), model.parameters()
    errors = np.empty(steps)
    residual = np.empty_like(y)
    # |residual| of each step goes into a block of rows; the per-step means are
    # taken block by block, one vectorized pass instead of a reduction per step.
    block = np.empty((min(steps, _BLOCK), *y.shape))
    rows = list(block)
    for start in range(0, steps, len(rows)):
        stop = min(start + len(rows), steps)
        for step, row in zip(range(start, stop), rows, strict=False):
            out = model.forward(X, training=True)
            # loss.grad(y, out, out=residual) without its input checks (run once above):
            loss._grad(y, out, None, residual)  # residual = l2 - y = dL/dl2
            np.abs(residual, row)
            if on_report is not None and step % report_every == 0:
                on_report(step, float(row.sum() / y.size))
            model.backward(residual)
            optimizer.step(params)
        n_rows = stop - start
        errors[start:stop] = block[:n_rows].reshape(n_rows, -1).sum(axis=1) / y.size
    return TutorialRun(model, errors)
