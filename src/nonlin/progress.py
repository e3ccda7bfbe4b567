"""Progress display for ``fit``: a live bar per epoch (verbose=1) or one line per epoch (2);
for ``evaluate`` and ``predict``: a bar over the batches (1) or one line at the end (2).

The bar uses ``tqdm`` when it is importable and falls back to plain text
otherwise. It is drawn only where it can be redrawn in place (``redraws``: a terminal,
a notebook); on a file or a pipe (a CI log, ``nohup``, ``2> log``) verbose=1 writes
plain lines instead: verbose=2's, and a line a minute within a longer epoch or pass.
Output goes to ``file`` (standard error by default) through its ``write`` method;
the library never calls ``print``.
"""

from __future__ import annotations

import contextlib
import os
import time
from typing import Any, TextIO

from ._callback_args import log_number
from ._progress_streams import bars_off, ide_console, no_width, stderr
from .callbacks import Callback

_REFRESH_S = 0.1  # tqdm's default mininterval: the bar's refreshes, with or without tqdm
_LOG_S = 60.0  # a file or a pipe: a progress line at most this often within an epoch or pass


def redraws(file: Any) -> bool:
    """Whether ``file`` shows a bar redrawn in place: a terminal (``isatty()``), a Jupyter
    kernel's stream (ipykernel's ``OutStream``; Colab's, Spyder's) or PyCharm's run console
    (``PYCHARM_HOSTED``: the process's own standard output or error, a pipe to the IDE). Not
    a file or a pipe (a CI log, ``nohup``, ``2> log``, a ``StringIO``), in PyCharm as well:
    each redraw would stay there, some ten ``\\r`` frames a second on one ever longer line.
    A terminal of 0 columns (``no_width``) and bars turned off with ``TQDM_DISABLE``
    (``bars_off``: the epoch's results would go with the bar) get plain lines too.
    Checked once per ``fit``, ``evaluate`` or ``predict``. (Keras 3's ``Progbar`` asks about
    ``sys.stdout`` alone, and redraws on any POSIX system, a log file included.)"""
    try:
        tty = file.isatty()
    except (AttributeError, ValueError, OSError):  # no isatty, or a closed stream
        tty = False
    if tty:
        return not no_width(file) and not bars_off()
    return (type(file).__module__.startswith("ipykernel") or (
        "PYCHARM_HOSTED" in os.environ and ide_console(file))) and not bars_off()


def format_logs(logs: dict[str, Any]) -> str:
    """``"loss: 0.1234 - accuracy: 0.9876"`` (learning rate left out): Keras' format, four
    decimals, or four significant digits in exponent form at or below 1e-3 in magnitude."""
    return " - ".join(f"{k}: {_value(v)}" for k, v in logs.items() if k != "lr")


def _value(v: Any) -> str:
    number = log_number(v)  # the float History records (a Fraction's own format takes no "e")
    if number is None:  # a str or a list a callback logged: as it is
        return str(v)
    return format(number, ".4f" if abs(number) > 1e-3 else ".4e")


def write_line(text: str, file: TextIO | None = None) -> None:
    """One line of a callback's message (``EarlyStopping(verbose=1)``), on ``file``
    (standard error by default, where the progress display writes)."""
    file = file if file is not None else stderr()
    file.write(text + "\n")
    file.flush()


