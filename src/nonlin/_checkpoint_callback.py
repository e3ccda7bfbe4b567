"""``ModelCheckpoint``: the callback that writes checkpoints during ``fit`` (Keras 3's).

It takes Keras 3's arguments (``filepath``, ``monitor``, ``verbose``,
``save_best_only``, ``save_weights_only``, ``mode``, ``save_freq``,
``initial_value_threshold``) and nonlin's (``path``, the same as ``filepath``;
``every``, a number of epochs). What it writes is a checkpoint
(``nonlin.checkpoint.save_checkpoint``: ``fit(resume_from=)`` continues it bit
for bit), or with ``save_weights_only=True`` a plain model file
(``nonlin.save(..., include_optimizer=False)``, what ``nonlin.load`` reads).
Import it from ``nonlin`` or ``nonlin.checkpoint``.

Non-goals: Keras' file-name rules (``.keras``, ``.weights.h5``): every file is
a safetensors file whatever its name; ``steps_per_execution`` (nonlin runs one
batch per step).
"""

from __future__ import annotations

import math
import os
import warnings
from typing import Any

from ._checkpoint_args import BATCHES, check_frequency, check_threshold, check_verbose, one_path
from ._checkpoint_path import check_not_folder, check_template, fill, make_folder, static_folder
from ._compile_entries import check_saved_settings
from ._fit_checks import check_checkpoint_rng
from ._metric_streamed import records_state
from ._model_suffix import check_model_suffix
from ._monitor import _better, _count, _logged, _monitored, fit_metrics
from ._quoting import quoted, quoted_path
from ._resumable import check_resumable
from ._saveable import check_registered
from ._stacklevel import user_stacklevel
from .callbacks import Callback
from .core import Sequential
from .validation import check_bool


