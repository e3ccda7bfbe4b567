"""Keras 3's other confusion-based metrics: ``TruePositives`` ... ``FalseNegatives``, the metrics
at a recall / precision / sensitivity / specificity, and the IoU family.

Each is checked, streamed over several batches, against a line-by-line NumPy transcription of
Keras' ``update_state`` / ``result`` (``keras/src/metrics/confusion_metrics.py``,
``iou_metrics.py``, ``metrics_utils.py``) to 1e-12 in float64, and against scikit-learn where
it defines the same quantity (``confusion_matrix``, ``jaccard_score``, ``roc_curve``,
``precision_recall_curve`` on a threshold grid where both coincide).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

pytest.importorskip("sklearn")  # the sklearn extra: skipped where it is not installed

from sklearn.metrics import (  # noqa: E402
    confusion_matrix,
    jaccard_score,
    precision_recall_curve,
    roc_curve,
)

import nonlin  # noqa: E402
from nonlin._epoch_state import _is_metric_state  # noqa: E402
from nonlin._metric_names import KERAS_CLASS_NAMES  # noqa: E402
from nonlin.losses import BinaryCrossEntropy, CrossEntropy, Hinge  # noqa: E402
from nonlin.metrics import (  # noqa: E402
    METRICS,
    BinaryIoU,
    FalseNegatives,
    FalsePositives,
    IoU,
    MeanIoU,
    OneHotIoU,
    OneHotMeanIoU,
    PrecisionAtRecall,
    RecallAtPrecision,
    SensitivityAtSpecificity,
    SpecificityAtSensitivity,
    TrueNegatives,
    TruePositives,
    get_metric,
)

COUNTS = {"tp": TruePositives, "fp": FalsePositives, "tn": TrueNegatives, "fn": FalseNegatives}
AT = {PrecisionAtRecall: ("recall", "precision"), RecallAtPrecision: ("precision", "recall"),
      SensitivityAtSpecificity: ("specificity", "recall"),
      SpecificityAtSensitivity: ("recall", "specificity")}


# ---- Keras, transcribed -----------------------------------------------------------------

def keras_confusion(y_true, y_pred, thresholds, evenly, class_id=None, sample_weight=None):
    """``metrics_utils.update_confusion_matrix_variables`` (no top_k, not multi_label) on one
    batch: TP, FP, TN, FN per threshold. The evenly distributed path is Keras'
    ``_update_confusion_matrix_variables_optimized`` (``segment_sum`` drops bucket -1, as TF's
    ``unsorted_segment_sum`` does a negative id)."""
    y_true, y_pred = np.asarray(y_true, float), np.asarray(y_pred, float)
    sw = None if sample_weight is None else np.asarray(sample_weight, float)[:, None]
    if class_id is not None:
        y_true, y_pred = y_true[..., class_id, None], y_pred[..., class_id, None]
    if evenly:
        n_t = len(thresholds)
        weights = 1.0 if sw is None else np.broadcast_to(sw, y_pred.shape).reshape(-1)
        y_pred = np.clip(y_pred, 0.0, 1.0)
        y_t = y_true.astype(bool).astype(float).reshape(-1)
        true_labels, false_labels = y_t * weights, (1.0 - y_t) * weights
        buckets = np.ceil(y_pred.reshape(-1) * (n_t - 1)) - 1
        if thresholds[0] < 0.0 or thresholds[-1] > 1.0:
            buckets = np.maximum(buckets, 0)  # relu
        buckets = buckets.astype(np.int64)

        def segment_sum(data):
            out, keep = np.zeros(n_t), buckets >= 0
            np.add.at(out, buckets[keep], np.broadcast_to(data, buckets.shape)[keep])
            return out

        tp = np.flip(np.cumsum(np.flip(segment_sum(true_labels))))
        fp = np.flip(np.cumsum(np.flip(segment_sum(false_labels))))
        return {"tp": tp, "fp": fp, "tn": np.sum(false_labels) - fp,
                "fn": np.sum(true_labels) - tp}
    thresholds = np.asarray(thresholds, float)
    preds, labels = y_pred.reshape(1, -1), y_true.astype(bool).reshape(1, -1)
    pred_pos = np.tile(preds, (len(thresholds), 1)) > thresholds[:, None]
    label_pos = np.tile(labels, (len(thresholds), 1))
    w = None if sw is None else np.broadcast_to(sw, y_pred.shape).reshape(1, -1)

    def add(label, pred):
        both = (label & pred).astype(float)
        return np.sum(both if w is None else both * w, axis=1)

    return {"tp": add(label_pos, pred_pos), "fn": add(label_pos, ~pred_pos),
            "fp": add(~label_pos, pred_pos), "tn": add(~label_pos, ~pred_pos)}


def keras_at_thresholds(num_thresholds):
    if num_thresholds == 1:
        return [0.5], False
    inner = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
    return [0.0, *inner, 1.0], True


def divide_no_nan(a, b):
    return np.divide(a, b, out=np.zeros_like(a), where=b != 0)


def keras_at_result(cls, value, c):
    """``result()`` of the four ``SensitivitySpecificityBase`` classes, with
    ``_find_max_under_constraint``."""
    rates = {"recall": divide_no_nan(c["tp"], c["tp"] + c["fn"]),
             "precision": divide_no_nan(c["tp"], c["tp"] + c["fp"]),
             "specificity": divide_no_nan(c["tn"], c["tn"] + c["fp"])}
    constrained, dependent = (rates[name] for name in AT[cls])
    feasible = np.nonzero(constrained >= value)[0]
    return float(np.max(dependent[feasible], initial=0)) if feasible.size else 0.0


def keras_iou_update(cm, y_true, y_pred, sample_weight=None, ignore_class=None,
                     sparse_y_true=True, sparse_y_pred=True):
    """``_IoUBase.update_state`` with ``metrics_utils.confusion_matrix`` (float64)."""
    y_true, y_pred = np.asarray(y_true, float), np.asarray(y_pred, float)
    if not sparse_y_true:
        y_true = np.argmax(y_true, axis=-1)
    if not sparse_y_pred:
        y_pred = np.argmax(y_pred, axis=-1)
    y_pred, y_true = y_pred.reshape(-1).astype(float), y_true.reshape(-1).astype(float)
    sw = np.broadcast_to(np.asarray(1.0 if sample_weight is None else sample_weight, float),
                         y_true.shape)
    if ignore_class is not None:
        valid = (y_true != ignore_class).astype(float)
        y_true, y_pred, sw = y_true * valid, y_pred * valid, sw * valid
    np.add.at(cm, (y_true.astype(np.int64), y_pred.astype(np.int64)), sw)


def keras_iou_result(cm, target_class_ids):
    sum_over_row, sum_over_col = np.sum(cm, axis=0), np.sum(cm, axis=1)
    true_positives = np.diag(cm)
    denominator = sum_over_row + sum_over_col - true_positives
    true_positives = true_positives[target_class_ids]
    denominator = denominator[target_class_ids]
    num_valid_entries = np.sum((denominator > 1e-9).astype(float))
    iou = true_positives / (denominator + 1e-7)
    return float(np.sum(iou, axis=-1) / (num_valid_entries + 1e-7))


# ---- data -------------------------------------------------------------------------------

def _batches(rng, n=60, k=3, parts=4, grid=None):
    """``(y_true 0/1 (n, k), scores (n, k), weights (n,))`` split in ``parts`` batches; scores
    include exact 0, 1 and 0.5 (and, with ``grid``, only multiples of 1/grid from 1/grid)."""
    y = (rng.random((n, k)) < 0.4).astype(float)
    if grid is None:
        p = np.clip(rng.random((n, k)) * 0.8 + 0.3 * y, 0.0, 1.0)
        p.flat[:3] = [0.0, 1.0, 0.5]
    else:
        p = rng.integers(1, grid + 1, size=(n, k)) / grid
    w = rng.random(n) * 2
    cuts = np.sort(rng.choice(np.arange(1, n), parts - 1, replace=False))
    return [(a, b, c) for a, b, c in zip(np.split(y, cuts), np.split(p, cuts),
                                         np.split(w, cuts), strict=True)]


def _stream(metric, batches, weighted):
    metric.reset_state()
    for y, p, w in batches:
        metric.update_state(y, p, w if weighted else None)
    return metric.result()


# ---- the counts --------------------------------------------------------------------------

@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("threshold", [None, 0.3, [0.7], 0.0, 1.0])
@pytest.mark.parametrize("key", sorted(COUNTS))
def test_counts_equal_keras_streamed(key, threshold, weighted):
    batches = _batches(np.random.default_rng(0))
    thresholds = [0.5] if threshold is None else np.atleast_1d(threshold).tolist()
    expected = sum(keras_confusion(y, p, thresholds, False, None, w if weighted else None)[key]
                   for y, p, w in batches)
    assert _stream(COUNTS[key](threshold), batches, weighted) == pytest.approx(
        float(expected[0]), rel=1e-12, abs=1e-12)


def test_counts_equal_sklearns_confusion_matrix_and_keras_examples():
    rng = np.random.default_rng(1)
    y, p, w = rng.integers(0, 2, 200), rng.random(200), rng.random(200)
    tn, fp, fn, tp = confusion_matrix(y, p > 0.5, sample_weight=w).ravel()
    got = {key: cls()(y[:, None], p[:, None], w) for key, cls in COUNTS.items()}
    assert got == pytest.approx({"tp": tp, "fp": fp, "tn": tn, "fn": fn}, rel=1e-12)
    # Keras' docstring examples
    assert FalsePositives()([0, 1, 0, 0], [0, 0, 1, 1]) == 2.0
    assert FalsePositives()([0, 1, 0, 0], [0, 0, 1, 1], [0, 0, 1, 0]) == 1.0
    assert TrueNegatives()([0, 1, 0, 0], [1, 1, 0, 0]) == 2.0
    assert FalseNegatives()([0, 1, 1, 1], [0, 1, 0, 0], [0, 0, 1, 0]) == 1.0
    assert TruePositives()([0, 1, 1, 1], [1, 0, 1, 1]) == 2.0


def test_counts_read_labels_as_one_hot_and_a_hinges_minus_one_as_negative():
    rng = np.random.default_rng(2)
    labels, p = rng.integers(0, 3, 40), rng.random((40, 3))
    one_hot = np.eye(3)[labels]
    for cls in COUNTS.values():
        assert cls()(labels, p) == cls()(one_hot, p)
        assert cls(0.0)(2 * one_hot - 1, p - 0.5) == cls(0.5)(one_hot, p)


# ---- at a recall, precision, sensitivity, specificity -----------------------------------

@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("num_thresholds, class_id", [(200, None), (200, 1), (7, 2), (2, None),
                                                      (1, 0)])
@pytest.mark.parametrize("cls", list(AT), ids=lambda cls: cls.__name__)
def test_at_metrics_equal_keras_streamed(cls, num_thresholds, class_id, weighted):
    batches = _batches(np.random.default_rng(3))
    thresholds, evenly = keras_at_thresholds(num_thresholds)
    counts = [keras_confusion(y, p, thresholds, evenly, class_id, w if weighted else None)
              for y, p, w in batches]
    total = {key: sum(c[key] for c in counts) for key in counts[0]}
    for value in (0.0, 0.3, 0.5, 0.8, 0.95, 1.0):
        metric = cls(value, num_thresholds=num_thresholds, class_id=class_id)
        assert _stream(metric, batches, weighted) == pytest.approx(
            keras_at_result(cls, value, total), rel=1e-12, abs=1e-12), value
        state = metric.state_dict()
        for key in ("tp", "fp", "tn", "fn"):
            name = {"tp": "true_positives", "fp": "false_positives", "tn": "true_negatives",
                    "fn": "false_negatives"}[key]
            np.testing.assert_allclose(state[name], total[key], rtol=1e-12, atol=1e-12)


def test_at_metrics_keras_examples_and_nothing_feasible_is_zero():
    y, p = [[0], [0], [0], [1], [1]], [[0], [0.3], [0.8], [0.3], [0.8]]
    assert SensitivityAtSpecificity(0.5)(y, p) == pytest.approx(0.5)
    assert SensitivityAtSpecificity(0.5)(y, p, [1, 1, 2, 2, 1]) == pytest.approx(1 / 3)
    assert SpecificityAtSensitivity(0.5)(y, p) == pytest.approx(2 / 3)
    assert SpecificityAtSensitivity(0.5)(y, p, [1, 1, 2, 2, 2]) == pytest.approx(0.5)
    assert PrecisionAtRecall(0.5)(y, p) == pytest.approx(0.5)
    assert PrecisionAtRecall(0.5)(y, p, [2, 2, 2, 1, 1]) == pytest.approx(1 / 3)
    assert RecallAtPrecision(1.0)([[0], [1]], [[0.9], [0.2]]) == 0.0  # never that precise
    assert RecallAtPrecision(0.8).result() == 0.0  # before any batch


@pytest.mark.parametrize("weighted", [False, True])
def test_at_metrics_equal_sklearns_curves_on_a_shared_threshold_grid(weighted):
    """With ``num_thresholds = 9`` and scores in {1/8, ..., 1} (exact in binary), Keras'
    ``p > i/8`` is scikit-learn's ``p >= (i+1)/8``: the same points of the curves."""
    rng = np.random.default_rng(4)
    (y, p, w), = _batches(rng, n=300, k=1, parts=1, grid=8)
    y, p = y[:, 0], p[:, 0]
    sw = w if weighted else None
    fpr, tpr, _ = roc_curve(y, p, sample_weight=sw, drop_intermediate=False)
    precision, recall, _ = precision_recall_curve(y, p, sample_weight=sw)
    precision, recall = precision[:-1], recall[:-1]  # the last point has no threshold

    def best(dependent, feasible):
        return float(np.max(dependent[feasible], initial=0.0)) if np.any(feasible) else 0.0

    for value in (0.1, 0.4, 0.6, 0.75, 0.9):
        args = (y[:, None], p[:, None], sw)
        assert SensitivityAtSpecificity(value, 9)(*args) == pytest.approx(
            best(tpr, 1 - fpr >= value), abs=1e-12)
        assert SpecificityAtSensitivity(value, 9)(*args) == pytest.approx(
            best(1 - fpr, tpr >= value), abs=1e-12)
        assert PrecisionAtRecall(value, 9)(*args) == pytest.approx(
            best(precision, recall >= value), abs=1e-12)
        assert RecallAtPrecision(value, 9)(*args) == pytest.approx(
            best(recall, precision >= value), abs=1e-12)


