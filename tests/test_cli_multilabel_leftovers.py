"""Two leftovers met on the way to multilabel targets: ``info`` quotes a list's names that
hold a comma (as the command line's lists take them), and the R^2 average of several
targets counts a constant target as scikit-learn's ``r2_score`` does."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from nonlin import cli


def test_info_quotes_one_hot_input_names_holding_a_comma(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Before: ``inputs: 4 columns: x, colour=blue, colour=green, colour=red, dark`` (five
    names, it seemed)."""
    data = tmp_path / "c.csv"
    data.write_text('x,colour,y\n1,"red, dark",0.5\n2,blue,1.5\n3,"red, dark",2.5\n'
                    "4,blue,3.1\n5,green,1.0\n")
    model = str(tmp_path / "c.safetensors")
    assert cli.main(["train", str(data), "--target", "y", "--categorical", "colour",
                     "--epochs", "1", "--quiet", "-o", model]) == 0
    capsys.readouterr()
    assert cli.main(["info", model]) == 0
    out = capsys.readouterr().out
    assert 'inputs:   4 columns: x, colour=blue, colour=green, "colour=red, dark"\n' in out
    assert '  colour (3): blue, green, "red, dark"\n' in out


@pytest.mark.parametrize("weighted", [False, True])
def test_the_r2_average_counts_a_constant_target_as_scikit_learn(weighted: bool) -> None:
    """Before: the average left a constant target out (0.9318 and 0.9318 here)."""
    pytest.importorskip("sklearn")
    from sklearn.metrics import r2_score

    from nonlin.cli_targets_scores import format_several, several_report

    rng = np.random.default_rng(0)
    truth = np.column_stack([rng.normal(size=6), np.full(6, 3.0), np.full(6, 2.0)])
    pred = truth.copy()
    pred[:, 0] += rng.normal(0, 0.1, 6)
    pred[2, 2] = 1.0  # the constant target 'c' missed once; 'b' predicted exactly
    w = np.array([1.0, 2.0, 0.5, 1.0, 1.0, 3.0]) if weighted else None
    report = several_report(["a", "b", "c"], truth, pred, w)
    assert report["r2"] == pytest.approx(r2_score(truth, pred, sample_weight=w), rel=1e-12)
    raw = r2_score(truth, pred, sample_weight=w, multioutput="raw_values")
    assert raw[1:].tolist() == [1.0, 0.0]
    assert report["per_target"]["b"] == {**report["per_target"]["b"], "r2": None,
                                         "r2_in_average": 1.0}
    assert report["per_target"]["c"]["r2_in_average"] == 0.0
    text = format_several(report)
    assert ("(R^2 of 'b': n/a, a constant target; the average counts it as 1.0, predicted "
            "exactly, as scikit-learn's r2_score)") in text
    assert "(R^2 of 'c': n/a, a constant target; the average counts it as 0.0, not " in text


def test_train_and_evaluate_average_a_constant_target_as_scikit_learn(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("sklearn")
    from sklearn.metrics import r2_score

    rng = np.random.default_rng(1)
    X = rng.normal(size=(30, 2)).round(3)
    lines = ["a,b,y1,y2"] + [f"{a},{b},{a - b:.3f},7" for a, b in X]
    data = tmp_path / "d.csv"
    data.write_text("\n".join(lines) + "\n")
    model = str(tmp_path / "m.safetensors")
    assert cli.main(["train", str(data), "--target", "y1,y2", "--epochs", "2", "--quiet",
                     "--hidden", "4", "-o", model]) == 0
    assert cli.main(["predict", model, str(data), "-o", str(tmp_path / "p.csv")]) == 0
    pred = np.loadtxt(tmp_path / "p.csv", delimiter=",", skiprows=1)
    truth = np.loadtxt(data, delimiter=",", skiprows=1)[:, 2:]
    capsys.readouterr()
    assert cli.main(["evaluate", model, str(data), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["r2"] == pytest.approx(r2_score(truth, pred), rel=1e-9, abs=1e-12)
    assert report["per_target"]["y2"]["r2"] is None
