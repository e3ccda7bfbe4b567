"""The fast path of ``nonlin.tabular.read_csv``: a plain block of CSV numbers read
with vector operations.

A block qualifies when it is plain: "\\n" or "\\r\\n" line ends, no NUL, no blank
line, no empty cell, quotes (if any) around whole cells. A block of short
numbers (``-0.128535``: at most 8 digits and a point, no exponent) is read by
``_csv_short.py`` with one word per cell. Otherwise each number's sign,
point and exponent are located with vector operations (``_csv_spelling.py``),
its digits are read as one integer eight bytes at a time (``_csv_digits.py``),
and that integer is scaled by a power of ten with correct rounding (Clinger's
fast path, double-double arithmetic beyond it), so values come out bit for bit
as ``float`` reads them; features read as float32 skip the double-double step
where one rounding more provably gives the same float32. Other spellings go
through ``float`` one by one; a cell that is not a number makes ``_fast_block``
return None, which sends the block to the strict parser in ``_csv_strict.py``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple, cast

import numpy as np

from ._csv_digits import _mantissas, _texts, _words
from ._csv_numbers import _float_values, _scale
from ._csv_short import _short_values
from ._csv_spelling import _number_parts

if TYPE_CHECKING:
    from ._csv_plan import _Plan, _Skipped

_COMMA, _NEWLINE, _DOT, _E, _QUOTE = b',\n.e"'
_MAX_LABEL_BYTES = 256
_MAY_START_SPACE = np.zeros(256, dtype=bool)  # first bytes of the characters str.isspace takes
_MAY_START_SPACE[[*b" \t\n\x0b\x0c\r\x1c\x1d\x1e\x1f", 0xC2, 0xE1, 0xE2, 0xE3]] = True


class _Layout(NamedTuple):
    """Where the cells of a plain block are; all positions are byte offsets."""

    marks: np.ndarray  # every ",", "\n", ".", "e" and "E"
    kinds: np.ndarray  # the byte at each mark
    last: np.ndarray  # index in marks of each cell's separator
    starts: np.ndarray  # first byte of each cell's text
    ends: np.ndarray  # one past its last byte: the separator (or closing quote)


def _fast_block(raw: bytes, plan: _Plan) -> tuple[np.ndarray, np.ndarray | None] | None:
    """Parse a plain block with vector operations; None sends it to :func:`_strict_block`.

    Returns ``X`` (n_rows, n_features) of ``plan.dtype`` and ``y`` (float64,
    labels as an ``S`` or ``U`` array, or None), with nothing missing.
    """
    plain = _plain(raw)
    if plain is None:
        return None
    n_cols = len(plan.names)
    short = _short_values(plain, n_cols, plan.skipped)
    layout, values = None, None
    if short is not None:
        values, starts, ends = short
    else:
        layout = _layout(np.frombuffer(plain, dtype=np.uint8), n_cols)
        if layout is not None and b'"' in plain:
            layout = _unquote(np.frombuffer(plain, dtype=np.uint8), layout)
        if layout is None:
            return None
        starts, ends = layout.starts, layout.ends
    labels = None
    words = _words(plain) if layout is not None or plan.labels else None
    if plan.labels and plan.target is not None:  # (then words is not None)
        column = slice(plan.target, None, n_cols)
        labels = _fast_labels(plain, cast(np.ndarray, words), starts[column], ends[column])
        if labels is None:
            return None
    if layout is not None:
        values = _decimals(plain, cast(np.ndarray, words), layout, plan.skipped,
                           plan.float32_columns)
    if values is None:
        return None
    return _columns(values.reshape(-1, n_cols), labels, plan)


def _columns(
    values: np.ndarray, labels: np.ndarray | None, plan: _Plan
) -> tuple[np.ndarray, np.ndarray | None] | None:
    """``X`` in ``plan.dtype`` and ``y`` from the block's ``values`` (n_rows, n_cols);
    None when a value is beyond the range of its column's dtype (the strict parser says so)."""
    first = plan.features[0]
    if plan.features == tuple(range(first, first + len(plan.features))):  # a slice: no gather
        features = values[:, first : first + len(plan.features)]
    else:
        features = values[:, plan.features]
    with np.errstate(over="ignore"):
        X = features.astype(plan.dtype)
    if not np.isfinite(X).all():  # out of the dtype's range: the strict parser reports it
        return None
    if plan.labels or plan.target is None:
        return X, labels
    y = values[:, plan.target]
    if not np.isfinite(y).all():  # "1e400" reads as inf: the strict parser reports it
        return None
    return X, y


def _plain(raw: bytes) -> bytes | None:
    """The block with "\n" line ends and a final newline, or None if it is not plain."""
    if b"\r" in raw:
        raw = raw.replace(b"\r\n", b"\n")
    if not raw.endswith(b"\n"):
        raw += b"\n"
    if b"\r" in raw or b"\0" in raw:
        return None
    if not raw.isascii():
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            return None
    return raw