# ---- IoU ----------------------------------------------------------------------------------

def _iou_batches(rng, k=4, n=50, parts=3, onehot=False):
    labels = rng.integers(0, k - 1, n)  # class k - 1 never true ...
    scores = rng.random((n, k)) + np.eye(k)[labels] * 0.6
    scores[:, k - 1] -= 2  # ... nor predicted: left out of the mean, as Keras leaves it
    y = np.eye(k)[labels] if onehot else labels
    w = rng.random(n)
    cuts = np.sort(rng.choice(np.arange(1, n), parts - 1, replace=False))
    return list(zip(np.split(y, cuts), np.split(scores, cuts), np.split(w, cuts), strict=True))


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("make, targets, sparse_true, ignore", [
    (lambda: IoU(4, [0, 2], sparse_y_pred=False), [0, 2], True, None),
    (lambda: IoU(4, [3], sparse_y_pred=False), [3], True, None),
    (lambda: MeanIoU(4, sparse_y_pred=False), [0, 1, 2, 3], True, None),
    (lambda: MeanIoU(4, sparse_y_pred=False, ignore_class=1), [0, 1, 2, 3], True, 1),
    (lambda: OneHotIoU(4, [1, 2, 3]), [1, 2, 3], False, None),
    (lambda: OneHotMeanIoU(4, ignore_class=0), [0, 1, 2, 3], False, 0),
])
def test_iou_metrics_equal_keras_streamed(make, targets, sparse_true, ignore, weighted):
    batches = _iou_batches(np.random.default_rng(5), onehot=not sparse_true)
    cm = np.zeros((4, 4))
    for y, p, w in batches:
        keras_iou_update(cm, y, p, w if weighted else None, ignore, sparse_true, False)
    metric = make()
    assert _stream(metric, batches, weighted) == pytest.approx(
        keras_iou_result(cm, targets), rel=1e-12)
    assert metric.state_dict() == {"total_confusion_matrix": cm.tolist()}


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("targets, threshold", [((0, 1), 0.5), ([1], 0.3), ([0], 0.8)])
def test_binary_iou_equals_keras_streamed(targets, threshold, weighted):
    batches = [(y[:, :1], p[:, :1], w) for y, p, w in _batches(np.random.default_rng(6))]
    cm = np.zeros((2, 2))
    for y, p, w in batches:
        keras_iou_update(cm, y, (p >= threshold).astype(float), w if weighted else None)
    assert _stream(BinaryIoU(targets, threshold), batches, weighted) == pytest.approx(
        keras_iou_result(cm, list(targets)), rel=1e-12)
    # several columns: every entry counts (Keras flattens them)
    y, p, _ = _batches(np.random.default_rng(7), parts=1)[0]
    cm = np.zeros((2, 2))
    keras_iou_update(cm, y, (p >= threshold).astype(float))
    assert BinaryIoU(targets, threshold)(y, p) == pytest.approx(
        keras_iou_result(cm, list(targets)), rel=1e-12)


