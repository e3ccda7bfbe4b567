"""SIGTERM during a ``nonlin`` command (``train`` above all): handled as Ctrl-C is, status 143.

CI runners (GitLab, Jenkins, GitHub Actions after its SIGINT grace), ``docker stop``,
Kubernetes, systemd and ``timeout(1)`` ask a job to stop with SIGTERM, whose default
ends the process at once: a run of ``nonlin train`` would be lost. While the command
runs, ``sigterm_as_ctrl_c`` puts in a handler that does what a Ctrl-C would do at that
moment, by calling SIGINT's handler of the moment: reading the data, the
``KeyboardInterrupt`` of Python's default; training, ``fit``'s guard, which defers it to
the end of the running step, so the checkpoint then saved resumes bit-identically;
writing the checkpoint or the model file, nothing (SIGINT is ignored there: the file is
finished, and it is written atomically, so not even a ``SIGKILL`` leaves half a file).
The SIGTERMs after the first it passes on change nothing (a Ctrl-C still counts: a
third cuts a step). The command then says ``terminated`` rather than ``interrupted``
and exits with 143 (128 + 15, the shell's status for SIGTERM, which ``timeout`` and CI
runners expect) rather than 130.

A command that finds SIGINT ignored (``SIG_IGN``: a background job ``nonlin train ... &``
of a script, ``nohup`` or not, which the shell starts so) leaves it ignored, so that a Ctrl-C
at the script's terminal still never reaches it, and handles SIGTERM all the same:
``set_ctrl_c`` then sets a stand-in for SIGINT's handler (``_STAND_IN``), which the
SIGTERM handler calls instead, and while ``fit`` runs, its guard's ``request``
(``SigintGuard.current``): the same checkpoint, ``terminated`` and 143. The stand-in is
set also where SIGTERM is left as it was (ignored too, ``trap '' TERM``), so SIGINT stays
ignored there as well, and where SIGINT's handler was set outside Python (``getsignal`` is
None), which could not be put back.

The library's ``fit`` installs no SIGTERM handler (as Keras' ``fit``): only the
commands do (``cli._run``; ``train`` its own), from the main thread, and put the
previous handler back when they end.
It leaves SIGTERM as it was where it could not do as Ctrl-C does: Ctrl-C left to the
system (``SIG_DFL``) or handled outside Python, SIGTERM ignored by the parent or
handled outside Python, a thread other than the main one, and Windows (where SIGTERM
cannot be sent to a process: ``os.kill`` ends it).
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ._interrupt import SigintGuard

__all__ = ["Termination", "ctrl_c", "ctrl_c_handler", "set_ctrl_c", "sigterm_as_ctrl_c"]

STATUS = 128 + 15  # as a shell reports a process SIGTERM ended
_WINDOWS = sys.platform == "win32"  # SIGTERM in the module, but never delivered as a signal


class Termination:
    """Whether a SIGTERM came; its handler passes it on to SIGINT's handler of the moment.
    ``saved`` and ``plotted``: the model file and the plot written so far (shown paths),
    which a Ctrl-C or SIGTERM after them names (``stopped``)."""

    def __init__(self) -> None:
        self.received = False
        self._passed_to: Any = None  # the SIGINT handler a SIGTERM was last passed on to
        self.saved: str | None = None
        self.plotted: str | None = None

    @property
    def word(self) -> str:
        """How the command says it stopped: ``terminated`` or ``interrupted``."""
        return "terminated" if self.received else "interrupted"

    def stopped(self, plot: str | None) -> str:
        """What a Ctrl-C or SIGTERM before the end left: nothing, or the model file (and the
        plot, or that ``plot``, asked for, was not written)."""
        if self.saved is None:
            return f"{self.word} before training started; nothing saved"
        if self.plotted is not None:
            return f"{self.word} after the model was saved to {self.saved} and the plot to " \
                   f"{self.plotted}"
        left = f"; the plot {plot} was not written" if plot is not None else ""
        return f"{self.word} after the model was saved to {self.saved}{left}"

    def status(self, status: int) -> int:
        """``status``, with a Ctrl-C's 130 made 143 where a SIGTERM stopped the run."""
        return STATUS if status == 130 and self.received else status

    def handler(self, signum: int, frame: Any) -> None:
        """SIGINT's handler of the moment, called for the first SIGTERM it could take; the
        ones after change nothing while that handler is in place: a burst must not count
        as the Ctrl-Cs that cut a training step (a third, ``SigintGuard``), whose
        checkpoint resumes to other bits. (A program's own Ctrl-C handler that let the
        data be read on is passed on to once; fit's guard then takes the next.)"""
        self.received = True
        ctrl_c = _of_the_moment()
        # SIG_IGN: a file being finished; == (not is): a bound method, made anew when set
        if callable(ctrl_c) and ctrl_c != self._passed_to:
            self._passed_to = ctrl_c
            ctrl_c(signal.SIGINT, frame)


