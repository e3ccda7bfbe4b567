"""``ModelCheckpoint``'s arguments checked when it is made: the file path (Keras'
``filepath`` or nonlin's ``path``), ``verbose``, ``save_freq`` with ``every``, and
``initial_value_threshold``. Each refusal says what was expected and what was received.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ._file_objects import checkpoint_path
from ._quoting import quoted
from .validation import is_integer, is_real

BATCHES = "batches_since_save"  # the state_dict key of an integer save_freq's count


def one_path(filepath: Any, path: Any) -> str:
    """The file path, given as Keras' ``filepath`` or nonlin's ``path`` (not both); a file
    object is refused, as ``save_checkpoint`` refuses it."""
    if filepath is not None and path is not None:
        raise TypeError(f"Expected one file path: filepath (Keras' name) or path, the same "
                        f"argument. Received both: filepath={quoted(filepath, 60)}, "
                        f"path={quoted(path, 60)}")
    if filepath is None and path is None:
        raise TypeError("Expected a file path: ModelCheckpoint(filepath) or path=. "
                        "Received neither")
    return checkpoint_path(filepath if filepath is not None else path, "write")


def check_verbose(value: Any) -> int:
    """Keras' ``verbose`` of a callback: 0 (silent) or 1 (a line per save); a bool too."""
    if isinstance(value, bool | np.bool_) or (is_integer(value) and value in (0, 1)):
        return int(value)
    raise ValueError(f"Expected verbose 0 or 1 (or a bool). Received: verbose={quoted(value)}")


def check_frequency(save_freq: Any, every: Any) -> tuple[str | int, int]:
    """``save_freq`` (``"epoch"`` or a positive number of batches) and the epochs between
    saves (``every``, 1 when not given); ``every`` with batches is refused."""
    if every is not None and (not is_integer(every) or every < 1):
        raise ValueError(f"Expected a positive integer. Received: every={quoted(every)}")
    if isinstance(save_freq, str) and save_freq == "epoch":
        return "epoch", 1 if every is None else int(every)
    if not is_integer(save_freq) or save_freq < 1:
        raise ValueError(f"Expected save_freq 'epoch' or a positive integer (a number of "
                         f"batches). Received: save_freq={quoted(save_freq)}")
    if every is not None:
        raise ValueError(f"Expected every (epochs) or an integer save_freq (batches), not "
                         f"both. Received: every={quoted(every)}, save_freq={quoted(save_freq)}")
    return int(save_freq), 1


def check_threshold(value: Any) -> float | None:
    """``initial_value_threshold``: None, or a number not NaN (infinities allowed)."""
    if value is None:
        return None
    if not is_real(value):
        raise TypeError(f"Expected a number or None. Received: "
                        f"initial_value_threshold={quoted(value)}")
    if math.isnan(value):
        raise ValueError("Expected a number that a monitored value can beat. Received: "
                         "initial_value_threshold=nan")
    return float(value)
