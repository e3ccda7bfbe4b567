"""Shared by the tests of SIGTERM and Ctrl-C in ``nonlin train`` (``test_cli_sigterm_s27``,
``test_cli_signals_at_once_s27``, ``test_cli_sigterm_burst_s27``, ``test_cli_after_save_s27``,
``test_cli_sigterm_background_s28``, ``test_cli_sigterm_cut_s28``)."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest

from cli_helpers import write_csv
from nonlin import cli


@contextmanager
def signal_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """The working folder ``tmp_path`` with ``d.csv`` (300 rows of features ``a``-``d`` and a
    0/1 target ``y``: 240 for training, 8 steps an epoch); SIGTERM's and SIGINT's handlers
    put back as they were after the block."""
    term, ctrl_c = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)
    monkeypatch.chdir(tmp_path)
    X = np.random.default_rng(1).normal(size=(300, 4))
    write_csv(tmp_path / "d.csv", [*"abcd", "y"],
              np.column_stack([X, (X[:, 0] > X[:, 1]).astype(int)]).tolist())
    try:
        yield tmp_path
    finally:
        signal.signal(signal.SIGTERM, term)
        signal.signal(signal.SIGINT, ctrl_c)


def train_d_csv(*extra: object, epochs: int = 4, out: str = "m.safetensors") -> int:
    """``nonlin train d.csv --target y --epochs EPOCHS --quiet --out OUT EXTRA...`` in the
    folder of ``signal_folder``; the command's status."""
    return cli.main(["train", "d.csv", "--target", "y", "--epochs", str(epochs), "--quiet",
                     "--out", out, *map(str, extra)])
