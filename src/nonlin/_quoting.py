"""User values as messages and printed tables show them: capped in length, one line each.

A message that quotes what the user gave (a cell, a label, a column name, the
header's names) must stay readable when that value is a 100 KB label or the
header has 5000 names; a table cell must stay one line when a label holds a
line break, and must not let a label send escape codes to the terminal.

- ``quoted(value)``: ``repr(value)``, cut with ``...`` and the length when long:
  ``'xxxx...'... (100000 characters)``, an int too long to write (over 4300 digits) as
  ``<int of 5001 digits>``; every message of nonlin that quotes a value
  it received uses it (``Received: units=...``), so a cut is never silent.
- ``quoted_list(values)``: the first few of them, then ``... and 4990 more``.
- ``printable(text)``: one value (a label, a column name) with the characters
  ``repr`` escapes (``\\n``, ``\\t``, ``\\x1b``, any other control or invisible
  separator) escaped as ``repr`` writes them, the rest as it is (not quoted).
  A value that would read ambiguously, one with anything to escape or with a
  backslash before ``\\``, ``n``, ``r``, ``t``, ``x``, ``u`` or ``U``, has every
  backslash doubled, as ``repr`` does: a line break shows as ``\\n``, a backslash
  and ``n`` as ``\\\\n``, ``C:\\new`` as ``C:\\\\new``, ``C:\\data`` as it is.
- ``shown_path(path)``: a file path in a message: as it is, or, when it holds a
  character to escape, its ``repr`` (quoted): ``C:\\new`` stays, a line break is ``'a\\nb'``.
- ``quoted_path(path)``: a file path in a library message (``ModelFileError``, a save
  error): in quotes as ``repr`` writes it (``'model.safetensors'``), but as ``shown_path``
  shows it when it holds a backslash and nothing to escape (``C:\\new\\m.st`` as typed).
- ``one_line(text)``: a whole message or line, made of values already escaped
  (``quoted``, ``printable``): what control characters are left in it escaped,
  backslashes unchanged, so escaping it again changes nothing.
- ``cut(text, width)``: ``text`` cut to ``width`` characters, ending in ``...``, never
  inside an escape sequence (``\\x1b`` is kept whole or left out).
- ``clipped(text, width)``: a message (``str(exc)``) quoted in another, its first
  ``width`` characters then ``... (N characters)`` when longer.
- ``wrapped_list(prefix, values, indent)``: a long list (``info``'s 5000 input names) as lines of
  at most 100 characters, the first and last few values around ``... (4975 more) ...``.

Files the command line writes (CSV outputs, model metadata) keep the values as
they are; these are for what is printed.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

WIDTH = 100  # characters of one quoted value, the quotes included
LIMIT = 10  # values shown of a list
ITEM_WIDTH = 40  # characters of each value shown in a list
_AFTER_BACKSLASH = frozenset("\\nrtxuU")  # a backslash before one reads as an escape
_ESCAPE_SIZE = {"\\": 2, "n": 2, "r": 2, "t": 2, "'": 2, '"': 2, "x": 4, "u": 6, "U": 10}
HEAD, TAIL = 20, 5  # values shown of a long list in wrapped lines: the first and the last


def cut(text: str, width: int) -> str:
    """``text`` cut to ``width`` characters (at least 4), ending in ``...`` when cut.

    Never inside an escape sequence of an escaped value (``printable``, ``repr``): a cut
    that would end in ``\\\\x1`` backs off to before the backslash, so the shown part
    reads as the value's start (at most 9 characters shorter; text with no backslash is
    cut as it always was)."""
    if len(text) <= width:
        return text
    return text[: _escape_start(text, max(width, 4) - 3)] + "..."


def _escape_start(text: str, end: int) -> int:
    """``end``, or the start of the escape sequence of ``text`` (read from its start, as
    ``repr`` writes them) that ``end`` would split."""
    position = 0
    while position < end:
        escaped = text[position] == "\\"
        size = _ESCAPE_SIZE.get(text[position + 1 : position + 2], 1) if escaped else 1
        if position + size > end:
            return position
        position += size
    return end


def quoted(value: Any, width: int = WIDTH) -> str:
    """``repr(value)`` in about ``width`` characters: a longer string as the ``repr`` of
    its start, ``...`` and its length (``'abc'... (100000 characters)``), any other value
    as the start of its ``repr``, ``...`` and the ``repr``'s length (``[1, 2, ... (9000
    characters)``); an ``int`` too long for Python to write (over 4300 digits) as its
    digit count (``<int of 5001 digits>``). Library messages quote received values with
    it, as the CLI's do."""
    if not isinstance(value, str):
        shown = _repr(value)
        if len(shown) <= width:
            return shown
        return f"{shown[: max(width, 4) - 3]}... ({len(shown)} characters)"
    if len(value) <= width and len(shown := repr(value)) <= width:
        return shown
    room, kept = max(width, 8) - 2, 0  # the quotes take 2 characters
    for char in value[:room]:
        room -= len(repr(char)) - 2
        if room < 0:
            break
        kept += 1
    return f"{repr(value[:kept])}... ({len(value)} characters)"