class ProgbarLogger(Callback):
    """Show training progress.

    Parameters
    ----------
    verbose : {1, 2}
        1: a bar per epoch with the running loss, refreshed at most every 0.1 s
        (tqdm's ``TQDM_MININTERVAL`` sets another), and the epoch's metrics at its end;
        2: one line per epoch. Where ``file`` cannot redraw a bar (``redraws``: a file,
        a pipe), 1 writes 2's lines, and within an epoch a line a minute with the
        batches done and the running loss (and the validation's batches done, within a
        validation pass: ``validation_tick``).
    steps : int or None
        Batches per epoch; None when unknown (a batch source): an open-ended bar.
    epochs : int
    file : text stream, default sys.stderr
    """

    def __init__(self, verbose: int, steps: int | None, epochs: int,
                 file: TextIO | None = None) -> None:
        self.verbose, self.steps, self.epochs = verbose, steps, epochs
        self.file = file if file is not None else stderr()
        # a bar redrawn in place (a terminal, a notebook); else plain lines (a CI log)
        self._redraw = verbose == 1 and redraws(self.file)
        self._tqdm = False
        if self._redraw:  # a file or a pipe: tqdm not even imported
            try:
                import tqdm  # noqa: F401

                self._tqdm = True
            except ImportError:
                pass
        self._bar: Any = None
        self._epoch = 0
        # set by fit: () -> {"loss": value, metric: value} over the rows seen so far
        self.live: Any = None

    @property
    def reads_batch_logs(self) -> bool:
        """False once fit feeds it (``live``): then it reads no batch-end logs, and a fit
        whose only batch listener it is builds none (see ``CallbackList``)."""
        return self.live is None

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self._start = self._last = time.monotonic()
        self._done, self._reached, self._epoch = 0, 0, epoch
        if self.verbose == 1 and self._tqdm:
            from tqdm.auto import tqdm

            # refreshed at tqdm's mininterval: 0.1 s (_REFRESH_S), or TQDM_MININTERVAL's
            self._bar = tqdm(total=self.steps, desc=f"Epoch {epoch + 1}/{self.epochs}",
                             file=self.file, leave=True, unit="batch")
        elif self.verbose == 1 and self._redraw:
            self.file.write(f"Epoch {epoch + 1}/{self.epochs}\n")

    def on_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        if self.verbose != 1:
            return
        self._reached = batch + 1  # fewer than steps when a callback ends the epoch early
        now = time.monotonic()
        if now - self._last < (_REFRESH_S if self._redraw else _LOG_S) and (
                self.steps is None or batch + 1 < self.steps):
            return
        self._last = now
        if not self._redraw and batch + 1 == self.steps:
            return  # a file: the epoch's line comes next
        # fit's live() gives the running logs; else the batch-end logs hold them (Keras 3)
        running = (self.live() if self.live is not None else
                   {k: v for k, v in (logs or {}).items() if k not in ("batch", "size")})
        text = format_logs(running)
        if self._bar is not None:
            self._bar.set_postfix_str(text, refresh=False)
            self._bar.update(batch + 1 - self._done)
        elif self._redraw:
            self.file.write(f"\r{batch + 1}/{self.steps or '?'} - {text}")
        else:  # a file or a pipe: a plain line, at most a minute after the one before
            self.file.write(f"Epoch {self._epoch + 1}/{self.epochs} - {batch + 1}/"
                            f"{self.steps or '?'} - {now - self._start:.1f}s - {text}\n")
            self.file.flush()
        self._done = batch + 1

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        text = format_logs(logs or {})
        elapsed = time.monotonic() - self._start
        reached = self._reached or self.steps or 0
        if self._bar is not None:
            self._bar.update(reached - self._done)
            self._bar.set_postfix_str(text)
            self._bar.close()
            self._bar = None
        elif self._redraw:
            self.file.write(f"\r{reached}/{self.steps or reached} - {elapsed:.1f}s - {text}\n")
        else:  # verbose=2, or 1 on a file or a pipe
            self.file.write(f"Epoch {epoch + 1}/{self.epochs} - {elapsed:.1f}s - {text}\n")
        self.file.flush()

    def validation_tick(self) -> Any:
        """What ``fit``'s validation pass tells the chunks or batches it has done (its
        ``tick``): on a file or a pipe with verbose=1, a line a minute, as the training
        batches get (``_validation_line``); else None, nothing called per chunk."""
        return self._validation_line if self.verbose == 1 and not self._redraw else None

    def _validation_line(self, done: int) -> None:
        now = time.monotonic()
        if now - self._last >= _LOG_S:
            self._last = now
            self.file.write(f"Epoch {self._epoch + 1}/{self.epochs} - validation: {done} "
                            f"batches - {now - self._start:.1f}s\n")
            self.file.flush()

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


