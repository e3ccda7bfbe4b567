"""Review of Keras 3's confusion-count and IoU metrics (session 21): what a model file or a
checkpoint keeps of them, and what a fresh process can import first."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import nonlin
from nonlin.metrics import AUC, MeanIoU, PrecisionAtRecall


def _wider(metric):
    metric.num_classes = 4097  # past the constructor's check, as a subclass might
    return metric


def _enlarged(metric):
    metric.num_thresholds = 65537  # past the constructor's check, as a subclass might
    return metric


@pytest.mark.parametrize("metric, field", [
    (_wider(MeanIoU(4096, sparse_y_pred=False)), r"num_classes=4097: a file holds at most 4096"),
    # session 22: num_thresholds (and num_classes: test_iou_classes_limit_s22c) above what a
    # file holds is refused by the constructors; one set larger afterwards is still left out
    (_enlarged(PrecisionAtRecall(0.5)), r"num_thresholds=65537: a file holds at most 65536"),
    (_enlarged(AUC()), r"num_thresholds=65537"),
], ids=["MeanIoU", "PrecisionAtRecall", "AUC"])
def test_save_leaves_out_a_metric_larger_than_load_reads_and_the_file_loads(tmp_path, metric,
                                                                             field):
    model = nonlin.Sequential([nonlin.Dense(2), nonlin.Softmax()]).build(3, seed=0)
    model.compile("sgd", "cross_entropy", ["accuracy", metric])
    with pytest.warns(UserWarning, match=r"leaves out metrics\[1\]=.*" + field) as caught:
        model.save(tmp_path / "m.safetensors")
    assert "registered" not in str(caught[0].message)  # not a registry matter
    loaded = nonlin.load(tmp_path / "m.safetensors")  # the file nonlin wrote reads back
    assert loaded._metrics == ["accuracy"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.compile("sgd", "cross_entropy", [MeanIoU(4096)])  # the largest a file holds
        model.save(tmp_path / "n.safetensors")
    assert nonlin.load(tmp_path / "n.safetensors")._metrics[0].num_classes == 4096


def test_a_mid_epoch_checkpoint_too_large_for_a_header_is_written_without_the_partial_epoch(
        tmp_path):
    """A (2100, 2100) confusion matrix is 4.4 M numbers: as JSON, more than a file's header
    holds (16 MiB); the checkpoint drops the stopped epoch's state (the epoch starts again
    on resume, as for a metric that cannot stream) rather than refuse to be written."""
    from nonlin.checkpoint import load_checkpoint, save_checkpoint
    from test_checkpoint_partial import _StopAt

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(24, 3)), rng.integers(0, 3, 24)
    fit = {"loss": "cross_entropy", "optimizer": "sgd", "batch_size": 8, "seed": 0,
           "verbose": 0, "metrics": [MeanIoU(1500, sparse_y_pred=False)]}
    model = nonlin.Sequential([nonlin.Dense(3), nonlin.Softmax()])
    with pytest.raises(KeyboardInterrupt):
        model.fit(X, y, epochs=2, callbacks=[_StopAt(1, 0)], **fit)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # 9 MB of states: the header holds them
        save_checkpoint(model, tmp_path / "fits.safetensors", epoch=1)
    assert load_checkpoint(tmp_path / "fits.safetensors").partial["rows"] == 8
    fit["metrics"] = [MeanIoU(2100, sparse_y_pred=False)]
    model = nonlin.Sequential([nonlin.Dense(3), nonlin.Softmax()])
    with pytest.raises(KeyboardInterrupt):
        model.fit(X, y, epochs=2, callbacks=[_StopAt(1, 0)], **fit)
    path = tmp_path / "stopped.safetensors"
    with pytest.warns(UserWarning, match=r"leaves out the state of epoch 2.*mean_io_u.*"
                                         r"starts that epoch again from its first batch"):
        save_checkpoint(model, path, epoch=1)
    assert load_checkpoint(path).partial is None
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        resumed = nonlin.Sequential([nonlin.Dense(3), nonlin.Softmax()])
        resumed.fit(X, y, epochs=2, resume_from=path, **fit)
    assert resumed.history.epoch == [0, 1]


PRIVATE_METRIC_MODULES = [
    "_confusion_metrics", "_count_metrics", "_at_metrics", "_iou_metrics", "_confusion_index",
    "_auc_metric", "_fscore_metrics", "_accuracy_metrics", "_mean_metrics",
    "_regression_metrics", "_loss_metrics", "_loss_metric_names", "_function_metric"]


def test_each_metric_module_imports_first_in_a_fresh_process():
    """``import nonlin._confusion_metrics`` (or any metric module) before ``nonlin.metrics``
    used to fail: a circular import through ``nonlin.metrics``, whose ``Metric`` each used."""
    import os
    import subprocess
    import sys

    code = ("import importlib, sys\nfor name in sys.argv[1:]:\n"
            "    for key in [k for k in sys.modules if k.startswith('nonlin')]:\n"
            "        del sys.modules[key]\n"
            "    module = importlib.import_module('nonlin.' + name)\n"
            "    assert importlib.import_module('nonlin.metrics').Metric\n"
            "print('ok')")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run([sys.executable, "-c", code, *PRIVATE_METRIC_MODULES],
                          capture_output=True, text=True, env=env, timeout=60)
    assert (done.returncode, done.stdout.strip()) == (0, "ok"), done.stderr[-2000:]


def test_a_batch_adds_to_a_large_confusion_matrix_without_a_matrix_per_batch():
    """MeanIoU(4096): a batch of 128 entries made a (4096, 4096) matrix (134 MB) to add."""
    import tracemalloc

    metric = MeanIoU(4096, ignore_class=7)
    y_true, y_pred = np.arange(128) % 4096, (np.arange(128) + 1) % 4096
    metric.update_state(y_true, y_pred)  # the state exists (128 MB, made when constructed)
    tracemalloc.start()
    try:
        metric.update_state(y_true, y_pred)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1 << 20, peak
    cm = metric.state_dict()["total_confusion_matrix"]
    assert sum(map(sum, cm)) == 2 * 127 and cm[0][1] == 2.0 and cm[7][8] == 0.0
    assert metric.result() == pytest.approx(0.0)


def test_scores_given_as_class_ids_are_refused_saying_to_give_sparse_y_pred_false():
    scores = np.array([[0.2, 0.7, 0.1], [0.6, 0.3, 0.1]])
    with pytest.raises(ValueError, match=r"Expected y_true with 6 class ids.*scores need "
                                         r"sparse_y_pred=False.*Received y_true of shape \(2,\)"):
        MeanIoU(3)([1, 0], scores)  # Keras' default sparse_y_pred=True: ids, 3 a row
    with pytest.raises(ValueError, match=r"Expected y_pred of integer class ids in \[0, 3\) "
                                         r"\(num_classes=3; a classifier's scores need "
                                         r"sparse_y_pred=False: their arg-max\). Received 0\.7"):
        MeanIoU(3)([[1], [0]], [[0.7], [0.2]])
    assert MeanIoU(3, sparse_y_pred=False)([1, 0], scores) == pytest.approx(1.0, abs=1e-6)


def test_the_metrics_at_a_rate_have_keras_target_attributes():
    from nonlin.metrics import RecallAtPrecision, SensitivityAtSpecificity, SpecificityAtSensitivity

    metric = PrecisionAtRecall(0.8)
    assert metric.recall == 0.8 and RecallAtPrecision(0.3).precision == 0.3
    assert SensitivityAtSpecificity(0.4).specificity == 0.4
    assert SpecificityAtSensitivity(0.6).sensitivity == 0.6
    y, p = [[0], [0], [0], [1], [1]], [[0], [0.3], [0.8], [0.3], [0.8]]
    metric.recall = 0.5  # as the constructor's argument
    assert metric.get_config()["recall"] == 0.5 and metric(y, p) == PrecisionAtRecall(0.5)(y, p)
    with pytest.raises(ValueError, match=r"Expected recall in \[0, 1\]. Received: recall=2"):
        metric.recall = 2
    assert metric.value == 0.5


def test_iou_takes_target_class_ids_as_keras_does_from_a_range_or_an_array():
    from nonlin.metrics import IoU

    y_true, y_pred = [0, 1, 2, 2, 3], [0, 1, 1, 2, 0]
    expected = IoU(4, [1, 2])(y_true, y_pred)
    for ids in (range(1, 3), np.array([1, 2]), np.array([1, 2], dtype=np.uint8)):
        metric = IoU(4, ids)
        assert metric.target_class_ids == [1, 2] and type(metric.target_class_ids[0]) is int
        assert metric(y_true, y_pred) == expected
        assert metric.get_config()["target_class_ids"] == [1, 2]
    for bad in (np.array([[1, 2]]), np.array([0.5]), range(3, 5), "12"):
        with pytest.raises(ValueError, match=r"Expected target_class_ids: .*Received"):
            IoU(4, bad)
