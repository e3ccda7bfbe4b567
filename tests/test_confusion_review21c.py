"""Review of Keras 3's confusion-count and IoU metrics (session 21): what a model file or a
checkpoint keeps of them, and what a fresh process can import first."""

from __future__ import annotations

import warnings

import pytest

import nonlin
from nonlin.metrics import AUC, MeanIoU, PrecisionAtRecall


@pytest.mark.parametrize("metric, field", [
    (MeanIoU(4097, sparse_y_pred=False), r"num_classes=4097: a file holds at most 4096"),
    (PrecisionAtRecall(0.5, num_thresholds=65537), r"num_thresholds=65537: a file holds at "
                                                   r"most 65536"),
    (AUC(num_thresholds=65537), r"num_thresholds=65537"),
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
