"""Review 26a: what the hostile review of session 26's merges found."""

from __future__ import annotations

import sys
from typing import Any

from test_load_bounds_s24 import _lines_run


def test_counting_lines_gives_back_the_tracer_set_before() -> None:
    # pytest-cov (coverage's CTracer on Python 3.11) traces through sys.settrace: a count
    # that ended with settrace(None) switched coverage off for the rest of the session
    calls: list[str] = []

    def outer(frame: Any, event: str, arg: Any) -> Any:
        calls.append(frame.f_code.co_name)

    def counted(n: int) -> int:
        total = 0
        for i in range(n):
            total += i
        return total

    def after() -> None:
        pass

    before = sys.gettrace()
    sys.settrace(outer)
    try:
        lines = _lines_run(counted, 3)
        still = sys.gettrace()
        after()
    finally:
        sys.settrace(before)
    assert lines >= 7  # total = 0, three loops of two lines, return
    assert still is outer and "after" in calls
