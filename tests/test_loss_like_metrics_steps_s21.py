"""The loss-like metrics of session 21 stream through ``fit`` without an array of batch size
per step, as the other built-in metrics do (``test_step_allocations``' measure, run on these
cases), in float32 (holding float32 arrays only) and float64."""

from __future__ import annotations

import numpy as np
import pytest

import test_step_allocations as steps
from nonlin import BinaryCrossEntropy, MeanSquaredError
from nonlin.metrics import BinaryCrossentropy, CategoricalCrossentropy

CASES = {
    "loss-metrics-labels": (steps.relu, steps.ce, {"metrics": (
        "categorical_crossentropy", "sparse_categorical_crossentropy", "categorical_hinge")}),
    "loss-metrics-onehot": (steps.relu, steps.ce, {"targets": "onehot", "metrics": (
        "categorical_crossentropy", "kl_divergence", "categorical_hinge", "cosine_similarity",
        CategoricalCrossentropy(from_logits=True, label_smoothing=0.1, name="smooth"))}),
    "loss-metrics-binary-logits": (steps.relu, lambda: BinaryCrossEntropy(from_logits=True), {
        "targets": "binary", "metrics": ("binary_crossentropy", "hinge", "squared_hinge",
                                         BinaryCrossentropy(label_smoothing=0.2, name="s"))}),
    "loss-metrics-sigmoid": (steps.sigmoid, BinaryCrossEntropy, {
        "targets": "binary", "metrics": ("binary_crossentropy", "kl_divergence", "poisson")}),
    "loss-metrics-real": (steps.relu, MeanSquaredError, {
        "targets": "real", "metrics": ("msle", "logcosh", "cosine_similarity")}),
}


@pytest.mark.parametrize("dtype, name", [(np.float32, name) for name in CASES]
                         + [(np.float64, "loss-metrics-onehot")])
def test_steady_state_steps_allocate_no_batch_sized_array(monkeypatch, dtype, name) -> None:
    monkeypatch.setattr(steps, "CASES", {**steps.CASES, **CASES})
    steps.test_steady_state_steps_allocate_no_batch_or_parameter_sized_array(dtype, name)
