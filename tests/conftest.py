"""Suite-wide test settings.

Hypothesis draws the same examples on every run, so that the suite (and CI)
gives one verdict per commit; ``NONLIN_FUZZ=1`` draws fresh random examples
instead, for longer fuzzing outside CI (with ``NONLIN_MUTATIONS=N`` for the
file-loader tests' example count).
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator

import pytest

try:
    from hypothesis import settings
except ImportError:  # hypothesis (the dev extra) not installed: nothing to set
    pass
else:
    settings.register_profile("deterministic", derandomize=True)
    settings.register_profile("fuzz", derandomize=False)
    settings.load_profile("fuzz" if os.environ.get("NONLIN_FUZZ") else "deterministic")


@pytest.fixture(autouse=True)
def _python_handles_ctrl_c() -> Iterator[None]:
    """Tests send SIGINT to this process to see fit defer it, which it does over Python's
    handler only (a program that ignores SIGINT keeps ignoring it): a runner started in the
    background of a non-interactive shell inherits SIGINT ignored, so each test gets
    Python's default handler back."""
    ignored = threading.current_thread() is threading.main_thread() and (
        signal.getsignal(signal.SIGINT) is signal.SIG_IGN)
    if ignored:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        if ignored:
            signal.signal(signal.SIGINT, signal.SIG_IGN)
