"""Checks on JSON text shared by loading and saving nonlin's files.

``json`` reads more than a nonlin file may hold: integers beyond float64's
range (every number nonlin reads becomes a float), strings with a lone
surrogate escape (not text: printing or encoding them fails), and nesting up
to Python's recursion limit (code walking the value then fails). Loading
(``_header.strict_json``) and saving (``_metadata.to_json_text``, every field) refuse
the same texts, so a file nonlin writes always loads.

Also the hooks ``_header.strict_json`` gives ``json.loads`` (duplicate keys, numbers
that overflow to infinity and the constants NaN and Infinity refused) and ``_no_gc``,
the cycle collector paused while a header is parsed.
"""

from __future__ import annotations

import gc
import json
import math
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ._quoting import clipped

_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')  # a JSON string literal
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
MAX_DEPTH = 100  # JSON nesting; nonlin's own records nest a few levels


def float_sized_int(text: str) -> int:
    """``int(text)``, refused (``ValueError``) beyond float64's range: such a number is
    read as infinity by most JSON readers, and every number nonlin reads becomes a float."""
    value = int(text)
    if len(text) > 300:  # a float holds up to 309 digits
        try:
            float(value)
        except OverflowError:
            raise ValueError(f"number {text[:40]}... ({len(text)} digits) overflows to "
                             "infinity") from None
    return value


def lone_surrogate(text: str | bytes, value: Any) -> bool:
    """Whether ``value``, parsed from the JSON ``text``, holds a string with a lone
    surrogate escape (``"\\ud800"``): not text; printing or encoding it fails."""
    if not isinstance(text, str) or not _SURROGATE_ESCAPE.search(text):
        return False  # the common case: no escape from \ud800 to \udfff at all
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return True
    except (ValueError, RecursionError):
        return False
    return False


def too_deep(text: str | bytes) -> bool:
    """Whether the JSON ``text`` nests deeper than ``MAX_DEPTH`` (json reads up to Python's
    recursion limit; code walking the value then fails). Counts brackets outside strings."""
    if isinstance(text, bytes):
        text = text.decode(json.detect_encoding(text), "surrogatepass")
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return False  # the common case: too few brackets to nest that deep
    depth = 0
    for bracket in _NOT_BRACKET.sub("", _STRING.sub("", text)):
        depth += 1 if bracket in "[{" else -1
        if depth > MAX_DEPTH:
            return True
    return False


def text_problem(text: str | bytes, value: Any) -> str | None:
    """What makes the JSON ``text`` (parsed as ``value``) unfit for a nonlin file, or None:
    a lone surrogate or nesting beyond ``MAX_DEPTH`` (loading and saving both refuse it)."""
    if lone_surrogate(text, value):
        return "a string holds a lone surrogate escape (\\ud800 to \\udfff), which is not text"
    if too_deep(text):
        return f"nested deeper than {MAX_DEPTH} levels"
    return None


class _DuplicateKey(ValueError):
    pass


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)  # one call per object, the keys counted in C
    if len(result) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _DuplicateKey(key)
            seen.add(key)
    return result


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"number {clipped(text, 40)} overflows to infinity")
    return value


@contextmanager
def _no_gc() -> Iterator[None]:
    """The cycle collector paused: JSON holds no cycles; collecting took longer than parsing."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not allowed")
