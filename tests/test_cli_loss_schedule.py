"""``nonlin train --loss`` and ``--lr-schedule``: the loss and the schedule reach ``fit`` as
the Python API's objects, the final scores use the loss, the model file records both (only
when given), ``info`` shows them and ``--resume`` carries them on bit for bit."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import nonlin
from cli_helpers import error_line, interrupt_after
from nonlin import cli

N = 60  # 48 training rows: 2 optimizer steps per epoch at --batch-size 32


def _data(folder: Path) -> Path:
    """``a,b,y,kind``: a numeric target ``y`` with outliers, a label ``kind``."""
    rng = np.random.default_rng(3)
    X = rng.normal(size=(N, 2))
    y = X @ [1.5, -2.0] + rng.normal(size=N) * 0.1
    y[::10] += 8.0  # outliers: where huber and mse differ
    rows = [f"{a:.4f},{b:.4f},{t:.4f},{'up' if t > 0 else 'down'}" for (a, b), t in zip(X, y,
                                                                                      strict=True)]
    path = folder / "d.csv"
    path.write_text("a,b,y,kind\n" + "\n".join(rows) + "\n")
    return path


def _train(folder: Path, *options: str, out: str = "m.safetensors", target: str = "y") -> int:
    exclude = "kind" if target == "y" else "y"
    return cli.main(["train", str(folder / "d.csv"), "--target", target, "--exclude", exclude,
                     "--hidden", "4", "--epochs", "3", "--quiet", "-o", str(folder / out),
                     *options])


@pytest.fixture()
def fit_calls(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """The arguments of each ``Sequential.fit`` call (X and y copied)."""
    calls: list[dict[str, Any]] = []
    original = nonlin.Sequential.fit

    def spy(self: Any, X: Any, y: Any = None, **kwargs: Any) -> Any:
        calls.append({"X": np.array(X), "y": np.array(y), **kwargs})
        return original(self, X, y, **kwargs)

    monkeypatch.setattr(nonlin.Sequential, "fit", spy)
    return calls


def test_a_huber_regressor_with_a_cosine_schedule_trains_as_the_python_api(
    tmp_path: Path, fit_calls: list[dict[str, Any]]
) -> None:
    """``--loss huber:0.5 --lr-schedule cosine:1`` is ``fit(loss=Huber(0.5),
    optimizer=Adam(lr=CosineDecay(...)))`` bit for bit; the final losses are Huber's."""
    _data(tmp_path)
    assert _train(tmp_path, "--loss", "huber:0.5", "--lr-schedule", "cosine:1") == 0
    call = fit_calls[0]
    schedule = nonlin.schedules.CosineDecay(1e-3, 4, warmup_steps=2)  # (3 - 1) epochs x 2 steps
    model = nonlin.Sequential([nonlin.Dense(4), nonlin.ReLU(), nonlin.Dense(1)]).build(
        2, 0, dtype=np.float32)
    model.fit(call["X"], call["y"], loss=nonlin.Huber(0.5), optimizer=nonlin.Adam(lr=schedule),
              epochs=3, batch_size=32, shuffle=True, seed=0,
              validation_data=call["validation_data"], verbose=0)
    trained = nonlin.load(tmp_path / "m.safetensors")
    for mine, theirs in zip(model.get_weights(), trained.get_weights(), strict=True):
        assert mine.tobytes() == theirs.tobytes()
    record = trained.metadata["training"]
    assert record["loss"] == "huber:0.5" and record["lr_schedule"] == "cosine:1"
    assert record["final"]["validation"]["loss"] == pytest.approx(
        record["history"]["val_loss"][-1], rel=1e-5)
    X_val, y_val = call["validation_data"]
    huber = nonlin.Huber(0.5)(y_val, model.predict(X_val))
    assert record["final"]["validation"]["loss"] == pytest.approx(float(huber), rel=1e-5)


