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

import pytest

import nonlin
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