def test_iou_metrics_equal_sklearns_jaccard_score_and_keras_examples():
    rng = np.random.default_rng(8)
    labels, predicted, w = rng.integers(0, 3, 300), rng.integers(0, 3, 300), rng.random(300)
    per_class = jaccard_score(labels, predicted, average=None, sample_weight=w)
    got = [IoU(3, [c])(labels, predicted, w) for c in range(3)]
    assert got == pytest.approx(per_class, rel=1e-6)  # Keras' eps 1e-7 in the denominators
    assert MeanIoU(3)(labels, predicted, w) == pytest.approx(np.mean(per_class), rel=1e-6)
    y01, p = rng.integers(0, 2, 100), rng.random(100)
    assert BinaryIoU([1])(y01, p) == pytest.approx(jaccard_score(y01, p >= 0.5), rel=1e-6)
    assert IoU(2, [0])([0, 0, 1, 1], [0, 1, 0, 1]) == pytest.approx(1 / 3, rel=1e-6)
    assert BinaryIoU([0, 1], 0.3)([0, 1, 0, 1], [0.1, 0.2, 0.4, 0.7],
                                  [0.2, 0.3, 0.4, 0.1]) == pytest.approx(0.17361112, rel=1e-6)
    assert MeanIoU(2)([0, 0, 1, 1], [0, 1, 0, 1], [0.3, 0.3, 0.3, 0.1]) == pytest.approx(
        0.23809525, rel=1e-6)
    y_true = np.array([[0, 0, 1], [1, 0, 0], [0, 1, 0], [1, 0, 0]])
    y_pred = np.array([[0.2, 0.3, 0.5], [0.1, 0.2, 0.7], [0.5, 0.3, 0.1], [0.1, 0.4, 0.5]])
    weights = [0.1, 0.2, 0.3, 0.4]
    assert OneHotIoU(3, [0, 2])(y_true, y_pred, weights) == pytest.approx(
        (0 + 0.1 / 0.7) / 2, rel=1e-6)
    assert OneHotMeanIoU(3)(y_true, y_pred, weights) == pytest.approx(0.1 / 0.7 / 3, rel=1e-6)
    # nonlin's labels against several columns read as labels, not the arg-max of one column
    assert OneHotMeanIoU(3)(np.argmax(y_true, axis=1), y_pred, weights) == pytest.approx(
        OneHotMeanIoU(3)(y_true, y_pred, weights), rel=1e-15)


