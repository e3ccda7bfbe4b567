"""``nonlin train --loss`` for a classifier: ``focal[:GAMMA[:ALPHA[:SMOOTHING]]]`` and
``cross_entropy[:SMOOTHING]`` reach ``fit`` as the Python API's
``CategoricalFocalCrossentropy`` on logits, bit for bit; the final scores use the loss, the
record keeps its canonical word, ``--resume`` carries it on and refuses another (or a hostile
record); the default classifier writes the bytes it wrote before."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import nonlin
from cli_helpers import error_line, interrupt_after
from nonlin import cli, cli_train_loss
from test_cli_loss_schedule import fit_calls  # noqa: F401  (a fixture)
from test_cli_loss_schedule_hostile import _edit

N = 60  # 48 training rows: 2 optimizer steps per epoch at --batch-size 32
# the model file _train wrote with no --loss before the classification losses (its
# training.created time replaced)
_DEFAULT_SHA256 = "389fb1e0d64b5ad532bfcb016165ba53361c03e610d137caca4fe0ef19379813"


def _data(folder: Path) -> Path:
    """``a,b,y,kind``: three classes ``kind`` of two features, a numeric ``y``."""
    rng = np.random.default_rng(7)
    X = rng.normal(size=(N, 2))
    kinds = np.where(X[:, 0] > 0.5, "hi", np.where(X[:, 1] > 0, "mid", "lo"))
    rows = [f"{a:.4f},{b:.4f},{a - b:.4f},{k}" for (a, b), k in zip(X, kinds, strict=True)]
    path = folder / "d.csv"
    path.write_text("a,b,y,kind\n" + "\n".join(rows) + "\n")
    return path


def _run(epochs: int = 3, target: str = "kind") -> list[str]:
    exclude = "y" if target == "kind" else "kind"
    return ["train", "d.csv", "--target", target, "--exclude", exclude, "--hidden", "4",
            "--epochs", str(epochs), "--quiet"]


def _python_fit(call: dict[str, Any], loss: Any) -> Any:
    """The Python API's fit of the network ``nonlin train`` builds (seed 0)."""
    model = nonlin.Sequential([nonlin.Dense(4), nonlin.ReLU(), nonlin.Dense(3)]).build(
        2, 0, dtype=np.float32)
    model.fit(call["X"], call["y"], loss=loss, optimizer=nonlin.Adam(lr=1e-3), epochs=3,
              batch_size=32, shuffle=True, seed=0, validation_data=call["validation_data"],
              metrics=("accuracy",), verbose=0)
    return model


