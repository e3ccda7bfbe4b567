"""Whether CSV bytes end inside a quoted field, as the ``csv`` module reads them.

``nonlin.tabular`` cuts a file into blocks of whole records and splits the
header record off the first block. Counting quotes is not enough: a ``"``
inside an unquoted cell (``5" screen``) is a plain character to the ``csv``
module and to pandas, and it would turn the count's parity. The count is
trusted only when every quote sits where a quoted cell opens (after a ``,``,
a newline or the start), closes (before a ``,``, ``\\r``, a newline or the
end) or doubles; otherwise a regular expression follows the ``csv`` module's
rules: a quote opens a quoted cell only at the start of a cell, and a quoted
cell runs to a quote that is not doubled.
"""

from __future__ import annotations

import re

import numpy as np

_QUOTED_CELL = rb'"[^"]*(?:""[^"]*)*"(?!")'
_OUTSIDE = (
    rb'[^"]*(?:(?:(?<![^,\n])' + _QUOTED_CELL + rb'|(?<=[^,\n])")[^"]*)*'
)  # cells and whole quoted cells, up to the quote of a quoted cell that does not end
_SPAN = re.compile(_OUTSIDE)
_OPEN_AFTER = np.array([0] * 256, dtype=bool)
_OPEN_AFTER[[ord(","), ord("\n")]] = True
_CLOSE_BEFORE = np.array([0] * 256, dtype=bool)
_CLOSE_BEFORE[[ord(","), ord("\r"), ord("\n")]] = True


def ends_in_quotes(data: bytes) -> bool:
    """True when ``data`` (starting at a record's start) ends inside a quoted cell.

    Parameters
    ----------
    data : bytes of CSV text that begin at the start of a record

    Returns
    -------
    bool : whether the ``csv`` module would still be reading a quoted cell at the end
    """
    if b'"' not in data:
        return False
    verdict = _parity_verdict(data)
    if verdict is not None:
        return verdict
    match = _SPAN.match(data)
    return match is None or match.end() != len(data)


def _parity_verdict(data: bytes) -> bool | None:
    """The parity of the quote count, when every even quote is where a quoted cell opens
    (or right after the quote before it) and every odd one where it closes (or right
    before the quote after it); None when one is not (a plain ``"``, say)."""
    codes = np.frombuffer(data, dtype=np.uint8)
    at = np.flatnonzero(codes == ord('"'))
    pairs = at[1:] == at[:-1] + 1  # quote i and quote i + 1 touch: a doubled quote
    follows = np.concatenate(([False], pairs))  # quote i touches quote i - 1
    precedes = np.concatenate((pairs, [False]))  # quote i touches quote i + 1
    opening, closing = at[::2], at[1::2]
    opens = (opening == 0) | _OPEN_AFTER[codes[opening - 1]] | follows[::2]
    after = np.minimum(closing + 1, len(codes) - 1)
    closes = (closing + 1 == len(codes)) | _CLOSE_BEFORE[codes[after]] | precedes[1::2]
    if not (opens.all() and closes.all()):
        return None
    return len(at) % 2 == 1
