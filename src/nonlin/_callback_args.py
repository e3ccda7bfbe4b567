"""Argument and file plumbing of two callbacks of ``nonlin.callbacks``.

``check_functions``: ``LambdaCallback``'s functions, each callable, one name of each pair of
hooks Keras names twice; ``check_hook_names``: its ``**hooks``, each a hook of ``Callback``.
``csv_logger_options``: ``CSVLogger``'s arguments checked. ``CSVFile``, mixed into
``CSVLogger``: its columns (``_columns``), read from the header of a file it appends to
(``_header``). ``log_number`` and ``csv_field``: a value of the logs as ``History`` and
``CSVLogger`` record it (a number as a float, anything else as is, as Keras does). The
callbacks and their hooks stay in ``nonlin.callbacks``.
"""

from __future__ import annotations

import codecs
import csv
import locale
import os
from collections.abc import Iterable
from typing import Any

import numpy as np

from ._fit_keras_args import csv_columns
from ._quoting import quoted
from .validation import check_bool


def check_functions(given: dict[str, Any], aliases: dict[str, str]) -> None:
    """Refuse a ``LambdaCallback`` function that is not callable, or two of one hook.

    Parameters
    ----------
    given : dict of str to object
        The functions given, by hook name (None left out).
    aliases : dict of str to str
        Keras 3's hook names to their older ones (``callbacks._ALIASES``).
    """
    for name, fn in given.items():
        if not callable(fn):
            raise TypeError(f"Expected a function (or None). Received: {name}={quoted(fn)}")
    for hook, alias in aliases.items():
        if hook in given and alias in given:
            raise ValueError(f"Expected one of {hook} and {alias} (the same hook). "
                             f"Received both: {hook}={quoted(given[hook], 60)}, "
                             f"{alias}={quoted(given[alias], 60)}")


def check_hook_names(hooks: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    """``LambdaCallback``'s ``**hooks``, those not None; a ``TypeError`` naming one that is no
    hook of ``Callback`` (Keras 3 takes any keyword and sets it on the callback unchecked).

    Parameters
    ----------
    hooks : dict of str to object
        The keyword arguments beyond the named ones.
    names : tuple of str
        Every hook of ``Callback`` (``callbacks._HOOK_NAMES``).
    """
    for name in hooks:
        if name not in names:
            raise TypeError(f"Expected a hook of Callback as a LambdaCallback argument: "
                            f"{', '.join(names)}. Received: {name}={quoted(hooks[name], 60)}")
    return {name: fn for name, fn in hooks.items() if fn is not None}


def log_number(value: Any) -> float | None:
    """``value`` of an epoch's logs as the float ``History`` records, or None when it is no
    number: a str or bytes, an array of one dimension or more (Keras records those as is,
    as anything else ``float()`` refuses: a list, None, an int past the floats)."""
    if isinstance(value, str | bytes) or (isinstance(value, np.ndarray) and value.ndim):
        return None
    try:
        return float(value)
    except (TypeError, ValueError, OverflowError):
        return None


def csv_field(value: Any) -> Any:
    """``CSVLogger``'s field for a value of the logs: a number as ``repr(float(value))``;
    else Keras 3's ``handle_value``: a str as is, an iterable (a list, an array) joined as
    ``"[a, b]"``, quotes included, anything else as is (``csv`` writes ``str(value)``, None
    as an empty field)."""
    number = log_number(value)
    if number is not None:
        return repr(number)
    if isinstance(value, str):
        return value
    if isinstance(value, Iterable) and not (isinstance(value, np.ndarray) and not value.ndim):
        return f'"[{", ".join(map(str, value))}]"'
    return value


def csv_logger_options(filename: Any, separator: Any, append: Any) -> tuple[bool, str, str]:
    """``CSVLogger``'s ``(append, filename, separator)`` (its attributes' order), checked in
    that order: ``append`` a bool, ``separator`` one character, ``filename`` a path (a str)."""
    append = check_bool("append", append)
    if not isinstance(separator, str) or len(separator) != 1:
        raise TypeError(f"Expected a one-character str. Received: "
                        f"separator={quoted(separator)}")
    if not isinstance(filename, str | bytes | os.PathLike):  # not a file "None"
        raise TypeError(f"Expected a file path (a str, bytes or os.PathLike). "
                        f"Received: filename={quoted(filename)}")
    return append, os.fsdecode(filename), separator


class CSVFile:
    """``CSVLogger``'s columns and the header of its file (see ``CSVLogger``)."""

    filename: str
    separator: str
    append: bool
    model: Any

    def _columns(self, logs: dict[str, Any]) -> list[str]:
        """The columns after ``epoch``: those of the header of the file appended to, or else
        the first epoch's (``_fit_keras_args.csv_columns``)."""
        header = self._header() if self.append else None
        return csv_columns(self.model, logs) if header is None else header

    def _header(self) -> list[str] | None:
        """The columns after ``epoch`` of the file's header, or None without one. UTF-8 (a
        byte order mark skipped), else the locale's encoding: a log an earlier nonlin wrote
        under Windows' code page (``précision`` as ``pr\\xe9cision``) keeps its columns."""
        for encoding in dict.fromkeys(("utf-8-sig", locale.getpreferredencoding(False))):
            try:
                with open(self.filename, encoding=encoding, newline="") as file:
                    row = next(csv.reader(file, delimiter=self.separator), None)
            except (UnicodeDecodeError, LookupError):
                continue
            except (OSError, csv.Error):
                return None  # no file yet, or not one this logger wrote: append as Keras does
            return row[1:] if row and row[0] == "epoch" else None
        return None

    def _needs_header(self, size: int) -> bool:
        """Whether the file, ``size`` bytes long, is empty or holds only a UTF-8 byte order
        mark (an empty file Notepad or Excel saved): its header is written then."""
        if size != len(codecs.BOM_UTF8):
            return size == 0
        with open(self.filename, "rb") as file:
            return file.read() == codecs.BOM_UTF8
