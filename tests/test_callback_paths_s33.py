"""A ``CSVLogger`` in fit's check of callbacks writing one file (``_checkpoint_clash``):
two logs of one path, a log on a checkpoint's path, one logger listed twice."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import nonlin


def _fit(callbacks: list) -> nonlin.Sequential:
    rng = np.random.default_rng(0)
    X = rng.standard_normal((32, 3))
    y = (X[:, :1] > 0).astype(float)
    model = nonlin.Sequential([nonlin.Dense(1), nonlin.Sigmoid()])
    model.fit(X, y, loss="bce", optimizer="sgd", epochs=2, verbose=0, callbacks=callbacks)
    return model


def test_two_logs_of_one_file_are_refused_before_any_row(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "log.csv").write_text("kept\n")
    with pytest.raises(ValueError, match=r"CSVLogger \(callbacks\[0\]\) and CSVLogger "
                       r"\(callbacks\[1\]\) both writing '.*log\.csv'"):
        _fit([nonlin.CSVLogger("log.csv"), nonlin.CSVLogger(str(tmp_path / "log.csv"))])
    assert (tmp_path / "log.csv").read_text() == "kept\n"  # refused before any write


def test_a_log_on_a_checkpoints_path_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "m.safetensors"
    with pytest.raises(ValueError, match=r"CSVLogger \(callbacks\[0\]\) and ModelCheckpoint "
                       r"\(callbacks\[1\]\) both writing"):
        _fit([nonlin.CSVLogger(str(path)), nonlin.ModelCheckpoint(str(path))])
    assert not path.exists()


def test_one_logger_listed_twice_is_named(tmp_path: Path) -> None:
    logger = nonlin.CSVLogger(str(tmp_path / "log.csv"))
    with pytest.raises(ValueError, match=r"one CSVLogger .* as callbacks\[0\] and callbacks\[1\]"):
        _fit([logger, logger])


def test_logs_of_distinct_files_run(tmp_path: Path) -> None:
    _fit([nonlin.CSVLogger(str(tmp_path / "a.csv")), nonlin.CSVLogger(str(tmp_path / "b.csv")),
          nonlin.ModelCheckpoint(str(tmp_path / "m.safetensors"))])
    lines = (tmp_path / "a.csv").read_text().splitlines()
    assert lines[0].startswith("epoch") and len(lines) == 3
    assert (tmp_path / "b.csv").read_text() == (tmp_path / "a.csv").read_text()
