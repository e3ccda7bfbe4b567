"""Review of the s7 audits: bugs they introduced or missed."""

from __future__ import annotations

import gc

import numpy as np

from nonlin import Dense, ReLU, Sequential, Softmax

FIT = dict(loss="cross_entropy", optimizer="sgd", epochs=1, batch_size=8, verbose=0, seed=0)


def _task(n=24, k=2, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, 3)), rng.integers(0, k, n)


# -- a list of layers serves one model after another --------------------------------------------
def test_layers_of_a_dropped_fitted_model_serve_a_new_model() -> None:
    X, y = _task()
    layers = [Dense(4), ReLU(), Dense(2), Softmax()]
    enabled = gc.isenabled()
    gc.disable()  # the dropped model lives on in a cycle (model.history.model) until collected
    try:
        for _ in range(2):  # e.g. one fit per fold over the same layer list
            model = Sequential(layers)
            model.fit(X, y, **FIT)
            del model
    finally:
        if enabled:
            gc.enable()
