"""A zip archive whose record of its file's size is beyond deflate's ratio (damaged or
forged: ``zipfile`` reads the member by its compressed size and does not check the other)
is read by its text, not by a first allocation of the recorded size."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pytest

from nonlin import tabular

TEXT = "a,b,y\n" + "".join(f"{i},{2 * i},{i % 3}\n" for i in range(50))


def _zip(path: Path, recorded: int | None, method: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", method) as archive:
        archive.writestr("d.csv", TEXT)
        if recorded is not None:
            archive.filelist[0].file_size = recorded  # the central directory's record
    return path


@pytest.mark.parametrize("recorded", [2**50, 2**40])
def test_a_recorded_size_beyond_deflate_s_ratio_is_not_allocated(tmp_path, recorded) -> None:
    table = tabular.read_csv(_zip(tmp_path / "d.zip", recorded), target="y")
    expected = tabular.read_csv(_zip(tmp_path / "e.zip", None), target="y")
    np.testing.assert_array_equal(table.X, expected.X)
    np.testing.assert_array_equal(table.y, expected.y)


@pytest.mark.parametrize("method", [zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED])
def test_a_true_record_is_still_the_size(tmp_path, method) -> None:
    from nonlin._compressed import open_data, text_size

    with open_data(_zip(tmp_path / "d.zip", None, method)) as handle:
        assert text_size(handle) == len(TEXT)