# ---- names, fit, config, errors, state --------------------------------------------------

def test_keras_names_resolve_and_follow_a_loss_from_logits():
    for name, cls in (("true_positives", TruePositives), ("FalsePositives", FalsePositives),
                      ("true_negatives", TrueNegatives), ("FalseNegatives", FalseNegatives),
                      ("binary_io_u", BinaryIoU), ("BinaryIoU", BinaryIoU)):
        metric = get_metric(name)
        assert type(metric) is cls and metric.name == name and METRICS[name] is cls
    assert {"TruePositives", "FalsePositives", "TrueNegatives", "FalseNegatives",
            "BinaryIoU"} <= set(KERAS_CLASS_NAMES)
    logits = BinaryCrossEntropy(from_logits=True)
    assert get_metric("true_negatives", loss=logits).threshold == 0.0
    assert get_metric("BinaryIoU", loss=logits).threshold == 0.0
    assert get_metric("false_positives", loss=Hinge()).threshold == 0.0
    assert get_metric("false_positives", loss=CrossEntropy(from_logits=True)).threshold == 0.5
    assert get_metric("binary_io_u", loss=BinaryCrossEntropy()).threshold == 0.5
    assert TruePositives().name == "true_positives" and IoU(2, [0]).name == "io_u"
    assert PrecisionAtRecall(0.5).name == "precision_at_recall"
    assert OneHotMeanIoU(2).name == "one_hot_mean_io_u"
    for name in ("precision_at_recall", "PrecisionAtRecall", "mean_io_u", "IoU", "io_u"):
        with pytest.raises(ValueError, match="Unknown metric"):  # Keras' get fails on them too
            get_metric(name)
    from nonlin._monitor import _direction

    assert _direction("val_true_positives", "auto", []) == "max"
    assert _direction("val_false_negatives", "auto", []) == "min"


