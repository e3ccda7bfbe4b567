"""A gzip data file whose deflate data is damaged near its end (the decoder misses the
end-of-block code and runs out of input) is reported as damaged, not truncated: it
decompressed past the text size its last 4 bytes record. A cut file stays truncated."""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

import pytest

from nonlin.tabular import CSVError, read_csv

_TEXT = b"a,b,c\n" + "".join(f"{i},{i * 2},{i % 3}\n" for i in range(3000)).encode()


def _ends_early(data: bytes) -> bool:
    """Whether decompressing ``data`` runs out of input before the end-of-stream marker."""
    try:
        gzip.decompress(data)
    except EOFError:
        return True
    except (OSError, zlib.error):
        return False
    return False


def _damaged_near_the_end() -> list[bytes]:
    """Copies of the gzip file of ``_TEXT`` with one bit flipped in the last 40 bytes of its
    deflate data, of those that end early (the end-of-block code lost)."""
    good = gzip.compress(_TEXT, mtime=0)
    copies = []
    for offset in range(len(good) - 48, len(good) - 8):
        for bit in range(8):
            data = bytearray(good)
            data[offset] ^= 1 << bit
            if _ends_early(bytes(data)):
                copies.append(bytes(data))
    return copies


def _message(path: Path, data: bytes) -> str:
    path.write_bytes(data)
    with pytest.raises(CSVError) as info:
        read_csv(path, target="c")
    return str(info.value)


def test_deflate_data_damaged_near_its_end_is_damaged_not_truncated(tmp_path: Path) -> None:
    copies = _damaged_near_the_end()
    assert copies  # such flips exist for this text (35 of the 320 with zlib 1.2)
    for data in copies:
        message = _message(tmp_path / "d.csv.gz", data)
        assert message.startswith(f"{tmp_path / 'd.csv.gz'}: expected a complete gzip file. "
                                  "Received a damaged one"), message
        assert f"past the {len(_TEXT)} bytes of text" in message
        assert "not truncated" in message


@pytest.mark.parametrize("cut", [1, 4, 8, 20, 2000])
def test_a_cut_file_is_still_truncated(tmp_path: Path, cut: int) -> None:
    message = _message(tmp_path / "t.csv.gz", gzip.compress(_TEXT, mtime=0)[:-cut])
    assert "Received a truncated one: its text stops after line" in message, message
