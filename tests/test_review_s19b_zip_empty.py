"""A zip archive with no file in it (empty, or folders only): the message says so, not
"one of 0 files (none); extract the one to read"."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from nonlin import tabular


def _zip(path: Path, folders: list[str]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name in folders:
            archive.writestr(name, b"")
    return path


@pytest.mark.parametrize("folders", [[], ["data/"], ["data/", "__MACOSX/._d.csv"]])
def test_a_zip_of_no_file_says_so(tmp_path, folders) -> None:
    with pytest.raises(tabular.CSVError) as caught:
        tabular.read_csv(_zip(tmp_path / "d.zip", folders), target="y")
    message = str(caught.value)
    assert "Received one of no file (empty, or folders only)" in message, message
    assert "extract the one" not in message
