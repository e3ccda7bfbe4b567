"""``nonlin train --class-weight``, ``--weight COLUMN``, ``--l2`` and ``--batch-norm``: the
weights reach ``fit`` as Keras' ``class_weight`` and ``sample_weight``, the regularizers
shape the network, and the model file records all of them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

import nonlin
from cli_helpers import error_line, interrupt_after
from nonlin import cli

N = 60


def _data(folder: Path, weights: list[str] | None = None, n: int = N) -> Path:
    """``a,b,w,y``: a label ``yes`` on every fifth row (imbalanced), weights 0.5 .. 2."""
    rng = np.random.default_rng(7)
    X = rng.normal(size=(n, 2))
    w = weights or [f"{0.5 + (i % 4) / 2:g}" for i in range(n)]
    rows = [f"{a:.3f},{b:.3f},{w[i]},{'yes' if i % 5 == 0 else 'no'}" for i, (a, b) in
            enumerate(X)]
    path = folder / "d.csv"
    path.write_text("a,b,w,y\n" + "\n".join(rows) + "\n")
    return path


def _train(folder: Path, *options: str, out: str = "m.safetensors") -> int:
    columns = [] if "--weight" in options or "--columns" in options else ["--exclude", "w"]
    return cli.main(["train", str(folder / "d.csv"), "--target", "y", *columns, "--hidden", "4",
                     "--epochs", "2", "--quiet", "-o", str(folder / out), *options])


@pytest.fixture()
def fit_calls(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """The arguments of each ``Sequential.fit`` call (copies of X, y and the weights)."""
    calls: list[dict[str, Any]] = []
    original = nonlin.Sequential.fit

    def spy(self: Any, X: Any, y: Any = None, **kwargs: Any) -> Any:
        calls.append({"X": np.array(X), "y": np.array(y), **{
            k: (np.array(v) if k == "sample_weight" else v) for k, v in kwargs.items()}})
        return original(self, X, y, **kwargs)

    monkeypatch.setattr(nonlin.Sequential, "fit", spy)
    return calls


def test_balanced_is_scikit_learns_formula_over_the_training_rows_and_trains_as_fit(
    tmp_path: Path, fit_calls: list[dict[str, Any]]
) -> None:
    """The weights are n_train / (n_classes * bincount) of the training rows, and the model
    is bit for bit the Python API's ``fit(class_weight=...)`` with the same seed."""
    _data(tmp_path)
    assert _train(tmp_path, "--class-weight", "balanced") == 0
    call = fit_calls[0]
    y_train = call["y"]
    expected = len(y_train) / (2 * np.bincount(y_train))
    assert len(y_train) == 48 and call["class_weight"] == {0: expected[0], 1: expected[1]}
    assert "sample_weight" not in call
    trained = nonlin.load(tmp_path / "m.safetensors")
    assert trained.metadata["training"]["class_weight"] == "balanced"
    assert trained.metadata["training"]["class_weights"] == {"no": expected[0],
                                                             "yes": expected[1]}
    model = nonlin.Sequential([nonlin.Dense(4), nonlin.ReLU(), nonlin.Dense(2)]).build(
        2, 0, dtype=np.float32)
    model.fit(call["X"], y_train, loss=nonlin.registry.loss("cross_entropy", from_logits=True),
              optimizer=nonlin.registry.optimizer("adam", lr=1e-3), epochs=2, batch_size=32,
              shuffle=True, seed=0, validation_data=call["validation_data"], verbose=0,
              metrics=("accuracy",), class_weight=call["class_weight"])
    for mine, theirs in zip(model.get_weights(), trained.get_weights(), strict=True):
        assert mine.tobytes() == theirs.tobytes()
    assert _train(tmp_path, out="plain.safetensors") == 0  # the weights change the training
    plain = nonlin.load(tmp_path / "plain.safetensors")
    assert plain.get_weights()[0].tobytes() != trained.get_weights()[0].tobytes()
    assert not {"class_weight", "class_weights", "weight", "l2", "batch_norm"} & set(
        plain.metadata["training"])  # a run without them records as before


def test_explicit_weights_by_label_as_written_and_one_for_the_rest(
    tmp_path: Path, fit_calls: list[dict[str, Any]]
) -> None:
    _data(tmp_path)
    assert _train(tmp_path, "--class-weight", "yes=5") == 0
    assert fit_calls[-1]["class_weight"] == {0: 1.0, 1: 5.0}
    record = nonlin.load(tmp_path / "m.safetensors").metadata["training"]
    assert record["class_weight"] == "yes=5" and record["class_weights"] == {"no": 1.0,
                                                                             "yes": 5.0}
    numeric = tmp_path / "n.csv"  # labels 0 and 1: "1.0" names the class 1 too
    numeric.write_text("a,y\n" + "".join(f"{i},{i % 3 == 0:d}\n" for i in range(30)))
    assert cli.main(["train", str(numeric), "--target", "y", "--hidden", "2", "--epochs", "1",
                     "--quiet", "-o", str(tmp_path / "n.safetensors"), "--class-weight",
                     "1.0=3,0=0.5"]) == 0
    assert fit_calls[-1]["class_weight"] == {0: 0.5, 1: 3.0}


