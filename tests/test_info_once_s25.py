"""Session 25: ``nonlin info FILE`` parses the file's header (up to 16 MiB of JSON) once.

It peeked at the header (a checkpoint? a layer class not registered here?), then
``nonlin.load`` read the file and parsed it again, and a third time (``compile=False``) for
a file whose compile record is at fault. It now reads the file once and builds the model
from those bytes and that header, as ``nonlin.load`` does.
"""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import nonlin
from nonlin import _header, _reader, cli


def _counted(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    calls: list[str] = []
    real = _header.parse_header

    def parse(data: bytes, path: str, **kwargs: Any) -> Any:
        calls.append(path)
        return real(data, path, **kwargs)

    for module in ("nonlin._reader", "nonlin._header", "nonlin.cli_info_file"):
        monkeypatch.setattr(f"{module}.parse_header", parse, raising=False)
    return calls


def _info(path: Path, *args: str) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert cli.main(["info", str(path), *args]) == 0
    return out.getvalue()


def _fitted() -> nonlin.Sequential:
    X = np.random.default_rng(0).normal(size=(12, 3))
    model = nonlin.Sequential([nonlin.Dense(4), nonlin.ReLU(), nonlin.Dense(1)])
    model.compile("adam", "mse", ["mae"])
    model.fit(X, X[:, :1], epochs=1, verbose=0, seed=0)
    return model


def _broken_compile(path: Path) -> None:
    data = path.read_bytes()
    n = int.from_bytes(data[:8], "little")
    header = json.loads(data[8:8 + n])
    header["__metadata__"]["compile"] = json.dumps({"loss": {"name": "no such loss",
                                                             "config": {}}})
    raw = json.dumps(header).encode()
    raw += b" " * (-len(raw) % 8)
    path.write_bytes(len(raw).to_bytes(8, "little") + raw + data[8 + n:])


@pytest.mark.parametrize("kind", ["model", "json", "checkpoint", "compile at fault"])
def test_info_parses_the_header_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                     capsys: pytest.CaptureFixture[str], kind: str) -> None:
    path = tmp_path / "m.safetensors"
    model = _fitted()
    if kind == "checkpoint":
        nonlin.save_checkpoint(model, path, epoch=1)
    else:
        nonlin.save(model, path)
    if kind == "compile at fault":
        _broken_compile(path)
    calls = _counted(monkeypatch)
    text = _info(path, *(["--json"] if kind == "json" else []))
    assert calls == [str(path)]
    assert "Total params: 21" in text or '"parameters": 21' in text
    if kind == "compile at fault":
        assert "shown without its compile record" in capsys.readouterr().err
    if kind == "model":
        assert "metrics:   mae" in text  # the compile record, restored as nonlin.load does


def test_a_file_info_refuses_is_refused_as_load_refuses_it(tmp_path: Path) -> None:
    path = tmp_path / "m.safetensors"
    nonlin.save(_fitted(), path)
    path.write_bytes(path.read_bytes()[:-8])
    with pytest.raises(nonlin.ModelFileError) as load_error:
        nonlin.load(path)
    with contextlib.redirect_stderr(io.StringIO()) as err:
        assert cli.main(["info", str(path)]) == 2
    assert load_error.value.reason in err.getvalue()
    assert _reader.read_file  # the reader info and nonlin.load share
