"""``nonlin train``'s ``training.created``: the UTC time of the run, to the second, or the
time ``SOURCE_DATE_EPOCH`` names.

``SOURCE_DATE_EPOCH`` is the reproducible-builds convention (https://reproducible-builds.org/
specs/source-date-epoch/), which tools that stamp their output with the time follow (``tar``,
``gzip``, Sphinx, pip's wheels): set to a whole number of seconds since 1970-01-01 UTC, it is
the time written, so that a run repeated with the same ``--seed`` on the same data writes the
same bytes. Empty counts as unset; anything else that is not such a number is refused before
training, naming the value, as the convention asks of a malformed one.
"""

from __future__ import annotations

import datetime
import os

from ._quoting import quoted
from .cli_common import UsageError


def created() -> str:
    """``training.created``: ISO 8601 in UTC to the second (``2026-12-02T08:45:21+00:00``)."""
    utc = datetime.timezone.utc
    given = os.environ.get("SOURCE_DATE_EPOCH", "")
    if not given:
        return datetime.datetime.now(utc).isoformat(timespec="seconds")
    try:
        if not (given.isascii() and given.isdecimal()):
            raise ValueError(given)
        return datetime.datetime.fromtimestamp(int(given), utc).isoformat(timespec="seconds")
    except (ValueError, OverflowError, OSError):
        raise UsageError(
            "Expected SOURCE_DATE_EPOCH to be a whole number of seconds since 1970-01-01 UTC "
            "(the time written as training.created), or unset. Received: "
            f"SOURCE_DATE_EPOCH={quoted(given, 80)}") from None
