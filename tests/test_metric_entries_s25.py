"""Session 25: a compile record's metrics are counted by what they really hold.

The record's total (2**24 array entries) counted a metric at a rate's thresholds once, where
it keeps four float64 counts per threshold (and held a Python list of them too), and AUC's
``num_labels * num_thresholds`` once, where it keeps four such arrays and its thresholds: a
42 KB file ``save`` wrote (256 ``SensitivityAtSpecificity(num_thresholds=65536)``) made
``load`` take 1.46 GB and 4.5-21 s. Each class now says what it holds (``_held_entries``, from
its ``_KEYS`` and the shape of its counts); ``save`` keeps exactly what ``load`` reads.
"""

from __future__ import annotations

import io
import json
import sys
import warnings
from typing import Any

import numpy as np
import pytest

import nonlin
from io_helpers import edit_meta, refused_load
from nonlin import metrics as M
from nonlin._compile_entries import _metric_classes, metric_size
from nonlin._confusion_metrics import ConfusionMetric
from nonlin._header import ModelFileError

_THRESHOLDS = [i / 999 for i in range(1, 999)]
_MADE: list[Any] = [
    M.AUC(1000), M.AUC(300, curve="PR", multi_label=True, num_labels=3),
    M.AUC(300, multi_label=True), M.AUC(thresholds=_THRESHOLDS),
    M.AUC(thresholds=_THRESHOLDS[:50], multi_label=True, num_labels=2),
    M.SensitivityAtSpecificity(0.5, 1000), M.SpecificityAtSensitivity(0.5, 7),
    M.PrecisionAtRecall(0.5, 1), M.RecallAtPrecision(0.5, 300, class_id=1),
    M.IoU(50, [0, 3]), M.MeanIoU(40), M.OneHotIoU(30, [1]), M.OneHotMeanIoU(20),
    M.BinaryIoU(), M.Precision(), M.Recall(0.3), M.F1Score(), M.FBetaScore(beta=2.0),
    M.TruePositives(), M.FalsePositives(), M.TrueNegatives(), M.FalseNegatives(),
]


def _held_bytes(metric: Any) -> int:
    """The bytes of the float64 arrays a metric holds, and of its lists of floats (a list
    slot and a float object each)."""
    found = [*vars(metric).values(), *getattr(metric, "_state", {}).values()]
    arrays = sum(v.nbytes for v in found if isinstance(v, np.ndarray))
    floats = [v for v in found if isinstance(v, list) and v and isinstance(v[0], float)]
    return arrays + sum(len(v) * (8 + sys.getsizeof(1.0)) for v in floats)


@pytest.mark.parametrize("metric", _MADE, ids=[repr(m)[:40] for m in _MADE])
def test_the_count_is_the_bytes_a_metric_made_from_its_config_holds(metric: Any) -> None:
    config = json.loads(json.dumps(metric.get_config()))  # as a file gives it
    made = type(metric)(**config)
    assert _held_bytes(made) == 8 * type(metric)._held_entries(config)
    entry = {"class_name": type(metric).__name__, "config": config}
    assert metric_size(entry) == type(metric)._held_entries(config)
    ids = getattr(made, "target_class_ids", [])  # ints, at most one per class: not counted
    assert len(ids) <= getattr(made, "num_classes", 0)


def test_every_metric_kind_with_arrays_is_checked() -> None:
    classes = _metric_classes().values()
    confusion = {cls for cls in classes if issubclass(cls, ConfusionMetric)}
    assert confusion == {type(m) for m in _MADE}
    for cls in set(classes) - confusion:  # the others hold no array
        made = cls()
        assert _held_bytes(made) == 0 and metric_size({"class_name": cls.__name__,
                                                       "config": made.get_config()}) == 0


def test_the_metrics_at_a_rate_keep_no_list_of_thresholds() -> None:
    metric = M.SensitivityAtSpecificity(0.5, num_thresholds=5)
    assert "thresholds" not in vars(metric)
    assert metric.thresholds == [0.0, 0.25, 0.5, 0.75, 1.0]  # Keras' attribute, made when read
    assert M.PrecisionAtRecall(0.5, num_thresholds=1).thresholds == [0.5]


def _model(metrics: list[Any]) -> nonlin.Sequential:
    model = nonlin.Sequential([nonlin.Dense(2), nonlin.Sigmoid()]).build(3, seed=0)
    model.compile(optimizer="sgd", loss="binary_cross_entropy", metrics=metrics)
    return model


