"""Review of session 33's callback-path check (``_checkpoint_clash``): a ``CSVLogger`` is
refused only beside a callback that really writes its file."""

from __future__ import annotations

import os

import numpy as np
import pytest

import nonlin
from nonlin.callbacks import CSVLogger, ModelCheckpoint


def _fit(callbacks: list) -> None:
    rng = np.random.default_rng(0)
    X = rng.standard_normal((20, 3))
    y = (X[:, 0] > 0).astype(int)
    model = nonlin.Sequential([nonlin.Dense(4), nonlin.ReLU(), nonlin.Dense(2), nonlin.Softmax()])
    model.fit(X, y, loss="cross_entropy", optimizer="adam", epochs=2, batch_size=8, seed=0,
              verbose=0, callbacks=callbacks)


def test_a_log_named_as_a_checkpoint_template_is_not_that_checkpoints_file(tmp_path) -> None:
    # the template writes run-1.csv, run-2.csv: never the file named run-{epoch}.csv
    template = str(tmp_path / "run-{epoch}.csv")
    _fit([CSVLogger(template), ModelCheckpoint(template)])
    assert open(template, encoding="utf-8").read().startswith("epoch,")
    assert (tmp_path / "run-2.csv").exists()


@pytest.mark.skipif(not os.path.exists(os.devnull) or os.name == "nt", reason="POSIX devices")
def test_two_logs_to_a_device_are_no_clash() -> None:
    # appending rows to /dev/null (a log turned off) overwrites nothing; /dev/stdout and
    # /dev/stderr resolve to one terminal
    _fit([CSVLogger(os.devnull), CSVLogger(os.devnull)])


def test_two_logs_of_one_file_are_still_refused(tmp_path) -> None:
    """Guard (passes on main too)."""
    path = str(tmp_path / "log.csv")
    with pytest.raises(ValueError, match="both writing"):
        _fit([CSVLogger(path), CSVLogger(path)])


def test_two_checkpoints_of_one_template_are_still_refused_naming_it(tmp_path) -> None:
    """Guard (passes on main too): the template shown as given."""
    template = str(tmp_path / "m-{epoch}.nonlin")
    with pytest.raises(ValueError, match="both writing") as info:
        _fit([ModelCheckpoint(template), ModelCheckpoint(template, save_freq=2)])
    assert "\0" not in str(info.value) and "m-{epoch}.nonlin'" in str(info.value)


def test_a_log_a_checkpoint_template_formats_to_is_refused(tmp_path) -> None:
    # run-{epoch}.nonlin writes run-2.nonlin at epoch 2, then the log appends its rows to
    # that model: a checkpoint nonlin.load refused ("bytes appended")
    template = str(tmp_path / "run-{epoch}.nonlin")
    with pytest.raises(ValueError, match="both writing .*run-2.nonlin"):
        _fit([ModelCheckpoint(template), CSVLogger(str(tmp_path / "run-2.nonlin"))])
    with pytest.raises(ValueError, match="both writing .*run-07.nonlin"):
        _fit([CSVLogger(str(tmp_path / "run-07.nonlin")),
              ModelCheckpoint(str(tmp_path / "run-{epoch:02d}.nonlin"))])
    assert not (tmp_path / "run-2.nonlin").exists()


def test_a_template_is_no_clash_with_files_it_cannot_write(tmp_path) -> None:
    """Guard (passes on main too): a field is a number."""
    from nonlin.callbacks import BackupAndRestore

    _fit([ModelCheckpoint(str(tmp_path / "{epoch}.safetensors")),
          BackupAndRestore(str(tmp_path)), CSVLogger(str(tmp_path / "log.csv"))])
    assert (tmp_path / "2.safetensors").exists()
