"""Precision, Recall, AUC and MAPE as Keras 3 defines them: hand-worked cases, a NumPy
reference, scikit-learn within what 200 thresholds allow, streaming, weights, names,
configs, fit's history keys and a mid-epoch checkpoint that resumes bit-identically."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

import nonlin
from io_helpers import edit_meta
from nonlin import BinaryCrossEntropy, CrossEntropy, ModelFileError, registry
from nonlin.checkpoint import load_checkpoint, save_checkpoint
from nonlin.metrics import (
    AUC,
    MeanAbsolutePercentageError,
    Precision,
    Recall,
    get_metric,
)
from test_checkpoint import FIT, _assert_same_run, _data, _layers, _optimizer
from test_checkpoint_partial import _StopAt

# These tests train a Dense-last model with cross_entropy (probabilities expected) on
# purpose: fixed trajectories for resume and file checks, not a well-posed loss.
pytestmark = pytest.mark.filterwarnings(
    "ignore:.*CrossEntropy takes probabilities:UserWarning")


def _auc_reference(y, p, T=200, curve="ROC", summation="interpolation", w=None):
    """Keras's AUC from its definition: counts by direct comparison at every threshold."""
    t = np.array([-1e-7, *[(i + 1) / (T - 1) for i in range(T - 2)], 1 + 1e-7])
    y, p = np.ravel(y) != 0, np.clip(np.ravel(p), 0, 1)
    w = np.ones(len(y)) if w is None else np.ravel(w)
    above = p[None, :] > t[:, None]
    tp, fp = (above & y) @ w, (above & ~y) @ w
    fn, tn = w[y].sum() - tp, w[~y].sum() - fp
    with np.errstate(invalid="ignore", divide="ignore"):
        rec = np.nan_to_num(tp / (tp + fn))
        x, h = (np.nan_to_num(fp / (fp + tn)), rec) if curve == "ROC" else (
            rec, np.nan_to_num(tp / (tp + fp)))
    heights = {"interpolation": (h[:-1] + h[1:]) / 2, "minoring": np.minimum(h[:-1], h[1:]),
               "majoring": np.maximum(h[:-1], h[1:])}[summation]
    return float(np.sum((x[:-1] - x[1:]) * heights))


