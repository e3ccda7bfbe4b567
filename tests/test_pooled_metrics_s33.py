"""``Precision``/``Recall`` objects on a 2-unit softmax: warned where they read the
accuracy (no ``class_id``, the top column alone predicted), as the strings are."""

from __future__ import annotations

import warnings

import numpy as np

import nonlin
from nonlin.metrics import Precision, Recall


def test_pooled_warning_only_for_objects_that_read_the_accuracy() -> None:
    rng = np.random.default_rng(0)
    X = rng.standard_normal((64, 3))
    y = (X[:, 0] > 0).astype(int)
    model = nonlin.Sequential([nonlin.Dense(4), nonlin.ReLU(), nonlin.Dense(2), nonlin.Softmax()])
    expected = {"precision": 1, "rec": 1, "top": 1, "p_class": 0, "r_cut": 0, "p_top2": 0}
    given = [Precision(), Recall(name="rec"), Recall(top_k=1, name="top"),
             Precision(class_id=1, name="p_class"), Recall(thresholds=0.7, name="r_cut"),
             Precision(top_k=2, name="p_top2")]
    for metric in given:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            model.fit(X, y, loss="cross_entropy", optimizer="adam", epochs=1, verbose=0,
                      seed=0, metrics=[metric])
        pooled = [w for w in caught if "counts every output column" in str(w.message)]
        assert len(pooled) == expected[metric.name], metric
        if pooled:
            assert f"'{metric.name}' reads the accuracy" in str(pooled[0].message)
