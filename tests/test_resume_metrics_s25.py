"""Session 25: a backup whose compile record holds more metrics than a file holds (as an
older nonlin wrote them: 65 to 256 ``SensitivityAtSpecificity(num_thresholds=65536)``
passed its count, not the honest one) still resumes when the training call gives its metrics, which
the resumed run uses instead; without them the refusal says what to do. Before, the reader
refused the whole file and ``BackupAndRestore`` could not resume."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import nonlin
from nonlin._header import ModelFileError

_RATE = {"class_name": "SensitivityAtSpecificity",
         "config": {"specificity": 0.5, "num_thresholds": 65536, "class_id": None,
                    "name": "sensitivity_at_specificity"}}


def _data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    return X, (X[:, :1] > 0).astype(float)


class _Stop(nonlin.Callback):
    def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
        if epoch == 1:
            raise KeyboardInterrupt


def _fit(callbacks: list[Any], **kwargs: Any) -> nonlin.Sequential:
    model = nonlin.Sequential([nonlin.Dense(1), nonlin.Sigmoid()])
    kwargs = {"loss": "binary_cross_entropy", "optimizer": "adam", "epochs": 4,
              "verbose": 0, "seed": 0, "callbacks": callbacks} | kwargs
    model.fit(*_data(), **kwargs)
    return model


def _older(path: Path) -> None:
    """The backup's compile record with 257 metrics at a rate of 65536 thresholds (over
    the older total too)."""
    data = path.read_bytes()
    n = int.from_bytes(data[:8], "little")
    header = json.loads(data[8:8 + n])
    record = json.loads(header["__metadata__"]["compile"])
    record["metrics"] = [_RATE] * 257
    header["__metadata__"]["compile"] = json.dumps(record)
    raw = json.dumps(header).encode()
    raw += b" " * (-len(raw) % 8)
    path.write_bytes(len(raw).to_bytes(8, "little") + raw + data[8 + n:])


def _interrupted(folder: Path) -> Path:
    with pytest.raises(KeyboardInterrupt):
        _fit([nonlin.BackupAndRestore(folder), _Stop()], metrics=["accuracy"])
    backup = folder / "latest.safetensors"
    _older(backup)
    with pytest.raises(ModelFileError, match=r"compile\.metrics"):
        nonlin.load_checkpoint(backup)  # the reader itself still refuses it
    return backup


@pytest.mark.parametrize("double", [False, True])
def test_a_backup_over_the_total_resumes_with_the_fits_metrics(tmp_path: Path,
                                                              double: bool) -> None:
    backup = _interrupted(tmp_path)
    if double:  # the latest is not judged unreadable and replaced by the previous one
        (tmp_path / "previous.safetensors").write_bytes(b"not read")
    resumed = _fit([nonlin.BackupAndRestore(tmp_path, double_checkpoint=double)],
                   metrics=["accuracy"])
    straight = _fit([], metrics=["accuracy"])
    assert len(resumed.history.history["loss"]) == 4
    for mine, theirs in zip(resumed.get_weights(), straight.get_weights(), strict=True):
        np.testing.assert_array_equal(mine, theirs)
    assert not backup.exists()  # the run ended: the backup deleted


def test_compiled_metrics_count_as_given(tmp_path: Path) -> None:
    backup = _interrupted(tmp_path)
    model = nonlin.Sequential([nonlin.Dense(1), nonlin.Sigmoid()])
    model.compile("adam", "binary_cross_entropy", ["accuracy"])
    model.fit(*_data(), epochs=4, verbose=0, seed=0, resume_from=backup)
    assert len(model.history.history["accuracy"]) == 4


def test_without_metrics_of_its_own_the_refusal_says_what_to_do(tmp_path: Path) -> None:
    backup = _interrupted(tmp_path)
    model = nonlin.Sequential([nonlin.Dense(1), nonlin.Sigmoid()])
    with pytest.raises(ModelFileError) as info:
        model.fit(*_data(), epochs=4, verbose=0, resume_from=backup)
    assert info.value.field == "compile.metrics[64]"
    assert "To resume, give fit the run's metrics, fit(..., metrics=[...])" in str(info.value)
    assert not model.built or model.optimizer is None
