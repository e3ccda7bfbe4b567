"""Model files given as paths or as binary file objects, as ``torch.save``/``torch.load`` take.

Deployments (serverless functions, Pyodide in a browser, object stores) often hold a
model file as bytes, not as a path. ``nonlin.save(model, f)`` and ``nonlin.load(f)``
take an object with ``.write`` / ``.read`` (``io.BytesIO``, ``open(p, "wb")`` /
``open(p, "rb")``) as well as a path:

- ``write_model(target, data)``: a path is replaced atomically (``nonlin._atomic``); a
  file object gets the whole file, built in memory first, in one ``write`` call (a
  failed save writes nothing), then ``flush``. It is written at its position and
  neither rewound nor closed: the caller owns it.
- ``read_model_bytes(source)``: a path is read by ``nonlin._reader.read_file`` (size
  checks before reading); a file object is read from its position in stages, as a path
  is: the 8-byte header length (checked against the limit), the header (checked), then
  exactly the bytes its tensors take and one more, so an endless or huge stream
  (``/dev/zero``, a socket) is refused after a few bytes read; the tensors' bytes come in
  reads of 1 to 16 MiB, so a header declaring more than the stream holds costs memory for
  the bytes delivered alone; a stream with more bytes than its tensors is refused, as a
  longer file is. The bytes go through the same checks as a path's (``read_model``: no
  pickle, nothing executed), with the same messages. Messages name the file object by
  its ``.name`` (``open``'s path), else its type: ``'<BytesIO>'``.

A text-mode file (``io.StringIO``, ``open(p, "w")``) is refused with a ``TypeError``
that says to open it in binary mode.
"""

from __future__ import annotations

import io
import os
from typing import Any, BinaryIO

from ._atomic import file_path, write_atomic
from ._header import MAX_HEADER_BYTES, Header, ModelFileError, header_length, parse_header
from ._quoting import clipped, quoted, quoted_path

ModelTarget = str | bytes | os.PathLike[str] | BinaryIO  # what save and load take


def is_file_object(value: Any, method: str) -> bool:
    """Whether ``value`` is a file object with ``method`` (``"read"``, ``"write"``), not a path."""
    return not isinstance(value, str | bytes | os.PathLike) and callable(
        getattr(value, method, None))


def file_object_name(handle: Any) -> str:
    """How messages name a file object: its ``.name`` when a path (``open``'s), else
    ``<TypeName>`` (``<BytesIO>``)."""
    name = getattr(handle, "name", None)
    if isinstance(name, str | bytes | os.PathLike):
        try:
            return os.fsdecode(name)
        except (TypeError, ValueError):
            pass
    return f"<{type(handle).__name__}>"


def _described(handle: Any) -> str:
    """``BufferedReader ('m.safetensors')``, or ``BytesIO`` for a file object without a name."""
    name = file_object_name(handle)
    return type(handle).__name__ + ("" if name.startswith("<") else f" ({quoted_path(name)})")


def _text_mode_error(handle: Any, verb: str, detail: str = "") -> TypeError:
    mode = "rb" if verb == "read" else "wb"
    return TypeError(
        f"Expected a binary file object to {verb} the model file (open(path, {mode!r}) or "
        f"io.BytesIO). Received a text-mode {_described(handle)}{detail}: open the file in "
        "binary mode")


def _check_open_for(handle: Any, verb: str) -> None:
    """Refuse a text-mode file, and one opened only the other way (``"rb"`` to save)."""
    if isinstance(handle, io.TextIOBase):
        raise _text_mode_error(handle, verb)
    able = getattr(handle, "readable" if verb == "read" else "writable", None)  # io's
    if callable(able) and able() is False:
        mode, doing = getattr(handle, "mode", None), "reading" if verb == "read" else "writing"
        raise TypeError(f"Expected a file object open for {doing} the model file. Received a "
                        f"{_described(handle)} not open for {doing}"
                        + (f" (mode {quoted(mode)})" if isinstance(mode, str) else "")
                        + f": open it with {'rb' if verb == 'read' else 'wb'!r}")


def _not_a_target(value: Any, verb: str) -> TypeError:
    method = "read" if verb == "read" else "write"
    return TypeError(f"Expected a file path (a str, bytes or os.PathLike) or a binary file "
                     f"object with .{method} (io.BytesIO). Received: path={quoted(value, 80)}")


def checkpoint_path(path: Any, verb: str = "read") -> str:
    """``path`` as ``file_path`` gives it; a file object is refused, naming it: checkpoints
    are read from paths only (``nonlin.load`` takes a file object, for the model alone)
    and, ``verb="write"``, written to paths only, atomically (``nonlin.save`` takes one)."""
    if is_file_object(path, "read") or is_file_object(path, "write"):
        if verb == "read":
            how, hint = "read from paths only", (
                "pass the file's path (a buffer's bytes: write them to a file first), or load "
                "the model alone, without its training state, with nonlin.load(f), which "
                "takes file objects")
        else:
            how, hint = ("written to paths only, atomically (a temporary file next to the "
                         "path, then renamed over it)", "pass a path, or save the model "
                         "alone, without its training state, with nonlin.save(model, f), "
                         "which takes file objects")
        raise TypeError(f"Expected a checkpoint file path (a str, bytes or os.PathLike): "
                        f"checkpoints are {how}. Received a file object, {_described(path)}: "
                        + hint)
    return file_path(path)


