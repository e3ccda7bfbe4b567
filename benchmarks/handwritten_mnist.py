"""The MNIST-shaped network of ``bench_mnist.py`` as a lean, hand-written NumPy loop.

This is the reference for "what plain NumPy can do here": the loop a careful
NumPy programmer writes for this one network, with nothing a library needs
(no validation, no callbacks, no metrics, no divergence check, no generality).
Every buffer is preallocated; each batch is gathered with ``take`` into one
buffer; the products are ``np.matmul`` (``np.dot`` with ``out=`` zeroes it before
its GEMM, a pass over the weight gradient); the parameters live in one flat array
so that the momentum update is three in-place ufunc calls; ReLU compares against a
zeros block; the softmax gradient is ``p / s`` minus the label, scaled by ``1 / n``.

``bench_mnist.py`` times it in the same run as nonlin, PyTorch and scikit-learn.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def handwritten_epoch(
    X: np.ndarray, y: np.ndarray, sizes: list[tuple[int, int]], batch: int,
    lr: float = 0.01, momentum: float = 0.9, seed: int = 0,
) -> tuple[Callable[[], None], Callable[[], float]]:
    """A function running one epoch of minibatch SGD with momentum, and one giving
    the train accuracy. ``sizes`` are the (fan_in, fan_out) of the layers; ReLU
    between them, softmax cross-entropy at the end; float32 throughout."""
    f32, rng = np.float32, np.random.default_rng(seed)
    (values, grads, velocity, step), Ws, bs, dWs, dbs = flat_parameters(sizes, rng)
    xb = np.empty((batch, sizes[0][0]), f32)
    acts = [np.empty((batch, b), f32) for _, b in sizes]
    back = [np.empty((batch, a), f32) for a, _ in sizes]
    masks = [np.empty((batch, b), f32) for _, b in sizes]
    zeros = [np.zeros((batch, b), f32) for _, b in sizes]
    mu, neg_lr, inv_n = f32(momentum), f32(-lr), f32(1.0 / batch)
    sums, ones = np.empty(batch, f32), np.ones(sizes[-1][1], f32)
    rowbase, flat = np.arange(batch) * sizes[-1][1], np.empty(batch, np.int64)
    last = len(sizes) - 1

    def train_step(rows: np.ndarray) -> None:
        h = np.take(X, rows, axis=0, out=xb, mode="clip")
        for i in range(len(sizes)):  # forward
            np.matmul(h, Ws[i], acts[i])
            np.add(acts[i], bs[i], acts[i])
            if i < last:
                np.maximum(acts[i], zeros[i], out=acts[i])
            h = acts[i]
        z = h  # softmax cross-entropy gradient (p - onehot) / n, in place
        np.subtract(z, z.max(), z)
        np.exp(z, z)
        np.dot(z, ones, sums)
        np.divide(inv_n, sums, sums)
        np.multiply(z, sums[:, None], z)
        np.add(rowbase, y.take(rows), flat)
        z.reshape(-1)[flat] -= inv_n
        g = z
        for i in range(last, -1, -1):  # backward
            below = xb if i == 0 else acts[i - 1]
            np.matmul(below.T, g, dWs[i])
            np.add.reduce(g, 0, None, dbs[i])
            if i:
                np.matmul(g, Ws[i].T, back[i])
                np.greater(acts[i - 1], 0, out=masks[i - 1])
                g = np.multiply(back[i], masks[i - 1], back[i])
        np.multiply(grads, neg_lr, step)  # v <- mu v - lr g; w <- w + v
        np.multiply(velocity, mu, velocity)
        np.add(velocity, step, velocity)
        np.add(values, velocity, values)

    def epoch() -> None:
        order = rng.permutation(len(X))
        for start in range(0, len(X) - batch + 1, batch):  # full batches only
            train_step(order[start : start + batch])

    def accuracy() -> float:
        h = X
        for i in range(len(sizes)):
            h = h @ Ws[i] + bs[i]
            if i < last:
                np.maximum(h, 0, out=h)
        return float((h.argmax(axis=1) == y).mean())

    return epoch, accuracy


def flat_parameters(sizes: list[tuple[int, int]], rng: np.random.Generator) -> tuple[
        list[np.ndarray], list[np.ndarray], list[np.ndarray], list[np.ndarray],
        list[np.ndarray]]:
    """The parameters in one flat float32 array, so that the momentum update is three
    in-place ufunc calls: ``[values, grads, velocity, step]`` (flat), then the views
    ``Ws, bs, dWs, dbs`` per layer; ``W`` drawn He-normal from ``rng``, ``b`` zero."""
    f32, n_params = np.float32, sum(a * b + b for a, b in sizes)
    values, grads = np.empty(n_params, f32), np.empty(n_params, f32)
    flats = [values, grads, np.zeros(n_params, f32), np.empty(n_params, f32)]
    Ws, bs, dWs, dbs, at = [], [], [], [], 0
    for a, b in sizes:
        Ws.append(values[at : at + a * b].reshape(a, b))
        dWs.append(grads[at : at + a * b].reshape(a, b))
        bs.append(values[at + a * b : at + a * b + b])
        dbs.append(grads[at + a * b : at + a * b + b])
        Ws[-1][...] = rng.standard_normal((a, b), dtype=f32) * np.sqrt(2.0 / a)
        bs[-1][...] = 0
        at += a * b + b
    return flats, Ws, bs, dWs, dbs