def test_fit_from_logits_logs_the_formula_on_predicts_probabilities():
    rng = np.random.default_rng(9)
    X = rng.normal(size=(120, 3))
    y = (X[:, 0] + 0.5 * rng.normal(size=120) > 0).astype(float)
    Xv, yv = X[90:], y[90:]
    model = nonlin.Sequential([nonlin.Dense(6), nonlin.Tanh(), nonlin.Dense(1)])
    history = model.fit(X[:90], y[:90], loss=BinaryCrossEntropy(from_logits=True),
                        optimizer="adam", epochs=2, batch_size=16, seed=0, verbose=0,
                        validation_data=(Xv, yv),
                        metrics=["true_positives", "FalsePositives", "true_negatives",
                                 "false_negatives", "binary_io_u"]).history
    prob = 1 / (1 + np.exp(-model.predict(Xv)[:, 0]))
    pred = prob > 0.5
    expected = {"true_positives": np.sum(pred & (yv == 1)),
                "FalsePositives": np.sum(pred & (yv == 0)),
                "true_negatives": np.sum(~pred & (yv == 0)),
                "false_negatives": np.sum(~pred & (yv == 1))}
    for key, value in expected.items():
        assert history["val_" + key][-1] == value, key
    cm = np.zeros((2, 2))
    keras_iou_update(cm, yv, (prob >= 0.5).astype(float))
    assert history["val_binary_io_u"][-1] == pytest.approx(keras_iou_result(cm, [0, 1]),
                                                           rel=1e-12)
    # probabilities (a sigmoid output): the metrics at a rate, on predict's outputs
    model = nonlin.Sequential([nonlin.Dense(6), nonlin.Tanh(), nonlin.Dense(1),
                               nonlin.Sigmoid()])
    at = [PrecisionAtRecall(0.6), RecallAtPrecision(0.7), SensitivityAtSpecificity(0.5),
          SpecificityAtSensitivity(0.8, num_thresholds=50)]
    history = model.fit(X[:90], y[:90], loss="binary_crossentropy", optimizer="adam",
                        epochs=2, batch_size=16, seed=0, verbose=0, validation_data=(Xv, yv),
                        metrics=at).history
    prob = model.predict(Xv)
    for metric in at:
        thresholds, evenly = keras_at_thresholds(metric.num_thresholds)
        counts = keras_confusion(yv[:, None], prob, thresholds, evenly)
        assert history["val_" + metric.name][-1] == pytest.approx(
            keras_at_result(type(metric), metric.value, counts), rel=1e-12, abs=1e-15)
    logs = model.evaluate(Xv, yv, metrics=["true_positives", BinaryIoU([1], 0.4)], batch_size=7)
    assert logs["true_positives"] == np.sum((prob[:, 0] > 0.5) & (yv == 1))
    cm = np.zeros((2, 2))
    keras_iou_update(cm, yv, (prob >= 0.4).astype(float))
    assert logs["binary_io_u"] == pytest.approx(keras_iou_result(cm, [1]), rel=1e-12)