def test_the_schedules_give_their_rates_per_optimizer_step(
    tmp_path: Path, fit_calls: list[dict[str, Any]]
) -> None:
    """2 steps per epoch: cosine warms up over its epochs then decays to 0 at the run's end;
    exponential and step count epochs in steps; plateau is Keras' callback on val_loss."""
    _data(tmp_path)
    expected = {
        "cosine:1": [0.0, 5e-4, 1e-3, 1e-3 * (1 + math.cos(math.pi / 4)) / 2, 5e-4,
                     1e-3 * (1 + math.cos(3 * math.pi / 4)) / 2, 0.0],
        "exponential:0.5": [1e-3 * 0.5 ** (s / 2) for s in range(7)],
        "step:2:0.5": [1e-3] * 4 + [5e-4] * 3,
    }
    for spec, rates in expected.items():
        assert _train(tmp_path, "--lr-schedule", spec) == 0
        schedule = fit_calls[-1]["optimizer"].lr
        assert [schedule(s) for s in range(7)] == pytest.approx(rates, abs=1e-12), spec
        assert fit_calls[-1]["optimizer"].iterations == 6  # 3 epochs x 2 steps
    assert _train(tmp_path, "--lr-schedule", "plateau:2:0.5") == 0
    plateau = fit_calls[-1]["callbacks"][-1]
    assert isinstance(plateau, nonlin.callbacks.ReduceLROnPlateau)
    assert (plateau.monitor, plateau.patience, plateau.factor) == ("val_loss", 2, 0.5)
    assert fit_calls[-1]["optimizer"].lr == 1e-3


def test_without_the_options_nothing_changes_and_nothing_is_recorded(tmp_path: Path) -> None:
    """No new keys; the explicit defaults train the same bits (and are recorded)."""
    _data(tmp_path)
    assert _train(tmp_path, out="plain.safetensors") == 0
    assert _train(tmp_path, "--loss", "mean_squared_error", "--lr-schedule", "constant",
                  out="named.safetensors") == 0
    plain, named = (nonlin.load(tmp_path / f"{n}.safetensors") for n in ("plain", "named"))
    assert not {"loss", "lr_schedule"} & set(plain.metadata["training"])
    assert (named.metadata["training"]["loss"], named.metadata["training"]["lr_schedule"]) == (
        "mse", "constant")
    for a, b in zip(plain.get_weights(), named.get_weights(), strict=True):
        assert a.tobytes() == b.tobytes()


@pytest.mark.parametrize(("options", "fragments"), [
    (["--loss", "msle"], ["argument --loss: expected one of mse, mae, huber[:DELTA] or "
                          "log_cosh (regression), cross_entropy[:SMOOTHING] or "
                          "focal[:GAMMA[:ALPHA[:SMOOTHING]]] (classification), received 'msle'"]),
    (["--loss", "huber:0"], ["expected huber:DELTA with a number DELTA in [1.1920929e-07, "
                             "3.4028235e+38], received 'huber:0'"]),
    (["--loss", "mae:2"], ["expected mae without a parameter"]),
    (["--loss", "cross_entropy"], ["column 'y' is a regression target: --loss cross_entropy is "
                                   "no loss of a regression model; expected one of mse, mae, "
                                   "huber[:DELTA], log_cosh"]),
    (["--lr-schedule", "linear"], ["expected one of constant, cosine[:WARMUP], exponential:RATE"]),
    (["--lr-schedule", "step"], ["expected step:EVERY[:FACTOR], received 'step'"]),
    (["--lr-schedule", "exponential:1.5"], ["with RATE a number between 0 and 1"]),
    (["--lr-schedule", "plateau:2.5"], ["with PATIENCE an integer >= 1"]),
    (["--lr-schedule", "cosine:3"], ["--lr-schedule cosine:3 warms up for 3 epochs; expected "
                                     "fewer than --epochs (3)"]),
    (["--lr-schedule", "plateau", "--val-split", "0"], ["--lr-schedule plateau watches the "
                                                        "validation loss"]),
])
def test_refusals_name_the_option_and_what_is_valid(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], options: list[str],
    fragments: list[str]
) -> None:
    _data(tmp_path)
    try:
        status = _train(tmp_path, *options)
    except SystemExit as exc:  # argparse's refusal of the word itself
        status = exc.code
    assert status == 2
    error_line(capsys, *fragments)


