"""``nonlin train --target y1,y2``: a regression with one output per target column, each
standardized on its own; ``predict`` writes ``prediction_<target>`` columns, ``evaluate``
scores each target and their average, ``info`` shows the targets, ``--resume`` takes them
over; a model file's malformed targets are refused; single-target files are unchanged."""

from __future__ import annotations

import hashlib
import json
import re
import shlex
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import nonlin
from cli_helpers import error_line, interrupt_after
from nonlin import cli

N = 60  # 48 training rows, 12 for validation
# the single-target model file of _train(..., "--target", "y1", "--exclude", "y2,w") with
# training.created replaced: what the code before several targets wrote
_SINGLE_SHA256 = "307ea14cc1e678296dc6889e9ff903e7b086a7a3c17d097cd89f563e6c4d6ffc"


def _data(folder: Path, y2: list[str] | None = None) -> Path:
    """``a,b,y1,y2,w``: two numeric targets of very different scales, a weight column."""
    rng = np.random.default_rng(5)
    X = rng.normal(size=(N, 2)).round(4)
    y1 = (X @ [1.5, -2.0]).round(4)
    cells = y2 or [f"{100 * np.sin(a) + 7:.4f}" for a, _ in X]
    weights = ("0.5", "1", "2", "1.5")
    rows = [f"{a},{b},{t},{cells[i]},{weights[i % 4]}"
            for i, ((a, b), t) in enumerate(zip(X, y1, strict=True))]
    path = folder / "d.csv"
    path.write_text("a,b,y1,y2,w\n" + "\n".join(rows) + "\n")
    return path


def _train(folder: Path, *options: str, out: str = "m.safetensors") -> int:
    return cli.main(["train", str(folder / "d.csv"), "--hidden", "4", "--epochs", "3",
                     "--quiet", "-o", str(folder / out), *options])


def _read(path: Path) -> np.ndarray:
    return np.loadtxt(path, delimiter=",", skiprows=1)


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


def test_two_targets_train_as_the_python_api_on_each_target_standardized(
    tmp_path: Path, fit_calls: list[dict[str, Any]]
) -> None:
    # before: "no column 'y1,y2' (--target)"
    _data(tmp_path)
    assert _train(tmp_path, "--target", "y1,y2", "--exclude", "w", "--loss", "huber") == 0
    table = _read(tmp_path / "d.csv")
    targets = table[:, 2:4].copy()
    np.random.default_rng(0).shuffle(targets)  # --seed 0: the rows' permutation
    train = targets[:48]
    mean, scale = train.mean(axis=0), train.std(axis=0)
    trained = nonlin.load(tmp_path / "m.safetensors")
    meta = trained.metadata
    assert meta["targets"] == ["y1", "y2"] and "target" not in meta
    assert meta["target_preprocessing"]["mean"] == pytest.approx(mean.tolist(), rel=1e-12)
    assert meta["target_preprocessing"]["scale"] == pytest.approx(scale.tolist(), rel=1e-12)
    call = fit_calls[0]
    expected = ((train - mean) / scale).astype(np.float32)
    np.testing.assert_array_equal(call["y"], expected)  # float64 standardized, then float32
    model = nonlin.Sequential([nonlin.Dense(4), nonlin.ReLU(), nonlin.Dense(2)]).build(
        2, 0, dtype=np.float32)
    model.fit(call["X"], call["y"], loss=nonlin.Huber(), optimizer=nonlin.Adam(lr=1e-3),
              epochs=3, batch_size=32, shuffle=True, seed=0,
              validation_data=call["validation_data"], verbose=0)
    for mine, theirs in zip(model.get_weights(), trained.get_weights(), strict=True):
        assert mine.tobytes() == theirs.tobytes()
    final = meta["training"]["final"]["validation"]
    assert final["loss"] == pytest.approx(meta["training"]["history"]["val_loss"][-1], rel=1e-5)


