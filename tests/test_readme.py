"""The README's Python examples run as written, in order, on the data they assume."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
BLOCKS = re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(encoding="utf-8"), re.S)


def _run(index: int, namespace: dict) -> None:
    exec(compile(BLOCKS[index], f"README.md python block {index}", "exec"), namespace)  # noqa: S102


def test_the_tour_prints_the_predictions_and_the_check_it_promises(capsys):
    _run(0, {})
    out = capsys.readouterr().out
    predictions = [float(v) for v in re.findall(r"\d\.\d+", out)[:4]]
    comment = re.search(r"# \[\[(.*?)\]\]", BLOCKS[0]).group(1)
    for value, shown in zip(predictions, re.findall(r"\d\.\d+", comment), strict=True):
        assert f"{value:.10f}".startswith(shown)
    assert float(out.split()[-1]) < 1e-6  # gradcheck's "~1e-8"


def test_training_saving_and_resuming_run_in_order(tmp_path, monkeypatch):
    datasets = pytest.importorskip("sklearn.datasets")
    selection = pytest.importorskip("sklearn.model_selection")
    monkeypatch.chdir(tmp_path)
    X, y = datasets.load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = selection.train_test_split(
        X / 16, y, test_size=0.25, stratify=y, random_state=0)
    ns = {"X_train": X_train, "y_train": y_train, "X_test": X_test, "y_test": y_test}
    _run(1, ns)  # training
    assert len(ns["history"].history["val_accuracy"]) >= 6  # patience 5: at least 6 epochs
    assert ns["model"].evaluate(X_test, y_test, metrics=["accuracy"])["accuracy"] > 0.95
    before = ns["model"].predict(X_test)
    _run(2, ns)  # saving and loading
    np.testing.assert_array_equal(ns["model"].predict(X_test), before)
    assert ns["model"].metadata["classes"] == list("0123456789")
    layers = re.search(r"nonlin.Sequential\((\[.*?\])\)", BLOCKS[1], re.S).group(1)
    ns.update(X=X_train, y=y_train)
    code = BLOCKS[3].replace("[...same layers...]", layers)  # the same layers as block 1
    exec(compile(code, "README.md python block 3", "exec"), ns)  # noqa: S102
    assert len(ns["model"].history.history["loss"]) == 20 and Path("ck.safetensors").exists()
