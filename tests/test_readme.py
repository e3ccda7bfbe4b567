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


def test_training_saving_and_resuming_run_in_order_as_written(tmp_path, monkeypatch):
    pytest.importorskip("sklearn", reason="the README's training block loads the digits")
    monkeypatch.chdir(tmp_path)
    ns: dict = {}
    _run(1, ns)  # training: the block loads and splits its own data
    assert len(ns["history"].history["val_accuracy"]) >= 6  # patience 5: at least 6 epochs
    X_test, y_test = ns["X_test"], ns["y_test"]
    assert ns["model"].evaluate(X_test, y_test, metrics=["accuracy"])["accuracy"] > 0.95
    before = ns["model"].predict(X_test)
    _run(2, ns)  # saving and loading
    np.testing.assert_array_equal(ns["model"].predict(X_test), before)
    assert ns["model"].metadata["classes"] == list("0123456789")
    _run(3, ns)  # a checkpoint every epoch, then resuming from it, as written
    resumed = ns["model"]
    assert len(resumed.history.history["loss"]) == 20 and Path("ck.safetensors").exists()
    straight = ns["digits_net"]()
    straight.fit(ns["X"], ns["y"], loss="cross_entropy", optimizer="adam", epochs=20, seed=0,
                 verbose=0)
    for a, b in zip(straight.get_weights(), resumed.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)  # "resume bit-identically"
