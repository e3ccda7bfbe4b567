"""``num_thresholds`` above what a model file's reader takes (``MAX_THRESHOLDS``, 65536)
is refused by the metrics' constructors, from the same constant; before, ``AUC(10**7)``
was built (and allocated) and only ``save`` left it out."""

from __future__ import annotations

import pytest

from nonlin import _compile_entries
from nonlin.metrics import (
    AUC,
    PrecisionAtRecall,
    RecallAtPrecision,
    SensitivityAtSpecificity,
    SpecificityAtSensitivity,
)

RATE_METRICS = [SensitivityAtSpecificity, SpecificityAtSensitivity, PrecisionAtRecall,
                RecallAtPrecision]


MAX_THRESHOLDS = 65536  # what a model file's reader takes


def test_one_constant_for_the_reader_and_the_constructors() -> None:
    from nonlin._metric_sizes import MAX_THRESHOLDS

    assert dict(_compile_entries.METRIC_SIZE_LIMITS)["num_thresholds"] == MAX_THRESHOLDS == 65536


@pytest.mark.parametrize("cls", RATE_METRICS)
def test_rate_metrics_refuse_more_thresholds_than_a_file_holds(cls: type) -> None:
    with pytest.raises(ValueError, match=r"Expected an integer num_thresholds in \[1, 65536\] "
                                         r".*Received: num_thresholds=65537"):
        cls(0.5, num_thresholds=MAX_THRESHOLDS + 1)
    assert cls(0.5, num_thresholds=MAX_THRESHOLDS).num_thresholds == MAX_THRESHOLDS


def test_auc_refuses_more_thresholds_than_a_file_holds() -> None:
    with pytest.raises(ValueError, match=r"Expected an integer num_thresholds in \[2, 65536\] "
                                         r".*Received: num_thresholds=10000000"):
        AUC(num_thresholds=10**7)
    with pytest.raises(ValueError, match=r"Received: num_thresholds=1$"):
        AUC(num_thresholds=1)
    assert AUC(num_thresholds=MAX_THRESHOLDS).num_thresholds == MAX_THRESHOLDS


def test_auc_refuses_a_thresholds_list_whose_count_a_file_would_refuse() -> None:
    inner = [0.5] * (MAX_THRESHOLDS - 1)  # num_thresholds = len + 2 = 65537
    with pytest.raises(ValueError, match=r"Expected at most 65534 thresholds .*Received: "
                                         r"65535 thresholds"):
        AUC(thresholds=inner)
    assert AUC(thresholds=inner[:-1]).num_thresholds == MAX_THRESHOLDS
