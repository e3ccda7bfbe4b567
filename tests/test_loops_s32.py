"""Session 32 (loops32): a hand-written training loop's errors, and fit's progress display."""

from __future__ import annotations

import functools
import io
import os

import numpy as np
import pytest

import nonlin
from nonlin.progress import ProgbarLogger


class _Tty(io.StringIO):
    """A stream that says it is a terminal (no file descriptor to ask for its width)."""

    def isatty(self) -> bool:
        return True


def test_tqdm_disable_bound_at_tqdm_import_still_turns_bars_off(monkeypatch):
    # tqdm reads TQDM_DISABLE once, when imported, as disable's default: a variable
    # removed since leaves its bars blank, so the epoch's results need the plain lines
    import tqdm.std

    monkeypatch.delenv("TQDM_DISABLE", raising=False)
    bound = functools.partialmethod(tqdm.std.tqdm.__dict__["__init__"].func, disable=True)
    monkeypatch.setattr(tqdm.std.tqdm, "__init__", bound)
    file = _Tty()
    logger = ProgbarLogger(1, 2, 1, file=file)
    logger.on_epoch_begin(0)
    logger.on_batch_end(0, {"loss": 0.5})
    logger.on_batch_end(1, {"loss": 0.25})
    logger.on_epoch_end(0, {"loss": 0.25})
    assert "loss: 0.2500" in file.getvalue()


def test_tqdm_disable_set_after_import_read_at_each_fit(monkeypatch):
    import tqdm  # noqa: F401  (imported before the variable is set)

    monkeypatch.setenv("TQDM_DISABLE", "1")
    file = _Tty()
    logger = ProgbarLogger(1, 2, 1, file=file)
    assert logger._tqdm is False and "TQDM_DISABLE" in os.environ
