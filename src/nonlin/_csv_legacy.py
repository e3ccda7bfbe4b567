"""The message for CSV bytes that are not UTF-8, with a hint for Excel's legacy CSV.

Excel on Windows saves "CSV (Comma delimited)" in the system's 8-bit code page
(Windows-1252 in Western Europe and the Americas): "Température" is the bytes
``Temp\\xe9rature``. nonlin reads UTF-8 only (a byte order mark is skipped), so such
a file is refused at its first accented letter; the message names the bytes and,
when the line holding them reads as Windows-1252 text, says how to convert the file.
"""

from __future__ import annotations

import re

from ._quoting import quoted

# a line of Windows-1252 text holds no control character other than these
_TEXT_CONTROLS = frozenset("\t\r\n")
# a character UTF-8 encodes in 2, 3 or 4 bytes: text that holds one is UTF-8 (a byte that is
# not is a corrupt one), as a Windows-1252 text hardly ever does (``Ã©``)
_UTF8_SEQUENCE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}"
                            rb"|[\xf0-\xf4][\x80-\xbf]{3}")
# three bytes above ASCII in a row: the two-byte characters of a CJK code page (GBK's
# ``温度`` is ``\xce\xc2\xb6\xc8``), not the lone accented letters of Windows-1252's
_MULTIBYTE_RUN = re.compile(rb"[\x80-\xff]{3}")


def not_utf8(raw: bytes, error: UnicodeDecodeError) -> str:
    """What ``raw`` was expected to be and the bytes received, as ``error`` located them.

    Parameters
    ----------
    raw : bytes
        The text that failed to decode as UTF-8 (a header or a block of rows).
    error : UnicodeDecodeError
        The decoding error; ``error.start:error.end`` are the bad bytes within ``raw``.

    Returns
    -------
    str
        ``"expected UTF-8 text, received the bytes b'\\xe9'"``, with the conversion hint
        when the line holding the bytes reads as Windows-1252 text (no control character,
        no run of 3 bytes above ASCII) and ``raw`` holds no character in UTF-8.
    """
    bad = raw[error.start : error.end]
    start = raw.rfind(b"\n", 0, error.start) + 1
    end = raw.find(b"\n", error.end)
    line = raw[start : len(raw) if end < 0 else end]
    try:
        text = line.decode("cp1252")
    except UnicodeDecodeError:
        text = "\0"  # a byte Windows-1252 leaves undefined: no guess
    legacy = not (any(c < " " and c not in _TEXT_CONTROLS for c in text)
                  or _MULTIBYTE_RUN.search(line) or _UTF8_SEQUENCE.search(raw))
    hint = (" (the file seems Windows-1252, as Excel's \"CSV (Comma delimited)\" saves it: "
            "save it as \"CSV UTF-8 (Comma delimited)\" or convert it to UTF-8, "
            "iconv -f CP1252 -t UTF-8)") if legacy else ""
    return f"expected UTF-8 text, received the bytes {quoted(bad)}{hint}"