def test_predict_and_evaluate_give_each_target_and_the_averages(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _data(tmp_path)
    assert _train(tmp_path, "--target", "y1,y2", "--exclude", "w") == 0
    data, model_path = str(tmp_path / "d.csv"), str(tmp_path / "m.safetensors")
    assert cli.main(["predict", model_path, data, "-o", str(tmp_path / "p.csv")]) == 0
    lines = (tmp_path / "p.csv").read_text().splitlines()
    assert lines[0] == "prediction_y1,prediction_y2"
    model = nonlin.load(model_path)
    meta, table = model.metadata, _read(tmp_path / "d.csv")
    X = ((table[:, :2] - meta["preprocessing"]["mean"]) / meta["preprocessing"]["scale"])
    scaling = meta["target_preprocessing"]
    with warnings.catch_warnings():  # the model's feature names: X is a plain array here
        warnings.simplefilter("ignore", UserWarning)
        outputs = model.predict(X.astype(np.float32)).astype(np.float64)
    expected = outputs * scaling["scale"] + scaling["mean"]
    np.testing.assert_allclose(_read(tmp_path / "p.csv"), expected, rtol=1e-6)
    truth, w = table[:, 2:4], table[:, 4]
    for weighted in (False, True):
        capsys.readouterr()
        extra = ["--weight", "w"] if weighted else []
        assert cli.main(["evaluate", model_path, data, "--json", *extra]) == 0
        report = json.loads(capsys.readouterr().out)
        weights = w if weighted else np.ones(N)
        residual = truth - expected
        rmse = np.sqrt(np.average(residual**2, axis=0, weights=weights))
        mae = np.average(np.abs(residual), axis=0, weights=weights)
        centred = truth - np.average(truth, axis=0, weights=weights)
        r2 = 1 - (weights @ residual**2) / (weights @ centred**2)
        assert report["targets"] == ["y1", "y2"] and report["n_samples"] == N
        for j, name in enumerate(("y1", "y2")):
            assert report["per_target"][name]["rmse"] == pytest.approx(rmse[j], rel=1e-5)
            assert report["per_target"][name]["mae"] == pytest.approx(mae[j], rel=1e-5)
            assert report["per_target"][name]["r2"] == pytest.approx(r2[j], rel=1e-5)
        assert report["rmse"] == pytest.approx(rmse.mean(), rel=1e-5)
        assert report["mae"] == pytest.approx(mae.mean(), rel=1e-5)
        assert report["r2"] == pytest.approx(r2.mean(), rel=1e-5)  # uniform average
    assert cli.main(["evaluate", model_path, data]) == 0
    shown = capsys.readouterr()
    assert shown.out.splitlines()[1].startswith("y1 ") and "average" in shown.out
    assert "ignoring column(s) the model does not use: w" in shown.err
    assert "y2" not in shown.err


def test_info_shows_the_targets(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _data(tmp_path)
    assert _train(tmp_path, "--target", "y1,y2", "--exclude", "w") == 0
    capsys.readouterr()
    assert cli.main(["info", str(tmp_path / "m.safetensors")]) == 0
    assert "targets:  2: y1, y2\n" in capsys.readouterr().out


@pytest.mark.parametrize(("options", "fragments"), [
    (["--target", "y1,y2", "--task", "classification"],
     ["column 'y1' holds 59 labels", "several targets make a multilabel classifier",
      "exactly two labels in each column", "train one model per target"]),
    (["--target", "y1,y3"], ["no column 'y3' (--target)"]),
    (["--target", "y1,y2", "--columns", "a,y2"], ["--columns lists the target 'y2'"]),
    (["--target", "y1,y2", "--weight", "y2"], ["--weight lists the target 'y2'"]),
])
def test_refusals(tmp_path: Path, capsys: pytest.CaptureFixture[str], options: list[str],
                  fragments: list[str]) -> None:
    _data(tmp_path)
    assert _train(tmp_path, *options) == 2
    error_line(capsys, *fragments)


def test_a_missing_or_text_target_follows_missing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cells = [f"{i}.5" for i in range(N)]
    cells[6] = ""
    _data(tmp_path, cells)
    assert _train(tmp_path, "--target", "y1,y2", "--exclude", "w", "--missing", "mean") == 2
    error_line(capsys, "d.csv, line 8, column 'y2': expected a number, received ''",
               "--missing drop")
    assert _train(tmp_path, "--target", "y1,y2", "--exclude", "w", "--missing", "drop") == 0
    assert nonlin.load(tmp_path / "m.safetensors").metadata["training"]["dropped_rows"] == 1
    cells[6] = "big"
    _data(tmp_path, cells)
    assert _train(tmp_path, "--target", "y1,y2", "--exclude", "w") == 2
    error_line(capsys, "column 'y2'", "'big'", "needs two labels in every target column")
    _data(tmp_path, ["big"] * N)  # a column of text
    assert _train(tmp_path, "--target", "y1,y2", "--exclude", "w") == 2
    line = error_line(capsys, "column 'y2' holds text", "'big'",
                      "needs two labels in every target column")
    assert "--categorical" not in line


def test_resume_takes_the_targets_over_and_refuses_others(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from nonlin import cli_train_model

    _data(tmp_path)
    monkeypatch.setattr(cli_train_model, "_callbacks", lambda args: [interrupt_after(0)])
    assert _train(tmp_path, "--target", "y1,y2", "--exclude", "w") == 130
    monkeypatch.undo()
    capsys.readouterr()
    checkpoint = str(tmp_path / "m.checkpoint.safetensors")
    assert cli.main(["info", checkpoint]) == 0
    shown = capsys.readouterr().out
    assert "targets:  2: y1, y2\n" in shown and " --target y1,y2 " in shown
    assert _train(tmp_path, "--target", "y1", "--resume", checkpoint) == 2
    error_line(capsys, "--target 'y1' differs from the interrupted run's 'y1,y2'")
    assert _train(tmp_path, "--target", "y2,y1", "--resume", checkpoint) == 2
    error_line(capsys, "--target 'y2,y1' differs from the interrupted run's 'y1,y2'")
    assert _train(tmp_path, "--target", "y1,y2", "--resume", checkpoint) == 0
    model = nonlin.load(tmp_path / "m.safetensors")
    assert model.metadata["targets"] == ["y1", "y2"]
    assert model.metadata["training"]["epochs_done"] == 3


@pytest.mark.parametrize(("change", "fragment"), [
    ({"targets": ["y1", "y2", "y3"]}, "one target per output of the model (2), received 3"),
    ({"targets": "y1,y2"}, "expected a list of 2 or more distinct column names"),
    ({"targets": ["y1", "y1"]}, "expected a list of 2 or more distinct column names"),
    ({"target": "y1"}, "received both"),
    ({"target_preprocessing": {"type": "standardize", "mean": [0.0], "scale": [1.0]}},
     "with 2 finite means and 2 finite scales != 0"),
    ({"target_preprocessing": {"type": "standardize", "mean": [0.0, 1.0],
                               "scale": [1.0, 0.0]}}, "finite scales != 0"),
])
def test_a_model_file_with_malformed_targets_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], change: dict[str, Any], fragment: str
) -> None:
    _data(tmp_path)
    assert _train(tmp_path, "--target", "y1,y2", "--exclude", "w") == 0
    model = nonlin.load(tmp_path / "m.safetensors")
    hostile = str(tmp_path / "h.safetensors")
    nonlin.save(model, hostile, metadata={**model.metadata, **change})
    capsys.readouterr()
    for command in (["predict", hostile, str(tmp_path / "d.csv")],
                    ["evaluate", hostile, str(tmp_path / "d.csv")]):
        assert cli.main(command) == 2
        error_line(capsys, "h.safetensors", fragment)


def test_a_classifier_file_with_targets_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _data(tmp_path)
    assert _train(tmp_path, "--target", "y1,y2", "--exclude", "w") == 0
    model = nonlin.load(tmp_path / "m.safetensors")
    hostile = str(tmp_path / "h.safetensors")
    nonlin.save(model, hostile, metadata={**model.metadata, "task": "classification",
                                          "classes": ["p", "q"]})
    capsys.readouterr()
    assert cli.main(["predict", hostile, str(tmp_path / "d.csv")]) == 2
    error_line(capsys, "only a regression or a multilabel classifier has several targets")


def test_a_single_target_file_keeps_its_bytes(tmp_path: Path) -> None:
    _data(tmp_path)
    assert _train(tmp_path, "--target", "y1", "--exclude", "y2,w", "--loss", "huber") == 0
    path = tmp_path / "m.safetensors"
    created = nonlin.load(str(path)).metadata["training"]["created"]
    data = path.read_bytes().replace(created.encode(), b"2000-01-01T00:00:00+00:00")
    assert hashlib.sha256(data).hexdigest() == _SINGLE_SHA256


def _loose(lines: list[str]) -> list[str]:
    """Lines with each number as '#' and runs of spaces as one (as test_docs compares)."""
    return [" ".join(re.sub(r"\d+(\.\d+)?", "#", line).split()) for line in lines if line.strip()]


def test_the_several_targets_example_of_cli_md_prints_what_it_shows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    text = (Path(__file__).parents[1] / "docs" / "cli.md").read_text(encoding="utf-8")
    section = text[text.index("### Several targets"):text.index("### Multilabel targets")]
    commands = [line for block in re.findall(r"```bash\n(.*?)```", section, re.S)
                for line in block.splitlines() if line.startswith("nonlin ")]
    shown = [block.splitlines() for block in re.findall(r"```text\n(.*?)```", section, re.S)]
    monkeypatch.chdir(tmp_path)
    rng = np.random.default_rng(1)
    hour, cloud = rng.uniform(0, 24, 200), rng.uniform(0, 1, 200)
    temp = 12 + 8 * np.sin((hour - 9) / 12 * np.pi) - 4 * cloud + rng.normal(0, 0.5, 200)
    humidity = 60 + 25 * cloud - 1.5 * (temp - 12) + rng.normal(0, 2, 200)
    rows = [f"d{i},{hour[i]:.2f},{cloud[i]:.2f},{temp[i]:.1f},{humidity[i]:.1f}"
            for i in range(200)]
    Path("weather.csv").write_text("day,hour,cloud,temp,humidity\n" + "\n".join(rows) + "\n")
    outputs = {}
    for line in commands:
        assert cli.main(shlex.split(line)[1:]) == 0, line
        outputs[shlex.split(line)[1]] = capsys.readouterr().out.splitlines()
    assert _loose(outputs["train"]) == _loose(shown[0])
    assert _loose(outputs["evaluate"]) == _loose(shown[1])
    header = Path("forecast.csv").read_text().splitlines()[0]
    assert header == "day,prediction_temp,prediction_humidity"


def test_weights_and_dropped_rows_follow_the_rows_of_the_targets(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], fit_calls: list[dict[str, Any]]
) -> None:
    """--weight (not a feature without --columns) is shuffled with the rows; a row missing a
    target is dropped from X, y and the weights alike, in train and in evaluate."""
    cells = [f"{i}.5" for i in range(N)]
    cells[3] = "nan"
    _data(tmp_path, cells)
    assert _train(tmp_path, "--target", "y1,y2", "--weight", "w", "--missing", "drop") == 0
    table = np.genfromtxt(tmp_path / "d.csv", delimiter=",", skip_header=1)
    table = table[~np.isnan(table).any(axis=1)]  # the row with y2 'nan'
    np.random.default_rng(0).shuffle(table)
    call = fit_calls[0]
    assert call["X"].shape == (47, 2)  # 59 rows: 47 for training, 12 for validation
    np.testing.assert_array_equal(call["sample_weight"], table[:47, 4])
    data, model = str(tmp_path / "d.csv"), str(tmp_path / "m.safetensors")
    capsys.readouterr()
    assert cli.main(["evaluate", model, data, "--json", "--missing", "drop"]) == 0
    assert json.loads(capsys.readouterr().out)["n_samples"] == N - 1
    assert cli.main(["evaluate", model, data]) == 2
    error_line(capsys, "line 5, column 'y2': expected a number, received 'nan'")
    assert cli.main(["evaluate", model, data, "--target", "y1"]) == 2
    error_line(capsys, "--target 'y1' names 1 column(s)", "predicts 2 targets ('y1', 'y2')")


def test_a_column_whose_name_holds_a_comma_is_still_one_target(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--target "y,z"`` with a header column ``"y,z"``: one target, as before; the list
    ``a,"y,z"`` quotes it as --columns does."""
    rows = [f"{i % 7},{i % 5},{(i * 37) % 11 + 0.5},{i * 0.1:.1f}" for i in range(N)]
    (tmp_path / "d.csv").write_text('a,b,"y,z",t\n' + "\n".join(rows) + "\n")
    assert _train(tmp_path, "--target", "y,z", "--exclude", "t", "--task", "regression") == 0
    assert nonlin.load(tmp_path / "m.safetensors").metadata["target"] == "y,z"
    assert _train(tmp_path, "--target", 't,"y,z"', "--columns", "a,b") == 0
    assert nonlin.load(tmp_path / "m.safetensors").metadata["targets"] == ["t", "y,z"]
    capsys.readouterr()
    assert cli.main(["predict", str(tmp_path / "m.safetensors"), str(tmp_path / "d.csv")]) == 0
    assert capsys.readouterr().out.splitlines()[0] == 'prediction_t,"prediction_y,z"'
