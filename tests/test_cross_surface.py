"""Model files from one surface (``nonlin.save``, ``nonlin train``, ``nonlin.sklearn``)
read by another (``nonlin.load``, ``nonlin.sklearn.load``, ``nonlin predict``,
``evaluate`` and ``info``)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import nonlin
from cli_helpers import assert_user_error, run_cli, write_csv

NAMES = ["a", "b", "c"]


def _data(folder: Path, n: int = 12) -> np.ndarray:
    X = np.random.default_rng(0).normal(size=(n, 3))
    labels = np.array(["no", "yes"])[(X[:, 0] > 0).astype(int)]
    rows = [[*map(repr, row), label] for row, label in zip(X.tolist(), labels, strict=True)]
    write_csv(folder / "d.csv", [*NAMES, "y"], rows)
    return X


def _cli_metadata(X: np.ndarray, classes: list) -> dict:
    mean, scale = X.mean(axis=0), X.std(axis=0)
    return {
        "task": "classification", "feature_names": NAMES, "classes": classes, "target": "y",
        "preprocessing": {"type": "standardize", "mean": mean.tolist(), "scale": scale.tolist()},
    }


def _proba(result) -> np.ndarray:
    assert result.returncode == 0, result.stderr
    rows = [line.split(",") for line in result.stdout.splitlines()[1:]]
    return np.array([[float(v) for v in row[1:]] for row in rows])


def test_python_classifiers_with_probability_outputs_predict_their_own_probabilities(
    tmp_path: Path,
) -> None:
    """A Python-API classifier ending in Softmax (as the README's), or a binary one with one
    Sigmoid output (2 classes, as the metadata schema allows), saved with the command line's
    metadata: ``nonlin predict --proba`` gives the model's own probabilities (to the 6 digits
    it prints), and ``evaluate`` scores it."""
    X = _data(tmp_path)
    meta = _cli_metadata(X, ["no", "yes"])
    scaled = (X - meta["preprocessing"]["mean"]) / meta["preprocessing"]["scale"]
    softmax = nonlin.Sequential([nonlin.Dense(4), nonlin.Tanh(), nonlin.Dense(2), nonlin.Softmax()])
    sigmoid = nonlin.Sequential([nonlin.Dense(4), nonlin.Tanh(), nonlin.Dense(1), nonlin.Sigmoid()])
    expected = {}
    for name, model in (("softmax", softmax), ("sigmoid", sigmoid)):
        model.build(3, 1)
        nonlin.save(model, tmp_path / f"{name}.safetensors", metadata=meta)
        p = model.predict(scaled)
        expected[name] = p if p.shape[1] == 2 else np.hstack([1 - p, p])
    for name, p in expected.items():
        result = run_cli("predict", f"{name}.safetensors", "d.csv", "--proba", cwd=tmp_path)
        np.testing.assert_allclose(_proba(result), p, rtol=0, atol=5e-7, err_msg=name)
        scores = run_cli("evaluate", f"{name}.safetensors", "d.csv", "--json", cwd=tmp_path)
        assert scores.returncode == 0, scores.stderr
        accuracy = np.mean(np.array(["no", "yes"])[p.argmax(axis=1)] == np.where(X[:, 0] > 0,
                                                                                 "yes", "no"))
        assert json.loads(scores.stdout)["accuracy"] == accuracy


def test_info_shows_free_form_training_records(tmp_path: Path) -> None:
    """``training`` is free JSON in ``nonlin.save``'s metadata: ``nonlin info`` shows any
    ``final`` record, not only the command line's {part: {metric: number}}, and ``--json``
    keeps its own ``parameters`` and ``architecture`` when the metadata has such keys."""
    model = nonlin.Sequential([nonlin.Dense(3), nonlin.Dense(2)]).build(2, 0)
    records = [
        {"final": 0.93, "epochs": 5},
        {"final": {"validation": 0.93}},
        {"final": {"validation": {"accuracy": "high", "loss": [1, 2], "rows": 3}}},
    ]
    for i, training in enumerate(records):
        nonlin.save(model, tmp_path / f"m{i}.safetensors", metadata={"training": training})
    nonlin.save(model, tmp_path / "keys.safetensors",
                metadata={"parameters": {"lr": 0.1}, "architecture": "mlp"})
    for i in range(len(records)):
        result = run_cli("info", f"m{i}.safetensors", cwd=tmp_path)
        assert result.returncode == 0 and result.stderr == "", (i, result.stderr)
        assert f"Total params: {model.count_params()}" in result.stdout
    assert "0.93" in run_cli("info", "m1.safetensors", cwd=tmp_path).stdout
    info = run_cli("info", "keys.safetensors", "--json", cwd=tmp_path)
    assert json.loads(info.stdout)["parameters"] == model.count_params()
    assert json.loads(info.stdout)["architecture"] == model.get_config()
    assert "parameters" in info.stderr and "architecture" in info.stderr


def test_a_float64_model_predicts_on_float64_data(tmp_path: Path) -> None:
    """A float64 regressor saved from Python with the command line's metadata:
    ``predict`` reads the CSV in the model's float64, so its values are bit for bit
    ``model.predict((X - mean) / scale)`` (they were off by float32 rounding of the data),
    and ``evaluate`` reads the same way."""
    X = _data(tmp_path)
    meta = _cli_metadata(X, [])
    del meta["classes"]
    meta["task"] = "regression"
    model = nonlin.Sequential([nonlin.Dense(4), nonlin.Tanh(), nonlin.Dense(1)]).build(3, 2)
    nonlin.save(model, tmp_path / "r.safetensors", metadata=meta)
    expected = model.predict((X - meta["preprocessing"]["mean"]) / meta["preprocessing"]["scale"])
    result = run_cli("predict", "r.safetensors", "d.csv", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    got = np.array([float(v) for v in result.stdout.split()[1:]])
    np.testing.assert_array_equal(got, expected[:, 0])


def test_a_multi_label_sigmoid_model_is_refused_by_predict(tmp_path: Path) -> None:
    """Three Sigmoid outputs score three labels each on its own: ``predict`` refuses the
    model in one line instead of printing the softmax of the sigmoids as probabilities."""
    X = _data(tmp_path)
    model = nonlin.Sequential([nonlin.Dense(3), nonlin.Sigmoid()]).build(3, 0)
    nonlin.save(model, tmp_path / "m.safetensors", metadata=_cli_metadata(X, ["p", "q", "r"]))
    result = run_cli("predict", "m.safetensors", "d.csv", "--proba", cwd=tmp_path)
    assert_user_error(result, "m.safetensors", "Sigmoid", "Softmax")


def test_a_scikit_learn_estimators_file_is_read_by_predict_and_evaluate(tmp_path: Path) -> None:
    """``nonlin.sklearn`` saves no preprocessing (its features go in as they are) and no
    target: predict and evaluate refused its files as "not written by 'nonlin train'"."""
    pytest.importorskip("pandas")
    import warnings

    import pandas as pd

    pytest.importorskip("sklearn")
    from nonlin.sklearn import MLPClassifier

    X = _data(tmp_path, n=40)
    y = np.array(["no", "yes"])[(X[:, 0] > 0).astype(int)]
    frame = pd.DataFrame(X, columns=NAMES)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning
        est = MLPClassifier((6,), max_iter=30, random_state=0).fit(frame, y)
        bare = MLPClassifier((6,), max_iter=3, random_state=0).fit(X, y)
    est.save(tmp_path / "est.safetensors")
    bare.save(tmp_path / "bare.safetensors")
    result = run_cli("predict", "est.safetensors", "d.csv", "--proba", cwd=tmp_path)
    np.testing.assert_allclose(_proba(result), est.predict_proba(frame), rtol=0, atol=5e-7)
    scores = run_cli("evaluate", "est.safetensors", "d.csv", "--target", "y", "--json",
                     cwd=tmp_path)
    assert scores.returncode == 0, scores.stderr
    assert json.loads(scores.stdout)["accuracy"] == est.score(frame, y)
    assert_user_error(run_cli("evaluate", "est.safetensors", "d.csv", cwd=tmp_path),
                      "does not record its target column; give --target")
    assert_user_error(run_cli("predict", "est.safetensors", "d.csv", "--missing", "mean",
                              cwd=tmp_path), "holds no training means", "--missing drop")
    assert_user_error(run_cli("predict", "bare.safetensors", "d.csv", cwd=tmp_path),
                      "no feature_names", "fit the estimator on a pandas DataFrame")
