"""Session 22 (left22c): the IoU metrics' constructors refuse more classes than a model file
holds (they took up to 16384, and ``save`` then left the metric out with a warning), one
constant for both ends as ``num_thresholds``'s (``_metric_sizes``)."""

from __future__ import annotations

from typing import Any

import pytest

from nonlin import _compile_entries, _iou_checks, _metric_sizes, metrics


@pytest.mark.parametrize("make", [
    lambda n: metrics.MeanIoU(n), lambda n: metrics.OneHotMeanIoU(n),
    lambda n: metrics.IoU(n, [0]), lambda n: metrics.OneHotIoU(n, [0]),
], ids=["MeanIoU", "OneHotMeanIoU", "IoU", "OneHotIoU"])
@pytest.mark.parametrize("n", [4097, 16384])
def test_iou_refuses_more_classes_than_a_file_holds(make: Any, n: int) -> None:
    with pytest.raises(ValueError, match=r"num_classes in \[1, 4096\] \(the most a model file "
                                         rf"holds.*Received: num_classes={n}$"):
        make(n)


def test_one_constant_for_the_constructors_and_the_loader() -> None:
    assert _iou_checks.MAX_CLASSES is _metric_sizes.MAX_CLASSES == 4096
    assert dict(_compile_entries.METRIC_SIZE_LIMITS)["num_classes"] == _metric_sizes.MAX_CLASSES
    assert metrics.IoU(4096, [4095]).num_classes == 4096  # the largest a file holds
