"""Ctrl-C during training: SIGINT deferred to the end of the running step."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


class SigintGuard:
    """Defers SIGINT while a step runs (main thread only); ``pending`` tells if one came."""

    def __init__(self) -> None:
        self.pending = False

    def _handler(self, signum: int, frame: Any) -> None:
        if self.pending:  # a second Ctrl-C: give up waiting
            raise KeyboardInterrupt
        self.pending = True

    @contextmanager
    def installed(self) -> Iterator[SigintGuard]:
        if threading.current_thread() is not threading.main_thread():
            yield self
            return
        previous = signal.signal(signal.SIGINT, self._handler)
        try:
            yield self
        finally:
            signal.signal(signal.SIGINT, previous)