ALL = [TruePositives(), FalsePositives([0.25], name="fp"), TrueNegatives(0.0),
       FalseNegatives(1.0), PrecisionAtRecall(0.4), RecallAtPrecision(0.9, 20, 1, "rap"),
       SensitivityAtSpecificity(1, num_thresholds=1), SpecificityAtSensitivity(0.0, class_id=0),
       IoU(3, (0, 2), ignore_class=255, sparse_y_pred=False), BinaryIoU([1], 0.0),
       MeanIoU(5, "m", 0, False, False), OneHotIoU(3, [1], sparse_y_pred=True),
       OneHotMeanIoU(2)]


@pytest.mark.parametrize("metric", ALL, ids=lambda m: type(m).__name__)
def test_config_round_trip_and_state(metric):
    config = metric.get_config()
    rebuilt = type(metric).from_config(config)
    assert type(rebuilt) is type(metric) and rebuilt.get_config() == config
    assert repr(rebuilt) == repr(metric) and rebuilt.name == metric.name
    state = metric.state_dict()
    assert _is_metric_state(state)  # a checkpoint's partial epoch takes it
    rebuilt.load_state_dict(state)
    with pytest.raises(ValueError, match=f"Expected {type(metric).__name__} state"):
        rebuilt.load_state_dict({"true_positives": [1.0]})


