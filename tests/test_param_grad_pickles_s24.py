"""Pickles and deep copies of a model carry no gradient (``nonlin._param_state``).

The last batch's gradient gives the batch back: with a one-row last batch, a first
``Dense``'s ``W.grad`` is ``x^T delta`` and ``b.grad`` is ``delta``, so the training row is
``W.grad[:, j] / b.grad[j]``. PyTorch's ``Parameter`` pickles and deep copies carry no
``grad``; scikit-learn's and Keras' models keep none. In the process the gradient stays
readable (a learner inspects it after ``fit``), and ``copy.copy`` shares it.
"""

from __future__ import annotations

import copy
import pickle
import warnings

import numpy as np
import pytest

import nonlin


def _fitted() -> tuple[nonlin.Sequential, np.ndarray]:
    rng = np.random.default_rng(0)
    X, y = rng.random((9, 4)), rng.integers(0, 3, 9)  # batches of 4, 4 and the row X[8]
    model = nonlin.Sequential([nonlin.Dense(5), nonlin.ReLU(), nonlin.Dense(3),
                               nonlin.Softmax()])
    model.fit(X, y, loss="cross_entropy", optimizer=nonlin.SGD(0.1), epochs=1, batch_size=4,
              shuffle=False, verbose=0, seed=0)
    return model, X


def _recovered_row(model: nonlin.Sequential) -> np.ndarray:
    first = model.layers[0]
    j = int(np.argmax(np.abs(first.b.grad)))
    return first.W.grad[:, j] / first.b.grad[j]


def test_the_last_row_is_readable_in_the_process_and_not_in_a_pickle() -> None:
    model, X = _fitted()
    np.testing.assert_allclose(_recovered_row(model), X[8], rtol=1e-12)  # the leak's premise
    for copied in (pickle.loads(pickle.dumps(model)), copy.deepcopy(model)):
        for theirs in copied.parameters():
            assert not theirs.grad.any() and theirs.grad.shape == theirs.value.shape
    shallow = copy.copy(model.layers[0].W)
    assert shallow.grad is model.layers[0].W.grad and shallow.value is model.layers[0].W.value


def test_an_estimator_pickle_holds_no_gradient_and_trains_on_the_same() -> None:
    pytest.importorskip("sklearn")
    from nonlin.sklearn import MLPClassifier

    rng = np.random.default_rng(1)
    X, y = rng.random((201, 6)), rng.integers(0, 2, 201)  # batch 200: the last has one row
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = MLPClassifier((7,), max_iter=2, random_state=0).fit(X, y)
        copied = pickle.loads(pickle.dumps(est))
        assert all(not p.grad.any() for p in copied.model_.parameters())
        est.partial_fit(X, y)
        copied.partial_fit(X, y)
    for a, b in zip(est.coefs_ + est.intercepts_, copied.coefs_ + copied.intercepts_,
                    strict=True):
        np.testing.assert_array_equal(a, b)
