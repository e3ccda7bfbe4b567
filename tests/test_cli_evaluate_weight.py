"""``nonlin evaluate --weight COLUMN``: every score weighted by a column, as Keras'
``evaluate(sample_weight=)`` weighs its metrics and scikit-learn's ``sample_weight``."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import nonlin
from cli_helpers import error_line
from nonlin import cli, metrics
from nonlin.cli_model import load_model, model_outputs, prepare_features

N = 48


def _write(path: Path, rows: list[tuple], header: str = "a,b,w,y") -> Path:
    path.write_text(header + "\n" + "\n".join(",".join(map(str, r)) for r in rows) + "\n")
    return path


def _rows(task: str, weights: list[str] | None = None) -> list[tuple]:
    rng = np.random.default_rng(3)
    X = rng.normal(size=(N, 2)).round(3)
    w = weights or [f"{0.5 + (i % 5) / 2:g}" for i in range(N)]
    if task == "classification":
        y = ["red", "green", "blue"]
        return [(a, b, w[i], y[int(a > 0) + int(b > 0.5)]) for i, (a, b) in enumerate(X)]
    return [(a, b, w[i], round(2 * a - b + 0.3 * np.sin(7 * a), 3)) for i, (a, b) in
            enumerate(X)]


def _model(folder: Path, task: str, *options: str) -> Path:
    data = _write(folder / "train.csv", _rows(task))
    out = folder / f"{task}.safetensors"
    assert cli.main(["train", str(data), "--target", "y", "--hidden", "4", "--epochs", "3",
                     "--quiet", "-o", str(out), *(options or ("--exclude", "w"))]) == 0
    return out


@pytest.fixture(scope="module", params=["classification", "regression"])
def model(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _model(tmp_path_factory.mktemp(request.param), request.param)


def _scores(capsys: pytest.CaptureFixture[str], model: Path, data: Path, *options: str) -> dict:
    capsys.readouterr()
    assert cli.main(["evaluate", str(model), str(data), "--json", *options]) == 0
    return json.loads(capsys.readouterr().out)


def _outputs(model: Path, rows: list[tuple]) -> tuple[np.ndarray, np.ndarray, dict]:
    """The model's outputs on ``rows`` (probabilities or values) and its targets."""
    net, meta = load_model(str(model))
    X = np.array([[r[0], r[1]] for r in rows], dtype=np.float32)
    out = model_outputs(net, meta, prepare_features(X, meta))
    if meta["task"] == "classification":
        return out, np.array([meta["classes"].index(r[3]) for r in rows]), meta
    return out, np.array([r[3] for r in rows], dtype=np.float64), meta