def _hostile(entries: list[Any]) -> bytes:
    """A model file whose compile record holds ``entries``, as no ``save`` writes it."""
    from nonlin.io import to_bytes

    return edit_meta(to_bytes(_model(["accuracy"])), "compile",
                     lambda record: {**record, "metrics": entries})


_RATE = {"class_name": "SensitivityAtSpecificity",
         "config": {"specificity": 0.5, "num_thresholds": 65536, "class_id": None,
                    "name": "sensitivity_at_specificity"}}


def test_the_file_of_256_metrics_at_a_rate_is_refused_before_any_is_made() -> None:
    data = _hostile([_RATE] * 256)  # what save wrote: 42 KB, 1.46 GB to load
    error, peak = refused_load(data)
    assert peak < 16 * 2**20, peak
    assert error.field == "compile.metrics[64]"
    for part in ("'SensitivityAtSpecificity'", "262,144 float64 entries", "17,039,360 with the",
                 "at most 16,777,216 (128 MiB)", "nonlin.load(path, compile=False)"):
        assert part in str(error)
    assert nonlin.load(io.BytesIO(data), compile=False).built


def test_save_keeps_exactly_the_metrics_load_reads() -> None:
    metrics: list[Any] = [M.SensitivityAtSpecificity(0.5, 65536, name=f"s{i}") for i in range(64)]
    metrics[63:63] = [M.AUC(200)]  # 63 x 262,144 + 1,000 entries: the 64th no longer fits
    metrics += ["accuracy", M.MeanIoU(3)]  # what still fits after it is kept
    buffer = io.BytesIO()
    with pytest.warns(UserWarning) as caught:
        nonlin.save(_model(metrics), buffer)
    message = " ".join(str(w.message) for w in caught)
    assert "metrics[64]=SensitivityAtSpecificity" in message and "metrics[65]" not in message
    assert "(its arrays hold 262,144 float64 entries, 16,778,216 with the metrics before it, " \
           "where a file's metrics hold at most 16,777,216 (128 MiB) in all" in message
    buffer.seek(0)
    loaded = nonlin.load(buffer)
    kept = metrics[:64] + metrics[65:]
    assert [getattr(m, "name", m) for m in loaded._metrics] == \
           [getattr(m, "name", m) for m in kept]
    entries = [m if isinstance(m, str) else
               {"class_name": type(m).__name__, "config": m.get_config()} for m in metrics]
    with pytest.raises(ModelFileError, match=r"compile\.metrics\[64\]\): 'Sensitivity"):
        nonlin.load(io.BytesIO(_hostile(entries)))


@pytest.mark.parametrize("metric", [M.MeanIoU(4096),
                                    M.AUC(65536, multi_label=True, num_labels=63)],
                         ids=["MeanIoU(4096)", "AUC(65536, num_labels=63)"])
def test_the_largest_single_metric_save_keeps_loads(metric: Any) -> None:
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        nonlin.save(_model([metric]), buffer)
    buffer.seek(0)
    assert nonlin.load(buffer)._metrics[0].get_config() == metric.get_config()


def test_one_label_more_is_left_out_by_save_and_refused_by_load() -> None:
    metric = M.AUC(65536, multi_label=True, num_labels=64)  # 16,842,752 entries
    buffer = io.BytesIO()
    with pytest.warns(UserWarning, match=r"num_labels=64: a file holds at most 63"):
        nonlin.save(_model([metric]), buffer)
    buffer.seek(0)
    assert nonlin.load(buffer)._metrics == []
    entry = {"class_name": "AUC", "config": metric.get_config()}
    with pytest.raises(ModelFileError, match=r"num_labels\): expected at most 63"):
        nonlin.load(io.BytesIO(_hostile([entry])))


def test_given_thresholds_count_what_their_list_holds() -> None:
    # num_thresholds is ignored beside a list: the list says how many, the count with it
    config = M.AUC(thresholds=[0.5] * 65534).get_config() | {"num_thresholds": 2}
    entry = {"class_name": "AUC", "config": config}
    assert metric_size(entry) == 5 * 65536 + 4 * 65534
    with pytest.raises(ModelFileError, match=r"compile\.metrics\[28\]"):
        nonlin.load(io.BytesIO(_hostile([entry] * 29)))
