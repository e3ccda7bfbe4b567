"""Comma-separated lists of names on the command line, with CSV's quoting.

``--categorical``, ``--columns``, ``--exclude``, ``--keep`` and ``--class-weight`` take
lists split on commas. A name holding a comma is written in double quotes, as a CSV file
writes such a cell (RFC 4180, the data file's own rule): ``"zip, code",city`` is the two
names ``zip, code`` and ``city``, and ``""`` inside the quotes is one literal quote.
Spaces and tabs before the opening quote are ignored, as the spaces before a name are when
it is matched (``city, "zip, code"``). A quote elsewhere in a name is a plain character
(``a"b``), as in an unquoted cell of the data file. A list without any quote is split
exactly as before: on every comma.
"""

from __future__ import annotations

import argparse

from ._quoting import quoted

_QUOTING = 'a name holding a comma is written "zip, code", with "" for a quote inside it'


def split_items(text: str, *, tails: bool = False) -> list[tuple[str, str | None]]:
    """The comma-separated items of ``text``: ``(name, None)`` for an unquoted item (taken
    as written), ``(name, tail)`` for a quoted one (spaces and tabs before its opening
    quote ignored), ``tail`` being the text after its closing quote up to the next comma
    (``=2`` in ``"a,b"=2``): with ``tails`` False it must be empty.

    Raises
    ------
    argparse.ArgumentTypeError
        For a quote that does not close, or text after a closing quote (without ``tails``),
        naming the text received.
    """
    if '"' not in text:
        return [(part, None) for part in text.split(",")]
    items: list[tuple[str, str | None]] = []
    at = 0
    while True:
        opening = len(text) - len(text[at:].lstrip(" \t"))  # spaces before a quote: as a name's
        if text.startswith('"', opening):
            name, at = _quoted(text, opening)
            end = _comma(text, at)
            tail = text[at:end]
            if tail and not tails:
                raise argparse.ArgumentTypeError(
                    f"expected a comma or the end after the closing quote of {quoted(name)}, "
                    f"received {quoted(text)} ({_QUOTING})")
            items.append((name, tail))
        else:
            end = _comma(text, at)
            items.append((text[at:end], None))
        if end == len(text):
            return items
        at = end + 1


def list_item(name: str) -> str:
    """``name`` as an item of such a list: in quotes (``""`` for a quote inside) when it
    holds a comma or starts with a quote (after spaces), else as it is."""
    if "," in name or name.lstrip(" \t").startswith('"'):
        return '"' + name.replace('"', '""') + '"'
    return name


def _quoted(text: str, at: int) -> tuple[str, int]:
    """The quoted name opening at ``text[at]`` (``"``), unquoted, and the index after its
    closing quote."""
    parts = []
    start = at + 1
    while True:
        close = text.find('"', start)
        if close < 0:
            raise argparse.ArgumentTypeError(
                f"expected a closing quote (\") after {quoted(text[at:], 60)}, received "
                f"{quoted(text)} ({_QUOTING})")
        if text.startswith('"', close + 1):  # "" inside the quotes: one literal quote
            parts.append(text[start : close + 1])
            start = close + 2
            continue
        parts.append(text[start:close])
        return "".join(parts), close + 1


def _comma(text: str, at: int) -> int:
    """The index of the first comma at or after ``at``, else ``len(text)``."""
    found = text.find(",", at)
    return len(text) if found < 0 else found
