"""Stand-in for nonlin's fit loop until the shared ``Sequential.fit`` is merged.

Same callback protocol; shuffles as scikit-learn does (the index array is
permuted by ``rng.permutation`` each epoch).
"""

from __future__ import annotations

from typing import Any

import numpy as np


def run_epochs(
    model: Any,
    X: np.ndarray,
    y: np.ndarray,
    sample_weight: np.ndarray | None,
    *,
    loss: Any,
    optimizer: Any,
    epochs: int,
    batch_size: int,
    shuffle: bool,
    rng: Any,
    callbacks: list,
) -> None:
    n = X.shape[0]
    order = np.arange(n)
    params = model.parameters()
    model.stop_training = False
    for cb in callbacks:
        cb.set_model(model)
        cb.on_train_begin()
    for epoch in range(epochs):
        for cb in callbacks:
            cb.on_epoch_begin(epoch)
        if shuffle:
            order = order[rng.permutation(n)]
        for start in range(0, n, batch_size):
            rows = order[start : start + batch_size] if shuffle else slice(start, start + batch_size)
            sw = None if sample_weight is None else sample_weight[rows]
            out = model.forward(X[rows], training=True)
            model.backward(loss._grad(y[rows], out, sw, None))
            optimizer.step(params)
        logs: dict = {}
        for cb in callbacks:
            cb.on_epoch_end(epoch, logs)
        if model.stop_training:
            break
    for cb in callbacks:
        cb.on_train_end()
