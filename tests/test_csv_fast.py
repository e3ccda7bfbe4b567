"""Tests for the pieces of the CSV fast path: digits read eight bytes at a time,
memory reused between blocks.

The whole fast path is checked against the strict path in test_tabular.py;
here the SWAR digit reader is checked against Python's ``int`` on random
digit strings with and without a point, and next to any byte that is not a
digit; and a fresh process reading many blocks is checked for page faults.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("hypothesis")

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from nonlin import tabular  # noqa: E402
from nonlin._csv_digits import _mantissas, _texts, _words  # noqa: E402

DIGITS = st.text(alphabet="0123456789", max_size=19)
NUMBER = st.tuples(DIGITS, st.none() | DIGITS).filter(
    lambda parts: len(parts[0]) + len(parts[1] or "") <= 19
)


@settings(max_examples=300, deadline=None)
@given(st.lists(NUMBER, min_size=1, max_size=30), st.binary(max_size=30))
def test_mantissas_read_digits_like_int(
    numbers: list[tuple[str, str | None]], prefix: bytes
) -> None:
    text, ends = bytearray(prefix), []
    for whole, fraction in numbers:
        text += (whole if fraction is None else f"{whole}.{fraction}").encode()
        ends.append(len(text))
        text += b","
    n_digits = np.array([len(whole) + len(fraction or "") for whole, fraction in numbers])
    after = np.array([64 if fraction is None else len(fraction) for _, fraction in numbers])
    mantissas = _mantissas(_words(bytes(text)), np.array(ends), n_digits, after)
    assert mantissas is not None and mantissas.dtype == np.uint64
    expected = [int(whole + (fraction or "") or "0") for whole, fraction in numbers]
    assert mantissas.tolist() == expected


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="0123456789", min_size=1, max_size=19), st.data())
def test_mantissas_refuse_any_other_byte(digits: str, data: st.DataObject) -> None:
    at = data.draw(st.integers(0, len(digits) - 1))
    byte = data.draw(st.integers(0, 255).filter(lambda b: not 48 <= b <= 57))
    text = bytearray(digits.encode())
    text[at] = byte
    end, length = np.array([len(text)]), np.array([len(text)])
    assert _mantissas(_words(bytes(text)), end, length, np.array([64])) is None
    point = data.draw(st.integers(0, len(digits)))  # digits after a point put in
    dotted = text[: len(text) - point] + b"." + text[len(text) - point :]
    end = np.array([len(dotted)])
    assert _mantissas(_words(bytes(dotted)), end, length, np.array([point])) is None


FAULTS = """
import resource, sys
import numpy as np
from nonlin import tabular
if sys.argv[2] == "off":
    tabular._settle_allocator = lambda: None
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
table = tabular.read_csv(sys.argv[1])
faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before
print(faults - table.X.nbytes // resource.getpagesize())
"""


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="glibc's malloc thresholds")
def test_blocks_reuse_freed_memory(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}

    def faults_beyond_the_array(n_rows: int, settle: str) -> tuple[int, int]:
        path = tmp_path / f"{n_rows}.csv"
        if not path.exists():
            with path.open("w") as handle:
                handle.write(",".join(f"f{i}" for i in range(10)) + "\n")
                np.savetxt(handle, rng.standard_normal((n_rows, 10)), fmt="%.7g", delimiter=",")
        command = [sys.executable, "-c", FAULTS, str(path), settle]
        out = subprocess.run(command, env=env, capture_output=True, check=True).stdout
        return int(out), path.stat().st_size // tabular._BLOCK_BYTES

    # Page faults beyond the result's own pages grow with the blocks read only without settling.
    (few, n_few), (many, n_many) = (faults_beyond_the_array(n, "on") for n in (30_000, 90_000))
    assert many - few < 20 * (n_many - n_few)
    (few, n_few), (many, n_many) = (faults_beyond_the_array(n, "off") for n in (30_000, 90_000))
    assert many - few > 100 * (n_many - n_few)


def test_join_labels_mixes_bytes_and_str_blocks() -> None:
    blocks = [
        np.array([b"setosa", b"versicolor"]),
        np.array(["café", "x"]),
        np.array([b"a"]),
        np.array(["", "wide label here"]),
    ]
    labels = tabular._join_labels(blocks, 7)
    expected = ["setosa", "versicolor", "café", "x", "a", "", "wide label here"]
    assert labels.dtype == np.dtype("U15") and labels.tolist() == expected


@settings(max_examples=200, deadline=None)
@given(st.lists(st.binary(min_size=1, max_size=40), min_size=1, max_size=20), st.binary(max_size=9))
def test_texts_cut_each_cell_exactly(cells: list[bytes], prefix: bytes) -> None:
    block, starts = prefix, []
    for cell in cells:
        starts.append(len(block))
        block += cell
    widths = np.array([len(cell) for cell in cells])
    texts = _texts(_words(block), np.array(starts), widths)
    assert texts.dtype == np.dtype(f"S{widths.max()}")
    assert [text.ljust(widths.max(), b"\0") for text in texts.tolist()] == [
        cell.ljust(widths.max(), b"\0") for cell in cells
    ]
