"""Review of the cold start (s30-cold30): what the lazy imports must keep of before.

``cli.COMMANDS`` is one list, as it was: a command appended to it is built and run (it
was a fresh list on each access, so an append was lost). ``_atomic.tempfile`` and
``cli_paths.tempfile`` set on the module (a test's patch of the module, not of its
``mkstemp``) reach the write and the probe, as they did when the modules imported
``tempfile`` at the top (the functions imported it locally, past the patch).
"""

from __future__ import annotations

import argparse
import types
from pathlib import Path
from typing import Any, NoReturn

import numpy as np
import pytest

import nonlin
from cli_helpers import run_cli
from nonlin import _atomic, cli, cli_paths
from nonlin.cli_common import UsageError


def _add_hello(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("hello", help="say hello")
    p.set_defaults(run=lambda args: 7)


def test_commands_is_one_list_an_append_to_it_is_run() -> None:
    before = vars(cli).get("COMMANDS")
    if "__getattr__" in vars(cli):  # as a fresh interpreter has it: not yet imported
        vars(cli).pop("COMMANDS", None)
    commands = cli.COMMANDS
    try:
        assert cli.COMMANDS is commands
        cli.COMMANDS.append(_add_hello)
        assert cli.main(["hello"]) == 7
        assert len(commands) == 7 and commands[-1] is _add_hello
    finally:  # the list of the other tests as it was
        if _add_hello in commands:
            commands.remove(_add_hello)
        if before is None:
            vars(cli).pop("COMMANDS", None)
        else:
            cli.COMMANDS = before


def _denied(**kwargs: Any) -> NoReturn:
    raise PermissionError(13, "Permission denied (patched module)")


def test_atomic_tempfile_set_on_the_module_reaches_the_write(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    model = nonlin.Sequential([nonlin.Dense(2)])
    model.build(3)
    target = tmp_path / "m.safetensors"
    target.write_bytes(b"old")
    monkeypatch.setattr(_atomic, "tempfile", types.SimpleNamespace(mkstemp=_denied),
                        raising=False)
    with pytest.raises(PermissionError, match="patched module"):
        nonlin.save(model, target)
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.safetensors"]


def test_cli_paths_tempfile_set_on_the_module_reaches_the_probe(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli_paths, "tempfile", types.SimpleNamespace(mkstemp=_denied),
                        raising=False)
    out = tmp_path / "out.safetensors"
    with pytest.raises(UsageError, match="patched module"):
        cli_paths._probe_folder(str(out), str(tmp_path), out.name, "model file")
    assert list(tmp_path.iterdir()) == []


def test_atomic_and_cli_paths_still_name_the_real_tempfile() -> None:
    import tempfile

    assert _atomic.tempfile is tempfile and cli_paths.tempfile is tempfile


# a Python built without lzma (or bz2): what the compressors imported where used must keep
# of a plain or gzip file, and the clear error of the one kind it cannot read or write
NO_MODULE = 'raise ModuleNotFoundError("No module named {name!r}", name={name!r})\n'


@pytest.fixture
def without(tmp_path: Path) -> Any:
    """``without(name)``: a folder put first on the path whose ``name`` module fails."""
    def shadow(name: str) -> str:
        folder = tmp_path / f"without-{name}"
        folder.mkdir()
        (folder / f"{name}.py").write_text(NO_MODULE.format(name=name))
        return str(folder)
    return shadow


@pytest.fixture
def model_and_data(tmp_path: Path) -> Path:
    import bz2
    import gzip
    import lzma

    rng = np.random.default_rng(0)
    x = rng.normal(size=(12, 2))
    text = "a,b,y\n" + "".join(f"{a:.3f},{b:.3f},{int(a > 0)}\n" for a, b in x)
    (tmp_path / "d.csv").write_text(text)
    (tmp_path / "d.csv.gz").write_bytes(gzip.compress(text.encode(), mtime=0))
    (tmp_path / "d.csv.bz2").write_bytes(bz2.compress(text.encode()))
    (tmp_path / "d.csv.xz").write_bytes(lzma.compress(text.encode()))
    done = run_cli("train", "d.csv", "--target", "y", "--out", "m.safetensors", "--epochs",
                   "1", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    return tmp_path


@pytest.mark.parametrize(("module", "kind", "other"), [("lzma", "xz", "bz2"),
                                                       ("bz2", "bz2", "xz")])
def test_without_a_compression_module_the_others_work(
        model_and_data: Path, without: Any, module: str, kind: str, other: str) -> None:
    folder = model_and_data
    shadow = without(module)
    for data in ("d.csv", "d.csv.gz", f"d.csv.{other}"):
        done = run_cli("predict", "m.safetensors", data, "-o", f"p.csv.{other}",
                       cwd=folder, extra_path=shadow)
        assert done.returncode == 0, done.stderr
    done = run_cli("predict", "m.safetensors", f"d.csv.{kind}", cwd=folder, extra_path=shadow)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == (f"nonlin: error: d.csv.{kind}: cannot read this {kind} file: this "
                           f"Python was built without its {module} module; decompress the "
                           "file first and give the CSV file\n")
    done = run_cli("predict", "m.safetensors", "d.csv", "-o", f"p.csv.{kind}",
                   cwd=folder, extra_path=shadow)
    article = "an" if kind == "xz" else "a"
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == (f"nonlin: error: -o p.csv.{kind}: cannot write {article} {kind} "
                           f"file: this Python was built without its {module} module; name it "
                           ".csv, or for another compression .gz, .bz2, .xz or .zip\n")
    assert not (folder / f"p.csv.{kind}").exists()
