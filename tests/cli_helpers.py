"""Helpers for the command-line tests: run ``nonlin`` as a user would, write CSV files."""

from __future__ import annotations

import csv
import os
import struct
import subprocess
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

SRC = Path(__file__).resolve().parents[1] / "src"


def cli_env(extra_path: str | None = None) -> dict[str, str]:
    """The environment for a subprocess: this checkout's ``src`` first on the path."""
    env = dict(os.environ)
    parts = [p for p in (extra_path, str(SRC), env.get("PYTHONPATH")) if p]
    env["PYTHONPATH"] = os.pathsep.join(parts)
    env.pop("COLUMNS", None)
    return env


def run_cli(
    *args: Any, cwd: Path, timeout: float = 120, extra_path: str | None = None
) -> subprocess.CompletedProcess[str]:
    """``nonlin ARGS`` in a subprocess (``python -m nonlin``); returns the finished process."""
    return subprocess.run(
        [sys.executable, "-m", "nonlin", *map(str, args)],
        cwd=cwd,
        env=cli_env(extra_path),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def popen_cli(*args: Any, cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "nonlin", *map(str, args)],
        cwd=cwd,
        env=cli_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def error_line(capsys: Any, *fragments: str) -> str:
    """The one line of a user error on stderr of an in-process ``cli.main`` call (pytest's
    ``capsys``; notes aside), holding every fragment."""
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line and not line.startswith("note:")]
    assert len(lines) == 1 and "Traceback" not in err, err[:2000]
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0][:2000])
    return lines[0]


def assert_user_error(result: subprocess.CompletedProcess[str], *fragments: str) -> str:
    """Exit status 2, one line on stderr, no traceback, every fragment in that line."""
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    lines = [line for line in result.stderr.splitlines() if not line.startswith("note:")]
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    return lines[0]


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def read_csv_rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def png_size(path: Path) -> tuple[int, int]:
    """(width, height) in pixels from a PNG file's IHDR chunk."""
    data = Path(path).read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG file"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def block_matplotlib(folder: Path) -> str:
    """A folder that, put first on the path, makes ``import matplotlib`` fail."""
    package = folder / "matplotlib"
    package.mkdir(parents=True, exist_ok=True)
    (package / "__init__.py").write_text("raise ImportError('matplotlib blocked by the test')\n")
    return str(folder)



def interrupt_after(epoch: int) -> Any:
    """A callback raising ``KeyboardInterrupt`` at the end of epoch ``epoch``: Ctrl-C as
    ``nonlin train`` sees it (put it in with ``monkeypatch`` on ``cli_train_model._callbacks``)."""
    from nonlin import Callback

    class InterruptAfter(Callback):
        def on_epoch_end(self, epoch_now: int, logs: Any = None) -> None:
            if epoch_now == epoch:
                raise KeyboardInterrupt

    return InterruptAfter()


def one_cell_csv(tmp_path: Path, cell: str, X: Any, y: Any) -> Path:
    """``t.csv`` with columns ``a,b,y`` from ``X`` (n, 2) and ``y``, written to 3 decimals,
    ``cell`` written as is in row 3's ``a`` (a formatted number, a date, a missing marker)."""
    rows = [f"{v:.3f},{w:.3f},{t}" for (v, w), t in zip(X, y, strict=True)]
    rows[3] = f"{cell},{X[3, 1]:.3f},{y[3]}"
    path = tmp_path / "t.csv"
    path.write_text("a,b,y\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path
