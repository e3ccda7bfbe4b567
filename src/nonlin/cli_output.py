"""What the command line writes besides its results: notes on stderr, JSON text, text
files written atomically, and the progress bars a stopped ``fit`` left open.

Moved unchanged from ``cli_common``, which still offers each of these names.
"""

from __future__ import annotations

from typing import Any

from ._quoting import cut, one_line, quoted_list


def atomic_write_text(path: str, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` as model files are written: through a temporary
    file and a rename, all or nothing, keeping the mode of the file it replaces (else
    the umask's default)."""
    from ._atomic import write_atomic

    write_atomic(path, text.encode("utf-8"))


def print_status(text: str) -> None:
    """Print ``text``, a status line on standard output (``Saved PATH ...`` after the model
    was written), with each character the stream's encoding lacks escaped as standard error
    escapes it (``m\\xe9.safetensors`` under ``PYTHONIOENCODING=ascii``): the work is done,
    and a strict stream refusing its report must not turn it into an error (status 2); a
    stream with another error handler (``ascii:replace``) writes it as that handler does.
    Results (``predict``'s rows) are not printed this way: there an unwritable character
    stays an error, as wrong output would be worse."""
    import sys

    encoding = getattr(sys.stdout, "encoding", None) or "utf-8"
    try:  # with the stream's own error handler: ``PYTHONIOENCODING=ascii:replace``'s ``?`` kept
        text.encode(encoding, getattr(sys.stdout, "errors", None) or "strict")
    except UnicodeEncodeError:
        text = text.encode(encoding, "backslashreplace").decode(encoding)
    except LookupError:  # a stream naming no codec Python knows: printed as it is
        pass
    print(text)


def json_text(value: Any) -> str:
    """``value`` as indented JSON that every parser reads: inf and NaN become null."""
    import json
    import math

    def finite(item: Any) -> Any:
        if isinstance(item, float) and not math.isfinite(item):
            return None
        if isinstance(item, dict):
            return {key: finite(v) for key, v in item.items()}
        if isinstance(item, list | tuple):
            return [finite(v) for v in item]
        return item

    return json.dumps(finite(value), indent=2, allow_nan=False)


def close_progress_bars() -> None:
    """Close the bars a stopped ``fit`` left open, so that the next message starts a line."""
    import sys

    tqdm = sys.modules.get("tqdm")
    for bar in list(getattr(getattr(tqdm, "tqdm", None), "_instances", None) or ()):
        bar.close()


def note(message: str) -> None:
    """A remark for the user on stderr (stdout stays machine-readable), on one line: a line
    break, a tab or another control character in it (a column name may hold one) is written
    escaped (``one_line``: ``\\n``, ``\\x1b``; the values it quotes are already escaped)."""
    import sys

    print(f"note: {one_line(message)}", file=sys.stderr, flush=True)


def note_filled(names: Any, counts: Any) -> None:
    """``--missing mean``: one note with the number of cells filled, in all and per column
    (``counts[j]``, a ``Table``'s ``n_missing``, for the column ``names[j]``; the columns
    with none are left out; nothing when ``counts`` is empty)."""
    if not counts:  # not --missing mean
        return
    filled = [(name, int(count)) for name, count in zip(names, counts, strict=True) if count]
    if filled:
        each = quoted_list([f"{cut(name, 40)} ({count})" for name, count in filled], width=60,
                           quote=False)
        note(f"filled {sum(c for _, c in filled)} missing cell(s) with the training mean "
             f"(--missing mean): {each}")
