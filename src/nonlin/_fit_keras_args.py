"""Keras 3's step and validation arguments of ``fit``, ``evaluate`` and ``predict``.

``validation_freq`` (validate at the end of every ``validation_freq``-th epoch, counted
from 1 as Keras does: ``(epoch + 1) % validation_freq == 0`` for the 0-based ``epoch``, so
the schedule depends only on the absolute epoch and a resumed run keeps it),
``validation_batch_size``, ``steps_per_epoch``, ``validation_steps`` and ``steps``.

With arrays, Keras 3 cuts its batches as ``batch_size or ceil(n_rows / steps)`` and takes
``steps`` of them. ``evaluate`` and ``predict`` make a new iterator each call: the first
``steps`` batches, every row when ``batch_size`` is not given (``rows_for_steps``). ``fit``
keeps one iterator for the whole run, so an epoch of fewer batches than the data holds picks
up where the last one stopped and reshuffles only when the rows run out; nonlin's epochs are
one pass over the rows (its checkpoints, resuming and shuffling count on that), so ``fit``
takes ``steps_per_epoch`` and ``validation_steps`` only where they cover the rows in one pass,
as every epoch then is in Keras too, and refuses the rest saying what to do instead
(``epoch_batch_size``, ``check_validation_steps``).
"""

from __future__ import annotations

import math
import warnings
from typing import Any

from ._quoting import quoted
from ._stacklevel import user_stacklevel
from .validation import check_positive_int, is_integer


def check_validation_freq(value: Any) -> int:
    """Keras 3's ``validation_freq``: an integer >= 1 (a bool or a list refused)."""
    if isinstance(value, list | tuple | range):
        raise TypeError("Expected validation_freq as an integer >= 1, as Keras 3 documents it: "
                        "validation runs at the end of every validation_freq-th epoch. "
                        f"Received: validation_freq={quoted(value, 100)}; for validation at "
                        "chosen epochs, call model.evaluate(X_val, y_val) from a callback's "
                        "on_epoch_end")
    if not is_integer(value) or value < 1:
        raise ValueError("Expected validation_freq as an integer >= 1 (1: every epoch). "
                         f"Received: validation_freq={quoted(value)}")
    return int(value)


def validates(epoch: int, validation_freq: int) -> bool:
    """Whether the 0-based ``epoch`` ends with validation (Keras 3's ``_should_eval``)."""
    return (epoch + 1) % validation_freq == 0


def check_steps(name: str, steps: Any) -> int | None:
    """None, or an integer >= 1 for ``steps``, ``steps_per_epoch`` or ``validation_steps``."""
    return None if steps is None else check_positive_int(name, steps)


def _batches(n_rows: int, steps: int, batch_size: int | None) -> tuple[int, int]:
    """Keras 3's (rows per batch, batches) of ``n_rows`` rows for ``steps`` steps."""
    size = batch_size or max(math.ceil(n_rows / steps), 1)
    return size, math.ceil(n_rows / size)


def _ran_out(name: str, steps: int, batches: int, n_rows: int, what: str) -> None:
    """Keras 3's warning when ``steps`` asks for more batches than the rows make."""
    warnings.warn(f"{name}={steps} asks for more batches than {what} holds: its {n_rows} rows "
                  f"make {batches}, all of which are used (Keras 3 warns 'Your input ran out "
                  "of data' there too)", stacklevel=user_stacklevel())


def rows_for_steps(steps: Any, batch_size: int | None, n_rows: int) -> int:
    """The rows ``evaluate(steps=)`` or ``predict(steps=)`` reads: the first ``steps``
    batches of ``batch_size`` rows, or all ``n_rows`` without a ``batch_size`` (Keras 3
    then cuts ``ceil(n_rows / steps)`` rows per batch; nonlin keeps its own chunks, which
    change the results only in the last bits). More steps than batches: all rows, warned."""
    checked = check_steps("steps", steps)
    if checked is None or n_rows == 0:
        return n_rows
    size, batches = _batches(n_rows, checked, batch_size)
    if checked > batches:
        _ran_out("steps", checked, batches, n_rows, "x")
    return min(n_rows, checked * size)


