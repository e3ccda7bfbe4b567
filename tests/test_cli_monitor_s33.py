"""``nonlin train --monitor NAME`` (Keras' ``monitor``) for ``--early-stopping`` and
``--lr-schedule plateau``, and ``--positive LABEL`` for a watched precision or recall."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pytest

import nonlin
from cli_helpers import error_line, interrupt_after
from nonlin import cli
from nonlin.cli_monitor import fit_metrics
from nonlin.cli_train_schedule import schedule_callbacks
from nonlin.metrics import AUC, Precision, Recall


@pytest.fixture()
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    rng = np.random.default_rng(1)
    X = rng.normal(size=(200, 3)).round(3)
    rare = X[:, 0] + 0.6 * rng.normal(size=200) > 0.9  # 'fraud' sorts first
    labels = np.where(rare, "fraud", "ok")
    rows = "".join(f"{a},{b},{c},{label}\n" for (a, b, c), label in zip(X, labels, strict=True))
    (tmp_path / "d.csv").write_text("a,b,c,y\n" + rows)
    monkeypatch.chdir(tmp_path)
    return tmp_path / "d.csv"


def _train(*options: str, out: str = "m.safetensors") -> int:
    return cli.main(["train", "d.csv", "--target", "y", "--hidden", "6", "--quiet",
                     "-o", out, *options])


def test_early_stopping_watches_val_auc_and_keeps_its_best_epoch(data: Path) -> None:
    assert _train("--epochs", "60", "--early-stopping", "3", "--monitor", "val_auc",
                  "--lr", "0.01") == 0
    training = nonlin.load("m.safetensors").metadata["training"]
    history = training["history"]
    assert training["monitor"] == "val_auc" and "auc" in history
    val_auc = history["val_auc"]
    best = int(np.argmax(val_auc))  # the first of the best: maximized (mode auto)
    assert len(val_auc) < 60 and len(val_auc) - 1 - best == 3, val_auc


def test_the_watched_metric_is_added_only_when_watched() -> None:
    meta = {"task": "classification", "classes": ["fraud", "ok"]}
    args = argparse.Namespace(monitor=None, positive=None, target="y")
    assert fit_metrics(args, meta) == ["accuracy"]
    args.monitor = "val_auc"
    auc = fit_metrics(args, meta)[1]
    assert isinstance(auc, AUC) and auc.multi_label and auc.name == "auc"
    args.monitor, args.positive = "val_precision", "fraud"
    precision = fit_metrics(args, meta)[1]
    assert type(precision) is Precision and precision.class_id == 0
    args.monitor, args.positive = "recall", None
    recall = fit_metrics(args, meta)[1]
    assert type(recall) is Recall and recall.class_id == 1 and recall.name == "recall"
    assert fit_metrics(argparse.Namespace(monitor="val_mae", positive=None),
                       {"task": "regression"})[0].name == "mae"


def test_plateau_follows_monitor() -> None:
    args = argparse.Namespace(lr_schedule="plateau:2", monitor="val_accuracy")
    assert schedule_callbacks(args)[0].monitor == "val_accuracy"
    args.monitor = None
    assert schedule_callbacks(args)[0].monitor == "val_loss"


def test_a_training_quantity_needs_no_validation_rows(data: Path) -> None:
    assert _train("--epochs", "8", "--early-stopping", "2", "--monitor", "loss",
                  "--val-split", "0") == 0
    assert "val_loss" not in nonlin.load("m.safetensors").metadata["training"]["history"]


@pytest.mark.parametrize("options, fragments", [
    (["--monitor", "val_mae", "--early-stopping", "2"],
     ["--monitor 'val_mae' is not logged by this run", "'val_auc'", "'val_recall'"]),
    (["--monitor", "val_auc"], ["--monitor 'val_auc' sets what --early-stopping"]),
    (["--monitor", "val_auc", "--early-stopping", "2", "--val-split", "0"],
     ["--early-stopping watches val_auc; give --val-split > 0"]),
    (["--monitor", "val_auc", "--early-stopping", "2", "--positive", "fraud"],
     ["--positive 'fraud' names the class whose precision or recall"]),
    (["--monitor", "val_recall", "--early-stopping", "2", "--positive", "spam"],
     ["--positive: column 'y' has no class 'spam'", "'fraud', 'ok'"]),
    (["--monitor", "val_auc", "--lr-schedule", "plateau", "--val-split", "0"],
     ["--lr-schedule plateau watches val_auc; give --val-split > 0"]),
])
def test_refusals_name_the_value(data: Path, capsys: pytest.CaptureFixture[str],
                                 options: list[str], fragments: list[str]) -> None:
    capsys.readouterr()
    assert _train("--epochs", "2", *options) == 2
    error_line(capsys, *fragments)
    assert not Path("m.safetensors").exists()


def test_resume_keeps_the_runs_monitor(data: Path, capsys: pytest.CaptureFixture[str],
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from nonlin import cli_train_model

    run = ["--epochs", "5", "--early-stopping", "4", "--monitor", "val_recall",
           "--positive", "fraud"]
    real = cli_train_model._callbacks
    monkeypatch.setattr(cli_train_model, "_callbacks",
                        lambda args: [*real(args), interrupt_after(1)])
    assert _train(*run) == 130
    monkeypatch.setattr(cli_train_model, "_callbacks", real)
    resume = ["--epochs", "5", "--resume", "m.checkpoint.safetensors"]
    capsys.readouterr()
    assert _train(*resume, "--monitor", "val_auc") == 2
    error_line(capsys, "--monitor val_auc differs from the checkpoint's val_recall")
    assert _train(*resume) == 0
    training = nonlin.load("m.safetensors").metadata["training"]
    assert training["monitor"] == "val_recall" and training["positive"] == "fraud"
    assert len(training["history"]["val_recall"]) == 5