def test_keras_configs():
    assert PrecisionAtRecall(0.4).get_config() == {
        "name": "precision_at_recall", "class_id": None, "num_thresholds": 200, "recall": 0.4}
    assert BinaryIoU().get_config() == {"target_class_ids": [0, 1], "threshold": 0.5,
                                        "name": "binary_io_u"}
    assert MeanIoU(2).get_config() == {"name": "mean_io_u", "num_classes": 2,
                                       "ignore_class": None, "sparse_y_true": True,
                                       "sparse_y_pred": True, "axis": -1}
    assert TruePositives([0.3]).get_config() == {"thresholds": [0.3], "name": "true_positives"}


REFUSED = [
    (lambda: TruePositives([0.3, 0.7]), r"Expected one threshold in \[0, 1\].*TruePositives\("
                                        r"thresholds=0\.3, name='true_positives_0\.3'\).*"
                                        r"Received: thresholds=\[0\.3, 0\.7\]"),
    (lambda: FalseNegatives(1.5), r"Expected one threshold.*Received: thresholds=1\.5"),
    (lambda: PrecisionAtRecall(1.2), r"Expected recall in \[0, 1\]. Received: recall=1\.2"),
    (lambda: RecallAtPrecision("0.5"), r"Expected precision in.*Received: precision='0\.5'"),
    (lambda: SensitivityAtSpecificity(0.5, 0),
     r"integer num_thresholds in \[1, 65536\].*Received: num_thresholds=0"),
    (lambda: SpecificityAtSensitivity(0.5, class_id=-1), r"Received: class_id=-1"),
    (lambda: IoU(3, [3]), r"target_class_ids.*in \[0, 3\)\. Received: target_class_ids=\[3\]"),
    (lambda: IoU(3, []), r"Received: target_class_ids=\[\]"),
    (lambda: IoU(0, [0]), r"num_classes in \[1, 4096\] .*Received: num_classes=0"),
    (lambda: MeanIoU(3, axis=0), r"Expected axis=-1.*Received: axis=0"),
    (lambda: MeanIoU(3, sparse_y_true="no"), r"sparse_y_true"),
    (lambda: OneHotIoU(3, [0], ignore_class=0.5), r"Received: ignore_class=0\.5"),
    (lambda: BinaryIoU(threshold=float("nan")), r"Expected a finite threshold.*threshold=nan"),
    (lambda: TruePositives(name=""), r"Expected a non-empty str name. Received: name=''"),
]


@pytest.mark.parametrize("make, message", REFUSED)
def test_bad_arguments_are_refused_naming_them(make, message):
    with pytest.raises((ValueError, TypeError), match=message):
        make()


def test_bad_batches_are_refused_naming_them_and_change_nothing():
    metric = SensitivityAtSpecificity(0.5, class_id=3)
    with pytest.raises(ValueError, match=r"Expected class_id in \[0, 3\).*class_id=3"):
        metric.update_state(np.eye(3), np.eye(3))
    iou = MeanIoU(3)
    before = iou.state_dict()
    with pytest.raises(ValueError, match=r"Expected y_pred of integer class ids in \[0, 3\)"
                                         r".*Received 0\.4"):
        iou.update_state([0, 1], [[0.4], [1.0]])  # scores without sparse_y_pred=False
    with pytest.raises(ValueError, match=r"Expected y_true of integer class ids in \[0, 3\)"
                                         r".*Received 3"):
        iou.update_state([0, 3], [0, 1])
    with pytest.raises(ValueError, match=r"Expected y_true with 2 class ids.*Received y_true "
                                         r"of shape \(2, 3\)"):
        MeanIoU(3, sparse_y_pred=False).update_state(np.eye(3)[:2], np.eye(3)[:2])
    assert iou.state_dict() == before
    assert MeanIoU(3, ignore_class=255)([0, 255, 2], [0, 1, 1]) == pytest.approx(
        MeanIoU(3)([0, 2], [0, 1]), rel=1e-15)  # the ignored class needs no valid id