class ModelCheckpoint(Callback):
    """Save a checkpoint during ``fit``, every epoch or every ``save_freq`` batches (Keras 3).

    A checkpoint is what ``fit(resume_from=path)``, ``load_checkpoint`` and
    ``nonlin.load`` read: the run goes on bit for bit (see ``nonlin.checkpoint``).
    A model whose generator is a legacy ``numpy.random.RandomState`` (the
    tutorial's build) is refused with a ``TypeError`` before ``fit`` changes
    anything, unless ``save_weights_only``: a checkpoint records a
    ``numpy.random.Generator``'s state.

    Parameters
    ----------
    filepath : str or path-like
        File to write (``path=`` is the same argument; give one). May contain
        ``{epoch}`` (counted from 1) and log keys (``"ck-{epoch:03d}.safetensors"``),
        with an integer ``save_freq`` also ``{batch}`` (counted from 1 in its
        epoch), nothing else (``{epoch[0]}`` is refused here). A missing folder
        is created (Keras 3).
    monitor : str, default "val_loss"
    verbose : {0, 1}, default 0
        1 writes a line per save and per skipped save (``"Epoch 3: val_loss
        improved from 0.50000 to 0.40000, saving model to ck.safetensors"``,
        ``"Epoch 4: val_loss did not improve from 0.40000"``) to standard error.
    save_best_only : bool, default False
        Only save when ``monitor`` improved on ``best``. When the logs lack
        ``monitor``, a warning lists the available keys and the file is
        written, ``best`` unchanged (as in Keras 3).
    save_weights_only : bool, default False
        Write a model file (``nonlin.save(model, path, include_optimizer=False)``:
        weights, layer state, the loss and ``compile``'s metrics; no optimizer,
        generator, history or callback state) instead of a checkpoint: ``nonlin.load`` reads it,
        ``fit(resume_from=)`` does not.
    mode : {"auto", "min", "max"}
        As ``EarlyStopping``'s: with ``save_best_only``, a key of unknown
        direction raises a ``ValueError`` when training begins (Keras 3).
    save_freq : "epoch" or int, default "epoch"
        ``"epoch"``: at the end of epochs ``every, 2 * every, ...``. An int ``n``:
        after every ``n``-th batch, counted across epochs (Keras 3), never at an
        epoch's end; a checkpoint so written records the epoch in progress and
        resumes from the next batch, bit for bit, when every metric streams (with
        a plain metric function, ``fit`` warns when training begins, and the
        resumed ``fit`` restarts that epoch from its first batch, from the weights
        saved). The logs are then the batch-end ones: the epoch's running ``loss``
        and metrics (Keras 3; a plain function's the row-weighted mean of its value
        on each batch so far), with ``batch`` and ``size``.
    initial_value_threshold : float, optional
        With ``save_best_only``, the first value to beat: nothing is saved until
        ``monitor`` is better than it (Keras 3). Ignored otherwise.
    path : str or path-like, optional
        nonlin's name of ``filepath``.
    every : int, optional
        With ``save_freq="epoch"``, save after epochs ``every, 2 * every, ...``
        (counted from 1; 1 when not given). Refused with an int ``save_freq``.

    Attributes
    ----------
    best : float or None
        The best monitored value saved so far (``initial_value_threshold`` before).
    saved : list of str
        Paths written, in order.
    """

    def __init__(
        self,
        filepath: str | os.PathLike[str] | None = None,
        monitor: str = "val_loss",
        verbose: int = 0,
        save_best_only: bool = False,
        save_weights_only: bool = False,
        mode: str = "auto",
        save_freq: str | int = "epoch",
        initial_value_threshold: float | None = None,
        *,
        path: str | os.PathLike[str] | None = None,
        every: int | None = None,
    ) -> None:
        self.filepath = one_path(filepath, path)
        check_template(self.filepath)  # {epoch[0]}, {}, a lone brace: refused before training
        check_model_suffix(self.filepath)  # ck-{epoch}.h5: no HDF5 file
        self.save_freq, self._epochs = check_frequency(save_freq, every)
        self.every = None if every is None else self._epochs
        self.save_best_only = check_bool("save_best_only", save_best_only)
        self.save_weights_only = check_bool("save_weights_only", save_weights_only)
        if not isinstance(monitor, str) or not monitor:  # as EarlyStopping, ReduceLROnPlateau
            raise TypeError("Expected a log key (a non-empty str). "
                            f"Received: monitor={quoted(monitor)}")
        self.monitor, self.mode, self.verbose = monitor, mode, check_verbose(verbose)
        self._is_better = _better(monitor, mode, owner="ModelCheckpoint", lazy=True)
        self.initial_value_threshold = check_threshold(initial_value_threshold)
        self.best: float | None = self.initial_value_threshold
        self.saved: list[str] = []
        self._epoch, self._batches = 0, 0
        if self.save_freq != "epoch":  # an instance hook: fit calls no batch hook otherwise
            self.on_train_batch_end = self._batch_end  # type: ignore[method-assign]

    @property
    def path(self) -> str:
        """The file path template (``filepath``)."""
        return self.filepath

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        metrics = fit_metrics(self.model)
        self._check_fit(None, metrics, self.model.rng)
        self._check_model(self.model)
        if not self.save_weights_only:  # here only: fit's own check runs _check_fit too
            self._check_streams(metrics)

    def _check_model(self, model: Sequential) -> None:
        """A layer outside ``registry.LAYERS``: refused before the first epoch, not after it."""
        check_registered(model)

    def _check_fit(self, optimizer: Any, metrics: list[Any], rng: Any) -> None:
        """``mode="auto"``: the direction of ``monitor`` (the fit's metric of that name); the
        generator, one whose state a checkpoint records; the folder, made. ``fit`` asks for
        it first, to refuse before it changes anything."""
        if not self.save_weights_only:
            check_checkpoint_rng(rng)  # else a TypeError after the first epoch, from the writer
            check_resumable(optimizer, "ModelCheckpoint's files",  # load(compile=False) reads
                            otherwise="; or save_weights_only=True")
        self._is_better = _better(self.monitor, self.mode, metrics, "ModelCheckpoint",
                                  lazy=not self.save_best_only)
        check_not_folder(self.filepath)  # as the writer would, after a whole epoch
        make_folder(static_folder(self.filepath) or "", self.filepath)  # fails before any epoch

    def _check_streams(self, metrics: list[Any]) -> None:
        """Warn when a mid-epoch checkpoint cannot record the epoch in progress."""
        plain = [(getattr(m, "name", "?"), "is a plain function, not a streaming metric")
                 if not getattr(m, "streams", True) else (m.name, "streams but defines no "
                 "state_dict and load_state_dict") for m in metrics if not records_state(m)]
        if self.save_freq != "epoch" and plain:
            warnings.warn(
                f"ModelCheckpoint(save_freq={self.save_freq}) cannot record the epoch in "
                f"progress: metric {plain[0][0]!r} {plain[0][1]}. "
                "fit(resume_from=) of a checkpoint written mid-epoch restarts that epoch from "
                "its first batch, from the weights saved (not the bits of an uninterrupted "
                "run). Use nonlin's metrics, or save_freq='epoch'", stacklevel=user_stacklevel())

    def state_dict(self) -> dict[str, Any]:
        state: dict[str, Any] = {"best": self.best} if self.save_best_only else {}
        if self.save_freq != "epoch":
            state[BATCHES] = self._batches
        return state

    def load_state_dict(self, state: dict[str, Any]) -> None:
        best = state.get("best")
        if best is not None and (isinstance(best, bool) or not isinstance(best, int | float)):
            raise ValueError(f"Expected a number or None for 'best'. Received: {quoted(best)}")
        self.best = None if best is None else float(best)
        self._batches = _count(state, BATCHES)

    def _say(self, text: str) -> None:
        if self.verbose:
            from .progress import write_line  # progress imports callbacks: imported when used

            write_line(text)

    def _shown(self, best: float | None) -> str:
        """A best value as Keras 3 writes it: 5 decimals; before any, the worst one (±inf)."""
        if best is not None:
            return f"{best:.5f}"
        try:
            return "inf" if self._is_better(0.0, math.inf, 0.0) else "-inf"
        except ValueError:  # direction unknown (mode="auto", on_train_begin overridden)
            return "None"

    def _verdict(self, epoch: int, logs: dict[str, Any]) -> tuple[bool, float | None]:
        """Keras' ``_should_save_model``: whether to save, and the new best value if any."""
        if not self.save_best_only:
            return True, None
        if not _logged(logs, self.monitor, "Can save best model only with metric", self):
            return True, None  # Keras 3: warn and save; ``best`` stays as it was
        current = _monitored(logs, self.monitor, self)
        if current is not None and (self.best is None
                                    or self._is_better(current, self.best, 0.0)):
            return True, current
        self._say(f"Epoch {epoch + 1}: {self.monitor} did not improve from "
                  f"{self._shown(self.best)}")
        return False, None

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self._epoch = epoch

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        if self.save_freq == "epoch" and not (epoch + 1) % self._epochs:
            self._save(epoch, None, logs or {})

    def _batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        """``on_train_batch_end`` with an integer ``save_freq``: count, save every n-th."""
        self._batches += 1
        if self._batches >= int(self.save_freq):
            self._batches = 0  # before writing: the checkpoint records the count to go on from
            self._save(self._epoch, batch, logs or {})

    def _save(self, epoch: int, batch: int | None, logs: dict[str, Any]) -> None:
        """Keras' ``_save_model``: decide, name the file, say so, write; ``batch`` None at an
        epoch's end. A ``ValueError`` of the writer (NaN weights) skips it with a warning;
        settings refused (a callback's ``opt.beta_1 = 1.5``) raise, as every later write would."""
        save, current = self._verdict(epoch, logs)
        if not save:
            return
        check_saved_settings(self.model, not self.save_weights_only)  # nothing written yet
        keys = logs if batch is None else {**logs, "batch": batch + 1}
        path = fill(self.filepath, epoch + 1, keys)
        if current is None:
            self._say(f"Epoch {epoch + 1}: saving model to {path}")
        else:
            self._say(f"Epoch {epoch + 1}: {self.monitor} improved from "
                      f"{self._shown(self.best)} to {current:.5f}, saving model to {path}")
        best = self.best
        self.best = best if current is None else current  # the checkpoint records it
        try:
            make_folder(os.path.dirname(path), self.filepath)
            self._write(path, epoch if batch is not None else epoch + 1)
        except BaseException as exc:  # nothing written: ``best`` stays the best value saved
            self.best = best
            if not isinstance(exc, ValueError):  # not: NaN (diverged), slots of other params
                raise  # OSError (disk full, ...), KeyboardInterrupt
            warnings.warn(f"ModelCheckpoint did not write {quoted_path(path)}: {exc}",
                          stacklevel=user_stacklevel())  # at the user's fit
            return
        self.saved.append(path)

    def _write(self, path: str, done: int) -> None:
        """The checkpoint after ``done`` completed epochs (mid-epoch: with the epoch in
        progress), or the weights-only model file."""
        if self.save_weights_only:
            from .io import save

            save(self.model, path, include_optimizer=False)
        else:
            from .checkpoint import write_checkpoint  # checkpoint re-exports this class

            write_checkpoint(self.model, path, epoch=done)  # resumable: checked before fit
