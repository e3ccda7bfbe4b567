"""Model files whose metadata the command line cannot use: a ``ModelFileError`` naming the
file and the field, exit status 2, before any data is read."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import pytest

from cli_helpers import assert_user_error, run_cli


@pytest.fixture(scope="module")
def classifier(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("hostile")
    rows = "".join(f"{i},{i % 3},{i % 2}\n" for i in range(20))
    (folder / "d.csv").write_text("a,b,y\n" + rows)
    result = run_cli("train", "d.csv", "--target", "y", "--epochs", "1", "--quiet",
                     "--out", "m.st", cwd=folder)
    assert result.returncode == 0, result.stderr
    return folder


def _edit_metadata(source: Path, destination: Path, changes: dict) -> None:
    """Rewrite fields of the user metadata (``__metadata__["metadata"]``, a JSON string)."""
    data = source.read_bytes()
    (size,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + size])
    user = json.loads(header["__metadata__"]["metadata"])
    user.update(changes)
    header["__metadata__"]["metadata"] = json.dumps(user)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    destination.write_bytes(struct.pack("<Q", len(text)) + text + data[8 + size :])


@pytest.mark.parametrize(
    ("changes", "fragments"),
    [
        ({"task": "clustering"}, ["metadata['task']", "'clustering'"]),
        ({"task": "regression"}, ["metadata['task']", "2 output(s)"]),
        ({"target": 5}, ["metadata['target']", "5"]),
        ({"preprocessing": {"type": "minmax"}}, ["metadata['preprocessing']", "'minmax'"]),
    ],
)
@pytest.mark.parametrize("command", ["predict", "evaluate"])
def test_metadata_the_cli_cannot_use_is_refused(
    classifier: Path, tmp_path: Path, command: str, changes: dict, fragments: list
) -> None:
    _edit_metadata(classifier / "m.st", tmp_path / "bad.st", changes)
    (tmp_path / "d.csv").write_bytes((classifier / "d.csv").read_bytes())
    result = run_cli(command, "bad.st", "d.csv", cwd=tmp_path)
    assert_user_error(result, "Cannot load model file 'bad.st'", *fragments)
    assert result.stdout == ""
