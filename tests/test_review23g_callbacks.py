"""A callback of a fit on sparse X sees the network as it is outside the fit.

The sparse fit trains with a stand-in for the first ``Dense`` (``_sklearn_sparse``); at
the callbacks' hooks the real layer is back, so ``est.predict`` on dense X, ``est.save``
and ``self.model.predict`` work as in a fit on dense X (before: a ValueError, or with one
feature silently wrong predictions: row numbers gathered from the values).
"""

import io

import numpy as np
import pytest

pytest.importorskip("sklearn")
sp = pytest.importorskip("scipy.sparse")

import nonlin.sklearn as ns  # noqa: E402
from nonlin.callbacks import Callback, EarlyStopping, LambdaCallback  # noqa: E402


def _data(n_features):
    rng = np.random.default_rng(0)
    D = rng.random((60, n_features))
    D[D < 0.5] = 0
    y = (D.sum(axis=1) > 0.5 * n_features * 0.75).astype(int)
    y[:2] = [0, 1]
    return D, y


class _Peek(Callback):
    """Each epoch: the estimator's dense and sparse predictions, its network's own and
    a save of both."""

    def __init__(self, est, D):
        self.est, self.D, self.seen = est, D, []

    def on_epoch_end(self, epoch, logs=None):
        X = sp.csr_matrix(self.D)
        self.est.save(io.BytesIO())
        self.seen.append((self.est.predict_proba(self.D), self.est.predict_proba(X),
                          self.model.predict(self.D), self.model.n_features_in))


@pytest.mark.parametrize("n_features", [1, 7])
def test_callbacks_see_the_real_network_mid_fit(n_features):
    D, y = _data(n_features)
    est = ns.MLPClassifier(hidden_layer_sizes=(4,), max_iter=3, random_state=0)
    peek = _Peek(est, D)
    est.set_params(callbacks=[peek])
    peek_copy = est.callbacks  # the fit trains a deep copy; it keeps the estimator itself
    est.fit(sp.csr_matrix(D), y)
    seen = est.callbacks_[0].seen
    assert peek_copy[0].seen == [] and len(seen) == 3
    for dense, sparse, network, width in seen:
        np.testing.assert_allclose(dense, sparse, rtol=0, atol=1e-12)
        z = network[:, 0]  # the network's raw output: the logit of class 1
        np.testing.assert_allclose(1 / (1 + np.exp(-z)), sparse[:, 1], rtol=0, atol=1e-12)
        assert width == n_features


def test_callbacks_change_no_bit_of_a_sparse_fit():
    D, y = _data(7)
    X = sp.csr_matrix(D)
    kw = dict(hidden_layer_sizes=(4,), max_iter=6, random_state=0, batch_size=16)
    plain = ns.MLPClassifier(**kw).fit(X, y)
    log = []
    hooks = LambdaCallback(on_batch_end=lambda b, logs: log.append(b),
                           on_epoch_end=lambda e, logs: log.append(e))
    watched = ns.MLPClassifier(callbacks=[hooks, EarlyStopping(monitor="loss", patience=50)],
                               **kw).fit(X, y)
    assert log
    for a, b in zip(plain.coefs_ + plain.intercepts_, watched.coefs_ + watched.intercepts_,
                    strict=True):
        np.testing.assert_array_equal(a, b)
    assert type(watched.model_.layers[0]).__name__ == "Dense"
    assert watched.model_.n_features_in == 7


def test_early_stopping_scores_with_callbacks_on_sparse_x():
    D, y = _data(7)
    kw = dict(hidden_layer_sizes=(4,), max_iter=8, random_state=0, early_stopping=True,
              validation_fraction=0.25)
    plain = ns.MLPClassifier(**kw).fit(sp.csr_matrix(D), y)
    watched = ns.MLPClassifier(callbacks=[LambdaCallback(on_epoch_end=lambda e, logs: None)],
                               **kw).fit(sp.csr_matrix(D), y)
    assert watched.validation_scores_ == plain.validation_scores_
    np.testing.assert_array_equal(watched.coefs_[0], plain.coefs_[0])


def test_batch_and_train_hooks_see_the_real_network_too():
    D, y = _data(7)
    X = sp.csr_matrix(D)
    calls = []

    def check(*args):
        np.testing.assert_allclose(est.predict_proba(D), est.predict_proba(X), rtol=0, atol=1e-12)
        calls.append(args)

    est = ns.MLPClassifier(hidden_layer_sizes=(3,), max_iter=2, random_state=0, batch_size=20,
                           callbacks=[LambdaCallback(on_batch_begin=check, on_train_begin=check,
                                                     on_train_end=check)])
    est.fit(X, y)
    assert len(calls) == 1 + 2 * 3 + 1  # train begin, 3 batches an epoch, train end
