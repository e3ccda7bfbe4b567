"""Session 26: ``BackupAndRestore(double_checkpoint=True)`` judges its latest backup as the
``fit`` that resumes will read it. A backup whose compile record holds more metrics than a
file holds (as an older nonlin wrote them) is read by a ``fit`` with metrics of its own
(``test_resume_metrics_s25``), not by one without. Before, the callback always probed the
latest as if the ``fit`` gave metrics: a ``fit`` without them met the advice error on the
latest instead of resuming from the previous backup, as the docs say it does."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import nonlin
from backup_helpers import StopAfter, older
from backup_helpers import fit as _fit
from nonlin._header import ModelFileError


def _interrupted(folder: Path, both: bool = False) -> tuple[Path, Path]:
    """Two epochs backed up (the latest, and the previous after one epoch), the latest's
    record over the total (``both``: the previous's too)."""
    with pytest.raises(KeyboardInterrupt):
        _fit([nonlin.BackupAndRestore(folder, double_checkpoint=True), StopAfter(2)],
             metrics=["accuracy"])
    latest, previous = folder / "latest.safetensors", folder / "_latest.safetensors"
    assert nonlin.load_checkpoint(latest).epoch == 2
    assert nonlin.load_checkpoint(previous).epoch == 1
    for path in (latest, previous) if both else (latest,):
        older(path)
    return latest, previous


def test_a_fit_without_metrics_resumes_from_the_previous_backup(tmp_path: Path) -> None:
    _interrupted(tmp_path)
    with pytest.warns(UserWarning, match=r"cannot be read .*compile\.metrics.*resuming from "
                                         r"the previous one"):
        resumed = _fit([nonlin.BackupAndRestore(tmp_path, double_checkpoint=True)])
    straight = _fit([], metrics=["accuracy"])
    assert resumed.history.epoch == [0, 1, 2, 3]
    assert len(resumed.history.history["accuracy"]) == 4  # the previous backup's metrics
    for mine, theirs in zip(resumed.get_weights(), straight.get_weights(), strict=True):
        np.testing.assert_array_equal(mine, theirs)


def test_with_metrics_the_latest_still_resumes(tmp_path: Path) -> None:
    latest, previous = _interrupted(tmp_path)
    kept = previous.read_bytes()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no fallback warned of
        model = _fit([nonlin.BackupAndRestore(tmp_path, double_checkpoint=True,
                                              delete_checkpoint=False), _Epochs()],
                     metrics=["accuracy"])
    assert model.history.epoch == [0, 1, 2, 3]
    assert _Epochs.first == 2  # from the latest backup, not the previous
    assert previous.read_bytes() != kept  # written anew by the resumed run


class _Epochs(nonlin.Callback):
    first = -1

    def on_train_begin(self, logs: Any = None) -> None:
        _Epochs.first = -1

    def on_epoch_begin(self, epoch: int, logs: Any = None) -> None:
        if _Epochs.first < 0:
            _Epochs.first = epoch


def test_both_over_the_total_the_latest_is_kept_and_the_advice_given(tmp_path: Path) -> None:
    """Nothing to gain from the previous backup: the latest stays where it is, and the
    refusal says to give the fit its metrics (which then resumes it)."""
    latest, previous = _interrupted(tmp_path, both=True)
    before = latest.read_bytes(), previous.read_bytes()
    with pytest.raises(ModelFileError) as info:
        _fit([nonlin.BackupAndRestore(tmp_path, double_checkpoint=True)])
    assert "give fit the run's metrics" in str(info.value)
    assert (latest.read_bytes(), previous.read_bytes()) == before
    assert info.value.path == str(latest)


def test_neither_loading_both_files_stay(tmp_path: Path) -> None:
    """Before, a damaged previous backup replaced a damaged latest one (the latest lost)."""
    latest, previous = _interrupted(tmp_path)
    latest.write_bytes(b"\x00" * 40)
    previous.write_bytes(b"\x01" * 40)
    with pytest.raises(ModelFileError) as info:
        _fit([nonlin.BackupAndRestore(tmp_path, double_checkpoint=True)], metrics=["accuracy"])
    assert info.value.path == str(latest)
    assert (latest.read_bytes(), previous.read_bytes()) == (b"\x00" * 40, b"\x01" * 40)