def test_weight_column_is_no_feature_and_multiplies_with_the_class_weights(
    tmp_path: Path, fit_calls: list[dict[str, Any]]
) -> None:
    """The column's weights reach ``fit`` as ``sample_weight`` in the shuffled order of the
    rows (the training rows only), beside ``class_weight``; validation is not weighted."""
    _data(tmp_path)
    assert _train(tmp_path, "--weight", "w", "--class-weight", "balanced") == 0
    call = fit_calls[0]
    order = np.random.default_rng(0).permutation(N)
    column = np.array([0.5 + (i % 4) / 2 for i in range(N)])[order]
    assert np.array_equal(call["sample_weight"], column[:48])
    assert len(call["validation_data"]) == 2 and set(call["class_weight"]) == {0, 1}
    trained = nonlin.load(tmp_path / "m.safetensors")
    assert trained.metadata["feature_names"] == ["a", "b"] and trained.n_features_in == 2
    assert trained.metadata["training"]["weight"] == "w"


def test_weight_column_beside_categorical_columns_from_standard_input(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import io
    import sys

    text = "c,a,w,y\n" + "".join(f"{'rgb'[i % 3]},{i % 7},{i % 4},{'yn'[i % 5 == 0]}\n"
                                  for i in range(40))
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text.encode()), "utf-8"))
    assert cli.main(["train", "-", "--target", "y", "--categorical", "c", "--weight", "w",
                     "--hidden", "2", "--epochs", "1", "--quiet", "-o",
                     str(tmp_path / "m.safetensors")]) == 0
    assert "one-hot encoding 'c' (3): 4 inputs in all" in capsys.readouterr().err
    model = nonlin.load(tmp_path / "m.safetensors")
    assert model.metadata["feature_names"] == ["c=b", "c=g", "c=r", "a"]
    assert model.metadata["training"]["weight"] == "w"


def test_missing_drop_leaves_out_a_row_without_a_weight(
    tmp_path: Path, fit_calls: list[dict[str, Any]]
) -> None:
    weights = ["1"] * N
    weights[4] = ""
    _data(tmp_path, weights)
    assert _train(tmp_path, "--weight", "w", "--missing", "drop") == 0
    record = nonlin.load(tmp_path / "m.safetensors").metadata["training"]
    assert record["dropped_rows"] == 1 and record["rows"] == N - 1
    assert fit_calls[0]["sample_weight"].shape == (record["train_rows"],)


@pytest.mark.parametrize("cell, options, fragments", [
    ("-2", [], ["d.csv, line 6, column 'w': expected a weight >= 0, received '-2' (--weight"]),
    ("", ["--missing", "mean"], ["line 6, column 'w': expected a weight, received ''",
                                 "--missing mean fills feature cells only"]),
    ("nan", ["--missing", "mean"], ["line 6, column 'w': expected a weight, received 'nan'"]),
    ("heavy", [], ["line 6, column 'w': expected a number, received 'heavy' (--weight needs "
                   "a number >= 0 on every row; --missing drop leaves out a row"]),
])
def test_a_bad_weight_is_named_by_line_and_value(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], cell: str, options: list[str],
    fragments: list[str]
) -> None:
    weights = ["1"] * N
    weights[4] = cell
    _data(tmp_path, weights)
    assert _train(tmp_path, "--weight", "w", *options) == 2
    error_line(capsys, *fragments)
    assert not (tmp_path / "m.safetensors").exists()


@pytest.mark.parametrize("options, fragments", [
    (["--weight", "w"], ["every weight in column 'w' is 0 (--weight)"]),
    (["--class-weight", "no=0,yes=0"], ["every one of the 48 training rows weighs 0"]),
    (["--class-weight", "maybe=2"], ["--class-weight: column 'y' has no class 'maybe'; "
                                     "expected one of its classes 'no', 'yes'"]),
    (["--weight", "y"], ["--weight column 'y' is the target (--target)"]),
    (["--weight", "w", "--columns", "a,w"], ["--weight column 'w' is a feature column"]),
    (["--weight", "w", "--categorical", "w"], ["--weight column 'w' is a --categorical column"]),
    (["--weight", "weights"], ["no column 'weights' (--weight); the columns are"]),
])
def test_refused_weights_say_what_was_expected(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], options: list[str],
    fragments: list[str]
) -> None:
    _data(tmp_path, ["0"] * N)
    assert _train(tmp_path, *options) == 2
    error_line(capsys, *fragments)


