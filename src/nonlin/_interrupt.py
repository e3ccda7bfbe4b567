"""Ctrl-C during training: SIGINT deferred to the end of the running step."""

from __future__ import annotations

import importlib
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, ClassVar

# signal's C functions: signal.signal and getsignal convert to and from enums in Python,
# some twenty calls a pair (train_on_batch installs the guard at every call); the module
# itself where an interpreter has no _signal (the same functions, with the conversions)
try:
    _raw_signal: Any = importlib.import_module("_signal")
except ImportError:  # pragma: no cover (CPython, PyPy and Pyodide have it)
    _raw_signal = signal

# the KeyboardInterrupt of a signal that cut a step (``SigintGuard.torn``) says so
CUT = ("a third Ctrl-C cut the running training step: the weights, the optimizer's state and "
       "the generator may be part-way through it, and a checkpoint saved now may resume to "
       "other bits than a run never stopped")


class SigintGuard:
    """Defers SIGINT to the end of the running step (main thread only).

    Only over a handler of Python's (its default, which raises ``KeyboardInterrupt``,
    or the program's own): a program that ignores SIGINT (``SIG_IGN``: a pool's worker,
    a background job ``... &`` of a script; ``nohup`` ignores SIGHUP only), lets it end
    the process (``SIG_DFL``) or handles it outside
    Python (``getsignal`` is None, and could not be put back) keeps that.

    ``pending`` tells whether a Ctrl-C came. Between steps (in a callback, a
    validation pass) a second Ctrl-C raises ``KeyboardInterrupt`` at once.
    Inside a step (``in_step``: forward, backward, update and the epoch's
    progress record; also an epoch's shuffling draw and the record of where the
    generator started it) the second is deferred as well, so the weights, the
    optimizer's slots, the metrics and the progress record stay consistent for
    an exact resume; a third raises at once and sets ``torn`` (for good: a fourth
    outside the step still finds the step cut), its ``KeyboardInterrupt`` saying so
    (``CUT``).

    ``current``: the guard of the ``fit`` running in the main thread (``installed``),
    also where SIGINT is left as it was; ``request`` asks it to stop as a Ctrl-C would
    (the command line's SIGTERM while SIGINT stays ignored, ``cli_sigterm``).
    """

    current: ClassVar[SigintGuard | None] = None

    def __init__(self) -> None:
        self.pending = False
        self.in_step = False
        self.torn = False
        self._count = 0

    def _handler(self, signum: int, frame: Any) -> None:
        self._count += 1
        if self._count >= (3 if self.in_step else 2):  # give up waiting
            self.torn = self.torn or self.in_step
            raise KeyboardInterrupt(CUT) if self.torn else KeyboardInterrupt
        self.pending = True

    def request(self, signum: int, frame: Any) -> None:
        """A stop asked for other than by SIGINT, taken as SIGINT's handler takes a Ctrl-C
        (deferred to the end of the running step; counted with the Ctrl-Cs)."""
        self._handler(signum, frame)

    def install(self) -> Any:
        """``installed``'s handler put in place where it would be, through ``signal``'s C
        functions (``train_on_batch``, once per call): the handler it replaced, for
        ``uninstall``, or None where SIGINT's is left as it was."""
        if threading.current_thread() is not threading.main_thread():
            return None
        previous = _raw_signal.getsignal(signal.SIGINT)
        if not callable(previous):
            return None
        _raw_signal.signal(signal.SIGINT, self._handler)
        return previous

    @staticmethod
    def uninstall(previous: Any) -> None:
        """Put back the handler ``install`` replaced (None: nothing to put back)."""
        if previous is not None:
            _raw_signal.signal(signal.SIGINT, previous)

    @contextmanager
    def installed(self) -> Iterator[SigintGuard]:
        """The guard ``current`` and SIGINT's handler within the block (main thread only;
        SIGINT only over a handler of Python's); both as they were after it."""
        if threading.current_thread() is not threading.main_thread():
            yield self
            return
        outer, SigintGuard.current = SigintGuard.current, self  # a fit in a callback: outer
        try:
            if not callable(signal.getsignal(signal.SIGINT)):
                yield self
                return
            previous = signal.signal(signal.SIGINT, self._handler)
            try:
                yield self
            finally:
                signal.signal(signal.SIGINT, previous)
        finally:
            SigintGuard.current = outer
