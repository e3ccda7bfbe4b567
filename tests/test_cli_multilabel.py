"""``nonlin train --target a,b,c`` of two labels each: a multilabel classifier (one sigmoid
output per target, binary cross-entropy on the logits); ``predict`` writes each target's
label and probability, ``evaluate`` scores as scikit-learn does, ``info`` shows the labels;
a multi-target regression of real numbers is written as before."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import nonlin
from cli_helpers import error_line, interrupt_after
from nonlin import cli

N = 60
# _regression_file's model file (training.created replaced) as the code before multilabel
# targets wrote it: a multi-target regression of real numbers keeps its bytes
_REGRESSION_SHA256 = "957faeee29989d9dac3d5cc7066e4c632abb742da144005a9cea839cf88a0380"


def _data(folder: Path, *, a: list[str] | None = None, b: list[str] | None = None) -> Path:
    """``x1,x2,x3,a,b,c,w,r1,r2``: a (no/yes), b (0/1), c (false/true) from the features,
    a weight column and two real-valued columns."""
    rng = np.random.default_rng(2)
    X = rng.normal(size=(N, 3)).round(3)
    a = a or ["yes" if v > 0 else "no" for v in X[:, 0]]
    b = b or [str(int(v > 0)) for v in X[:, 1] + X[:, 2]]
    c = ["true" if v > 0.3 else "false" for v in X[:, 2]]
    lines = ["x1,x2,x3,a,b,c,w,r1,r2"]
    for i in range(N):
        lines.append(f"{X[i, 0]},{X[i, 1]},{X[i, 2]},{a[i]},{b[i]},{c[i]},{1 + i % 3},"
                     f"{X[i, 0] * 2 + 0.1:.4f},{np.sin(X[i, 1]):.4f}")
    path = folder / "d.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def _train(folder: Path, *options: str, out: str = "m.safetensors") -> int:
    return cli.main(["train", str(folder / "d.csv"), "--hidden", "4", "--epochs", "3",
                     "--quiet", "-o", str(folder / out), *options])


ML = ("--target", "a,b,c", "--exclude", "w,r1,r2")


@pytest.fixture()
def fit_calls(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    calls: list[dict[str, Any]] = []
    original = nonlin.Sequential.fit

    def spy(self: Any, X: Any, y: Any = None, **kwargs: Any) -> Any:
        calls.append({"y": np.array(y), **kwargs})
        return original(self, X, y, **kwargs)

    monkeypatch.setattr(nonlin.Sequential, "fit", spy)
    return calls


def _predict(folder: Path, *options: str, model: str = "m.safetensors",
             capsys: Any) -> list[dict[str, str]]:
    capsys.readouterr()
    assert cli.main(["predict", str(folder / model), str(folder / "d.csv"), *options]) == 0
    return list(csv.DictReader(io.StringIO(capsys.readouterr().out)))


def test_two_labels_per_target_train_one_sigmoid_output_each(
    tmp_path: Path, fit_calls: list[dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("sklearn")
    from sklearn.preprocessing import LabelBinarizer

    _data(tmp_path)
    assert _train(tmp_path, *ML) == 0
    out = capsys.readouterr().out
    assert "multilabel classification, positive labels: a=yes, b=1, c=true" in out
    assert "subset_accuracy" in out
    meta = nonlin.load(tmp_path / "m.safetensors").metadata
    assert meta["task"] == "classification" and meta["multilabel"] is True
    assert meta["targets"] == meta["classes"] == ["a", "b", "c"]
    assert meta["target_classes"] == [["no", "yes"], [0, 1], ["false", "true"]]
    assert "target_preprocessing" not in meta
    loss = fit_calls[0]["loss"]
    assert type(loss).__name__ == "BinaryCrossEntropy" and loss.from_logits
    y = fit_calls[0]["y"]
    assert y.shape == (48, 3) and y.dtype == np.float32 and set(np.unique(y)) == {0.0, 1.0}
    with open(tmp_path / "d.csv") as handle:
        rows = list(csv.DictReader(handle))
    for name, pair in zip(meta["targets"], meta["target_classes"], strict=True):
        binarizer = LabelBinarizer().fit([row[name] for row in rows])  # scikit-learn's positive
        assert str(binarizer.classes_[1]) == str(pair[1])
    # --task classification: the same; --task regression: numbers, or refused for text
    assert _train(tmp_path, *ML, "--task", "classification", out="c.safetensors") == 0
    assert nonlin.load(tmp_path / "c.safetensors").metadata["target_classes"][1] == [0, 1]
    assert _train(tmp_path, "--target", "b,r1", "--exclude", "a,c,w,r2",
                  "--task", "regression") == 0
    assert "multilabel" not in nonlin.load(tmp_path / "m.safetensors").metadata


def test_auto_keeps_real_valued_targets_a_regression(tmp_path: Path) -> None:
    _data(tmp_path)
    assert _train(tmp_path, "--target", "r1,r2", "--exclude", "a,b,c,w") == 0
    path = tmp_path / "m.safetensors"
    meta = nonlin.load(path).metadata
    assert meta["task"] == "regression" and "multilabel" not in meta
    data = path.read_bytes().replace(meta["training"]["created"].encode(),
                                     b"2000-01-01T00:00:00+00:00")
    assert hashlib.sha256(data).hexdigest() == _REGRESSION_SHA256
    # integers of two values with a real-valued target: a regression, as before
    assert _train(tmp_path, "--target", "b,r1", "--exclude", "a,c,w,r2") == 0
    assert nonlin.load(path).metadata["task"] == "regression"


@pytest.mark.parametrize(("b", "options", "fragments"), [
    (["0", "1", "2"], ["--task", "classification"],
     ["column 'b' holds 3 labels (0, 1, 2)", "several targets make a multilabel classifier",
      "one sigmoid output per target", "a softmax output of its own (multi-output multiclass)",
      "train one model per target"]),
    (["p", "q", "r"], [], ["column 'b' holds 3 labels (p, q, r)",
                           "column 'a' holds text labels, so the targets make a multilabel"]),
    (["1"], ["--task", "classification"], ["column 'b' holds a single label (1)",
                                           "needs two labels in every target column"]),
    (None, ["--class-weight", "balanced"], ["--class-weight weighs the classes of one target",
                                            "--weight COLUMN weighs whole rows"]),
    (None, ["--loss", "focal:2:0.5"], ["--loss focal:2.0:0.5", "takes GAMMA and SMOOTHING only",
                                       "give --loss focal:2"]),
    (None, ["--loss", "mse"], ["--loss mse is no loss of a multilabel classifier"]),
])
def test_refusals(tmp_path: Path, capsys: pytest.CaptureFixture[str], b: list[str] | None,
                  options: list[str], fragments: list[str]) -> None:
    _data(tmp_path, b=None if b is None else [b[i % len(b)] for i in range(N)])
    assert _train(tmp_path, *ML, *options) == 2
    error_line(capsys, *fragments)
    assert not (tmp_path / "m.safetensors").exists()


def test_a_missing_label_follows_missing(tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    b = [str(i % 2) for i in range(N)]
    b[4], b[9] = "", "NA"  # missing in a column of numbers, both
    _data(tmp_path, b=b)
    assert _train(tmp_path, *ML) == 2
    error_line(capsys, "d.csv, line 6, column 'b': expected a label, received ''",
               "--missing drop")
    assert _train(tmp_path, *ML, "--missing", "drop") == 0
    meta = nonlin.load(tmp_path / "m.safetensors").metadata
    assert meta["training"]["dropped_rows"] == 2 and meta["training"]["rows"] == N - 2
    a = ["NA" if i % 2 else "yes" for i in range(N)]  # in a column of text NA is a label
    _data(tmp_path, a=a)
    assert _train(tmp_path, *ML) == 0
    assert nonlin.load(tmp_path / "m.safetensors").metadata["target_classes"][0] == ["NA", "yes"]


def test_predict_writes_each_targets_label_and_probability(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _data(tmp_path)
    assert _train(tmp_path, *ML, "--epochs", "30") == 0
    rows = _predict(tmp_path, "--proba", "--keep", "x1", capsys=capsys)
    assert list(rows[0]) == ["x1", "prediction_a", "prediction_b", "prediction_c",
                             "proba_a", "proba_b", "proba_c"]
    assert list(_predict(tmp_path, capsys=capsys)[0]) == ["prediction_a", "prediction_b",
                                                         "prediction_c"]
    model = nonlin.load(tmp_path / "m.safetensors")
    meta = model.metadata
    with open(tmp_path / "d.csv") as handle:
        X = np.array([[float(r[n]) for n in meta["feature_names"]] for r in csv.DictReader(handle)])
    X = (X - meta["preprocessing"]["mean"]) / meta["preprocessing"]["scale"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # an array, not the columns by name
        logits = model.predict(X.astype(np.float32)).astype(np.float64)
    proba = 1 / (1 + np.exp(-logits))
    for row, p in zip(rows, proba, strict=True):
        for j, (name, pair) in enumerate(zip(meta["targets"], meta["target_classes"],
                                             strict=True)):
            assert float(row[f"proba_{name}"]) == pytest.approx(p[j], abs=1e-5)
            assert row[f"prediction_{name}"] == str(pair[int(p[j] > 0.5)])


def _sklearn_scores(truth: np.ndarray, pred: np.ndarray, w: np.ndarray | None) -> dict:
    pytest.importorskip("sklearn")
    from sklearn import metrics

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p, r, f, s = metrics.precision_recall_fscore_support(truth, pred, sample_weight=w)
        averages = {avg: metrics.precision_recall_fscore_support(
            truth, pred, average=avg, sample_weight=w)[:3]
            for avg in ("micro", "macro", "weighted", "samples")}
    return {"subset": metrics.accuracy_score(truth, pred, sample_weight=w),
            "hamming": metrics.hamming_loss(truth, pred, sample_weight=w),
            "per_label": (p, r, f, s), "averages": averages,
            "accuracy": [metrics.accuracy_score(truth[:, j], pred[:, j], sample_weight=w)
                         for j in range(truth.shape[1])]}


def _check_report(report: dict, expected: dict) -> None:
    assert report["subset_accuracy"] == pytest.approx(expected["subset"], rel=1e-12)
    assert report["hamming_loss"] == pytest.approx(expected["hamming"], rel=1e-12)
    for j, label in enumerate(report["labels"]):
        got = [label[k] for k in ("precision", "recall", "f1", "support")]
        assert got == pytest.approx([v[j] for v in expected["per_label"]], rel=1e-12)
        assert label["accuracy"] == pytest.approx(expected["accuracy"][j], rel=1e-12)
    for name, values in expected["averages"].items():
        got = report["averages"][name]
        assert [got["precision"], got["recall"], got["f1"]] == pytest.approx(values, rel=1e-12)


@pytest.mark.parametrize("weighted", [False, True])
def test_evaluate_scores_as_scikit_learn(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                         weighted: bool) -> None:
    _data(tmp_path)
    assert _train(tmp_path, *ML, "--epochs", "20") == 0
    rows = _predict(tmp_path, capsys=capsys)
    with open(tmp_path / "d.csv") as handle:
        data = list(csv.DictReader(handle))
    positive = {"a": "yes", "b": "1", "c": "true"}
    truth = np.array([[r[n] == positive[n] for n in "abc"] for r in data], dtype=int)
    pred = np.array([[r[f"prediction_{n}"] == positive[n] for n in "abc"] for r in rows],
                    dtype=int)
    w = np.array([float(r["w"]) for r in data]) if weighted else None
    assert cli.main(["evaluate", str(tmp_path / "m.safetensors"), str(tmp_path / "d.csv"),
                     "--json", *(["--weight", "w"] if weighted else [])]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["multilabel"] is True and report["targets"] == ["a", "b", "c"]
    assert [label["positive"] for label in report["labels"]] == ["yes", 1, "true"]
    _check_report(report, _sklearn_scores(truth, pred, w))
    assert cli.main(["evaluate", str(tmp_path / "m.safetensors"), str(tmp_path / "d.csv")]) == 0
    table = capsys.readouterr().out
    for fragment in ("subset accuracy (exact match):", "Hamming loss:", "micro avg",
                     "macro avg", "weighted avg", "samples avg"):
        assert fragment in table
    assert cli.main(["evaluate", str(tmp_path / "m.safetensors"), str(tmp_path / "d.csv"),
                     "--plot", str(tmp_path / "p.png")]) == 2
    error_line(capsys, "is a multilabel classifier, scored label by label: leave --plot out")


def test_the_report_equals_scikit_learn_on_hard_cases() -> None:
    """Rows without a true or predicted label, labels never predicted, weights of 0."""
    from nonlin.cli_multilabel_report import multilabel_report

    rng = np.random.default_rng(3)
    for trial in range(150):
        n, k = int(rng.integers(1, 12)), int(rng.integers(2, 5))
        truth = rng.integers(0, 2, (n, k))
        if trial % 3 == 0:
            truth[:] = 0
        proba = rng.random((n, k))
        w = None if trial % 2 else rng.choice([0.0, 0.5, 1.0, 3.0], n)
        if w is not None and not w.any():
            w[0] = 1.0
        report = multilabel_report([str(j) for j in range(k)], [[0, 1]] * k, truth, proba, w)
        _check_report(report, _sklearn_scores(truth, (proba > 0.5).astype(int), w))


def test_info_shows_each_targets_labels(tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    _data(tmp_path)
    assert _train(tmp_path, *ML) == 0
    capsys.readouterr()
    assert cli.main(["info", str(tmp_path / "m.safetensors")]) == 0
    out = capsys.readouterr().out
    assert "labels:   3 (one sigmoid output each; positive label second):" in out
    assert "  a  no / yes (positive: yes)\n" in out and "  b  0 / 1 (positive: 1)\n" in out


def test_resume_gives_the_straight_runs_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from nonlin import cli_train_model

    _data(tmp_path)
    run = (*ML, "--epochs", "4", "--weight", "w", "--lr-schedule", "cosine:1",
           "--loss", "cross_entropy:0.1")
    monkeypatch.setattr(cli_train_model, "_callbacks", lambda args: [interrupt_after(1)])
    assert _train(tmp_path, *run) == 130
    monkeypatch.undo()
    checkpoint = str(tmp_path / "m.checkpoint.safetensors")
    assert _train(tmp_path, "--target", "a,b,c", "--epochs", "4", "--resume", checkpoint,
                  out="r.safetensors") == 0
    assert _train(tmp_path, *run, out="s.safetensors") == 0
    resumed, straight = (tmp_path / "r.safetensors").read_bytes(), (
        tmp_path / "s.safetensors").read_bytes()
    created = [nonlin.load(tmp_path / f).metadata["training"]["created"]
               for f in ("r.safetensors", "s.safetensors")]
    assert resumed.replace(created[0].encode(), created[1].encode()) == straight
    capsys.readouterr()
    assert _train(tmp_path, "--target", "a,b", "--epochs", "4", "--resume", checkpoint) == 2
    error_line(capsys, "--target 'a,b' differs from the interrupted run's 'a,b,c'")


@pytest.mark.parametrize(("options", "loss", "config"), [
    (["--loss", "cross_entropy:0.1"], "BinaryFocalCrossentropy",
     {"gamma": 0.0, "label_smoothing": 0.1, "apply_class_balancing": False}),
    (["--loss", "focal:1.5"], "BinaryFocalCrossentropy",
     {"gamma": 1.5, "label_smoothing": 0.0, "apply_class_balancing": False}),
    (["--loss", "focal:1.5:1:0.2"], "BinaryFocalCrossentropy",
     {"gamma": 1.5, "label_smoothing": 0.2, "apply_class_balancing": False}),
    (["--categorical", "color", "--weight", "w", "--val-split", "0"], "BinaryCrossEntropy", {}),
    (["--early-stopping", "2", "--lr-schedule", "plateau:1"], "BinaryCrossEntropy", {}),
])
def test_the_options_work(tmp_path: Path, fit_calls: list[dict[str, Any]],
                          options: list[str], loss: str, config: dict[str, Any]) -> None:
    path = _data(tmp_path)
    lines = path.read_text().splitlines()
    path.write_text("\n".join([lines[0] + ",color", *(f"{line},{'rgb'[i % 3]}"
                                                      for i, line in enumerate(lines[1:]))]))
    exclude = "r1,r2" + ("" if "--weight" in options else ",w") + (
        "" if "--categorical" in options else ",color")
    assert _train(tmp_path, "--target", "a,b,c", "--exclude", exclude, *options) == 0
    used = fit_calls[0]["loss"]
    assert type(used).__name__ == loss and used.from_logits
    assert {k: used.get_config()[k] for k in config} == config
    if "--weight" in options:
        assert fit_calls[0]["sample_weight"] is not None
        assert fit_calls[0]["validation_data"] is None
    if "--early-stopping" in options:
        assert [type(c).__name__ for c in fit_calls[0]["callbacks"]] == [
            "EarlyStopping", "ReduceLROnPlateau"]


def test_plot_writes_the_curves(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    _data(tmp_path)
    assert _train(tmp_path, *ML, "--plot", str(tmp_path / "c.png")) == 0
    assert (tmp_path / "c.png").stat().st_size > 0


def test_an_estimators_multilabel_file_predicts_and_evaluates(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pd = pytest.importorskip("pandas")
    pytest.importorskip("sklearn")
    import nonlin.sklearn as nls

    _data(tmp_path)
    frame = pd.read_csv(tmp_path / "d.csv")
    Y = np.column_stack([frame["a"] == "yes", frame["b"] == 1]).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = nls.MLPClassifier((5,), max_iter=30, random_state=0).fit(frame[["x1", "x2"]], Y)
    est.save(tmp_path / "e.safetensors")
    frame.assign(ya=Y[:, 0], yb=Y[:, 1]).to_csv(tmp_path / "d.csv", index=False)
    rows = _predict(tmp_path, "--proba", model="e.safetensors", capsys=capsys)
    assert list(rows[0]) == ["prediction_0", "prediction_1", "proba_0", "proba_1"]
    np.testing.assert_array_equal([[int(r["prediction_0"]), int(r["prediction_1"])]
                                   for r in rows], est.predict(frame[["x1", "x2"]]))
    proba = est.predict_proba(frame[["x1", "x2"]])
    assert [float(r["proba_1"]) for r in rows] == pytest.approx(proba[:, 1], abs=1e-5)
    model = str(tmp_path / "e.safetensors")
    assert cli.main(["evaluate", model, str(tmp_path / "d.csv")]) == 2
    error_line(capsys, "a multilabel classifier of 2 labels that does not record their "
               "columns; give --target with 2 columns")
    assert cli.main(["evaluate", model, str(tmp_path / "d.csv"), "--target", "ya,yb",
                     "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    _check_report(report, _sklearn_scores(Y, est.predict(frame[["x1", "x2"]]), None))


@pytest.mark.parametrize(("change", "fragment"), [
    ({"target_classes": [["no", "yes"], [0, 1]]}, "expected 3 pairs of distinct str or int"),
    ({"target_classes": [["no", "no"], [0, 1], ["f", "t"]]}, "expected 3 pairs of distinct"),
    ({"classes": ["a", "c", "b"]}, "expected the targets ['a', 'b', 'c']"),
    ({"task": "regression"}, "a multilabel model is a classifier"),
])
def test_a_malformed_multilabel_file_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], change: dict[str, Any], fragment: str
) -> None:
    _data(tmp_path)
    assert _train(tmp_path, *ML) == 0
    model = nonlin.load(tmp_path / "m.safetensors")
    hostile = str(tmp_path / "h.safetensors")
    nonlin.save(model, hostile, metadata={**model.metadata, **change})
    capsys.readouterr()
    for command in ("predict", "evaluate"):
        assert cli.main([command, hostile, str(tmp_path / "d.csv")]) == 2
        error_line(capsys, "h.safetensors", fragment)


def test_the_multilabel_example_of_cli_md_prints_what_it_shows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import re
    import shlex

    text = (Path(__file__).parents[1] / "docs" / "cli.md").read_text(encoding="utf-8")
    section = text[text.index("### Multilabel targets"):text.index("### Losses and learning")]
    commands = [line for block in re.findall(r"```bash\n(.*?)```", section, re.S)
                for line in block.splitlines() if line.startswith("nonlin ")]
    shown = [block.splitlines() for block in re.findall(r"```text\n(.*?)```", section, re.S)]
    monkeypatch.chdir(tmp_path)
    rng = np.random.default_rng(4)
    n = 300
    links, caps = rng.poisson(2, n), rng.uniform(0, 1, n).round(3)
    length = rng.integers(20, 400, n)
    spam = np.where(links + 4 * caps + rng.normal(0, 1, n) > 4.5, "yes", "no")
    promo = ((links > 2) & (length < 200)).astype(int)
    reply = np.where(caps + rng.normal(0, 0.2, n) < 0.4, "true", "false")
    Path("mail.csv").write_text("id,links,caps,length,spam,promo,reply\n" + "".join(
        f"{i},{links[i]},{caps[i]},{length[i]},{spam[i]},{promo[i]},{reply[i]}\n"
        for i in range(n)))
    outputs = {}
    for line in commands:
        assert cli.main(shlex.split(line)[1:]) == 0, line
        outputs[shlex.split(line)[1]] = capsys.readouterr().out.splitlines()
    assert outputs["train"] == shown[0]
    assert outputs["evaluate"] == shown[1]
    assert Path("labels.csv").read_text().splitlines()[:2] == shown[2]
