"""Compressed CSV files read as their text, as ``pandas.read_csv`` reads them.

``open_data(path)`` opens a data file for reading as bytes: a gzip, bz2 or xz
file, or a zip archive of one file, gives its decompressed text, streamed (the
standard library's ``gzip``, ``bz2``, ``lzma`` and ``zipfile``); any other file
is opened as it is. ``open_text(path)`` is the same as UTF-8 text (a BOM
skipped, line ends kept) for the ``csv`` module. Every reader of a data file
opens it with one of these (``tabular.read_csv``, the header read, the re-reads
for ``--keep`` and for messages), so each pass decompresses it again, and
standard input, saved as it came (``cli_stdin``), is read the same way.

The first bytes decide, not the name: ``data.csv`` that holds gzip is read, and
``data.csv.gz`` that holds plain text is read as plain text (the name is often
wrong after a download; the bytes are not). A damaged or truncated file is a
``CSVError`` naming the file and its format (truncated: the last line of its text
that decompressed whole; a gzip file that decompressed past the text size it records
before its data ended is damaged, not truncated), raised by the stream
(``_compressed_stream.py``); a reader's
``CSVError`` about a compressed file's text becomes its damage when the rest of it
holds some (``checked_data``, which the command line's header read uses too; ``damage``
for an error the text's reader did not raise). A zstd file, and a zip archive of more than one file
(naming them), are refused with what to do instead.

Memory: one block of the reader and the decompressor's own state (gzip 32 KiB,
bz2 about 4 MiB, xz its dictionary: 8 MiB for the default preset, 64 MiB for
``-9``); the decompressed file is never held whole.

``compressed(path, data)``: the bytes to write for an output named ``path``,
compressed by its extension (``.gz``, ``.bz2``, ``.xz``, ``.zip``), as
``DataFrame.to_csv`` infers it.
"""

from __future__ import annotations

import contextlib
import io
import os
import struct
from collections.abc import Iterator
from typing import BinaryIO, TextIO, cast

from ._compressed_stream import _MODULES, _damaged, _Decompressed, _no_codec, codec
from ._csv_plan import CSVError
from ._quoting import quoted_list, shown_path
from ._table_magic import START, file_end, table_format

_BZ2_STARTS = (b"1AY&SY", b"\x17rE8P\x90")  # after "BZh1".."BZh9": a block, or end of stream
_ZIPS = (b"PK\x03\x04", b"PK\x05\x06")  # a zip archive's first entry, or an empty one's end
_ZSTD = b"(\xb5/\xfd"
_RATIO = 1032  # deflate's largest ratio of text to compressed bytes
_WRITERS = {".gz": "gzip", ".bz2": "bz2", ".xz": "xz", ".zip": "zip"}
def compression(start: bytes) -> str | None:
    """The compressed format whose magic bytes ``start`` (a file's first 10 bytes) begins
    with: ``"gzip"``, ``"bz2"``, ``"xz"``, ``"zip"`` or ``"zstd"``; None for any other."""
    if start.startswith(b"\x1f\x8b"):
        return "gzip"
    if start.startswith(b"\xfd7zXZ\x00"):
        return "xz"
    if start[:3] == b"BZh" and start[3:4].isdigit() and start[3:4] != b"0" and (
            start[4:10] in _BZ2_STARTS):  # ten bytes: a CSV header may start with "BZh"
        return "bz2"
    if start.startswith(_ZIPS):
        return "zip"
    if start.startswith(_ZSTD):
        return "zstd"
    return None


def open_data(path: str | os.PathLike[str], name: str | None = None) -> BinaryIO:
    """The data file at ``path`` opened for reading as bytes, decompressed when it is
    compressed (see the module docstring); ``name``: the file in messages (default ``path``).

    Raises
    ------
    CSVError
        A zstd file, a zip archive not of one file, or a damaged zip archive.
    """
    shown = shown_path(os.fspath(path) if name is None else name)
    handle = open(path, "rb")  # noqa: SIM115 (returned, or wrapped and returned)
    try:
        kind = compression(handle.peek(10)[:10])
        if kind is None:
            _refuse_table(table_format(handle.peek(START)[:START], file_end(path)), shown)
            return handle
        if kind == "zstd":
            raise CSVError(f"{shown}: expected a CSV file, or one compressed with gzip, bz2, "
                           "xz or zip. Received a zstd file, which nonlin does not read; "
                           f"decompress it (zstd -d {shown}) or pipe it: "
                           "zstd -dc FILE | nonlin ... -")
        decompressed = _decompressed(handle, kind, shown)
        return io.BufferedReader(decompressed, 1 << 16)
    except BaseException:
        handle.close()
        raise