def test_weighted_scores_are_the_python_metrics_with_sample_weight(
    model: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = _rows("classification" if "classification" in model.name else "regression")
    data = _write(tmp_path / "d.csv", rows)
    w = np.array([float(r[2]) for r in rows])
    got = _scores(capsys, model, data, "--weight", "w")
    out, y, meta = _outputs(model, rows)
    assert got["weighted_by"] == "w" and got["total_weight"] == pytest.approx(w.sum())
    assert got["n_samples"] == N
    if meta["task"] == "classification":
        assert got["accuracy"] == pytest.approx(metrics.Accuracy()(y, out, sample_weight=w))
        for k, entry in enumerate(got["classes"]):
            assert entry["precision"] == pytest.approx(
                metrics.Precision(class_id=k)(np.eye(3)[y], np.eye(3)[out.argmax(1)], w))
            assert entry["recall"] == pytest.approx(
                metrics.Recall(class_id=k)(np.eye(3)[y], np.eye(3)[out.argmax(1)], w))
            assert entry["support"] == pytest.approx(w[y == k].sum())
    else:
        column = out[:, None]
        assert got["rmse"] == pytest.approx(metrics.RootMeanSquaredError()(y, column, w))
        assert got["mae"] == pytest.approx(metrics.MeanAbsoluteError()(y, column, w))
        assert got["r2"] == pytest.approx(metrics.R2Score()(y[:, None], column, w))
    unweighted = _scores(capsys, model, data)
    assert "weighted_by" not in unweighted
    assert unweighted != {k: v for k, v in got.items() if k not in ("weighted_by",
                                                                     "total_weight")}


def test_weighted_scores_are_scikit_learns_with_sample_weight(
    model: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    skm = pytest.importorskip("sklearn.metrics")
    rows = _rows("classification" if "classification" in model.name else "regression")
    data = _write(tmp_path / "d.csv", rows)
    w = np.array([float(r[2]) for r in rows])
    got = _scores(capsys, model, data, "--weight", "w")
    out, y, meta = _outputs(model, rows)
    if meta["task"] == "classification":
        pred = out.argmax(1)
        assert got["accuracy"] == pytest.approx(skm.accuracy_score(y, pred, sample_weight=w))
        np.testing.assert_allclose(got["confusion_matrix"], skm.confusion_matrix(
            y, pred, labels=[0, 1, 2], sample_weight=w))
        p, r, f, _ = skm.precision_recall_fscore_support(y, pred, labels=[0, 1, 2],
                                                         sample_weight=w, zero_division=0)
        np.testing.assert_allclose([c["f1"] for c in got["classes"]], f)
    else:
        assert got["rmse"] == pytest.approx(np.sqrt(skm.mean_squared_error(y, out,
                                                                           sample_weight=w)))
        assert got["mae"] == pytest.approx(skm.mean_absolute_error(y, out, sample_weight=w))
        assert got["r2"] == pytest.approx(skm.r2_score(y, out, sample_weight=w))


def test_weights_all_one_score_as_unweighted_and_a_doubled_row_as_weight_two(
    model: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    task = "classification" if "classification" in model.name else "regression"
    ones = _write(tmp_path / "ones.csv", _rows(task, ["1"] * N))
    plain = _scores(capsys, model, ones)
    weighted = _scores(capsys, model, ones, "--weight", "w")
    assert weighted.pop("weighted_by") == "w" and weighted.pop("total_weight") == N
    assert _same(weighted, plain)  # the same numbers (counts 27 as sums of weights 27.0)
    twos = _rows(task, ["2" if i in (3, 10, 11) else "1" for i in range(N)])
    doubled = _rows(task, ["1"] * N)
    doubled += [doubled[3], doubled[10], doubled[11]]
    a = _scores(capsys, model, _write(tmp_path / "twos.csv", twos), "--weight", "w")
    b = _scores(capsys, model, _write(tmp_path / "doubled.csv", doubled))
    assert a.pop("total_weight") == b["n_samples"] == N + 3
    assert _same({**a, "n_samples": N + 3, "data": ""}, {**b, "data": ""}, ignore="weighted_by")


def _same(a: dict, b: dict, ignore: str = "") -> bool:
    """The same reports, numbers to 1e-12 (a sum of weights 27.0 is the count 27)."""
    assert set(a) - {ignore} == set(b) - {ignore}
    for key in set(b) - {ignore}:
        left, right = a[key], b[key]
        if key == "classes":
            for x, y in zip(left, right, strict=True):
                assert x["label"] == y["label"]
                assert [x[k] for k in ("precision", "recall", "f1", "support")] == pytest.approx(
                    [y[k] for k in ("precision", "recall", "f1", "support")], rel=1e-12)
        elif isinstance(right, float | list) and right is not None:
            assert np.allclose(left, right, rtol=1e-12, atol=0), key
        else:
            assert left == right, key
    return True


def test_the_text_report_says_the_scores_are_weighted_and_by_which_column(
    model: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    task = "classification" if "classification" in model.name else "regression"
    data = _write(tmp_path / "d.csv", _rows(task))
    capsys.readouterr()
    assert cli.main(["evaluate", str(model), str(data), "--weight", "w"]) == 0
    out = capsys.readouterr().out
    total = sum(float(r[2]) for r in _rows(task))
    assert f"({N} samples, weighted by column 'w': total weight {total:g})" in out


@pytest.mark.parametrize(("cell", "missing", "fragments"), [
    ("-2", "error", ("line 6, column 'w': expected a weight >= 0, received '-2'",)),
    ("nan", "error", ("line 6, column 'w': expected a finite number, received 'nan'",
                        "--weight needs a number >= 0")),
    ("inf", "error", ("line 6, column 'w': expected a finite number, received 'inf'",
                        "--weight needs a number >= 0")),
    ("", "error", ("line 6, column 'w': expected a number", "--weight")),
    ("abc", "mean", ("line 6, column 'w': expected a weight, received 'abc'",)),
    ("", "mean", ("line 6, column 'w': expected a weight, received ''",)),
])
def test_a_bad_weight_is_refused_naming_its_line_and_value(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], cell: str, missing: str,
    fragments: tuple[str, ...],
) -> None:
    model = _model(tmp_path, "regression")
    data = _write(tmp_path / "d.csv", _rows("regression", [cell if i == 4 else "1"
                                                           for i in range(N)]))
    capsys.readouterr()
    assert cli.main(["evaluate", str(model), str(data), "--weight", "w",
                     "--missing", missing]) == 2
    error_line(capsys, *fragments)


def test_missing_drop_leaves_out_the_row_and_all_zero_weights_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model = _model(tmp_path, "classification")
    dropped = _write(tmp_path / "d.csv", _rows("classification", [
        "" if i == 4 else "1" for i in range(N)]))
    got = _scores(capsys, model, dropped, "--weight", "w", "--missing", "drop")
    assert got["n_samples"] == N - 1 and got["total_weight"] == N - 1
    zeros = _write(tmp_path / "z.csv", _rows("classification", ["0"] * N))
    assert cli.main(["evaluate", str(model), str(zeros), "--weight", "w"]) == 2
    error_line(capsys, "every weight in column 'w' is 0 (--weight)")


@pytest.mark.parametrize(("column", "fragment"), [
    ("y", "--weight column 'y' is the target"),
    ("a", "--weight column 'a' is an input column of the model"),
    ("v", "no column 'v' (--weight)"),
])
def test_the_weight_column_must_be_a_column_of_its_own(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], column: str, fragment: str
) -> None:
    model = _model(tmp_path, "regression")
    data = _write(tmp_path / "d.csv", _rows("regression"))
    assert cli.main(["evaluate", str(model), str(data), "--weight", column]) == 2
    error_line(capsys, fragment)


def test_a_model_trained_with_weights_scores_unweighted_without_weight_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model = _model(tmp_path, "classification", "--weight", "w")
    data = tmp_path / "train.csv"
    plain = _scores(capsys, model, data)
    assert cli.main(["evaluate", str(model), str(data), "--json"]) == 0
    err = capsys.readouterr().err
    assert "scores are unweighted" in err and "evaluate --weight w weighs" in err
    assert "weighted_by" not in plain
    assert _scores(capsys, model, data, "--weight", "w")["weighted_by"] == "w"
    assert "unweighted" not in capsys.readouterr().err


def test_a_categorical_model_scores_weighted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [(r[0], ["n", "s"][i % 2], r[2], r[3]) for i, r in enumerate(_rows("regression"))]
    data = _write(tmp_path / "c.csv", rows)
    model = tmp_path / "c.safetensors"
    assert cli.main(["train", str(data), "--target", "y", "--categorical", "b", "--exclude",
                     "w", "--hidden", "4", "--epochs", "2", "--quiet", "-o", str(model)]) == 0
    got = _scores(capsys, model, data, "--weight", "w")
    net, meta = load_model(str(model))
    X = np.array([[r[0], r[1] == "n", r[1] == "s"] for r in rows], dtype=np.float32)
    out = model_outputs(net, meta, prepare_features(X, meta))
    y, w = np.array([r[3] for r in rows]), np.array([float(r[2]) for r in rows])
    assert got["rmse"] == pytest.approx(np.sqrt(np.average((y - out) ** 2, weights=w)))
    assert isinstance(nonlin.load(str(model)), nonlin.Sequential)
