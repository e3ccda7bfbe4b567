"""AUC's ``label_weights`` as Keras 3 defines them (keras/src/metrics/confusion_metrics.py,
keras/src/metrics/metrics_utils.py): a weighted mean of the label AUCs with
``multi_label``, else a weight per column on every entry of the single curve."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from nonlin.metrics import AUC

EPS = 1e-7


def _reference_roc(y, p, entry_w, thresholds):
    """ROC-AUC of one curve by Keras' formula, counted entry by entry (plain loops)."""
    t = [-EPS, *thresholds, 1 + EPS]
    tp, fp, tn, fn = (np.zeros(len(t)) for _ in range(4))
    for m, threshold in enumerate(t):
        for truth, score, w in zip(y.ravel(), p.ravel(), entry_w.ravel(), strict=True):
            positive = score > threshold
            if truth and positive:
                tp[m] += w
            elif positive:
                fp[m] += w
            elif truth:
                fn[m] += w
            else:
                tn[m] += w
    x = np.divide(fp, fp + tn, out=np.zeros(len(t)), where=fp + tn != 0)
    r = np.divide(tp, tp + fn, out=np.zeros(len(t)), where=tp + fn != 0)
    return sum((x[m] - x[m + 1]) * (r[m] + r[m + 1]) / 2 for m in range(len(t) - 1))


def test_hand_worked_example() -> None:
    # entries (y, p, v): (1, .9, 1), (0, .8, 3), (0, .3, 1), (1, .2, 3); thresholds -eps, .5,
    # 1 + eps: FPR 1, 3/4, 0 and TPR 1, 1/4, 0 -> 0.25 * 0.625 + 0.75 * 0.125 = 0.25
    y, p = np.array([[1, 0], [0, 1]]), np.array([[0.9, 0.8], [0.3, 0.2]])
    assert AUC(3)(y, p) == 0.5 and AUC(3, label_weights=[1, 3])(y, p) == 0.25
    # per label: AUC 1 (column 0) and 0 (column 1): (1 * 1 + 3 * 0) / 4
    assert AUC(3, multi_label=True)(y, p) == 0.5
    assert AUC(3, multi_label=True, label_weights=[1, 3])(y, p) == 0.25


def test_against_a_numpy_reference_with_sample_weights() -> None:
    rng = np.random.default_rng(4)
    y, p = rng.random((30, 3)) < 0.4, rng.random((30, 3))
    w, v = rng.random(30), np.array([0.5, 2.0, 0.0])
    inner = [1 / 6 * i for i in range(1, 6)]
    flat = AUC(7, label_weights=v)(y, p, sample_weight=w)
    assert flat == pytest.approx(_reference_roc(y, p, np.outer(w, v), inner), abs=1e-12)
    per_label = [_reference_roc(y[:, j], p[:, j], w, inner) for j in range(3)]
    multi = AUC(7, multi_label=True, label_weights=v)(y, p, sample_weight=w)
    assert multi == pytest.approx(np.dot(per_label, v) / v.sum(), abs=1e-12)
    # the same through streaming, in two batches
    auc = AUC(7, multi_label=True, label_weights=v)
    auc.update_state(y[:12], p[:12], w[:12])
    auc.update_state(y[12:], p[12:], w[12:])
    assert auc.result() == pytest.approx(multi, abs=1e-12)


def test_semantics_match_sample_weights_and_per_label_instances() -> None:
    rng = np.random.default_rng(5)
    y, p, v = rng.random((25, 4)) < 0.5, rng.random((25, 4)), [1.0, 0.25, 3.0, 2.0]
    # flattening: entry (i, l) weighs v_l, as a sample weight on the flattened entries
    flat = AUC(label_weights=v)(y, p)
    assert flat == pytest.approx(AUC()(y.reshape(-1, 1), p.reshape(-1, 1),
                                       sample_weight=np.tile(v, 25)), abs=1e-12)
    each = [AUC()(y[:, [j]], p[:, [j]]) for j in range(4)]
    assert AUC(multi_label=True, label_weights=v)(y, p) == pytest.approx(
        np.dot(each, v) / sum(v), abs=1e-12)
    assert AUC(multi_label=True, label_weights=[0, 0, 0, 0])(y, p) == 0.0  # divide_no_nan


def test_config_round_trips_with_label_weights() -> None:
    auc = AUC(20, multi_label=True, num_labels=2, label_weights=np.array([1, 2.5]))
    config = json.loads(json.dumps(auc.get_config()))
    assert config["label_weights"] == [1.0, 2.5]
    assert AUC(**config).get_config() == auc.get_config()
    assert AUC().get_config()["label_weights"] is None


@pytest.mark.parametrize("value", ["1", [], [-1.0], [math.nan], [1.0, math.inf], [[1, 2]],
                                   np.array(1.0), np.ones((2, 2)), [True], 3.0])
def test_bad_label_weights_are_named(value) -> None:
    with pytest.raises(ValueError, match=r"Expected label_weights: one finite number >= 0 "
                       r"per label\. Received: label_weights="):
        AUC(label_weights=value)


def test_label_weights_must_fit_the_labels() -> None:
    with pytest.raises(ValueError, match=r"Expected 3 label_weights \(num_labels=3\)\. "
                       r"Received: label_weights=\[1, 2\]"):
        AUC(multi_label=True, num_labels=3, label_weights=[1, 2])
    p = np.random.default_rng(6).random((4, 3))
    for multi_label in (False, True):
        with pytest.raises(ValueError, match=r"Expected y_pred with 2 columns, one per label "
                           r"weight\. Received 3 columns"):
            AUC(multi_label=multi_label, label_weights=[1, 2])(p > 0.5, p)
