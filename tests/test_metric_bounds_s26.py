"""Session 26: what a metric's constructor makes before its bounds are checked.

``AUC``'s evenly spaced thresholds were a Python list of T floats first (an AUC of 65,536
thresholds: 2.1 MB of temporary objects; 51 of them in a compile record took ~1 s to load),
now NumPy's quotients, bit for bit the same; thresholds given are counted before each is
checked (a list of a million took 0.4 s to refuse)."""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import nonlin
from io_helpers import edit_meta, refused_load
from nonlin import metrics as M
from nonlin.io import to_bytes

T = 65536


def _peak(make: Callable[[], Any]) -> int:
    tracemalloc.start()
    try:
        make()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_evenly_spaced_thresholds_are_python_s_quotients() -> None:
    for t in (2, 3, 7, 200, 4097, T):
        expected = [-1e-7, *[(i + 1) * 1.0 / (t - 1) for i in range(t - 2)], 1.0 + 1e-7]
        assert M.AUC(t).thresholds.tobytes() == np.array(expected).tobytes()


def test_an_auc_of_65536_thresholds_makes_no_list_of_them() -> None:
    kept = 5 * T * 8  # its thresholds and four counts, float64
    peak = _peak(lambda: M.AUC(T))
    assert peak < kept + 2 * T * 8, peak  # before: kept + a list of 65,534 floats (2.1 MB)


def test_thresholds_given_are_counted_before_each_is_checked() -> None:
    with pytest.raises(ValueError, match="Expected at most 65534 thresholds") as info:
        M.AUC(thresholds=[None] * (T - 1))  # before: each checked first (refused as [None, ...])
    assert "Received: 65535 thresholds" in str(info.value)


def test_thresholds_given_are_sorted_in_a_copy() -> None:
    given = np.array([0.5, 0.2, 0.0])
    auc = M.AUC(thresholds=given)
    np.testing.assert_array_equal(given, [0.5, 0.2, 0.0])
    assert auc.get_config()["thresholds"] == [0.0, 0.2, 0.5]
    assert all(type(t) is float for t in auc.get_config()["thresholds"])
    assert auc.num_thresholds == 5
    with pytest.raises(ValueError, match=r"thresholds in \[0, 1\]. Received: thresholds=array"):
        M.AUC(thresholds=np.zeros((2, 2)))


# -- IoU's target_class_ids: repeats weigh a class, as Keras; at most MAX_CLASSES of them --
def test_a_repeated_target_class_counts_as_often_as_keras_counts_it() -> None:
    y_true, y_pred = [0, 1, 2, 2, 1], [0, 1, 1, 2, 0]
    cm = np.zeros((3, 3))
    np.add.at(cm, (y_true, y_pred), 1.0)
    tp = np.diag(cm)
    iou = tp / (cm.sum(0) + cm.sum(1) - tp + 1e-7)
    expected = (2 * iou[0] + iou[2]) / (3 + 1e-7)  # Keras: take_along_axis, then the mean
    for ids in ([0, 0, 2], (0, 2, 0), np.array([0, 0, 2])):  # an array longer than num_classes
        metric = M.IoU(3, ids)
        assert metric(y_true, y_pred) == pytest.approx(expected, rel=1e-12)
        assert sorted(metric.get_config()["target_class_ids"]) == [0, 0, 2]
    assert M.IoU(2, np.array([0, 0, 1])).target_class_ids == [0, 0, 1]  # as a list: before,
    # an array longer than num_classes was refused unlisted, its list taken


@pytest.mark.parametrize("ids", [[0] * 4097, tuple([1] * 4097), np.zeros(4097, dtype=int)])
def test_more_than_4096_target_class_ids_are_refused_by_their_count(ids: Any) -> None:
    with pytest.raises(ValueError) as info:
        M.IoU(2, ids)
    message = str(info.value)
    assert "Expected at most 4096 target_class_ids" in message
    assert "Received 4,097: target_class_ids=[" in message
    assert "np.int64" not in message  # an array's items shown as the numbers they are
    assert len(message) < 300
    assert M.IoU(2, [0] * 4096).target_class_ids == [0] * 4096


def test_the_count_comes_before_each_id_is_checked() -> None:
    with pytest.raises(ValueError, match="Received 4,097: target_class_ids=\\[None, None"):
        M.IoU(2, [None] * 4097)  # before: refused as not ids, after reading each


def test_load_refuses_a_million_zeros_before_the_constructor_copies_them() -> None:
    model = nonlin.Sequential([nonlin.Dense(2), nonlin.Softmax()]).build(3, seed=0)
    model.compile(optimizer="sgd", loss="cross_entropy", metrics=["accuracy"])
    entry = {"class_name": "IoU", "config": {"num_classes": 2,
                                             "target_class_ids": [0] * 1_000_000}}
    data = edit_meta(to_bytes(model), "compile", lambda record: {**record, "metrics": [entry]})
    error, peak = refused_load(data)  # a 3 MB file: loaded at a peak of 23 MB, now 16 MB
    assert error.field == "compile.metrics[0].config"  # (the header's text and list, parsed)
    assert "Received 1,000,000: target_class_ids=[0, 0," in str(error)
    assert peak < 19 * 2**20, peak
