"""Consolidation review of session 33 (consol33): what shows only across merges.

``--monitor`` of a binary quantity on a run that is no binary classifier says why, as
``--positive`` does on such a model; the missing-value advice is one text for a NaN
(``_finite``) and for ``None`` / ``pd.NA`` in an object column (``_frames``); the warnings
of one fit that meets several rules each appear once."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

import nonlin
from nonlin import cli


@pytest.fixture()
def three(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 2)).round(3)
    labels = np.array(["c0", "c1", "c2"])[(X[:, 0] > 0).astype(int) + (X[:, 1] > 0)]
    rows = "".join(f"{a},{b},{c}\n" for (a, b), c in zip(X, labels, strict=True))
    (tmp_path / "m.csv").write_text("a,b,y\n" + rows)
    monkeypatch.chdir(tmp_path)
    return tmp_path / "m.csv"


@pytest.mark.parametrize("name", ["val_precision", "recall", "val_auc"])
def test_monitor_of_a_binary_quantity_on_three_classes_says_why(
        three: Path, name: str, capsys: pytest.CaptureFixture[str]) -> None:
    run = ["train", "m.csv", "--target", "y", "--hidden", "3", "--quiet", "--epochs", "1",
           "--early-stopping", "2", "--monitor", name, "--out", "m.safetensors"]
    assert cli.main(run) == 2
    err = capsys.readouterr().err
    assert f"--monitor '{name}' is not logged by this run" in err
    assert "needs a binary classifier (two classes); this run trains a classifier of 3 " \
           "classes" in err
    assert not (three.parent / "m.safetensors").exists()


def test_monitor_of_another_name_keeps_the_plain_refusal(
        three: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run = ["train", "m.csv", "--target", "y", "--hidden", "3", "--quiet", "--epochs", "1",
           "--early-stopping", "2", "--monitor", "val_mae"]
    assert cli.main(run) == 2
    err = capsys.readouterr().err
    assert "expected one of 'loss', 'accuracy', 'val_loss', 'val_accuracy'\n" in err


def test_missing_value_advice_is_one_text() -> None:
    from nonlin import _finite, _frames

    assert _frames.MISSING_ADVICE is _finite.MISSING_ADVICE
    model = nonlin.Sequential([nonlin.Dense(1)])
    with pytest.raises(ValueError, match="x\\[1, 0\\]=nan; fill in or drop") as nan:
        model.fit(np.array([[1.0], [np.nan]]), np.zeros((2, 1)), loss="mse",
                  optimizer="sgd", epochs=1, verbose=0)
    assert str(nan.value).endswith(_finite.MISSING_ADVICE)
    with pytest.raises(TypeError, match=r"it holds None in row 1 \(x\[1, 0\]\): fill in or drop"
                       ) as none:  # with its row and index since s34
        model.fit(np.array([[1.0], [None]], dtype=object), np.zeros((2, 1)), loss="mse",
                  optimizer="sgd", epochs=1, verbose=0)
    assert str(none.value).endswith(_finite.MISSING_ADVICE)


def _messages(fit: dict[str, object], model: nonlin.Sequential, x: np.ndarray,
              y: np.ndarray) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(x, y, optimizer="adam", epochs=3, seed=0, verbose=0, **fit)
    return [str(w.message) for w in caught]


def test_multilabel_fit_with_class_weight_warns_each_cause_once() -> None:
    # class_weight on multilabel rows, and a validation share lacking label 2 for the
    # column-by-column metrics: two warnings, each once, neither the pooled one
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 3))
    y = (rng.random((40, 3)) > 0.5).astype(float)
    yv = y[:8].copy()
    yv[:, 2] = 0
    model = nonlin.Sequential([nonlin.Dense(3), nonlin.Sigmoid()])
    got = _messages({"loss": "binary_crossentropy", "class_weight": {0: 1.0, 1: 2.0},
                     "validation_data": (x[:8], yv),
                     "metrics": ["precision", "f1_score",
                                 nonlin.metrics.AUC(multi_label=True)]}, model, x, y)
    assert len(got) == 2
    assert got[0].startswith("class_weight weighs each row of a 2-D target")
    assert "'f1_score' (label column 2 holds no positive), 'auc' (label column 2" in got[1]


def test_two_class_softmax_fit_warns_pooled_and_per_label_once_each() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 3))
    y = np.eye(2)[(x[:, 0] > 0).astype(int)]
    model = nonlin.Sequential([nonlin.Dense(2), nonlin.Softmax()])
    got = _messages({"loss": "cross_entropy", "class_weight": {0: 1.0, 1: 2.0},
                     "validation_data": (x[:8], np.tile([1.0, 0.0], (8, 1))),
                     "metrics": ["precision", "recall", "f1_score", "auc"]}, model, x, y)
    assert len(got) == 3
    assert [m.split(" counts")[0] for m in got[:2]] == ["The metric 'precision'",
                                                       "The metric 'recall'"]
    assert "'f1_score' (label column 1 holds no positive)" in got[2]