def _scores(n=400, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    p = np.clip(0.35 * y + rng.random(n) * 0.65, 0, 1)
    return y, p[:, None]


# --- hand-worked cases -------------------------------------------------------------------

def test_keras_documented_examples():
    recall = Recall()
    recall.update_state([0, 1, 1, 1], [1, 0, 1, 1])
    assert recall.result() == pytest.approx(2 / 3)
    recall.reset_state()
    recall.update_state([0, 1, 1, 1], [1, 0, 1, 1], sample_weight=[0, 0, 1, 0])
    assert recall.result() == 1.0
    precision = Precision()
    precision.update_state([0, 1, 1, 1], [1, 0, 1, 1], sample_weight=[1, 0, 0, 1])
    assert precision.result() == 0.5


def test_auc_on_three_thresholds_by_hand():
    # thresholds [-eps, 0.5, 1 + eps]: tp = [2, 1, 0], fp = [2, 0, 0], fn = [0, 1, 2],
    # tn = [0, 2, 2]; recall [1, .5, 0], fp rate [1, 0, 0];
    # auc = (1 + .5) / 2 * (1 - 0) + (.5 + 0) / 2 * (0 - 0) = 0.75 exactly
    auc = AUC(num_thresholds=3)
    auc.update_state([0, 0, 1, 1], [0, 0.5, 0.3, 0.9])
    assert auc.state_dict() == {"true_positives": [2.0, 1.0, 0.0],
                                "false_positives": [2.0, 0.0, 0.0],
                                "true_negatives": [0.0, 2.0, 2.0],
                                "false_negatives": [0.0, 1.0, 2.0]}
    assert auc.result() == 0.75
    assert AUC(num_thresholds=3)([0, 0, 1, 1], [0, 0.5, 0.3, 0.9], [1, 0, 0, 1]) == 1.0
    # minoring: min(1, .5) * 1 = 0.5; majoring: max(1, .5) * 1 = 1.0
    assert AUC(3, summation_method="minoring")([0, 0, 1, 1], [0, .5, .3, .9]) == 0.5
    assert AUC(3, summation_method="majoring")([0, 0, 1, 1], [0, .5, .3, .9]) == 1.0


def test_precision_recall_top_k_and_class_id_by_hand():
    y = np.array([[0, 0, 1, 1], [1, 0, 0, 0]])
    p = np.array([[0.9, 0.8, 0.7, 0.1], [0.6, 0.6, 0.2, 0.3]])
    # top 2: row 0 -> cols 0, 1 (both negative); row 1 -> cols 0, 1 (tie to the lower
    # index); TP 1 (row 1 col 0), FP 3; positives 3, FN 2
    assert Precision(top_k=2)(y, p) == 0.25
    assert Recall(top_k=2)(y, p) == pytest.approx(1 / 3)
    assert Precision(top_k=1)(y, p) == 0.5  # row 0 col 0 (FP), row 1 col 0 (TP)
    # class_id 2 at 0.5: predicted in row 0 (0.7, positive): precision 1, recall 1
    assert Precision(class_id=2)(y, p) == 1.0 and Recall(class_id=3)(y, p) == 0.0
    # top_k then class_id: col 2 is not in row 0's top 2, so nothing is predicted
    assert Precision(top_k=2, class_id=2)(y, p) == 0.0


def test_integer_labels_equal_their_one_hot_rows():
    rng = np.random.default_rng(1)
    p = rng.dirichlet(np.ones(3), size=60)
    labels = rng.integers(0, 3, 60)
    for metric in (Precision(), Recall(), Precision(top_k=1), Recall(class_id=1), AUC(),
                   AUC(multi_label=True), AUC(curve="PR")):
        assert metric(labels, p) == metric(np.eye(3)[labels], p)
    # top_k=1 on a single-label problem: micro precision = recall = accuracy
    accuracy = np.mean(p.argmax(axis=1) == labels)
    assert Precision(top_k=1)(labels, p) == pytest.approx(accuracy)
    assert Recall(top_k=1)(labels, p) == pytest.approx(accuracy)


def test_mape_by_hand_with_keras_epsilon():
    y = np.array([[1.0, 2.0], [3.0, 0.0]])
    p = np.array([[1.5, 2.0], [3.0, 1e-7]])
    # rows: (50% + 0%) / 2, (0% + 1e-7 / 1e-7 * 100%) / 2 -> mean 37.5
    assert MeanAbsolutePercentageError()(y, p) == pytest.approx(37.5)
    assert MeanAbsolutePercentageError()(y, p, [1.0, 0.0]) == pytest.approx(25.0)
    assert not MeanAbsolutePercentageError.greater_is_better


# --- references ---------------------------------------------------------------------------

# (PR with "interpolation", Keras's own integral, is checked against scikit-learn below)
@pytest.mark.parametrize("curve, summation", [
    ("ROC", "interpolation"), ("ROC", "minoring"), ("ROC", "majoring"),
    ("PR", "minoring"), ("PR", "majoring")])
def test_auc_matches_the_numpy_reference(curve, summation):
    y, p = _scores()
    w = np.random.default_rng(2).random(len(y))
    for weights in (None, w):
        got = AUC(curve=curve, summation_method=summation)(y, p, weights)
        assert got == pytest.approx(_auc_reference(y, p, 200, curve, summation, weights),
                                    abs=1e-12)


def test_auc_is_close_to_scikit_learn():
    skm = pytest.importorskip("sklearn.metrics")
    y, p = _scores()
    # a 200-threshold Riemann sum against the exact integrals; measured on _scores(seed=0..4):
    # |ROC - roc_auc_score| <= 4e-4, |PR - average_precision_score| <= 3e-4 (macro ROC 5e-6)
    assert AUC()(y, p) == pytest.approx(skm.roc_auc_score(y, p[:, 0]), abs=1e-3)
    assert AUC(curve="PR")(y, p) == pytest.approx(
        skm.average_precision_score(y, p[:, 0]), abs=1e-3)
    three = np.random.default_rng(3).dirichlet(np.ones(3), size=300)
    labels = np.array([np.random.default_rng(i).choice(3, p=row) for i, row in enumerate(three)])
    assert AUC(multi_label=True)(labels, three) == pytest.approx(
        skm.roc_auc_score(labels, three, multi_class="ovr", average="macro"), abs=1e-3)


def test_precision_recall_match_scikit_learn():
    skm = pytest.importorskip("sklearn.metrics")
    y, p = _scores()
    w = np.random.default_rng(4).random(len(y))
    pred = p[:, 0] > 0.5
    assert Precision()(y, p, w) == pytest.approx(skm.precision_score(y, pred, sample_weight=w))
    assert Recall()(y, p, w) == pytest.approx(skm.recall_score(y, pred, sample_weight=w))
    multi = np.random.default_rng(5).random((80, 4))
    truth = np.random.default_rng(6).integers(0, 2, (80, 4))
    assert Precision(class_id=2)(truth, multi) == pytest.approx(
        skm.precision_score(truth[:, 2], multi[:, 2] > 0.5))
    assert Recall()(truth, multi) == pytest.approx(
        skm.recall_score(truth, multi > 0.5, average="micro"))


@pytest.mark.parametrize("metric", [Precision(), Recall(top_k=2), AUC(), AUC(curve="PR"),
                                    AUC(multi_label=True), AUC(from_logits=True),
                                    MeanAbsolutePercentageError()])
def test_streaming_in_batches_equals_the_whole_array(metric):
    rng = np.random.default_rng(7)
    y, p = rng.integers(0, 2, (50, 3)), rng.random((50, 3))
    metric.reset_state()
    for start in range(0, 50, 7):
        metric.update_state(y[start:start + 7], p[start:start + 7])
    assert metric.result() == pytest.approx(metric(y, p), rel=1e-12)


def test_from_logits_applies_the_sigmoid():
    y, p = _scores()
    logits = np.log(p.clip(1e-9, 1 - 1e-9) / (1 - p.clip(1e-9, 1 - 1e-9)))
    assert AUC(from_logits=True)(y, logits) == pytest.approx(AUC()(y, p), abs=1e-12)


# --- names, configs, arguments -------------------------------------------------------------

@pytest.mark.parametrize("name, cls", [
    ("precision", Precision), ("recall", Recall), ("auc", AUC), ("AUC", AUC),
    ("Precision", Precision), ("mape", MeanAbsolutePercentageError),
    ("mean_absolute_percentage_error", MeanAbsolutePercentageError),
    ("MeanAbsolutePercentageError", MeanAbsolutePercentageError),
])
def test_keras_names_resolve_under_the_name_given(name, cls):
    metric = get_metric(name, loss=CrossEntropy(), n_outputs=3)
    assert type(metric) is cls and metric.name == name
    assert registry.lookup("metric", name) is cls


def test_default_names_and_names_that_follow_the_loss():
    assert [m().name for m in (Precision, Recall, AUC, MeanAbsolutePercentageError)] == [
        "precision", "recall", "auc", "mean_absolute_percentage_error"]
    logits = BinaryCrossEntropy(from_logits=True)
    assert get_metric("auc", loss=logits).from_logits
    assert get_metric("precision", loss=logits).threshold == 0.0
    assert get_metric("recall", loss=BinaryCrossEntropy()).threshold == 0.5


@pytest.mark.parametrize("metric", [
    Precision(thresholds=0.3, top_k=2, class_id=1, name="p"), Recall([0.7]),
    AUC(50, curve="pr", summation_method="Majoring", multi_label=True, num_labels=3,
        from_logits=True, name="a"), AUC(thresholds=[0.75, 0.25])])
def test_get_config_round_trips_through_json(metric):
    config = json.loads(json.dumps(metric.get_config()))
    again = type(metric)(**config)
    assert again.get_config() == metric.get_config()
    y, p = np.eye(3)[[0, 1, 2, 1]], np.random.default_rng(8).random((4, 3))
    assert again(y, p) == metric(y, p)


@pytest.mark.parametrize("make, message", [
    (lambda: Precision(thresholds=1.5), "Received: thresholds=1.5"),
    (lambda: Precision(thresholds=[0.2, 0.8]), r"one threshold.*Received: thresholds=\[0.2"),
    (lambda: Recall(top_k=0), "Received: top_k=0"),
    (lambda: Recall(class_id=-1), "Received: class_id=-1"),
    (lambda: Precision(name=""), "Received: name=''"),
    (lambda: AUC(num_thresholds=1), "Received: num_thresholds=1"),
    (lambda: AUC(curve="DET"), "Received: curve='DET'"),
    (lambda: AUC(summation_method="trapezoid"), "Received: summation_method='trapezoid'"),
    (lambda: AUC(num_labels=3), "Received: num_labels=3"),
    (lambda: AUC(thresholds=[0.5, 2]), "Received: thresholds="),
    (lambda: AUC(multi_label="yes"), "Received: multi_label='yes'"),
])
def test_bad_arguments_name_the_value(make, message):
    with pytest.raises((ValueError, TypeError), match=message):
        make()


def test_bad_targets_name_the_value():
    p = np.random.default_rng(9).random((4, 3))
    with pytest.raises(ValueError, match="Received label 3"):
        Precision()([0, 1, 2, 3], p)
    with pytest.raises(ValueError, match=r"Received y_true of shape \(4, 2\)"):
        AUC()(np.zeros((4, 2)), p)
    with pytest.raises(ValueError, match="Received: class_id=5"):
        Recall(class_id=5)([0, 1, 2, 1], p)
    auc = AUC(multi_label=True, num_labels=2)
    with pytest.raises(ValueError, match="Expected y_pred with 2 columns"):
        auc.update_state(np.eye(3)[[0, 1, 2, 1]], p)


def test_state_dict_round_trips_and_refuses_a_wrong_shape():
    rng = np.random.default_rng(10)
    y, p = rng.integers(0, 2, (30, 2)), rng.random((30, 2))
    for metric in (Precision(), Recall(), AUC(20), AUC(20, multi_label=True)):
        metric.update_state(y, p)
        fresh = type(metric)(**metric.get_config())
        fresh.load_state_dict(json.loads(json.dumps(metric.state_dict())))
        assert fresh.result() == metric.result()
        assert fresh.state_dict() == metric.state_dict()
    with pytest.raises(ValueError, match="counts >= 0 of shape"):
        AUC(20).load_state_dict({**AUC(20).state_dict(), "true_positives": [1.0] * 19})
    with pytest.raises(ValueError, match="keys"):
        Precision().load_state_dict({"total": 1.0, "count": 1})


# --- fit, evaluate and checkpoints ------------------------------------------------------------

def test_fit_logs_precision_recall_auc_with_val_keys():
    X, y = np.random.default_rng(11).normal(size=(80, 4)), None
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    model = nonlin.Sequential([nonlin.Dense(6), nonlin.Tanh(), nonlin.Dense(2),
                               nonlin.Softmax()])
    history = model.fit(X, y, loss="cross_entropy", optimizer="adam", epochs=2, seed=0,
                        batch_size=16, validation_split=0.25, verbose=0,
                        metrics=["precision", "recall", "auc", "AUC"])
    assert set(history.history) == {"loss", "lr", "precision", "recall", "auc", "AUC",
                                    "val_loss", "val_precision", "val_recall", "val_auc",
                                    "val_AUC"}
    scores = model.evaluate(X[60:], y[60:], metrics=["precision", "auc"])
    out = model.predict(X[60:])
    assert scores["precision"] == Precision()(y[60:], out)
    assert scores["auc"] == AUC()(y[60:], out) == history.history["val_auc"][-1]


def _run(metrics, loss, y, epochs=4, **kwargs):
    X = _data()[0]
    model = nonlin.Sequential(_layers())
    model.fit(X, y, epochs=epochs, **{**FIT, "loss": loss, "metrics": metrics}, **kwargs)
    return model


def _stopped(tmp_path, metrics, loss, y):
    """A checkpoint saved after batch 1 of epoch 2 (as nonlin train saves on Ctrl-C)."""
    model = nonlin.Sequential(_layers())
    with pytest.raises(KeyboardInterrupt):
        model.fit(_data()[0], y, optimizer=_optimizer("adam"), epochs=4, seed=7,
                  callbacks=[_StopAt(2, 1)], **{**FIT, "loss": loss, "metrics": metrics})
    path = tmp_path / "stopped.safetensors"
    save_checkpoint(model, path, epoch=model.history.epoch[-1] + 1)
    return path


@pytest.mark.parametrize("metrics, loss", [
    (["precision", "recall", "auc", AUC(9, curve="PR", multi_label=True, name="pr")],
     "cross_entropy"),
    (["r2", "mape"], "mse"),
])
def test_a_run_stopped_mid_epoch_with_these_metrics_resumes_bit_identically(
        tmp_path, metrics, loss):
    X, labels = _data()
    y = labels if loss == "cross_entropy" else X[:, :3] * 2.0 + 1.0
    straight = _run(metrics, loss, y, optimizer=_optimizer("adam"), seed=7)
    path = _stopped(tmp_path, metrics, loss, y)
    partial = load_checkpoint(path).partial
    assert partial["rows"] == 32 and len(partial["metrics"]) == len(metrics)
    resumed = _run(metrics, loss, y, optimizer="adam", resume_from=path)
    _assert_same_run(resumed, straight)


def test_resuming_with_other_metric_kinds_restarts_the_epoch(tmp_path):
    _, y = _data()
    path = _stopped(tmp_path, ["accuracy"], "cross_entropy", y)
    with pytest.warns(UserWarning, match="starts again from its first batch"):
        _run(["auc"], "cross_entropy", y, epochs=3, optimizer="adam", resume_from=path)


@pytest.mark.parametrize("state", [
    {"true_positives": [1.0, "x"], "false_positives": [0.0, 0.0]},
    {"true_positives": [[[1.0]]], "false_negatives": 0.0},
    {"true_positives": True, "false_negatives": 0.0},
    {"true_positives": 1.0, "false_positives": 1.0, "extra": 1.0},
    {"n": 1.5, "mean": [0.0], "m2": [0.0], "ss_res": [0.0]},
    {"total": [1.0], "count": 1},
])
def test_a_malformed_confusion_or_r2_state_is_refused(tmp_path, state):
    path = _stopped(tmp_path, ["precision"], "cross_entropy", _data()[1])
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(edit_meta(path.read_bytes(), "checkpoint",
                              lambda r: {**r, "partial": {**r["partial"], "metrics": [state]}}))
    with pytest.raises(ModelFileError, match="bad.safetensors") as info:
        load_checkpoint(bad)
    assert info.value.field == "checkpoint.partial.metrics"


def test_multi_label_auc_takes_a_single_output_column():
    y_true = np.array([[0.0], [1.0], [1.0], [0.0]])
    y_pred = np.array([[0.1], [0.8], [0.6], [0.4]])
    streamed = AUC(multi_label=True)
    streamed.update_state(y_true[:2], y_pred[:2])
    streamed.update_state(y_true[2:], y_pred[2:])
    assert streamed.result() == pytest.approx(AUC()(y_true, y_pred))
    assert AUC(multi_label=True)(y_true, y_pred) == pytest.approx(1.0)


def test_mape_takes_integer_arrays():
    assert MeanAbsolutePercentageError()([1, 2], [1, 3]) == pytest.approx(25.0)


def test_a_refused_multi_label_auc_state_leaves_the_metric_as_it_was():
    auc = AUC(multi_label=True)
    bad = dict.fromkeys(AUC._KEYS, [[1.0, 2.0]])  # two columns, but one threshold, not 200
    with pytest.raises(ValueError, match="true_positives"):
        auc.load_state_dict(bad)
    y_true, y_pred = np.eye(3)[[0, 1, 2, 0]], np.random.default_rng(0).random((4, 3))
    auc.update_state(y_true, y_pred)  # three columns: taken, as before the refused load
    assert auc.result() == pytest.approx(AUC(multi_label=True)(y_true, y_pred))


@pytest.mark.parametrize("metric", [Precision(), AUC(), MeanAbsolutePercentageError()])
def test_bad_call_inputs_name_the_value(metric):
    p = np.array([[0.2], [0.7]])
    with pytest.raises(TypeError, match="y_true"):  # not read as "nonzero: positive"
        metric(np.array(["no", "yes"]), p)
    with pytest.raises(TypeError, match="y_pred"):
        metric([0, 1], np.array(["0.2", "0.7"]))
    with pytest.raises(ValueError, match=r"y_pred.*Received shape \(0, 1\)"):
        metric(np.zeros(0), np.zeros((0, 1)))
    with pytest.raises(ValueError, match=r"sample_weight.*Received shape \(3,\)"):
        metric([0, 1], p, [1.0, 2.0, 3.0])


@pytest.mark.parametrize("metric", [Precision, Recall])
@pytest.mark.parametrize("thresholds", [[0.2, 0.8], (0.3, 0.7), [], np.array([0.5]), ["0.5"]])
def test_several_thresholds_are_refused_one_per_instance(metric, thresholds):
    # Keras (keras/src/metrics/confusion_metrics.py) takes a list and returns a list from
    # result(); nonlin's logs are numbers, so it says what it supports instead
    with pytest.raises(ValueError, match=(
            rf"one threshold per {metric.__name__} instance is supported.*use one instance "
            rf"\(and name\) per threshold, e\.g\. {metric.__name__}\(thresholds=0\.\d, name="
            rf"'{metric.name}_0\.\d'\)\. Received: thresholds={re.escape(repr(thresholds))}$")):
        metric(thresholds=thresholds)
    one = metric(thresholds=[0.3])
    assert one.threshold == 0.3 and isinstance(one([1, 0, 1], [0.9, 0.4, 0.2]), float)