def epoch_batch_size(steps_per_epoch: int | None, batch_size: int | None, n_rows: int) -> int:
    """``fit``'s rows per step: ``batch_size`` (None: 32, Keras' default), or with
    ``steps_per_epoch`` Keras 3's ``batch_size or ceil(n_rows / steps_per_epoch)``, refused
    when the epoch would stop before the rows run out (see the module's docstring)."""
    if steps_per_epoch is None:
        return 32 if batch_size is None else batch_size
    size, batches = _batches(n_rows, steps_per_epoch, batch_size)
    if steps_per_epoch < batches:
        raise ValueError(
            f"Expected steps_per_epoch >= {batches}, the batches of one pass over the "
            f"{n_rows} training rows with batch_size={size}. Received: steps_per_epoch="
            f"{steps_per_epoch}. Keras 3 would carry its array iterator over to the next epoch; "
            "nonlin's epochs are one pass over the rows. For fewer updates per epoch, pass "
            f"fewer rows (x[:{steps_per_epoch * size}], y[:{steps_per_epoch * size}]), or "
            f"leave batch_size out: steps_per_epoch={steps_per_epoch} alone cuts "
            f"ceil({n_rows} / {steps_per_epoch}) rows per batch, as Keras does")
    if steps_per_epoch > batches:
        _ran_out("steps_per_epoch", steps_per_epoch, batches, n_rows, "the training data")
    return size


def check_validation_steps(validation_steps: int | None, batch_size: int | None,
                           n_rows: int) -> None:
    """Refuse ``validation_steps`` that would cut a validation pass short (Keras 3 carries
    its iterator over to the next validation run); ``batch_size``: Keras' batch of the
    validation rows, ``validation_batch_size or batch_size`` as given (None: none given)."""
    if validation_steps is None:
        return
    size, batches = _batches(n_rows, validation_steps, batch_size)
    if validation_steps < batches:
        raise ValueError(
            f"Expected validation_steps >= {batches}, the batches of the {n_rows} validation "
            f"rows with a batch size of {size}. Received: validation_steps={validation_steps}. "
            "Keras 3 would go on from there at the next validation; nonlin validates on every "
            "row each time. Pass fewer validation rows (validation_data=(X_val[:k], "
            "y_val[:k])) or leave validation_steps out")
    if validation_steps > batches:
        _ran_out("validation_steps", validation_steps, batches, n_rows, "the validation data")


class FitSteps:
    """``fit``'s batch and validation arguments, checked before anything changes; ``sizes``
    then gives the rows per step once the training and validation rows are known."""

    def __init__(self, batch_size: Any, validation_freq: Any, validation_batch_size: Any,
                 steps_per_epoch: Any, validation_steps: Any) -> None:
        self.batch_size = None if batch_size is None else check_positive_int("batch_size",
                                                                              batch_size)
        self.validation_freq = check_validation_freq(validation_freq)
        self.validation_batch_size = (None if validation_batch_size is None else
                                      check_positive_int("validation_batch_size",
                                                         validation_batch_size))
        self.steps_per_epoch = check_steps("steps_per_epoch", steps_per_epoch)
        self.validation_steps = check_steps("validation_steps", validation_steps)

    def sizes(self, n_train: int, n_val: int | None) -> int:
        """The training rows per step (refusing steps that cut a pass short, see
        ``epoch_batch_size``); ``n_val``: the validation rows, None without validation."""
        size = epoch_batch_size(self.steps_per_epoch, self.batch_size, n_train)
        if n_val is not None:  # Keras: validation_batch_size or batch_size, as given
            check_validation_steps(self.validation_steps,
                                   self.validation_batch_size or self.batch_size, n_val)
        return size


def csv_columns(model: Any, logs: dict[str, Any]) -> list[str]:
    """``CSVLogger``'s columns from the first epoch's ``logs``, sorted: with a
    ``validation_freq`` whose first epoch does not validate, the ``val_*`` keys later
    epochs log join them (Keras 3 adds the ``val_`` columns it expects too), so the
    epochs without validation write ``NA`` there and the header is that of
    ``validation_freq=1``."""
    keys = set(logs)
    if (getattr(model, "_fit_val_freq", None) is not None
            and not any(key.startswith("val_") for key in keys)):
        keys.update(["val_loss", *(f"val_{m.name}" for m in getattr(model, "_fit_metrics", ()))])
    return sorted(keys)
