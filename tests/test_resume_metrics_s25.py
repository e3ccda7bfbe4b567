"""Session 25: a backup whose compile record holds more metrics than a file holds (as an
older nonlin wrote them: 65 to 256 ``SensitivityAtSpecificity(num_thresholds=65536)``
passed its count, not the honest one) still resumes when the training call gives its metrics, which
the resumed run uses instead; without them the refusal says what to do. Before, the reader
refused the whole file and ``BackupAndRestore`` could not resume."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

import nonlin
from backup_helpers import StopAfter, data, older
from backup_helpers import fit as _fit
from nonlin._header import ModelFileError


def _interrupted(folder: Path, double: bool = False) -> Path:
    with pytest.raises(KeyboardInterrupt):
        _fit([nonlin.BackupAndRestore(folder, double_checkpoint=double), StopAfter(1 + double)],
             metrics=["accuracy"])
    backup = folder / "latest.safetensors"
    older(backup)
    with pytest.raises(ModelFileError, match=r"compile\.metrics"):
        nonlin.load_checkpoint(backup)  # the reader itself still refuses it
    return backup


@pytest.mark.parametrize("double", [False, True])
def test_a_backup_over_the_total_resumes_with_the_fits_metrics(tmp_path: Path,
                                                              double: bool) -> None:
    backup = _interrupted(tmp_path, double)
    assert (tmp_path / "_latest.safetensors").exists() == double  # the previous backup
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        resumed = _fit([nonlin.BackupAndRestore(tmp_path, double_checkpoint=double)],
                       metrics=["accuracy"])
    # the latest is read as this fit reads it (with its metrics): not replaced by the previous
    assert not [w for w in caught if "previous one" in str(w.message)]
    straight = _fit([], metrics=["accuracy"])
    assert len(resumed.history.history["loss"]) == 4
    for mine, theirs in zip(resumed.get_weights(), straight.get_weights(), strict=True):
        np.testing.assert_array_equal(mine, theirs)
    assert not backup.exists()  # the run ended: the backup deleted


def test_compiled_metrics_count_as_given(tmp_path: Path) -> None:
    backup = _interrupted(tmp_path)
    model = nonlin.Sequential([nonlin.Dense(1), nonlin.Sigmoid()])
    model.compile("adam", "binary_cross_entropy", ["accuracy"])
    model.fit(*data(), epochs=4, verbose=0, seed=0, resume_from=backup)
    assert len(model.history.history["accuracy"]) == 4


def test_without_metrics_of_its_own_the_refusal_says_what_to_do(tmp_path: Path) -> None:
    backup = _interrupted(tmp_path)
    model = nonlin.Sequential([nonlin.Dense(1), nonlin.Sigmoid()])
    with pytest.raises(ModelFileError) as info:
        model.fit(*data(), epochs=4, verbose=0, resume_from=backup)
    assert info.value.field == "compile.metrics[64]"
    assert "To resume, give fit the run's metrics, fit(..., metrics=[...])" in str(info.value)
    assert not model.built or model.optimizer is None
