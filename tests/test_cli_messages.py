"""User errors in the command line's own terms: options, files, labels; never the Python API's.

Each is exit status 2 and one line on stderr (``assert_user_error``).
"""

from __future__ import annotations

from pathlib import Path

from cli_helpers import assert_user_error, run_cli


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_a_training_split_with_one_class_names_the_label_and_the_split(tmp_path: Path) -> None:
    _write(tmp_path / "d.csv", "a,b,y\n1,2,cat\n2,3,cat\n3,4,cat\n4,5,dog\n")
    result = run_cli("train", "d.csv", "--target", "y", "--epochs", "1", "--seed", "0",
                     cwd=tmp_path)
    assert_user_error(result, "d.csv", "'cat'", "'y'", "--val-split", "more rows")
    assert not (tmp_path / "model.safetensors").exists()
