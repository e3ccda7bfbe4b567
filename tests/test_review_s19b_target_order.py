"""``nonlin evaluate --target`` for a model of several targets: the model's own target
names in another order are refused (each column would be scored against another target's
predictions); other names, in the model's order, are read as before."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from nonlin import cli


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("order")
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 2)).round(4)
    rows = [f"{a},{b},{a + b:.4f},{100 * a:.4f},{a + b:.4f},{100 * a:.4f}" for a, b in X]
    (folder / "d.csv").write_text("a,b,y1,y2,t,h\n" + "\n".join(rows) + "\n")
    assert cli.main(["train", str(folder / "d.csv"), "--target", "y1,y2", "--exclude", "t,h",
                     "--epochs", "2", "--quiet", "--out", str(folder / "m.st")]) == 0
    return folder


def _evaluate(folder: Path, target: str) -> int:
    return cli.main(["evaluate", str(folder / "m.st"), str(folder / "d.csv"),
                     "--target", target, "--json"])


@pytest.mark.parametrize("target", ["y2,y1", "y2,t", "t,y1"])
def test_the_model_s_targets_in_another_order_are_refused(trained, capsys, target) -> None:
    capsys.readouterr()
    assert _evaluate(trained, target) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "give the columns in that order (--target 'y1,y2')" in captured.err, captured.err


def test_other_columns_in_the_model_s_order_are_scored_as_before(trained, capsys) -> None:
    capsys.readouterr()
    assert _evaluate(trained, "t,h") == 0
    renamed = capsys.readouterr().out
    assert _evaluate(trained, "y1,y2") == 0
    own = capsys.readouterr().out
    assert renamed.replace('"t"', '"y1"').replace('"h"', '"y2"') == own