def _layout(cells: np.ndarray, n_cols: int) -> _Layout | None:
    """Find marks and cells, if every row has ``n_cols`` non-empty cells.

    Positions are int32 (blocks are small: half the traffic). Gathers here and
    in the number readers use ``take``, which converts them faster than
    indexing does, with ``mode="clip"`` where positions are in range by
    construction (or their values unused): cheaper than the raising bounds check.
    """
    scratch = np.empty_like(cells)
    is_mark = np.equal(np.bitwise_or(cells, 2, out=scratch), _DOT)  # "," | 2 == "."
    is_mark |= np.equal(np.bitwise_or(cells, 32, out=scratch), _E, out=scratch.view(bool))
    newlines = np.equal(cells, _NEWLINE, out=scratch.view(bool))  # "E" | 32 == "e" above
    n_rows = int(np.count_nonzero(newlines))
    is_mark |= newlines
    index: type[np.signedinteger] = np.int32 if cells.size < 2**31 else np.int64
    marks = np.flatnonzero(is_mark).astype(index)
    kinds = cells.take(marks, mode="clip")
    is_mark = np.less_equal(kinds, _COMMA, out=is_mark[: kinds.size])  # "\n" or ","
    last = np.flatnonzero(is_mark).astype(index)
    # n_rows newlines, each closing a group of n_cols separators: n_cols cells a row.
    if last.size != n_rows * n_cols or (kinds.take(last[n_cols - 1 :: n_cols]) != _NEWLINE).any():
        return None
    ends = marks.take(last, mode="clip")
    starts = np.empty_like(ends)
    starts[0] = 0
    np.add(ends[:-1], 1, out=starts[1:])
    if (starts == ends).any():  # an empty cell, or a blank line when there is one column
        return None
    return _Layout(marks, kinds, last, starts, ends)


def _unquote(cells: np.ndarray, layout: _Layout) -> _Layout | None:
    """The layout of the text inside quotes, if each pair of quotes encloses a whole cell.

    A separator, newline or doubled quote inside quotes breaks the pairing, and
    leaves the block to the strict parser.
    """
    quotes = (cells == _QUOTE).nonzero()[0]
    if quotes.size % 2:
        return None
    opening, closing = quotes[0::2], quotes[1::2]
    owners = np.searchsorted(layout.ends, opening)
    if (layout.starts[owners] != opening).any() or (layout.ends[owners] - 1 != closing).any():
        return None
    starts, ends = layout.starts.copy(), layout.ends.copy()
    starts[owners] += 1
    ends[owners] -= 1
    return layout._replace(starts=starts, ends=ends)


def _fast_labels(
    raw: bytes, words: np.ndarray, starts: np.ndarray, ends: np.ndarray
) -> np.ndarray | None:
    """The text of one column's cells: an ``S`` array if ASCII, else ``U``.

    None if a label is empty or white space only (``str.isspace``: it reads as ``""``
    without the spaces around it): it is missing, and the strict parser decides.
    """
    widths = ends - starts
    if not widths.all() or _blank_label(raw, starts, ends):
        return None
    width = int(widths.max())
    if width > _MAX_LABEL_BYTES:
        texts = [raw[s:e] for s, e in zip(starts.tolist(), ends.tolist(), strict=True)]
        labels = np.array(texts, dtype=bytes)
    else:
        labels = _texts(words, starts, widths)
    ascii_only = labels.view(np.uint8).max() < 128
    return labels if ascii_only else np.char.decode(labels, "utf-8")


def _blank_label(raw: bytes, starts: np.ndarray, ends: np.ndarray) -> bool:
    """Whether a cell ``raw[starts[i]:ends[i]]`` is white space only; only the cells whose
    first byte can begin a white-space character (ASCII, or U+0085, U+00A0, U+1680,
    U+2000 to U+205F, U+3000 in UTF-8) are decoded."""
    first = np.frombuffer(raw, dtype=np.uint8).take(starts)
    for i in np.flatnonzero(_MAY_START_SPACE.take(first)).tolist():
        if raw[starts[i] : ends[i]].decode("utf-8", "replace").isspace():
            return True
    return False


def _decimals(
    raw: bytes,
    words: np.ndarray,
    layout: _Layout,
    skipped: _Skipped | None,
    float32_columns: np.ndarray | None = None,
) -> np.ndarray | None:
    """Every numeric cell as float64, bit-identical to ``float(cell)``; None if one is not a number.

    ``words`` holds ``raw`` (:func:`_words`); cells in ``skipped`` columns become 0.
    Cells in ``float32_columns`` ((n_cols,) bool, or None) may be any float64
    that rounds to the same float32.
    """
    starts, ends = layout.starts, layout.ends
    parts = _number_parts(np.frombuffer(raw, dtype=np.uint8), words, layout, skipped)
    if parts is None:
        return None
    negative, power, special, digits_end, n_digits, after = parts
    exact = special.nonzero()[0]
    exact_values = _float_values(raw, starts[exact], ends[exact])
    if exact_values is None:
        return None
    if exact.size:
        n_digits[exact] = 0
        power[exact] = 0
    if skipped is not None:
        skipped.clear(n_digits, 0)
    mantissas = _mantissas(words, digits_end, n_digits, after)
    if mantissas is None:
        return None
    loose = None
    if float32_columns is not None:  # one row of the block after another
        loose = np.tile(float32_columns, starts.size // float32_columns.size)
    values, unsure = _scale(mantissas, power, negative, loose)
    unsure[exact] = False
    for cell in unsure.nonzero()[0].tolist():  # too long or too close to call: ask float
        values[cell] = float(raw[starts[cell] : ends[cell]])
    values[exact] = exact_values
    return values


_SETTLE_BYTES = 1 << 22  # more than the temporaries of one block (about 10 blocks' worth)


def settle_allocator() -> None:
    """Let the C allocator keep one block's freed temporaries for the next block.

    Each block allocates and frees a few MB of NumPy temporaries. glibc's malloc
    hands memory above its trim threshold back to the system and maps blocks
    above its mmap threshold afresh, so every block paid its page faults again
    (measured: about 400 a block, a third of the reading time). By glibc's
    dynamic rule (mallopt(3)) both thresholds rise when a mapped block is freed;
    allocating and freeing one array larger than a block's temporaries does
    that once for the process. With other allocators it costs one allocation.
    """
    np.empty(_SETTLE_BYTES, dtype=np.uint8)
