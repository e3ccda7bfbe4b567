"""``nonlin train``'s ``training.created``: the UTC time of the run, to the second, or the
time ``SOURCE_DATE_EPOCH`` names.

``SOURCE_DATE_EPOCH`` is the reproducible-builds convention (https://reproducible-builds.org/
specs/source-date-epoch/), which tools that stamp their output with the time follow
(matplotlib's PDF and SVG files, Python's ``py_compile``): set to a whole number of
seconds since 1970-01-01 UTC, it is the time written, so that a run repeated with the same
``--seed`` on the same data writes the same bytes. Empty counts as unset; anything else that
is not such a number (or names a time past 9999-12-31, which ISO 8601's four-digit year cannot
write) is refused before any work, naming the value, as the convention asks of a malformed
one; also where ``--resume`` keeps the checkpoint's ``created`` (``check``).
"""

from __future__ import annotations

import datetime
import os

from ._quoting import quoted
from .cli_common import UsageError

_LAST = 253402300799  # 9999-12-31T23:59:59 UTC, the last second datetime writes


def created() -> str:
    """``training.created``: ISO 8601 in UTC to the second (``2026-12-02T08:45:21+00:00``)."""
    utc = datetime.timezone.utc
    given = os.environ.get("SOURCE_DATE_EPOCH", "")
    if not given:
        return datetime.datetime.now(utc).isoformat(timespec="seconds")
    try:
        if not (given.isascii() and given.isdecimal()) or int(given) > _LAST:
            raise ValueError(given)
        return datetime.datetime.fromtimestamp(int(given), utc).isoformat(timespec="seconds")
    except (ValueError, OverflowError, OSError):
        raise UsageError(
            "Expected SOURCE_DATE_EPOCH to be a whole number of seconds since 1970-01-01 UTC, "
            f"0 to {_LAST} (the time written as training.created), or unset. Received: "
            f"SOURCE_DATE_EPOCH={quoted(given, 80)}") from None


def check() -> None:
    """Refuse a malformed ``SOURCE_DATE_EPOCH`` before any work (``nonlin train``'s checks),
    a resumed run's too, which keeps its checkpoint's ``created`` and reads no time."""
    created()