def _refuse_table(kind: str | None, shown: str) -> None:
    """A Parquet or Arrow file (``kind``: ``_table_magic``) given for a CSV one
    (``nonlin.tabular.read_csv``; the command line reads one as CSV, ``cli_columnar``):
    say what it is, not its NUL bytes."""
    if kind:
        article = "an" if kind.startswith("Arrow") else "a"
        raise CSVError(f"{shown}: expected a CSV file. Received {article} {kind} file; read it "
                       "with polars, pandas or pyarrow and pass the DataFrame to fit, or give "
                       "it to the nonlin command (pip install 'nonlin[parquet]')")


def open_text(path: str | os.PathLike[str], name: str | None = None) -> TextIO:
    """``open_data(path, name)`` as UTF-8 text for the ``csv`` module: a BOM skipped, line
    ends as written (``newline=""``), as ``open(path, encoding="utf-8-sig", newline="")``."""
    return io.TextIOWrapper(open_data(path, name), encoding="utf-8-sig", newline="")


def text_size(handle: BinaryIO) -> int:
    """The size of the text of ``handle`` (``open_data``'s), in bytes, or a guess at it
    for the reader's first allocation: the file's size, when it is not compressed; the
    size its format records (gzip: modulo 4 GiB, of its last member; zip: when within
    deflate's ratio); else (bz2, xz, a zip's beyond it) the compressed size times the
    ratio of the text so far to the bytes it took."""
    size = os.fstat(handle.fileno()).st_size
    raw = getattr(handle, "raw", None)
    if not isinstance(raw, _Decompressed):
        return size
    if raw.recorded_size is not None:
        return raw.recorded_size
    # the bytes read hold a whole bz2 block; 10% more: untouched memory costs nothing
    text = max(raw.n_bytes, raw.block_size if raw.n_bytes else 0)
    return int(size * text / max(raw.fileno_position(), 1) * 1.1)


def _recorded_size(handle: BinaryIO) -> int | None:
    """The size of a gzip file's text as its last 4 bytes record it; None for a file that
    cannot seek (a pipe), or when it is under the compressed size or beyond deflate's
    ratio (1032): 4 GiB or more of text (recorded modulo 4 GiB), or bytes after the end."""
    if not handle.seekable():
        return None
    size = handle.seek(0, os.SEEK_END)
    handle.seek(max(size - 4, 0))
    (recorded,) = struct.unpack("<I", handle.read(4).rjust(4, b"\0"))
    handle.seek(0)
    return recorded if size <= recorded <= _RATIO * size else None


def _decompressed(handle: io.BufferedReader, kind: str, shown: str) -> _Decompressed:
    """The decompressed bytes of ``handle``, a ``kind`` file (gzip, bz2, xz, zip), with
    what it records of their size (``text_size``)."""
    module = codec(kind)  # imported for a compressed file alone, the one it needs
    if module is None:
        raise CSVError(f"{shown}: cannot read this {kind} file: this Python was built "
                       f"without its {_MODULES[kind]} module; decompress the file first "
                       "and give the CSV file")
    size: int | None
    if kind == "zip":
        stream, size = _zip_member(handle, shown)
    elif kind == "gzip":
        size = _recorded_size(handle)
        stream = module.GzipFile(fileobj=handle, mode="rb")
    else:
        size = None
        stream = module.BZ2File(handle) if kind == "bz2" else module.LZMAFile(handle)
    decompressed = _Decompressed(stream, handle, shown, kind)
    decompressed.recorded_size = size
    if kind == "bz2":  # "BZh9": blocks of 900 kB of text, each decompressed whole
        decompressed.block_size = int(handle.peek(4)[3:4]) * 100_000
    return decompressed


def _zip_member(handle: BinaryIO, shown: str) -> tuple[io.BufferedIOBase, int | None]:
    """A stream of the one file in the zip archive ``handle``, as pandas reads one, and
    its size as the archive records it (None when beyond deflate's ratio of 1032: a
    damaged or forged record, which ``zipfile`` does not check).

    Folders and macOS's ``__MACOSX/`` copies of resource forks are not counted: an archive
    that Finder's Compress made of one CSV file holds the file alone.
    """
    import zipfile

    try:
        archive = zipfile.ZipFile(handle)
    except (zipfile.BadZipFile, EOFError) as exc:
        raise _damaged(shown, "zip", 0, exc) from None
    members = [info for info in archive.infolist()
               if not info.is_dir() and not info.filename.startswith("__MACOSX/")]
    if not members:
        raise CSVError(f"{shown}: expected a zip archive of one CSV file. Received one of no "
                       "file (empty, or folders only); give the CSV file, or a zip of it")
    if len(members) != 1:
        raise CSVError(f"{shown}: expected a zip archive of one CSV file. Received one of "
                       f"{len(members)} files ({quoted_list([m.filename for m in members])}); "
                       "extract the one to read and give its path")
    try:
        stream = cast(io.BufferedIOBase, archive.open(members[0]))  # a ZipExtFile
    except (RuntimeError, NotImplementedError) as exc:  # encrypted; a method zipfile lacks
        raise CSVError(f"{shown}: cannot read {members[0].filename!r} in this zip archive "
                       f"({exc}); extract it and give its path") from None
    # the size the archive records, unless beyond deflate's ratio (a wrong record: a guess)
    size = members[0].file_size
    return stream, size if size <= _RATIO * max(members[0].compress_size, 1) else None