def ctrl_c(signum: int, frame: Any) -> None:
    """Python's default Ctrl-C (``KeyboardInterrupt``), but nothing while one is handled.

    A signal right after another (a Ctrl-C and a SIGTERM, ``timeout`` and a user, a burst)
    can run its handler at the first instructions of the ``except`` taking the first in
    hand, before that ignores them: a second ``KeyboardInterrupt`` there would escape it,
    lose the checkpoint or the message, and end with ``nonlin: interrupted`` and 130."""
    if isinstance(sys.exc_info()[1], KeyboardInterrupt):
        return
    raise KeyboardInterrupt


class _StandIn:
    """SIGINT's handler as the command sets it where SIGINT stays ignored (``on``: while a
    command that found it ignored, or set outside Python, runs; see the module's
    docstring)."""

    on = False
    handler: Any = signal.SIG_IGN


_STAND_IN = _StandIn()


def set_ctrl_c(handler: Any) -> None:
    """SIGINT's handler set to ``handler`` where it can be: from the main thread (``main``
    called from another thread leaves it alone; ``signal.signal`` would raise); its
    stand-in where SIGINT stays ignored."""
    if threading.current_thread() is threading.main_thread():
        if _STAND_IN.on:
            _STAND_IN.handler = handler
        else:
            signal.signal(signal.SIGINT, handler)


def ctrl_c_handler() -> Any:
    """SIGINT's handler as the command sees it: its stand-in where SIGINT stays ignored."""
    return _STAND_IN.handler if _STAND_IN.on else signal.getsignal(signal.SIGINT)


def _of_the_moment() -> Any:
    """What a Ctrl-C would do now: SIGINT's handler; where SIGINT stays ignored, the
    request of ``fit``'s guard while ``fit`` runs, else the stand-in."""
    if not _STAND_IN.on:
        return signal.getsignal(signal.SIGINT)
    guard = SigintGuard.current
    return guard.request if guard is not None else _STAND_IN.handler


def _installable() -> bool:
    """Whether SIGTERM may be handled as Ctrl-C here (see the module's docstring)."""
    if _WINDOWS or threading.current_thread() is not threading.main_thread():
        return False
    term, ctrl = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)
    return (callable(ctrl) or ctrl is signal.SIG_IGN) and (
        term is signal.SIG_DFL or callable(term))


@contextmanager
def sigterm_as_ctrl_c() -> Iterator[Termination]:
    """SIGTERM handled as Ctrl-C within the block; the previous handler back after it.
    SIGINT found ignored: its stand-in on (from Python's Ctrl-C, ``ctrl_c``) before
    SIGTERM's handler is in place, off after it is put back; also where SIGTERM is left
    as it was, and where SIGINT's handler was set outside Python (it could not be put
    back), so that the command never sets SIGINT's handler (``set_ctrl_c``)."""
    termination = Termination()
    found = signal.getsignal(signal.SIGINT)  # None: set outside Python, never put back
    stand_in = (threading.current_thread() is threading.main_thread() and not _STAND_IN.on
                and (found is signal.SIG_IGN or found is None))
    if stand_in:
        _STAND_IN.on, _STAND_IN.handler = True, ctrl_c
    try:
        if not _installable():  # SIGINT, found ignored, stays so all the same
            yield termination
            return
        try:
            previous = signal.signal(signal.SIGTERM, termination.handler)
        except ValueError:  # pragma: no cover (not the main interpreter)
            yield termination
            return
        try:
            yield termination
        finally:
            signal.signal(signal.SIGTERM, previous)
    finally:
        if stand_in:
            _STAND_IN.on = False
