"""DATA.csv ``-`` (standard input, plain or gzip-compressed): every error about its header
names ``<stdin>``, never the temporary copy the command reads (``cli_stdin``): a name not
found (``--target``, ``--columns``, ``--weight``, ``--categorical``, ``--exclude``,
``--keep``), a name twice, an empty name, no header, a header that is not UTF-8, through
``train`` (also ``--target y,b`` and ``--resume``), ``predict`` and ``evaluate``."""

from __future__ import annotations

import gzip
import io
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

import nonlin
from nonlin import cli

ROWS = "".join(f"{i % 7},{(3 * i) % 5},{'pq'[i % 2]}\n" for i in range(12))
GOOD = "a,b,y\n" + ROWS
BAD_HEADERS = {
    "twice": b"a,a,y\n",
    "empty name": b"a,,y\n",
    "no header": b"",
    "not utf-8": b"a,\xff,y\n",
}


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A model trained on a,b -> y (``m.safetensors``) and a checkpoint of one
    (``c.checkpoint.safetensors``)."""
    from nonlin.checkpoint import save_checkpoint

    folder = tmp_path_factory.mktemp("models")
    (folder / "d.csv").write_text(GOOD)
    assert cli.main(["train", str(folder / "d.csv"), "--target", "y", "--epochs", "1",
                     "--quiet", "--out", str(folder / "m.safetensors")]) == 0
    model = nonlin.load(folder / "m.safetensors")  # as Ctrl-C after epoch 1 of 3 leaves it
    with warnings.catch_warnings():  # X without the feature names: no matter here
        warnings.simplefilter("ignore")
        model.fit(np.eye(4, 2), np.array([0, 1, 0, 1]), optimizer="adam", epochs=1, seed=0,
                  verbose=0)
    model.metadata["training"]["epochs"] = 3
    save_checkpoint(model, folder / "c.checkpoint.safetensors", epoch=1)
    return folder


def _commands(folder: Path) -> dict[str, list[str]]:
    out = ["--epochs", "1", "--quiet", "--out", str(folder / "out.safetensors")]
    model = str(folder / "m.safetensors")
    return {
        "train": ["train", "-", "--target", "y", *out],
        "train --weight": ["train", "-", "--target", "y", "--weight", "a", *out],
        "train --target y,b": ["train", "-", "--target", "y,b", *out],
        "train --categorical": ["train", "-", "--target", "y", "--categorical", "a", *out],
        "train --exclude": ["train", "-", "--target", "y", "--exclude", "a", *out],
        "train --columns": ["train", "-", "--target", "y", "--columns", "a", *out],
        "train --resume": ["train", "-", "--target", "y", *out[:-2], "--out",
                           str(folder / "c.safetensors"), "--resume",
                           str(folder / "c.checkpoint.safetensors")],
        "predict": ["predict", model, "-"],
        "predict --keep": ["predict", model, "-", "--keep", "a"],
        "evaluate": ["evaluate", model, "-", "--target", "y"],
        "evaluate --weight": ["evaluate", model, "-", "--target", "y", "--weight", "a"],
    }


def _run(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], data: bytes,
         argv: list[str], compress: bool) -> str:
    """stderr of ``nonlin argv`` with ``data`` (gzip-compressed with ``compress``) on
    standard input; the command must fail as a user error."""
    if compress:
        data = gzip.compress(data, mtime=0)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), "utf-8"))
    status = cli.main(argv)
    err = capsys.readouterr().err
    assert status == 2, err
    return err


@pytest.mark.parametrize("compress", [False, True], ids=["plain", "gzip"])
@pytest.mark.parametrize("kind", sorted(BAD_HEADERS))
@pytest.mark.parametrize("command", sorted(_commands(Path("."))))
def test_a_bad_header_on_stdin_is_named_stdin(
    models: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    command: str, kind: str, compress: bool,
) -> None:
    data = BAD_HEADERS[kind] + ROWS.encode() * bool(BAD_HEADERS[kind])
    err = _run(monkeypatch, capsys, data, _commands(models)[command], compress)
    assert "nonlin-stdin" not in err and "data.csv" not in err, err
    assert "<stdin>" in err and "line 1" in err, err


UNKNOWN = {
    "--target": ["train", "-", "--target", "z"],
    "--target y,z": ["train", "-", "--target", "y,z"],
    "--columns": ["train", "-", "--target", "y", "--columns", "a,z"],
    "--weight": ["train", "-", "--target", "y", "--weight", "z"],
    "--categorical": ["train", "-", "--target", "y", "--categorical", "z"],
    "--exclude": ["train", "-", "--target", "y", "--exclude", "z"],
}


@pytest.mark.parametrize("compress", [False, True], ids=["plain", "gzip"])
@pytest.mark.parametrize("option", sorted(UNKNOWN))
def test_a_name_not_in_the_header_of_stdin_is_named_stdin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    option: str, compress: bool,
) -> None:
    argv = [*UNKNOWN[option], "--epochs", "1", "--quiet", "--out", str(tmp_path / "m.st")]
    err = _run(monkeypatch, capsys, GOOD.encode(), argv, compress)
    assert "nonlin-stdin" not in err and "<stdin>" in err and "'z'" in err, err
