"""``--positive LABEL`` (scikit-learn's ``pos_label``) on ``nonlin evaluate`` and
``nonlin predict --threshold``: the rare class sorting first (``fraud`` before ``ok``)
can be the positive one."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import numpy as np
import pytest

from cli_helpers import error_line
from nonlin import cli
from nonlin.cli_model import load_model, model_outputs, prepare_features

metrics = pytest.importorskip("sklearn.metrics")


def _write(path: Path, n: int = 160, labels: tuple[str, str] = ("fraud", "ok")) -> Path:
    rng = np.random.default_rng(3)
    X = rng.normal(size=(n, 2)).round(3)
    rare = X[:, 0] + 0.5 * rng.normal(size=n) > 1.0  # about a fifth: the first label
    named = np.where(rare, labels[0], labels[1])
    rows = "".join(f"{a},{b},{label}\n" for (a, b), label in zip(X, named, strict=True))
    path.write_text("a,b,y\n" + rows)
    return path


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("positive")
    data, model = _write(folder / "d.csv"), folder / "m.safetensors"
    assert cli.main(["train", str(data), "--target", "y", "--hidden", "4", "--epochs", "4",
                     "--quiet", "-o", str(model)]) == 0
    return model, data


def _truth(model: Path, data: Path) -> tuple[np.ndarray, list[str], np.ndarray]:
    net, meta = load_model(str(model))
    table = np.genfromtxt(data, delimiter=",", skip_header=1, usecols=(0, 1))
    labels = [line.rsplit(",", 1)[1] for line in data.read_text().splitlines()[1:]]
    proba = model_outputs(net, meta, prepare_features(table.astype(np.float32), meta))
    return proba, labels, np.array(labels)


def _evaluate(capsys: pytest.CaptureFixture[str], *argv: str) -> dict:
    capsys.readouterr()
    assert cli.main(["evaluate", *argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("given", ["fraud", " fraud ", "ok"])
def test_evaluate_scores_the_named_class_as_scikit_learns_pos_label(
        trained: tuple[Path, Path], capsys: pytest.CaptureFixture[str], given: str) -> None:
    model, data = trained
    proba, _, y = _truth(model, data)
    report = _evaluate(capsys, str(model), str(data), "--positive", given)
    label = given.strip()
    column = ["fraud", "ok"].index(label)
    assert report["positive_class"] == label
    assert report["average_precision"] == pytest.approx(
        metrics.average_precision_score(y == label, proba[:, column]), abs=1e-12)
    assert report["roc_auc"] == pytest.approx(
        metrics.roc_auc_score(y == label, proba[:, column]), abs=1e-12)


def test_without_positive_the_second_sorted_label_is_positive(
        trained: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    model, data = trained
    default = _evaluate(capsys, str(model), str(data))
    named = _evaluate(capsys, str(model), str(data), "--positive", "fraud")
    assert default["positive_class"] == "ok" and named["positive_class"] == "fraud"
    assert default["average_precision"] != pytest.approx(named["average_precision"])
    assert default["accuracy"] == named["accuracy"]  # only the AUC fields change


@pytest.mark.parametrize("share", [0.2, 0.5, 0.8])
def test_predict_threshold_predicts_the_named_class_where_its_p_reaches_it(
        trained: tuple[Path, Path], capsys: pytest.CaptureFixture[str],
        share: float) -> None:
    model, data = trained
    proba, _, _ = _truth(model, data)
    threshold = round(float(np.quantile(proba[:, 0], share)), 4)  # both labels predicted
    capsys.readouterr()
    assert cli.main(["predict", str(model), str(data), "--threshold", str(threshold),
                     "--positive", "fraud"]) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))[1:]
    expected = np.where(proba[:, 0] >= threshold, "fraud", "ok")
    assert [r[0] for r in rows] == expected.tolist()
    assert 0 < (expected == "fraud").sum() < len(expected)  # both labels predicted


def test_positive_refusals_name_the_value(
        trained: tuple[Path, Path], capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    model, data = trained
    capsys.readouterr()
    assert cli.main(["evaluate", str(model), str(data), "--positive", "spam"]) == 2
    error_line(capsys, "--positive: ", "has no class 'spam'", "'fraud', 'ok'")
    assert cli.main(["predict", str(model), str(data), "--positive", "fraud"]) == 2
    error_line(capsys, "--positive 'fraud' goes with --threshold")
    reg = tmp_path / "r.csv"
    reg.write_text("a,t\n" + "".join(f"{i},{i * 0.5}\n" for i in range(20)))
    out = tmp_path / "r.safetensors"
    assert cli.main(["train", str(reg), "--target", "t", "--epochs", "1", "--quiet",
                     "-o", str(out)]) == 0
    capsys.readouterr()
    assert cli.main(["evaluate", str(out), str(reg), "--positive", "1"]) == 2
    error_line(capsys, "--positive '1' needs a binary classifier", "is a regressor")


def test_numeric_labels_match_as_numbers(tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    data = _write(tmp_path / "n.csv", labels=("0", "1"))
    model = tmp_path / "n.safetensors"
    assert cli.main(["train", str(data), "--target", "y", "--hidden", "4", "--epochs", "2",
                     "--quiet", "-o", str(model)]) == 0
    assert _evaluate(capsys, str(model), str(data), "--positive", "0.0")["positive_class"] == 0

