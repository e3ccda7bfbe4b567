"""``nonlin info`` on a scikit-learn estimator's file: short lines (a loss curve as its
count, first and last values; one parameter per line) and the model's dtype; ``--json``
keeps every value."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest

pytest.importorskip("sklearn")

import nonlin.sklearn as nls  # noqa: E402
from nonlin import cli  # noqa: E402


def test_info_summarizes_an_estimator_file_and_shows_its_dtype(tmp_path, capsys) -> None:
    X = np.random.default_rng(0).normal(size=(30, 3))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = nls.MLPClassifier((4,), max_iter=40, dtype="float32", random_state=0).fit(
            X, np.arange(30) % 3)
    path = str(tmp_path / "est.safetensors")
    est.save(path)
    assert cli.main(["info", path]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert max(map(len, lines)) <= 100, max(lines, key=len)
    assert "dtype:    float32" in lines and "    solver: adam" in lines
    assert f"    loss_curve_: 40 values, first {est.loss_curve_[0]:.4g}, " \
           f"last {est.loss_curve_[-1]:.4g}" in lines
    assert cli.main(["info", path, "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["dtype"] == "float32"
    assert info["training"]["fitted"]["loss_curve_"] == est.loss_curve_
    assert info["training"]["params"]["max_iter"] == 40