def _repr(value: Any) -> str:
    """``repr(value)``, or, where Python refuses to write it (an ``int`` over 4300 digits,
    ``sys.set_int_max_str_digits``), the integer's digit count: ``<int of 5001 digits>``;
    any other such value (a list holding that integer) by its type:
    ``<list that Python cannot write out>``."""
    try:
        return repr(value)
    except ValueError:
        if not isinstance(value, int):
            return f"<{type(value).__name__} that Python cannot write out>"
        size = abs(int(value))
        digits = int((size.bit_length() - 1) * 0.30102999566398120) + 1
        digits += size >= 10**digits  # the estimate is exact or one short
        return f"<{'negative ' if value < 0 else ''}int of {digits} digits>"


def clipped(text: str, width: int) -> str:
    """``text`` (a message, a number as written) cut to its first ``width`` characters
    with ``...`` and its length when longer: ``'1111...'... (400 characters)``. Never
    inside an escape sequence (``\\x1b`` is kept whole or left out), as ``cut``."""
    if len(text) <= width:
        return text
    return f"{text[: _escape_start(text, width)]}... ({len(text)} characters)"


def quoted_list(
    values: Iterable[Any], limit: int = LIMIT, width: int = ITEM_WIDTH, *, quote: bool = True
) -> str:
    """The first ``limit`` of ``values``, comma-separated, then ``... and N more``.

    Each value is ``quoted`` (``quote=True``: ``'a', 'b'``) or, with ``quote=False``,
    its ``str`` made ``printable`` and ``cut`` to ``width`` (``a, b``, as notes list names).
    """
    items = list(values)
    if quote:
        shown = [quoted(item, width) for item in items[:limit]]
    else:
        shown = [cut(printable(str(item)), width) for item in items[:limit]]
    more = len(items) - len(shown)
    return ", ".join(shown) + (f", ... and {more} more" if more > 0 else "")


def printable(text: str) -> str:
    """One value, ``text``, on one line with nothing hidden: as it is, unless it holds a
    character that ``repr`` escapes (a line break, a tab, ESC) or a backslash that would
    read as an escape (before ``\\``, ``n``, ``r``, ``t``, ``x``, ``u`` or ``U``); then as
    ``repr`` writes it without the quotes (``\\n``, ``\\t``, ``\\x1b``, every backslash
    doubled), so it prints on one line, sends no control codes, and a line break and a
    backslash followed by ``n`` show apart."""
    if text.isprintable() and not any(
        text[i + 1 : i + 2] in _AFTER_BACKSLASH for i, char in enumerate(text) if char == "\\"
    ):
        return text
    return "".join(char if char.isprintable() and char != "\\" else repr(char)[1:-1]
                   for char in text)


def shown_path(path: Any) -> str:
    """A file path as messages show it: as it is (``C:\\new\\data.csv`` stays readable),
    unless it holds a character ``printable`` escapes (a line break, a tab, ESC) or starts
    with a quote; then as its ``repr``, quoted, every backslash doubled. So a path with a
    line break (``'a\\nb.csv'``) and one with a backslash and ``n`` (``a\\nb.csv``) show
    apart, and the message sends no control codes to the terminal."""
    text = path if isinstance(path, str) else str(path)
    if text.isprintable() and not text.startswith(("'", '"')):
        return text
    return repr(text)


def quoted_path(path: Any) -> str:
    """A file path as a library message names it: ``repr`` of it (``'m.safetensors'``,
    a line break as ``'a\\nb.st'``), unless it holds a backslash and nothing else to
    escape: then as ``shown_path`` shows it, as typed and unquoted (``C:\\new\\m.st``,
    not ``'C:\\\\new\\\\m.st'``), so a quoted path is always a ``repr`` and a path
    with a line break never reads as one with a backslash and ``n``. ``bytes`` and
    ``os.PathLike`` paths are shown as the ``str`` they name."""
    try:
        text = os.fsdecode(os.fspath(path))
    except TypeError:
        text = str(path)
    if "\\" in text and shown_path(text) == text:
        return text
    return repr(text)


def one_line(text: str) -> str:
    """A message or printed line, built of values already escaped (``quoted``,
    ``printable``), with the control characters still in it (a path may hold one)
    escaped as ``repr`` writes them; backslashes unchanged, so it is idempotent."""
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() else repr(char)[1:-1] for char in text)


def wrapped_list(prefix: str, values: Iterable[Any], indent: int, width: int = 100,
                 head: int = HEAD, tail: int = TAIL) -> list[str]:
    """``prefix`` then ``values``, comma-separated, as lines of at most ``width`` characters
    (or one value), every line after the first starting with ``indent`` spaces; each value
    ``printable`` and ``cut`` to ``ITEM_WIDTH``. More than ``head + tail`` values: the
    first ``head``, ``... (N more) ...``, the last ``tail``."""
    items = [cut(printable(str(item)), ITEM_WIDTH) for item in values]
    if len(items) > head + tail:
        items = [*items[:head], f"... ({len(items) - head - tail} more) ...", *items[-tail:]]
    lines, line = [], prefix
    for position, item in enumerate(items):
        item += "," * (position < len(items) - 1)
        if len(line) > indent and len(line) + 1 + len(item) > width:
            lines.append(line)
            line = " " * indent + item
        else:
            line = f"{line} {item}" if line.strip() else line + item
    return [*lines, line]
