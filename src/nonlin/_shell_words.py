"""``nonlin train``'s resume command, written as the shell reads it back.

``resume_command`` is the command line the user ran with ``--resume path`` in place of any
earlier one; ``shell_word`` quotes each word (``shlex.quote``, or bash's ``$'...'`` with
``_ansi_c`` escaping a control character), so the printed command stays one line and
pastes as the same arguments. ``cli_train_model`` re-exports both.
"""

from __future__ import annotations

import argparse
import shlex


def resume_command(args: argparse.Namespace, path: str) -> str:
    """The command line the user ran, with ``--resume path`` in place of any earlier one."""
    argv = list(getattr(args, "argv", None) or ["train", args.data, "--target", args.target])
    kept: list[str] = []
    skip = False
    for item in argv:
        if skip:
            skip = False
        elif item == "--resume":
            skip = True
        elif not item.startswith("--resume="):
            kept.append(item)
    return " ".join(map(shell_word, ["nonlin", *kept, "--resume", path]))


def shell_word(word: str) -> str:
    """``word`` as one shell word on one line: ``shlex.quote`` (``'a b.csv'``), or, when it
    holds a control character (a line break, a tab, ESC), which ``shlex.quote`` would leave
    raw inside its quotes, bash's ``$'...'`` with each escaped (``$'a\\nb.csv'``): the
    printed command stays one line and still pastes as the same argument."""
    if word.isprintable():
        return shlex.quote(word)
    return "$'" + "".join(_ansi_c(char) for char in word) + "'"


def _ansi_c(char: str) -> str:
    """One character inside bash's ``$'...'``: ``\\``, ``\\'`` and control characters
    escaped (``\\n``, ``\\x1b``, ``\\u2028``; a byte the file system name could not
    decode, ``\\udcff``, as the byte ``\\xff`` it stands for), the rest as it is."""
    code = ord(char)
    if char in "\\'":
        return "\\" + char
    if char.isprintable():
        return char
    if char in _NAMED:
        return _NAMED[char]
    if code < 0x80 or 0xDC80 <= code <= 0xDCFF:  # ASCII, or a surrogate-escaped byte
        return f"\\x{code & 0xFF:02x}"
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


_NAMED = {"\n": "\\n", "\t": "\\t", "\r": "\\r"}