@contextlib.contextmanager
def checked_data(path: str | os.PathLike[str], name: str | None = None) -> Iterator[BinaryIO]:
    """``open_data(path, name)``, closed at the end; a ``CSVError`` raised meanwhile is
    replaced by the file's damage, if the rest of a compressed file holds some. (A bit
    flipped in a gzip file can decompress to wrong text that only the checksum at its end
    shows to be wrong. The rest is decompressed: an error costs at most what reading it
    whole costs.)"""
    with open_data(path, name) as handle:
        try:
            yield handle
        except CSVError as exc:
            found = _rest_damage(handle)
            if found is not None:
                raise found from exc
            raise


def damage(path: str | os.PathLike[str], name: str | None = None) -> CSVError | None:
    """The damage of the compressed file at ``path`` (``name`` in the message), found by
    decompressing it whole; None when it is whole or not compressed. For an error about
    its text that damage may have caused (a header name changed by a flipped bit)."""
    with open_data(path, name) as handle:
        return _rest_damage(handle)


def _rest_damage(handle: BinaryIO) -> CSVError | None:
    """The damage in the rest of ``handle`` (``open_data``'s), read to its end; None when
    there is none, when it is not compressed, when its damage was already raised, or when
    the disk fails (that error is not the data's)."""
    raw = getattr(handle, "raw", None)
    if not isinstance(raw, _Decompressed) or raw.failed:  # failed: that is the error
        return None
    try:
        while handle.read(1 << 20):
            pass
    except CSVError as found:
        return found
    except OSError:
        return None
    return None


def compressed(path: str, data: bytes) -> bytes:
    """``data`` as a file named ``path`` holds it: compressed when its name ends in ``.gz``,
    ``.bz2``, ``.xz`` or ``.zip`` (any case; a zip archive of one file, named ``path``
    without ``.zip``), as ``DataFrame.to_csv`` infers it; else as it is. The output is the
    same for the same ``data`` (no time stamp in it)."""
    kind = _WRITERS.get(os.path.splitext(path)[1].lower())
    if kind is None:
        return data
    module = codec(kind)  # imported for a compressed output alone (refused_output: there)
    if module is None:
        raise ModuleNotFoundError(_no_codec(kind))
    if kind == "gzip":
        return cast(bytes, module.compress(data, compresslevel=6, mtime=0))  # gzip's default
    if kind in ("bz2", "xz"):
        return cast(bytes, module.compress(data))
    if kind == "zip":
        import zipfile

        buffer = io.BytesIO()
        member = zipfile.ZipInfo(os.path.basename(path)[:-4] or "data.csv")  # 1980-01-01
        member.compress_type = zipfile.ZIP_DEFLATED
        member.external_attr = 0o644 << 16  # rw-r--r--, as unzip restores it
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr(member, data)
        return buffer.getvalue()
    return data


# an output name that says a table file -> (what it says, polars' writer of it)
_TABLE_OUTPUTS = {".parquet": ("Parquet", "write_parquet"), ".arrow": ("Arrow IPC", "write_ipc"),
                  ".feather": ("Feather", "write_ipc"), ".ipc": ("Arrow IPC", "write_ipc")}


def refused_output(path: str) -> str | None:
    """Why an output named ``path`` cannot be written (a ``.zst`` name: nonlin writes no
    zstd, which the standard library has only from Python 3.14; a ``.parquet``, ``.arrow``,
    ``.feather`` or ``.ipc`` name: the output is CSV, which such a name would hide), else
    None."""
    written = _WRITERS.get(os.path.splitext(path)[1].lower())
    if written is not None and codec(written) is None:
        return (f"{_no_codec(written)}; name it .csv, or for another compression .gz, "
                ".bz2, .xz or .zip")
    if path.lower().endswith((".zst", ".zstd")):
        return ("nonlin does not write zstd; name it .gz, .bz2, .xz or .zip, "
                "or write to standard output and pipe it: ... -o - | zstd > FILE")
    stem, table = os.path.splitext(path)
    kind = _TABLE_OUTPUTS.get(table.lower())
    if kind is not None:
        csv_name = os.path.basename(stem) + ".csv"
        return (f"predictions are written as CSV, not as {kind[0]}; name it {csv_name} (or "
                f".csv.gz), then convert it if you need {kind[0]}: pl.read_csv('{csv_name}')"
                f".{kind[1]}('{os.path.basename(path)}') with polars")
    return None