# ---- model files and checkpoints ---------------------------------------------------------

def test_a_saved_model_keeps_them_by_name_or_class_and_config(tmp_path):
    rng = np.random.default_rng(10)
    X, labels = rng.normal(size=(32, 3)), rng.integers(0, 3, 32)
    metrics = ["true_positives", "BinaryIoU", FalseNegatives(0.3, "fn"),
               PrecisionAtRecall(0.5, 20, 1), MeanIoU(3, sparse_y_pred=False),
               OneHotIoU(3, [0, 2], name="oh"), SpecificityAtSensitivity(0.7)]
    model = nonlin.Sequential([nonlin.Dense(3), nonlin.Softmax()])
    model.compile("sgd", "cross_entropy", metrics)
    model.fit(X, labels, epochs=1, verbose=0, seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing left out of the file
        model.save(tmp_path / "m.safetensors")
    loaded = nonlin.load(tmp_path / "m.safetensors")
    assert loaded._metrics[:2] == ["true_positives", "BinaryIoU"]
    assert [(type(m), m.get_config()) for m in loaded._metrics[2:]] == [
        (type(m), m.get_config()) for m in metrics[2:]]
    history = loaded.fit(X, labels, verbose=0).history
    assert {"true_positives", "BinaryIoU", "fn", "precision_at_recall", "mean_io_u", "oh",
            "specificity_at_sensitivity"} <= set(history)


def test_a_tampered_file_cannot_make_load_allocate_a_huge_confusion_matrix(tmp_path):
    from nonlin import ModelFileError
    from test_compile_record import record_edit

    path = tmp_path / "m.safetensors"
    path.write_bytes(record_edit(lambda r: r.update(metrics=[
        {"class_name": "MeanIoU", "config": {"num_classes": 1_000_000}}])))
    with pytest.raises(ModelFileError, match="expected at most 4096. Received: 1000000") as info:
        nonlin.load(path)
    assert info.value.field == "compile.metrics[0].config.num_classes"


@pytest.mark.filterwarnings("ignore:.*CrossEntropy takes probabilities:UserWarning")
@pytest.mark.filterwarnings("error:.*starts again from its first batch")  # the state is taken
def test_a_run_stopped_mid_epoch_resumes_them_exactly(tmp_path):
    from nonlin.checkpoint import load_checkpoint, save_checkpoint
    from test_checkpoint_partial import _assert_same_run, _fit, _layers, _StopAt

    fit = {"metrics": [TruePositives(), SensitivityAtSpecificity(0.5, 30, class_id=1),
                       MeanIoU(3, sparse_y_pred=False), "binary_io_u"]}
    straight = _fit(nonlin.Sequential(_layers()), "adam", 4, seed=7, fit=fit)
    model = nonlin.Sequential(_layers())
    with pytest.raises(KeyboardInterrupt):
        _fit(model, "adam", 4, seed=7, callbacks=[_StopAt(2, 1)], fit=fit)
    path = tmp_path / "stopped.safetensors"
    save_checkpoint(model, path, epoch=model.history.epoch[-1] + 1)
    partial = load_checkpoint(path).partial
    assert [sorted(state) for state in partial["metrics"]] == [
        ["accumulator"], ["false_negatives", "false_positives", "true_negatives",
                          "true_positives"], ["total_confusion_matrix"],
        ["total_confusion_matrix"]]
    resumed = _fit(nonlin.Sequential(_layers()), "adam", 4, optimizer="adam",
                   resume_from=path, fit=fit)
    _assert_same_run(resumed, straight)


def test_a_fresh_process_loads_a_file_with_them_before_importing_nonlin_metrics(tmp_path):
    import os
    import subprocess
    import sys

    model = nonlin.Sequential([nonlin.Dense(2), nonlin.Softmax()]).build(3, seed=0)
    model.compile("sgd", "cross_entropy", [MeanIoU(2, sparse_y_pred=False)])
    model.save(tmp_path / "m.safetensors")
    code = ("import sys, nonlin; m = nonlin.load(sys.argv[1]); "
            "print(type(m._metrics[0]).__name__)")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run([sys.executable, "-c", code, str(tmp_path / "m.safetensors")],
                          capture_output=True, text=True, env=env, timeout=60)
    assert (done.returncode, done.stdout.strip()) == (0, "MeanIoU"), done.stderr
