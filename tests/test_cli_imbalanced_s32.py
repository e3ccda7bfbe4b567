"""``nonlin`` for an imbalanced binary task: ``evaluate``'s exact ROC AUC and average
precision (``_exact_auc``, checked against scikit-learn with ties and sample weights) and
``predict --threshold``."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from cli_helpers import error_line
from nonlin import cli
from nonlin._exact_auc import binary_auc
from nonlin.cli_model import load_model, model_outputs, prepare_features

metrics = pytest.importorskip("sklearn.metrics")
N = 120


def _rows(labels: tuple[str, ...] = ("no", "yes"), n: int = N) -> list[tuple]:
    """Rows ``a,b,w,y``, about a fifth of class ``labels[-1]`` (two labels); every row
    written twice, the second time with the other label for one row in four: equal
    features, equal scores (ties) of both classes."""
    rng = np.random.default_rng(5)
    X = rng.normal(size=(n // 2, 2)).round(2)
    rows = []
    for i, (a, b) in enumerate(X):
        k = int(a + 0.3 * b > 1.2) if len(labels) == 2 else i % len(labels)
        other = labels[1 - k] if len(labels) == 2 and i % 4 == 0 else labels[k]
        rows += [(a, b, 1 + i % 3, labels[k]), (a, b, 0.5 + i % 2, other)]
    return rows


def _write(path: Path, rows: list[tuple]) -> Path:
    path.write_text("a,b,w,y\n" + "".join(",".join(map(str, r)) + "\n" for r in rows))
    return path


def _train(folder: Path, rows: list[tuple], *options: str) -> Path:
    out = folder / "m.safetensors"
    assert cli.main(["train", str(_write(folder / "train.csv", rows)), "--target", "y",
                     "--exclude", "w", "--hidden", "4", "--epochs", "3", "--quiet",
                     "-o", str(out), *options]) == 0
    return out


@pytest.fixture(scope="module")
def binary(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _train(tmp_path_factory.mktemp("binary"), _rows())


def _proba(model: Path, rows: list[tuple]) -> tuple[np.ndarray, np.ndarray]:
    net, meta = load_model(str(model))
    X = np.array([r[:2] for r in rows], dtype=np.float32)
    proba = model_outputs(net, meta, prepare_features(X, meta))
    return proba, np.array([meta["classes"].index(r[3]) for r in rows])


def _json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict:
    capsys.readouterr()
    assert cli.main(["evaluate", *argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_exact_auc_is_scikit_learns_with_ties_and_weights() -> None:
    rng = np.random.default_rng(0)
    for i in range(200):
        n = int(rng.integers(2, 40))
        y = (rng.random(n) < 0.3).astype(int)
        y[: 2] = [0, 1]
        score = rng.integers(0, 4, n) / 3.0  # many ties
        w = None if i % 2 else rng.random(n) * (rng.random(n) < 0.8) + (np.arange(n) < 2)
        roc, ap = binary_auc(y, score, w)
        assert roc == pytest.approx(metrics.roc_auc_score(y, score, sample_weight=w), abs=1e-12)
        assert ap == pytest.approx(
            metrics.average_precision_score(y, score, sample_weight=w), abs=1e-12)
    assert binary_auc(np.ones(3), np.array([0.1, 0.2, 0.3])) is None  # one class: undefined
    assert binary_auc(np.array([0, 1]), np.array([0.1, 0.2]), np.array([1.0, 0.0])) is None


def test_a_tie_of_a_positive_and_a_negative_counts_one_half() -> None:
    # 4 pairs (positive, negative): one ranked right, one tied, one ranked wrong... and a tie
    y, score = np.array([1, 0, 1, 0, 0]), np.array([0.9, 0.5, 0.5, 0.1, 0.9])
    roc, ap = binary_auc(y, score)
    assert roc == (1 + 0.5 + 1 + 0.5 + 0 + 1) / 6  # Mann-Whitney: pairs ranked right + ties / 2
    assert ap == pytest.approx(0.5 * 0.5 + 0.5 * 2 / 4)


def test_evaluate_reports_scikit_learns_roc_auc_and_average_precision(
        binary: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = _rows()
    data = _write(tmp_path / "test.csv", rows)
    proba, y = _proba(binary, rows)
    assert len(np.unique(proba[:, 1])) < len(rows)  # ties, both classes in some
    report = _json(capsys, str(binary), str(data))
    assert report["positive_class"] == "yes"
    assert report["roc_auc"] == pytest.approx(metrics.roc_auc_score(y, proba[:, 1]), abs=1e-12)
    assert report["average_precision"] == pytest.approx(
        metrics.average_precision_score(y, proba[:, 1]), abs=1e-12)
    w = np.array([r[2] for r in rows], dtype=float)
    weighted = _json(capsys, str(binary), str(data), "--weight", "w")
    assert weighted["roc_auc"] == pytest.approx(
        metrics.roc_auc_score(y, proba[:, 1], sample_weight=w), abs=1e-12)
    assert weighted["average_precision"] == pytest.approx(
        metrics.average_precision_score(y, proba[:, 1], sample_weight=w), abs=1e-12)
    assert weighted["roc_auc"] != report["roc_auc"]


def test_the_text_report_keeps_its_lines_and_adds_the_two_scores(
        binary: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from nonlin.cli_report import format_classification

    data = _write(tmp_path / "test.csv", _rows())
    report = _json(capsys, str(binary), str(data))
    assert cli.main(["evaluate", str(binary), str(data)]) == 0
    text = capsys.readouterr().out
    assert text == (format_classification(report) + "\n\n"
                    f"ROC AUC: {report['roc_auc']:.4f} (positive class 'yes')\n"
                    f"PR AUC:  {report['average_precision']:.4f} "
                    "(average precision, positive class 'yes')\n")


def test_rows_of_one_class_say_n_a_and_why(
        binary: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = [r for r in _rows() if r[3] == "no"]
    data = _write(tmp_path / "no.csv", rows)
    report = _json(capsys, str(binary), str(data))
    assert report["roc_auc"] is None and report["average_precision"] is None
    assert report["auc_note"].startswith("the rows hold one class, 'no'")
    assert cli.main(["evaluate", str(binary), str(data)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[-2].startswith("ROC AUC: n/a (the rows hold one class, 'no'")
    assert lines[-1].startswith("PR AUC:  n/a (the rows hold one class, 'no'")


def test_a_multiclass_model_gets_no_auc(tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    rows = _rows(("a", "b", "c"))
    model = _train(tmp_path, rows)
    report = _json(capsys, str(model), str(tmp_path / "train.csv"))
    assert "roc_auc" not in report and "average_precision" not in report
    assert cli.main(["predict", str(model), str(tmp_path / "train.csv"),
                     "--threshold", "0.3"]) == 2
    error_line(capsys, "--threshold 0.3 needs a binary classifier",
               "a classifier of 3 classes (a, b, c)")


def _predicted(capsys: pytest.CaptureFixture[str], *argv: str) -> list[list[str]]:
    capsys.readouterr()
    assert cli.main(["predict", *argv]) == 0
    return [line.split(",") for line in capsys.readouterr().out.splitlines()]


@pytest.mark.parametrize("threshold", [0.02, 0.1, 0.5, 0.9])
def test_predict_threshold_predicts_the_positive_class_where_p_reaches_it(
        binary: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        threshold: float) -> None:
    rows = _rows()
    data = _write(tmp_path / "new.csv", rows)
    proba, _ = _proba(binary, rows)
    out = _predicted(capsys, str(binary), str(data), "--threshold", str(threshold), "--proba")
    assert out[0] == ["prediction", "proba_no", "proba_yes"]
    expected = np.where(proba[:, 1] >= threshold, "yes", "no")
    assert [line[0] for line in out[1:]] == expected.tolist()
    default = _predicted(capsys, str(binary), str(data), "--proba")
    assert [line[1:] for line in out] == [line[1:] for line in default]  # same probabilities
    if threshold == 0.5:  # no row at exactly 0.5: the default labels
        assert out == default


def test_predict_threshold_is_refused_for_a_regressor_and_out_of_range(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = [(a, b, w, a - b) for a, b, w, _ in _rows()]
    model = _train(tmp_path, rows, "--task", "regression")
    data = tmp_path / "train.csv"
    assert cli.main(["predict", str(model), str(data), "--threshold", "0.25"]) == 2
    error_line(capsys, "--threshold 0.25 needs a binary classifier (two classes); ",
               "is a regressor")
    for bad in ("0", "1", "-0.5", "nan", "x"):
        with pytest.raises(SystemExit) as exit_info:
            cli.main(["predict", str(model), str(data), "--threshold", bad])
        assert exit_info.value.code == 2
        assert f"expected a number between 0 and 1 (0 < T < 1), received '{bad}'" in (
            capsys.readouterr().err)


def test_stratified_order_holds_out_each_classes_share_as_scikit_learn() -> None:
    from sklearn.model_selection import train_test_split

    from nonlin._cli_split import _stratified_order

    rng = np.random.default_rng(1)
    for n, n_val, shares in [(400, 100, [0.03, 0.97]), (200, 40, [0.05, 0.95]),
                             (90, 18, [0.1, 0.3, 0.6]), (57, 11, [0.04, 0.5, 0.46])]:
        codes = rng.permutation(np.repeat(np.arange(len(shares)),
                                          np.round(np.array(shares) * n).astype(int)))
        order = _stratified_order(codes, n_val)
        assert sorted(order.tolist()) == list(range(codes.size))  # a permutation
        train, val = order[: codes.size - n_val], order[codes.size - n_val:]
        assert np.all(np.diff(train) > 0) and np.all(np.diff(val) > 0)  # shuffled order kept
        _, expected = train_test_split(codes, test_size=n_val, stratify=codes, random_state=0)
        counts = np.bincount(codes[val], minlength=len(shares))
        assert np.abs(counts - np.bincount(expected, minlength=len(shares))).max() <= 1
        exact = n_val * np.bincount(codes) / codes.size
        assert np.all(np.abs(counts - exact) < 1)  # each class its share, rounded
        for c in range(len(shares)):  # a class's validation rows: its last ones
            rows = np.flatnonzero(codes == c)
            assert set(val[codes[val] == c]) == set(rows[rows.size - counts[c]:])


def _training_counts(model: Path) -> dict[str, float]:
    """Rows of each class among the training rows, from ``--class-weight balanced``'s
    recorded weights ``n_train / (2 * n_c)``."""
    _, meta = load_model(str(model))
    record = meta["training"]
    return {label: round(record["train_rows"] / (2 * w))
            for label, w in record["class_weights"].items()}


def test_train_stratify_holds_out_the_rare_class_in_proportion(tmp_path: Path) -> None:
    rows = _rows(n=200)  # 37 of 200 rows 'yes': a random split holds out 9 +- 3 of them
    n_yes = sum(r[3] == "yes" for r in rows)
    for seed in range(4):
        folder = tmp_path / str(seed)
        folder.mkdir()
        model = _train(folder, rows, "--stratify", "--class-weight", "balanced",
                       "--seed", str(seed), "--val-split", "0.25")
        counts = _training_counts(model)
        assert counts["yes"] == n_yes - round(0.25 * n_yes)  # 28 train, 9 validation
        assert load_model(str(model))[1]["training"]["stratify"] is True


def test_train_stratify_is_refused_for_a_regression_and_without_validation(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = [(a, b, w, a - b) for a, b, w, _ in _rows()]
    assert cli.main(["train", str(_write(tmp_path / "r.csv", rows)), "--target", "y",
                     "--task", "regression", "--stratify", "--quiet",
                     "-o", str(tmp_path / "r.safetensors")]) == 2
    error_line(capsys, "--stratify splits the rows class by class", "this is a regression")
    assert cli.main(["train", str(_write(tmp_path / "c.csv", _rows())), "--target", "y",
                     "--stratify", "--val-split", "0", "--quiet",
                     "-o", str(tmp_path / "c.safetensors")]) == 2
    error_line(capsys, "--stratify splits the validation rows by class; --val-split is 0")
    assert not (tmp_path / "r.safetensors").exists()