@pytest.mark.parametrize(("word", "canonical", "config"), [
    ("Focal:3:0.5", "focal:3.0:0.5", {"gamma": 3.0, "alpha": 0.5}),
    ("focal", "focal", {"gamma": 2.0, "alpha": 1.0}),
    ("categorical_crossentropy:0.10", "cross_entropy:0.1",
     {"gamma": 0.0, "alpha": 1.0, "label_smoothing": 0.1}),
    ("focal:2:0.5:0.1", "focal:2.0:0.5:0.1", {"gamma": 2.0, "alpha": 0.5,
                                               "label_smoothing": 0.1}),
    ("focal:3:1:0", "focal:3.0", {"gamma": 3.0, "alpha": 1.0}),
    ("focal:0:1:0.2", "cross_entropy:0.2", {"gamma": 0.0, "alpha": 1.0,
                                            "label_smoothing": 0.2}),
])
def test_a_classifier_trains_with_the_loss_as_the_python_api(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fit_calls: list[dict[str, Any]],  # noqa: F811
    word: str, canonical: str, config: dict[str, float]
) -> None:
    """The weights are the Python API's bit for bit; the record has the canonical word, the
    final validation loss is the loss's on the validation rows."""
    _data(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert cli.main([*_run(), "--loss", word, "-o", "m.safetensors"]) == 0
    loss = nonlin.CategoricalFocalCrossentropy(from_logits=True, **config)
    model = _python_fit(fit_calls[0], loss)
    trained = nonlin.load("m.safetensors")
    for mine, theirs in zip(model.get_weights(), trained.get_weights(), strict=True):
        assert mine.tobytes() == theirs.tobytes()
    record = trained.metadata["training"]
    assert record["loss"] == canonical
    X_val, y_val = fit_calls[0]["validation_data"]
    expected = float(loss(y_val, model.predict(X_val)))
    assert record["final"]["validation"]["loss"] == pytest.approx(expected, rel=1e-5)
    assert record["history"]["val_loss"][-1] == pytest.approx(expected, rel=1e-5)
    assert cli.main(["predict", "m.safetensors", "d.csv", "--proba", "-o", "p.csv"]) == 0
    probabilities = np.loadtxt("p.csv", delimiter=",", skiprows=1, usecols=(1, 2, 3))
    assert np.allclose(probabilities.sum(axis=1), 1.0)  # predict: the softmax of the logits


def _bytes_without_created(path: Path) -> bytes:
    created = nonlin.load(str(path)).metadata["training"]["created"]
    return path.read_bytes().replace(created.encode(), b"2000-01-01T00:00:00+00:00")


def test_the_default_loss_writes_the_bytes_it_wrote_before_and_smoothing_0_is_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No --loss: the file of the code before; ``cross_entropy:0`` is ``cross_entropy``
    (``CrossEntropy``, not the focal loss), bit for bit, recorded as such."""
    _data(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert cli.main([*_run(), "-o", "plain.safetensors"]) == 0
    digest = hashlib.sha256(_bytes_without_created(tmp_path / "plain.safetensors")).hexdigest()
    assert digest == _DEFAULT_SHA256
    assert "loss" not in nonlin.load("plain.safetensors").metadata["training"]
    assert cli.main([*_run(), "--loss", "cross_entropy:0", "-o", "zero.safetensors"]) == 0
    plain, zero = (nonlin.load(f"{n}.safetensors") for n in ("plain", "zero"))
    assert zero.metadata["training"]["loss"] == "cross_entropy"
    assert cli_train_loss.loss_spec("focal:-0:1.0") == "focal:0.0"  # -0 spelled as 0
    for a, b in zip(plain.get_weights(), zero.get_weights(), strict=True):
        assert a.tobytes() == b.tobytes()


@pytest.mark.parametrize(("target", "word", "fragments"), [
    ("y", "focal", ["column 'y' is a regression target: --loss focal is no loss of a "
                    "regression model; expected one of mse, mae, huber[:DELTA], log_cosh"]),
    ("y", "cross_entropy:0.1", ["--loss cross_entropy:0.1 is no loss of a regression model"]),
    ("kind", "focal:-1", ["argument --loss: expected focal:GAMMA[:ALPHA[:SMOOTHING]] with a "
                          "number GAMMA in [0, 23], received 'focal:-1'"]),
    ("kind", "focal:2:0", ["with a number ALPHA in [1.1920929e-07, 1], received 'focal:2:0'"]),
    ("kind", "focal:inf", ["with a number GAMMA in [0, 23], received 'focal:inf'"]),
    ("kind", "focal:2:1:0.1:0", ["expected focal:GAMMA[:ALPHA[:SMOOTHING]], received "
                                 "'focal:2:1:0.1:0'"]),
    ("kind", "focal:2:1:1", ["with a number SMOOTHING in [0, 1), received 'focal:2:1:1'"]),
    ("kind", "cross_entropy:1", ["expected cross_entropy:SMOOTHING with a number SMOOTHING in "
                                 "[0, 1), received 'cross_entropy:1'"]),
    ("kind", "cross_entropy:-0.1", ["SMOOTHING in [0, 1), received 'cross_entropy:-0.1'"]),
    ("kind", "binary_focal_crossentropy", ["cross_entropy[:SMOOTHING] or "
                                           "focal[:GAMMA[:ALPHA[:SMOOTHING]]] "
                                           "(classification), received "
                                           "'binary_focal_crossentropy'"]),
    ("kind", "mae", ["--loss mae is no loss of a classification model; expected one of "
                     "cross_entropy[:SMOOTHING], focal[:GAMMA[:ALPHA[:SMOOTHING]]] "
                     "(or leave --loss out)"]),
])
def test_refusals_name_the_loss_and_what_is_valid(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    target: str, word: str, fragments: list[str]
) -> None:
    _data(tmp_path)
    monkeypatch.chdir(tmp_path)
    try:
        status = cli.main([*_run(target=target), "--loss", word, "-o", "m.safetensors"])
    except SystemExit as exc:  # argparse's refusal of the word itself
        status = exc.code
    assert status == 2
    error_line(capsys, *fragments)
    assert not (tmp_path / "m.safetensors").exists()


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``d.csv`` and ``r.checkpoint.safetensors``: 2 of 4 epochs of ``--loss focal:3``."""
    from nonlin import cli_train_model

    folder = tmp_path_factory.mktemp("focal")
    _data(folder)
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(folder)
        patch.setattr(cli_train_model, "_callbacks", lambda args: [interrupt_after(1)])
        assert cli.main([*_run(4), "--loss", "focal:3", "-o", "r.safetensors"]) == 130
    return folder


def test_resume_carries_the_focal_loss_on_and_refuses_another(
    checkpoint: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str]
) -> None:
    """``info`` shows the loss; the resumed run is the straight one bit for bit; another
    loss (the default included) is refused naming both."""
    monkeypatch.chdir(tmp_path)
    for name in ("d.csv", "r.checkpoint.safetensors"):  # the fixture's stay as they are
        (tmp_path / name).write_bytes((checkpoint / name).read_bytes())
    saved = "r.checkpoint.safetensors"
    capsys.readouterr()
    assert cli.main(["info", saved]) == 0
    assert "  loss: focal:3.0\n" in capsys.readouterr().out
    resume = [*_run(4), "-o", "r.safetensors", "--resume", saved]
    for other in ("cross_entropy", "focal", "cross_entropy:0.1"):
        assert cli.main([*resume, "--loss", other]) == 2
        error_line(capsys, f"--loss {other} differs from the checkpoint's focal:3.0")
    assert cli.main([*resume, "--loss", "focal:3.0:1"]) == 0
    assert cli.main([*_run(4), "--loss", "focal:3", "-o", "straight.safetensors"]) == 0
    resumed, straight = (nonlin.load(f"{name}.safetensors") for name in ("r", "straight"))
    for a, b in zip(resumed.get_weights(), straight.get_weights(), strict=True):
        assert a.tobytes() == b.tobytes()
    assert resumed.metadata["training"]["history"] == straight.metadata["training"]["history"]
    assert resumed.metadata["training"]["final"] == straight.metadata["training"]["final"]


