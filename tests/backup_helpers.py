"""Shared by the tests of backups whose compile record holds more metrics than a file holds,
as an older nonlin wrote them (``test_resume_metrics_s25``, ``test_backup_metrics_s26``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

import nonlin
from io_helpers import edit_meta

RATE = {"class_name": "SensitivityAtSpecificity",
        "config": {"specificity": 0.5, "num_thresholds": 65536, "class_id": None,
                   "name": "sensitivity_at_specificity"}}


def data() -> tuple[np.ndarray, np.ndarray]:
    """40 rows of 3 features and a 0/1 target."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    return X, (X[:, :1] > 0).astype(float)


class StopAfter(nonlin.Callback):
    """Ctrl-C at the end of epoch ``epoch`` (0-based)."""

    def __init__(self, epoch: int) -> None:
        super().__init__()
        self.epoch = epoch

    def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
        if epoch == self.epoch:
            raise KeyboardInterrupt


def fit(callbacks: list[Any], **kwargs: Any) -> nonlin.Sequential:
    """A 3-1 logistic model fitted on ``data()`` for 4 epochs (``kwargs`` override)."""
    model = nonlin.Sequential([nonlin.Dense(1), nonlin.Sigmoid()])
    kwargs = {"loss": "binary_cross_entropy", "optimizer": "adam", "epochs": 4,
              "verbose": 0, "seed": 0, "callbacks": callbacks} | kwargs
    model.fit(*data(), **kwargs)
    return model


def older(path: Path) -> None:
    """The backup's compile record with 257 metrics at a rate of 65536 thresholds (over the
    total a file holds)."""
    path.write_bytes(edit_meta(path.read_bytes(), "compile",
                               lambda record: {**record, "metrics": [RATE] * 257}))
