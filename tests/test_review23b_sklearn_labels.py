"""Review 23b: a classifier's labels in a saved file, as ``nonlin.sklearn.load`` reads them."""

from __future__ import annotations

import io
import warnings

import numpy as np
import pytest

pytest.importorskip("sklearn")

from nonlin.sklearn import MLPClassifier, load  # noqa: E402


def _round_trip(est: MLPClassifier) -> MLPClassifier:
    buffer = io.BytesIO()
    est.save(buffer)
    buffer.seek(0)
    return load(buffer)


def test_uint64_labels_past_int64_beside_small_ones_load() -> None:
    # uint64 labels (ids, hashes): one past 2**63 beside a small one. NumPy reads the
    # file's JSON integers [1, 2**63 + 5] as float64, which loses the large label's digits,
    # so load refused the file that save had just written.
    rng = np.random.default_rng(0)
    X = rng.random((40, 3))
    labels = np.array([1, 2**63 + 5, 7], dtype=np.uint64)
    y = labels[np.arange(40) % 3]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # max_iter=3 does not converge
        est = MLPClassifier(hidden_layer_sizes=(4,), max_iter=3, random_state=0).fit(X, y)
    loaded = _round_trip(est)
    assert loaded.classes_.dtype == np.uint64
    assert loaded.classes_.tolist() == est.classes_.tolist()
    np.testing.assert_array_equal(loaded.predict_proba(X), est.predict_proba(X))
    assert loaded.predict(X).tolist() == est.predict(X).tolist()