LOSS = "metadata['training']['loss']"


@pytest.mark.parametrize(("change", "fragment"), [
    (lambda r: r.update(loss="focal:-2"), "expected focal:GAMMA[:ALPHA[:SMOOTHING]] with a "
                                          "number GAMMA in [0, 23], received 'focal:-2'"),
    (lambda r: r.update(loss="focal:nan:1"), "with a number GAMMA in [0, 23]"),
    (lambda r: r.update(loss="focal:2:0"), "with a number ALPHA in [1.1920929e-07, 1]"),
    (lambda r: r.update(loss="cross_entropy:1.5"), "with a number SMOOTHING in [0, 1)"),
    (lambda r: r.update(loss="huber"), "--loss huber is no loss of a classification model"),
    (lambda r: r.update(loss=["focal"]), "expected a non-empty str"),
])
def test_resume_refuses_a_hostile_classifier_record_naming_the_field(
    checkpoint: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    change: Callable[[dict[str, Any]], Any], fragment: str
) -> None:
    edited = _edit(checkpoint / "r.checkpoint.safetensors", tmp_path / "e.checkpoint.st",
                   change)
    capsys.readouterr()
    assert cli.main(["train", str(checkpoint / "d.csv"), "--target", "kind", "--epochs", "4",
                     "--quiet", "--out", str(tmp_path / "e.st"), "--resume", str(edited)]) == 2
    error_line(capsys, "Cannot load model file", f"({LOSS})", fragment)
    assert not (tmp_path / "e.st").exists()