def write_model(target: Any, data: bytes | bytearray) -> None:
    """Write the complete model file ``data`` to ``target``, a path (atomically) or a
    binary file object (one ``write``, then ``flush``; not closed)."""
    if not is_file_object(target, "write"):
        if not isinstance(target, str | bytes | os.PathLike):
            raise _not_a_target(target, "write")
        write_atomic(target, data)
        return
    _check_open_for(target, "write")
    try:
        done = target.write(data)
    except TypeError as exc:  # a text-mode object that io.TextIOBase does not cover
        raise _text_mode_error(target, "write", f", whose write said {quoted(str(exc), 80)}"
                               ) from None
    view = memoryview(data)
    while isinstance(done, int) and done < len(data):  # None: all written (a user's class)
        if done <= 0:  # a raw (unbuffered) file may write part; none at all is an error
            raise OSError(f"The file object {file_object_name(target)} wrote {done} of the "
                          f"{len(data)} bytes of the model file")
        more = target.write(view[done:])
        done = done + more if isinstance(more, int) else len(data)
    flush = getattr(target, "flush", None)
    if callable(flush):
        flush()


def read_model_bytes(source: Any, loader: str = "nonlin.load") -> tuple[bytes, Header | None, str]:
    """The bytes of the model file ``source`` (a path or a binary file object), its
    header when already parsed (paths), and how messages name it. ``loader``: the
    function to name in the hint for a file's contents given as bytes."""
    from ._reader import read_file

    hint = f"To load a file's bytes, pass {loader}(io.BytesIO(data))"

    if not is_file_object(source, "read"):
        if not isinstance(source, str | bytes | os.PathLike):
            if isinstance(source, bytearray | memoryview):
                raise TypeError(f"Expected a file path or a binary file object. Received a "
                                f"{type(source).__name__}, a file's contents? {hint}")
            raise _not_a_target(source, "read")
        name = file_path(source, contents_hint=hint)
        data, header = read_file(name)
        return data, header, name
    name = file_object_name(source)
    _check_open_for(source, "read")
    return *_read_stream(source, name), name


_FIRST_READ = 1 << 20  # bytes; each later read asks for as much as came before,
_MAX_READ = 16 << 20  # up to this: a read never asks for more than 16 MiB
_TRAILER = 4096  # bytes past the tensors read to tell a short trailer from an endless stream


def _read_up_to(source: Any, count: int, name: str) -> list[bytes]:
    """Up to ``count`` bytes of ``source`` in parts, fewer only at its end (a raw file or a
    socket may give part of a read). A read asks for as much as came before, 1 MiB at
    first and 16 MiB at most: a stream that ends early (a header declaring 100 GB of
    tensors) never makes a buffer much larger than the bytes it gave."""
    parts: list[bytes] = []
    got = 0
    while got < count:
        part = source.read(min(count - got, _MAX_READ, max(_FIRST_READ, got)))
        if isinstance(part, str):
            raise _text_mode_error(source, "read", ", whose read returned str")
        if not isinstance(part, bytes | bytearray | memoryview):
            raise TypeError(f"Expected the file object's read() to return bytes. Received: "
                            f"{clipped(type(part).__name__, 80)} from {name}")
        if not part:
            break
        parts.append(bytes(part))
        got += len(parts[-1])
    return parts


def _read_stream(source: Any, name: str) -> tuple[bytes, Header | None]:
    """The model file in ``source`` from its position, read in stages as ``read_file``
    reads a path, and its header; None where the stream ended early (``read_model``
    then gives the message of a file of that size)."""
    from ._reader import _check_format

    parts = _read_up_to(source, 8, name)
    start = b"".join(parts)
    if not start:
        raise ModelFileError(name, _empty_reason(source))
    if len(start) < 8:
        return start, None
    length = header_length(start, 8 + MAX_HEADER_BYTES, name)  # the limit: size unknown
    parts += _read_up_to(source, 8 + length - len(start), name)
    data = b"".join(parts)
    if len(data) < 8 + length:
        return data, None
    header = parse_header(data[:8 + length], name, stream=True,
                          check=lambda meta: _check_format(meta, name))
    end = header.data_start + header.data_bytes
    parts = [data] + _read_up_to(source, end + 1 - len(data), name)  # 1 more: none left?
    if sum(map(len, parts)) > end:
        parts += _read_up_to(source, _TRAILER, name)  # a short trailer: the path's message
        if sum(map(len, parts)) > end + _TRAILER:
            raise ModelFileError(name, f"the tensors describe {header.data_bytes} bytes of "
                                 f"data but the file holds more than {header.data_bytes + _TRAILER}"
                                 "; the file is truncated or has bytes appended")
    data = b"".join(parts)
    return data, header if len(data) == end else None


def _empty_reason(source: Any) -> str:
    """Why reading ``source`` gave no bytes: an empty file, or one read (or written) to its end."""
    try:
        position = source.tell() if source.seekable() else 0
    except (AttributeError, OSError, ValueError):
        position = 0
    if isinstance(position, int) and position > 0:
        return (f"the file is empty from its position {position} on (written or read to its "
                "end: call seek(0) on it first)")
    return "the file is empty"