def test_a_classifier_refuses_a_regression_loss(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _data(tmp_path)
    assert _train(tmp_path, "--loss", "huber", target="kind") == 2
    error_line(capsys, "column 'kind' is a classification target: --loss huber is no loss of a "
               "classification model; expected one of cross_entropy[:SMOOTHING], "
               "focal[:GAMMA[:ALPHA[:SMOOTHING]]] (or leave --loss out)")
    assert _train(tmp_path, "--loss", "categorical_crossentropy", target="kind") == 0
    record = nonlin.load(tmp_path / "m.safetensors").metadata["training"]
    assert record["loss"] == "cross_entropy"


def test_resume_carries_the_schedule_and_loss_on_and_refuses_others(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Interrupted after 2 of 4 epochs, resumed: bit for bit the straight run (the cosine
    schedule goes on from the checkpoint's step count); another --loss, or more epochs of a
    cosine schedule, is refused naming both; ``info`` shows the options."""
    from nonlin import cli_train_model

    _data(tmp_path)
    monkeypatch.chdir(tmp_path)
    run = ["train", "d.csv", "--target", "y", "--exclude", "kind", "--hidden", "4", "--epochs",
           "4", "--quiet", "--loss", "Huber:0.25", "--lr-schedule", "cosine:1"]
    original = cli_train_model._callbacks
    monkeypatch.setattr(cli_train_model, "_callbacks", lambda args: [interrupt_after(1)])
    assert cli.main([*run, "-o", "r.safetensors"]) == 130
    monkeypatch.setattr(cli_train_model, "_callbacks", original)
    capsys.readouterr()
    assert cli.main(["info", "r.checkpoint.safetensors"]) == 0
    shown = capsys.readouterr().out
    assert "  loss: huber:0.25\n" in shown and "  lr_schedule: cosine:1\n" in shown
    resume = ["train", "d.csv", "--target", "y", "--epochs", "4", "--quiet", "-o",
              "r.safetensors", "--resume", "r.checkpoint.safetensors"]
    assert cli.main([*resume, "--loss", "mae"]) == 2
    error_line(capsys, "--loss mae differs from the checkpoint's huber:0.25")
    assert cli.main([*resume[:4], "--epochs", "6", *resume[6:]]) == 2
    error_line(capsys, "--epochs 6 differs from the checkpoint's 4",
               "resume with --epochs 4")
    assert cli.main([*resume, "--loss", "huber:0.250", "--lr-schedule", "cosine:1"]) == 0
    assert cli.main([*run, "-o", "straight.safetensors"]) == 0
    resumed, straight = (nonlin.load(f"{name}.safetensors") for name in ("r", "straight"))
    for a, b in zip(resumed.get_weights(), straight.get_weights(), strict=True):
        assert a.tobytes() == b.tobytes()
    for record in (resumed.metadata["training"], straight.metadata["training"]):
        record.pop("created")
    assert resumed.metadata == straight.metadata


def test_resuming_a_run_without_loss_takes_its_default_as_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A checkpoint without the options (as before them): ``--loss mse`` and
    ``--lr-schedule constant`` are its own; another loss is refused naming mse."""
    from nonlin import cli_train_model

    _data(tmp_path)
    monkeypatch.chdir(tmp_path)
    run = ["train", "d.csv", "--target", "y", "--exclude", "kind", "--hidden", "4",
           "--epochs", "3", "--quiet", "-o", "r.safetensors"]
    monkeypatch.setattr(cli_train_model, "_callbacks", lambda args: [interrupt_after(0)])
    assert cli.main(run) == 130
    monkeypatch.undo()
    monkeypatch.chdir(tmp_path)
    capsys.readouterr()
    resume = [*run, "--resume", "r.checkpoint.safetensors"]
    assert cli.main([*resume, "--lr-schedule", "cosine"]) == 2
    error_line(capsys, "--lr-schedule cosine differs from the checkpoint's constant")
    assert cli.main([*resume, "--loss", "mse", "--lr-schedule", "constant"]) == 0
    assert not {"loss", "lr_schedule"} & set(
        nonlin.load("r.safetensors").metadata["training"])


def test_a_plateau_schedule_resumes_with_its_counters_and_reduced_rate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``ReduceLROnPlateau`` after ``EarlyStopping``: the checkpoint restores both by
    position, and the reduced rate with the optimizer; the resumed run is the straight one."""
    from nonlin import cli_train_model

    _data(tmp_path)
    monkeypatch.chdir(tmp_path)
    run = ["train", "d.csv", "--target", "y", "--exclude", "kind", "--hidden", "4", "--epochs",
           "6", "--quiet", "--lr", "0.05", "--lr-schedule", "plateau:1:0.5",
           "--early-stopping", "5"]
    original = cli_train_model._callbacks
    monkeypatch.setattr(cli_train_model, "_callbacks",
                        lambda args: [*original(args), interrupt_after(2)])
    assert cli.main([*run, "-o", "r.safetensors"]) == 130
    monkeypatch.setattr(cli_train_model, "_callbacks", original)
    assert cli.main([*run, "-o", "r.safetensors", "--resume", "r.checkpoint.safetensors"]) == 0
    assert cli.main([*run, "-o", "straight.safetensors"]) == 0
    resumed, straight = (nonlin.load(f"{name}.safetensors") for name in ("r", "straight"))
    for a, b in zip(resumed.get_weights(), straight.get_weights(), strict=True):
        assert a.tobytes() == b.tobytes()
    history = straight.metadata["training"]["history"]
    assert history == resumed.metadata["training"]["history"]
