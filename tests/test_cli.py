"""``nonlin`` end to end, in subprocesses, on CSV files the tests write.

One classifier (iris, with string labels, written out from scikit-learn) and
one regressor are trained once per module and shared by the tests.
"""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import numpy as np
import pytest

import nonlin
from cli_helpers import (
    assert_user_error,
    block_matplotlib,
    png_size,
    read_csv_rows,
    run_cli,
    write_csv,
)

FEATURES = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
TUTORIAL_ERRORS = [
    0.49641003190272537,
    0.008584525653247153,
    0.005789459862507809,
    0.004629176776769984,
    0.003958765280273649,
    0.003510122567861676,
]
TUTORIAL_MATRIX = "[[0.0026057 ]\n [0.99672212]\n [0.99701713]\n [0.00386756]]"


@pytest.fixture(scope="module")
def iris(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """iris.csv (string labels), a copy with shuffled and extra columns, and a trained model."""
    datasets = pytest.importorskip("sklearn.datasets")
    pytest.importorskip("matplotlib")
    folder = tmp_path_factory.mktemp("iris")
    data = datasets.load_iris()
    labels = data.target_names[data.target]
    write_csv(
        folder / "iris.csv",
        [*FEATURES, "species"],
        [[*x, t] for x, t in zip(data.data, labels, strict=True)],
    )
    order = [3, 0, 2, 1]
    write_csv(
        folder / "shuffled.csv",
        ["id", FEATURES[3], "species", *(FEATURES[i] for i in order[1:])],
        [
            [i, x[3], t, *(x[j] for j in order[1:])]
            for i, (x, t) in enumerate(zip(data.data, labels, strict=True))
        ],
    )
    result = run_cli(
        "train",
        "iris.csv",
        "--target",
        "species",
        "--hidden",
        "16",
        "--epochs",
        "40",
        "--batch-size",
        "16",
        "--lr",
        "0.01",
        "--seed",
        "3",
        "--out",
        "iris.safetensors",
        "--plot",
        "curves.png",
        "--quiet",
        cwd=folder,
    )
    assert result.returncode == 0, result.stderr
    return {"dir": folder, "X": data.data, "labels": labels, "train": result}


def python_api_predictions(model_path: Path, X: np.ndarray) -> np.ndarray:
    """What the Python API predicts for raw features X, using the file's metadata (a
    frame with the model's column names, as ``feature_names_in_`` asks)."""
    import pandas as pd

    model = nonlin.load(model_path)
    meta = model.metadata
    prep = meta["preprocessing"]
    scaled = ((X - np.array(prep["mean"])) / np.array(prep["scale"])).astype(np.float32)
    scaled = pd.DataFrame(scaled, columns=meta["feature_names"])
    return np.asarray(meta["classes"])[model.predict(scaled).argmax(axis=1)]


def test_help_explains_every_command_with_an_example(tmp_path: Path) -> None:
    top = run_cli("--help", cwd=tmp_path)
    assert top.returncode == 0
    for command in ("xor", "train", "evaluate", "predict", "info", "demo"):
        assert command in top.stdout
        result = run_cli(command, "--help", cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert f"nonlin {command}" in result.stdout and "example" in result.stdout
    train_help = run_cli("train", "--help", cwd=tmp_path).stdout
    for option in (
        "--target",
        "--task",
        "--hidden",
        "--activation",
        "--dropout",
        "--epochs",
        "--batch-size",
        "--optimizer",
        "--lr",
        "--val-split",
        "--early-stopping",
        "--seed",
        "--out",
        "--plot",
        "--columns",
        "--missing",
        "--resume",
    ):
        assert option in train_help


def test_xor_prints_the_tutorials_errors_and_predictions(tmp_path: Path) -> None:
    result = run_cli("xor", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    errors = [float(x) for x in re.findall(r"^Error: (\S+)$", result.stdout, flags=re.M)]
    np.testing.assert_allclose(errors, TUTORIAL_ERRORS, rtol=1e-9, atol=0)
    assert result.stdout.rstrip().endswith(TUTORIAL_MATRIX)
    assert len(result.stdout.strip().splitlines()) == 6 + 4


def test_xor_plot_keeps_stdout_the_tutorials_and_notes_the_file_on_stderr(
        tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    plain = run_cli("xor", cwd=tmp_path)
    plotted = run_cli("xor", "--plot", "x.png", cwd=tmp_path)
    assert plotted.returncode == 0, plotted.stderr
    assert plotted.stdout == plain.stdout  # `nonlin xor --plot p.png > out.txt`: the tutorial's
    assert plotted.stderr == "note: wrote x.png\n"
    png_size(tmp_path / "x.png")  # a PNG (asserted there)


def test_train_reports_and_stores_scaling_columns_and_classes(iris: dict) -> None:
    out = iris["train"].stdout
    assert "classification of 3 classes" in out
    assert re.search(r"final training:\s+loss \S+\s+accuracy 0\.9\d+", out), out
    assert re.search(r"final validation:\s+loss \S+\s+accuracy \S+\s+\(30 rows\)", out), out
    model = nonlin.load(iris["dir"] / "iris.safetensors")
    meta = model.metadata
    assert meta["classes"] == ["setosa", "versicolor", "virginica"]
    assert meta["feature_names"] == FEATURES and meta["task"] == "classification"
    # The scaling is the training rows' mean and deviation: rows shuffled by the seed,
    # the last 20% held out.
    X = iris["X"].astype(np.float32)
    np.random.default_rng(3).shuffle(X)
    np.testing.assert_allclose(meta["preprocessing"]["mean"], X[:120].mean(axis=0), rtol=1e-5)
    np.testing.assert_allclose(meta["preprocessing"]["scale"], X[:120].std(axis=0), rtol=1e-5)
    assert meta["training"]["epochs_done"] == 40


def test_train_writes_the_curves(iris: dict) -> None:
    path = iris["dir"] / "curves.png"
    assert path.stat().st_size > 10_000
    assert png_size(path) == (1200, 450)  # loss panel + accuracy panel


def test_predict_on_shuffled_columns_matches_the_python_api(iris: dict) -> None:
    folder = iris["dir"]
    result = run_cli("predict", "iris.safetensors", "shuffled.csv", cwd=folder)
    assert result.returncode == 0, result.stderr
    assert "ignoring column(s) the model does not use: id, species" in result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "prediction"
    expected = python_api_predictions(folder / "iris.safetensors", iris["X"])
    assert lines[1:] == list(expected)
    assert np.mean(expected == iris["labels"]) > 0.9


def test_predict_proba_to_a_file(iris: dict) -> None:
    folder = iris["dir"]
    result = run_cli(
        "predict", "iris.safetensors", "shuffled.csv", "--proba", "-o", "pred.csv", cwd=folder
    )
    assert result.returncode == 0, result.stderr
    rows = read_csv_rows(folder / "pred.csv")
    assert len(rows) == 150
    columns = ["proba_setosa", "proba_versicolor", "proba_virginica"]
    assert list(rows[0]) == ["prediction", *columns]
    proba = np.array([[float(r[c]) for c in columns] for r in rows])
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-5)
    picked = np.array(["setosa", "versicolor", "virginica"])[proba.argmax(axis=1)]
    assert list(picked) == [r["prediction"] for r in rows]


def test_evaluate_classifier_text_and_json(iris: dict) -> None:
    folder = iris["dir"]
    text = run_cli(
        "evaluate", "iris.safetensors", "shuffled.csv", "--target", "species", cwd=folder
    )
    assert text.returncode == 0, text.stderr
    for word in ("accuracy", "precision", "recall", "confusion matrix", "virginica"):
        assert word in text.stdout
    result = run_cli(
        "evaluate",
        "iris.safetensors",
        "shuffled.csv",
        "--json",
        "--plot",
        "confusion.png",
        cwd=folder,
    )
    assert png_size(folder / "confusion.png") == (700, 600)
    report = json.loads(result.stdout)
    expected = python_api_predictions(folder / "iris.safetensors", iris["X"])
    assert report["accuracy"] == pytest.approx(np.mean(expected == iris["labels"]))
    matrix = np.array(report["confusion_matrix"])
    assert matrix.sum() == 150 and matrix.sum(axis=1).tolist() == [50, 50, 50]
    setosa = report["classes"][0]
    predicted_setosa = expected == "setosa"
    true_setosa = iris["labels"] == "setosa"
    assert setosa["precision"] == pytest.approx(
        np.sum(predicted_setosa & true_setosa) / np.sum(predicted_setosa)
    )
    assert setosa["recall"] == pytest.approx(np.mean(predicted_setosa[true_setosa]))


def test_evaluate_lists_labels_the_model_never_saw(iris: dict) -> None:
    folder = iris["dir"]
    rows = [[*x, t] for x, t in zip(iris["X"][:5], iris["labels"][:5], strict=True)]
    rows += [[5.0, 3.0, 1.5, 0.2, "unicorn"], [5.0, 3.0, 1.5, 0.2, "griffin"]]
    write_csv(folder / "unseen.csv", [*FEATURES, "species"], rows)
    result = run_cli(
        "evaluate", "iris.safetensors", "unseen.csv", "--target", "species", cwd=folder
    )
    assert_user_error(result, "unseen.csv", "'species'", "'griffin'", "'unicorn'", "setosa")


def test_info_describes_the_model(iris: dict) -> None:
    result = run_cli("info", "iris.safetensors", cwd=iris["dir"])
    assert result.returncode == 0, result.stderr
    model = nonlin.load(iris["dir"] / "iris.safetensors")
    assert f"Total params: {model.count_params():,}" in result.stdout
    assert ", ".join(FEATURES) in result.stdout
    assert "setosa, versicolor, virginica" in result.stdout
    assert "epochs_done: 40" in result.stdout and "data: iris.csv" in result.stdout
    info = json.loads(run_cli("info", "iris.safetensors", "--json", cwd=iris["dir"]).stdout)
    assert info["parameters"] == model.count_params()


def test_regression_train_and_evaluate(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 3)) * [1.0, 10.0, 0.1]
    y = 50 + 3 * X[:, 0] - 0.2 * X[:, 1] + 20 * X[:, 2] + rng.normal(0, 0.1, 400)
    write_csv(tmp_path / "r.csv", ["a", "b", "c", "price"], np.column_stack([X, y]).tolist())
    train = run_cli(
        "train",
        "r.csv",
        "--target",
        "price",
        "--hidden",
        "16",
        "--epochs",
        "30",
        "--lr",
        "0.01",
        "--out",
        "r.safetensors",
        "--quiet",
        cwd=tmp_path,
    )
    assert train.returncode == 0, train.stderr
    assert "regression" in train.stdout and re.search(r"final validation:.* r2 0\.9", train.stdout)
    result = run_cli("evaluate", "r.safetensors", "r.csv", "--json", cwd=tmp_path)
    report = json.loads(result.stdout)
    model = nonlin.load(tmp_path / "r.safetensors")
    meta = model.metadata
    prep, target = meta["preprocessing"], meta["target_preprocessing"]
    scaled = ((X - prep["mean"]) / prep["scale"]).astype(np.float32)
    del model.feature_names_in_  # raw arrays, columns in the model's order: no names check
    pred = model.predict(scaled)[:, 0] * target["scale"][0] + target["mean"][0]
    assert report["rmse"] == pytest.approx(np.sqrt(np.mean((y - pred) ** 2)), rel=1e-4)
    assert report["mae"] == pytest.approx(np.mean(np.abs(y - pred)), rel=1e-4)
    assert report["r2"] > 0.9
    text = run_cli("evaluate", "r.safetensors", "r.csv", cwd=tmp_path).stdout
    assert "RMSE" in text and "MAE" in text and "R^2" in text
    proba = run_cli("predict", "r.safetensors", "r.csv", "--proba", cwd=tmp_path)
    assert_user_error(proba, "--proba", "regressor")


def test_demo_moons_draws_the_decision_boundary(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    result = run_cli(
        "demo", "moons", "--epochs", "20", "--plot", "moons.png", "--quiet", cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    accuracy = float(re.search(r"accuracy: (\S+)", result.stdout).group(1))
    assert accuracy > 0.85
    assert png_size(tmp_path / "moons.png") == (700, 600)
    assert (tmp_path / "moons.png").stat().st_size > 10_000


def test_demo_digits_draws_the_confusion_matrix(tmp_path: Path) -> None:
    pytest.importorskip("sklearn")
    pytest.importorskip("matplotlib")
    result = run_cli(
        "demo", "digits", "--epochs", "3", "--plot", "digits.png", "--quiet", cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert float(re.search(r"accuracy: (\S+)", result.stdout).group(1)) > 0.85
    assert png_size(tmp_path / "digits.png") == (700, 600)


def test_missing_matplotlib_is_one_line_naming_the_extra(tmp_path: Path) -> None:
    blocked = block_matplotlib(tmp_path / "blocked")
    result = run_cli("xor", "--plot", "x.png", cwd=tmp_path, extra_path=blocked)
    assert_user_error(result, "nonlin[plot]")
    assert result.stdout == ""  # it failed before training
    write_csv(tmp_path / "d.csv", ["a", "y"], [[0, 0], [1, 1]])
    result = run_cli(
        "train", "d.csv", "--target", "y", "--plot", "c.png", cwd=tmp_path, extra_path=blocked
    )
    assert_user_error(result, "nonlin[plot]")
    assert not (tmp_path / "model.safetensors").exists()


def test_resume_command_is_what_the_user_typed(tmp_path: Path) -> None:
    import argparse

    from nonlin.cli_train import resume_command

    args = argparse.Namespace(
        argv=["train", "my data.csv", "--target", "y", "--resume", "old"],
        data="my data.csv",
        target="y",
    )
    command = resume_command(args, "m.checkpoint.safetensors")
    assert shlex.split(command) == [
        "nonlin",
        "train",
        "my data.csv",
        "--target",
        "y",
        "--resume",
        "m.checkpoint.safetensors",
    ]


def test_train_on_chosen_columns(iris: dict) -> None:
    folder = iris["dir"]
    result = run_cli(
        "train",
        "shuffled.csv",
        "--target",
        "species",
        "--columns",
        "petal_width,petal_length",
        "--hidden",
        "8",
        "--epochs",
        "3",
        "--quiet",
        "--out",
        "two.safetensors",
        cwd=folder,
    )
    assert result.returncode == 0, result.stderr
    assert "not using column(s) id, sepal_length, sepal_width" in result.stderr
    meta = nonlin.load(folder / "two.safetensors").metadata
    assert meta["feature_names"] == ["petal_width", "petal_length"]
    predicted = run_cli("predict", "two.safetensors", "iris.csv", cwd=folder)
    assert predicted.returncode == 0 and len(predicted.stdout.splitlines()) == 151


def test_info_on_a_model_saved_from_python(tmp_path: Path) -> None:
    model = nonlin.Sequential([nonlin.Dense(3), nonlin.Tanh(), nonlin.Dense(1)]).build(2, 0)
    nonlin.save(model, tmp_path / "plain.safetensors")
    result = run_cli("info", "plain.safetensors", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Total params: 13" in result.stdout and "2 columns (names not recorded)" in result.stdout


def test_demo_without_plot_prints_a_text_map(tmp_path: Path) -> None:
    result = run_cli("demo", "circles", "--epochs", "5", "--quiet", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    rows = result.stdout.split("what the network predicts", 1)[1].splitlines()[1:]
    assert len(rows) == 20 and all(len(row) == 64 and set(row) <= {".", "o"} for row in rows)
    assert "o" in rows[10] and "." in rows[0]  # the inner circle is class 1
