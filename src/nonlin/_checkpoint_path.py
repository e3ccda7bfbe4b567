"""``ModelCheckpoint``'s path: its template checked up front, its folder created.

A path may hold ``str.format`` fields: ``{epoch}`` (an int, counted from 1) and
the epoch logs' keys (``{val_loss:.2f}``), each with an optional conversion
(``!r``, ``!s``, ``!a``) and format spec. Everything that ``str.format`` would
take as something else is refused when the callback is made, before any
training: unbalanced braces, positional fields (``{}``, ``{0}``), indexing and
attribute access (``{epoch[0]}``, ``{epoch.__class__}``, which would write
``c-<class 'int'>.safetensors``), and a spec that ``{epoch}`` cannot take. The
logs' keys are known at the end of an epoch only; an unknown one is refused then.

The folder is created when missing, as Keras 3's ``ModelCheckpoint`` does: at
the start of training when its name holds no field (a folder that cannot be
made then stops ``fit`` before the first epoch), else before each write.
"""

from __future__ import annotations

import os
from string import Formatter
from typing import Any

from ._quoting import quoted, quoted_path

_FORMS = "{epoch} or a key of the epoch's logs, with an optional format spec " \
         "({epoch:03d}, {val_loss:.2f})"


def _refuse(template: str, why: str) -> ValueError:
    return ValueError(f"Expected a ModelCheckpoint path whose fields are {_FORMS}; write {{{{ "
                      f"and }}}} for literal braces. Received: path={quoted(template)}: {why}")


def _fields(template: str, text: str) -> list[tuple[str, str, str | None]]:
    """(field name, format spec, conversion) of each field of ``text`` (a path or a spec)."""
    try:
        parsed = list(Formatter().parse(text))
    except ValueError as exc:  # a single '{' or '}'
        raise _refuse(template, str(exc)) from None
    return [(name, spec or "", conversion) for _, name, spec, conversion in parsed
            if name is not None]


def check_template(template: str, _text: str | None = None) -> None:
    """Refuse a path template with a field ``ModelCheckpoint`` cannot fill (see above)."""
    for name, spec, conversion in _fields(template, template if _text is None else _text):
        shown = "{" + name + (f"!{conversion}" if conversion else "") + \
            (f":{spec}" if spec else "") + "}"
        if name == "" or name.isdigit():
            raise _refuse(template, f"{shown} is positional; name the field")
        if "[" in name or "." in name:
            what = "indexes a value" if "[" in name else "reads an attribute of a value"
            raise _refuse(template, f"{shown} {what}")
        if conversion not in (None, "r", "s", "a"):
            raise _refuse(template, f"{shown} has an unknown conversion !{conversion}")
        if "{" in spec:  # a nested field: checked as a template of its own
            check_template(template, spec)
        elif name == "epoch":
            try:
                format(_converted(1, conversion), spec)
            except (ValueError, TypeError) as exc:
                raise _refuse(template, f"{shown}: {exc} (epoch is an int)") from None


def _converted(value: Any, conversion: str | None) -> Any:
    """``value`` as ``str.format`` hands it to its spec after ``!r``, ``!s``, ``!a``."""
    if conversion is None:
        return value
    return repr(value) if conversion == "r" else ascii(value) if conversion == "a" else str(value)


def fill(template: str, epoch: int, logs: dict[str, Any]) -> str:
    """The path of the checkpoint after epoch ``epoch`` (counted from 1)."""
    try:
        return template.format(epoch=epoch, **logs)
    except (KeyError, IndexError, ValueError, TypeError, AttributeError) as exc:
        raise ValueError(
            f"ModelCheckpoint path {quoted_path(template)} must only name {{epoch}} or the "
            f"logs' keys ({', '.join(sorted(logs))}). Received: {exc!r}"
        ) from None


def make_folder(folder: str, template: str) -> None:
    """Create ``folder`` when missing (Keras 3 does too); a clear ``OSError`` naming it
    when it cannot be made (a file of that name, no permission)."""
    if not folder or os.path.isdir(folder):
        return
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError as exc:
        raise OSError(exc.errno, f"ModelCheckpoint cannot create the folder "
                                 f"{quoted_path(folder)} for its path "
                                 f"{quoted_path(template)}: {exc.strerror}") from None


def static_folder(template: str) -> str | None:
    """The folder of ``template`` when its name holds no field (literal braces undone)."""
    try:
        parts = list(Formatter().parse(os.path.dirname(template)))
    except ValueError:  # a field split at a '/' of its spec
        return None
    if any(name is not None for _, name, _, _ in parts):
        return None
    return "".join(literal for literal, _, _, _ in parts)


def check_not_folder(template: str) -> None:
    """An ``IsADirectoryError`` for a path that ends in a separator or, holding no field,
    names an existing folder: refused before the first epoch, not at the first write."""
    ends = template.endswith(tuple(sep for sep in (os.sep, os.altsep) if sep))
    if ends or ("{" not in template and os.path.isdir(template)):
        raise IsADirectoryError(
            f"ModelCheckpoint writes one file per save. Expected a file path such as "
            f"{quoted_path(os.path.join(template, 'ck-{epoch:02d}.safetensors'))}. "
            f"Received a folder: {quoted_path(template)}")