def close_bars(callbacks: Any) -> None:
    """Close the bar of each ``ProgbarLogger`` among ``callbacks`` (a ``CallbackList``) that a
    ``fit`` which raised (Ctrl-C, an error) left open: no ``on_train_end`` comes then, and
    tqdm would keep it among its bars, drawing the next fit's a line lower, with cursor-up
    codes a notebook shows as they are (a widget bar stays as it was, not marked stopped).

    The bar alone, not ``on_train_end`` (a subclass's may do more, and may have run once
    already), and an error closing it (a closed stream) left out: the fit's own error, a
    ``KeyboardInterrupt`` above all, is the one that propagates."""
    for callback in callbacks.callbacks:
        bar = getattr(callback, "_bar", None) if isinstance(callback, ProgbarLogger) else None
        if bar is not None:
            callback._bar = None
            with contextlib.suppress(Exception):
                bar.close()


class PassProgress:
    """Show the progress of one inference pass (``evaluate``, ``predict``) over its batches.

    Used as a context manager: ``update(done)`` after each batch, ``finish(logs)``
    once the pass has its results; leaving the block closes a bar that is
    still open (the pass raised), without a final line.

    Parameters
    ----------
    verbose : {0, 1, 2}
        0 nothing; 1 a bar over the batches, then the results (``evaluate``'s
        loss and metrics); 2 one line at the end, as Keras writes it. Where ``file``
        cannot redraw a bar (``redraws``: a file, a pipe), 1 writes 2's line, and a
        line a minute with the batches done in a longer pass.
    steps : int or None
        Batches in the pass; None when unknown (a batch source): an open-ended bar.
    file : text stream, default sys.stderr
    """

    def __init__(self, verbose: int, steps: int | None, file: TextIO | None = None) -> None:
        self.verbose = verbose  # steps None: unknown (a batch source), an open-ended bar
        self.steps = None if steps is None else max(int(steps), 1)
        self.file = file if file is not None else stderr()
        self._start = self._last = time.monotonic()
        self._done, self._bar = 0, None
        self._redraw = verbose == 1 and redraws(self.file)  # else plain lines (a CI log)
        if self._redraw:
            try:
                from tqdm.auto import tqdm
            except ImportError:
                return
            self._bar = tqdm(total=self.steps, file=self.file, leave=True, unit="batch")

    def __enter__(self) -> PassProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def update(self, done: int) -> None:
        """``done`` batches of ``steps`` have gone through."""
        if self._bar is not None:
            self._bar.update(done - self._done)
        elif self.verbose == 1:
            now = time.monotonic()
            if not self._redraw:  # a file or a pipe: a line a minute, none at the end
                if now - self._last >= _LOG_S and done < (self.steps or done + 1):
                    self._last = now
                    self.file.write(f"{done}/{self.steps or '?'} - {now - self._start:.1f}s\n")
                    self.file.flush()
            elif now - self._last >= _REFRESH_S or done >= (self.steps or done + 1):
                self._last = now
                self.file.write(f"\r{done}/{self.steps or '?'}")
        self._done = done

    def finish(self, logs: dict[str, Any] | None = None) -> None:
        """End the display: the bar at ``steps`` (verbose=1) or the line (2), with ``logs``."""
        if not self.verbose:
            return
        text = format_logs(logs) if logs else ""
        if self._bar is not None:
            self._bar.update((self.steps or self._done) - self._done)
            if text:
                self._bar.set_postfix_str(text, refresh=False)
            self._bar.close()
            self._bar = None
        else:
            elapsed = time.monotonic() - self._start
            total = self.steps or self._done
            line = f"{total}/{total} - {elapsed:.1f}s" + (f" - {text}" if text else "")
            self.file.write(("\r" if self._redraw else "") + line + "\n")
        self.file.flush()