@pytest.mark.parametrize("options, message", [
    (["--class-weight", "yes"], "argument --class-weight: expected 'balanced' or LABEL=WEIGHT "
                                "pairs such as yes=5,no=1, received 'yes'"),
    (["--class-weight", "yes=-1"], "argument --class-weight: expected a weight >= 0 for label "
                                   "'yes', received '-1'"),
    (["--l2=-1"], "argument --l2: expected a number >= 0, received '-1'"),
])
def test_the_options_spelled_wrong_are_usage_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], options: list[str], message: str
) -> None:
    _data(tmp_path)
    with pytest.raises(SystemExit) as exited:
        _train(tmp_path, *options)
    assert exited.value.code == 2 and message in capsys.readouterr().err


def test_class_weight_of_a_regression_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _data(tmp_path)
    assert _train(tmp_path, "--columns", "b", "--target", "a", "--class-weight", "balanced",
                  "--task", "regression") == 2
    error_line(capsys, "--class-weight weighs the classes of a classifier; column 'a' is a "
               "regression target")


def test_l2_and_batch_norm_shape_the_network_and_info_shows_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _data(tmp_path)
    assert _train(tmp_path, "--l2", "1e-3", "--batch-norm", "--dropout", "0.1",
                  "--hidden", "4,3") == 0
    model = nonlin.load(tmp_path / "m.safetensors")
    assert [type(layer).__name__ for layer in model.layers] == [
        "Dense", "BatchNorm", "ReLU", "Dropout", "Dense", "BatchNorm", "ReLU", "Dropout", "Dense"]
    assert [layer.l2 for layer in model.layers if isinstance(layer, nonlin.Dense)] == [1e-3] * 3
    record = model.metadata["training"]
    assert record["l2"] == 1e-3 and record["batch_norm"] is True
    capsys.readouterr()
    assert cli.main(["info", str(tmp_path / "m.safetensors")]) == 0
    out = capsys.readouterr().out
    assert "  l2: 0.001\n  batch_norm: True\n" in out and "batch_norm (BatchNorm)" in out


def test_l2_is_in_a_regressors_final_loss_as_in_its_val_loss(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The penalty is part of every loss (Keras' convention): the final validation loss of a
    regressor is its last ``val_loss``, penalty included, as a classifier's already was."""
    _data(tmp_path)
    assert _train(tmp_path, "--target", "a", "--columns", "b", "--task", "regression",
                  "--l2", "0.5") == 0
    record = nonlin.load(tmp_path / "m.safetensors").metadata["training"]
    final, last = record["final"]["validation"]["loss"], record["history"]["val_loss"][-1]
    assert final == pytest.approx(last, rel=1e-6) and final > 0.5


def test_a_checkpoint_resumes_with_its_weights_and_refuses_others(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Ctrl-C's resume line repeats the options; ``info`` names --weight (a column of DATA,
    like --categorical); resuming takes the rest from the checkpoint and refuses another
    --l2; the resumed run ends bit for bit where the uninterrupted one does."""
    from nonlin import cli_train_model

    _data(tmp_path)
    monkeypatch.chdir(tmp_path)
    run = ["train", "d.csv", "--target", "y", "--hidden", "4", "--epochs", "3", "--quiet",
           "--weight", "w", "--class-weight", "balanced", "--l2", "0.01", "--batch-norm"]
    monkeypatch.setattr(cli_train_model, "_callbacks", lambda args: [interrupt_after(1)])
    capsys.readouterr()
    assert cli.main([*run, "-o", "r.safetensors"]) == 130
    assert ("resume with: nonlin train d.csv --target y --hidden 4 --epochs 3 --quiet --weight "
            "w --class-weight balanced --l2 0.01 --batch-norm -o r.safetensors --resume "
            "r.checkpoint.safetensors") in capsys.readouterr().err
    monkeypatch.setattr(cli_train_model, "_callbacks", lambda args: [])
    assert cli.main(["info", "r.checkpoint.safetensors"]) == 0
    assert ("resume:     nonlin train d.csv --target y --weight w --epochs 3 --out "
            "r.safetensors --resume r.checkpoint.safetensors") in capsys.readouterr().out
    resume = ["train", "d.csv", "--target", "y", "--epochs", "3", "--quiet", "-o",
              "r.safetensors", "--resume", "r.checkpoint.safetensors"]
    assert cli.main([*resume, "--l2", "0.1"]) == 2
    error_line(capsys, "--l2 0.1 differs from the checkpoint's 0.01")
    assert cli.main([*resume, "--weight", "b"]) == 2
    error_line(capsys, "--weight b differs from the checkpoint's w")
    assert cli.main(resume) == 0
    assert cli.main([*run, "-o", "straight.safetensors"]) == 0
    resumed, straight = (nonlin.load(f"{name}.safetensors") for name in ("r", "straight"))
    for a, b in zip(resumed.get_weights(), straight.get_weights(), strict=True):
        assert a.tobytes() == b.tobytes()
    assert resumed.metadata["training"]["class_weights"] == straight.metadata["training"][
        "class_weights"]
