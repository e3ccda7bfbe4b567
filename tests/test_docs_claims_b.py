"""Claims of docs/guide.md (from "evaluate and predict" on), docs/design.md and
docs/file-format.md that an audit found wrong, each checked against the code.

Where the code was right and the page wrong, the test pins the behaviour and the
page's corrected sentence; where the page stated what users expect, the code was fixed.
"""

from __future__ import annotations

import json
import re
import struct
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from safetensors.numpy import save_file

import nonlin
from nonlin import cli

DOCS = Path(__file__).resolve().parents[1] / "docs"


def _text(page: str) -> str:
    """The page with its line breaks folded, so a sentence is found whatever its wrapping."""
    return re.sub(r"\s+", " ", (DOCS / page).read_text())


def _header(path: Path) -> dict[str, Any]:
    data = path.read_bytes()
    (length,) = struct.unpack("<Q", data[:8])
    return json.loads(data[8 : 8 + length])


def _net() -> nonlin.Sequential:
    return nonlin.Sequential([nonlin.Dense(4), nonlin.ReLU(), nonlin.Dense(3), nonlin.Softmax()])


def _data(n: int = 30) -> tuple[np.ndarray, np.ndarray]:
    return np.random.default_rng(0).normal(size=(n, 2)), np.arange(n) % 3


# -- code fixed ---------------------------------------------------------------------------
def test_foreign_safetensors_file_is_named_not_a_json_error(tmp_path: Path) -> None:
    """file-format.md: another safetensors file is refused early as not nonlin's. PyTorch's
    and Hugging Face's writers store {"format": "pt"}, a bare word: the message said
    "invalid JSON"; it now says the file is not a nonlin model file."""
    path = tmp_path / "hf.safetensors"
    save_file({"w": np.zeros(3, np.float32)}, str(path), metadata={"format": "pt"})
    with pytest.raises(nonlin.ModelFileError, match="not a nonlin model file") as info:
        nonlin.load(path)
    assert "invalid JSON" not in str(info.value) and "'pt'" in str(info.value)
    assert info.value.field == "__metadata__['format']"
    with pytest.raises(nonlin.ModelFileError, match="not a nonlin model file"):
        nonlin.load_checkpoint(path)


def test_format_nonlin_written_bare_is_still_invalid_json(tmp_path: Path) -> None:
    """The bare word "nonlin" (not JSON text) stays a JSON fault, never accepted."""
    model = _net().build(2, seed=0)
    model.save(tmp_path / "m.safetensors")
    data = (tmp_path / "m.safetensors").read_bytes()
    (length,) = struct.unpack("<Q", data[:8])
    text = data[8 : 8 + length].decode().replace('"format":"\\"nonlin\\""', '"format":"nonlin"')
    raw = text.encode()
    bare = struct.pack("<Q", len(raw)) + raw + data[8 + length :]
    (tmp_path / "bare.safetensors").write_bytes(bare)
    with pytest.raises(nonlin.ModelFileError, match="invalid JSON"):
        nonlin.load(tmp_path / "bare.safetensors")


# -- guide.md ------------------------------------------------------------------------------
def test_predict_default_chunks_as_the_guide_says() -> None:
    """guide.md said both predict and evaluate run in chunks; predict does by default only
    past 256 rows and about 2**20 entries of its widest Dense (an audit of session 17: the
    text had said all rows in one pass, stale since the default chunks)."""
    X = np.random.default_rng(0).normal(size=(2_500, 2))
    model = _net().build(2, seed=0)
    sizes: list[int] = []
    forward = model.layers[0].forward

    def spy(x: np.ndarray, **kwargs: Any) -> np.ndarray:
        sizes.append(len(x))
        return forward(x, **kwargs)

    model.layers[0].forward = spy  # type: ignore[method-assign]
    model.predict(X)
    assert sizes == [2_500]
    sizes.clear()
    model.evaluate(X, np.arange(2_500) % 3, loss="cross_entropy")
    assert sizes == [1_024, 1_024, 452]
    wide = nonlin.Sequential([nonlin.Dense(4_096), nonlin.ReLU(), nonlin.Dense(2)]).build(2, seed=0)
    wide_sizes: list[int] = []
    wide_forward = wide.layers[0].forward

    def wide_spy(x: np.ndarray, **kwargs: Any) -> np.ndarray:
        wide_sizes.append(len(x))
        return wide_forward(x, **kwargs)

    wide.layers[0].forward = wide_spy  # type: ignore[method-assign]
    wide.predict(X[:256])
    wide.predict(X[:600])
    assert wide_sizes == [256, 200, 200, 200]  # 2**20 // 4096 = 256 rows at most, near-equal
    text = " ".join(_text("guide.md").split())
    assert "takes all the rows in one pass" not in text
    assert "`None` passes the rows in one go" not in text
    assert "256 rows or fewer in one pass" in text


def test_adagrad_positional_order_is_keras_not_pytorch() -> None:
    """guide.md said a positional call in PyTorch's order raises a TypeError; Adagrad's
    PyTorch order (lr, lr_decay, weight_decay) silently sets other values, and Adam's
    (lr, betas) raises a ValueError."""
    config = nonlin.Adagrad(0.01, 0.0, 1e-4).get_config()
    assert config["initial_accumulator_value"] == 0.0 and config["epsilon"] == 1e-4
    with pytest.raises(ValueError, match="beta_1"):
        nonlin.Adam(1e-3, (0.9, 0.999))  # type: ignore[arg-type]
    for call in (lambda: nonlin.AdamW(1e-3, 1e-4), lambda: nonlin.RMSprop(1e-3, 0.9, 0.0),
                 lambda: nonlin.Adamax(2e-3, 0.9), lambda: nonlin.Nadam(2e-3, 0.9)):
        with pytest.raises(TypeError):
            call()
    text = _text("guide.md")
    assert "`Adagrad(0.01, 0.0, 1e-4)` sets `initial_accumulator_value=0.0, epsilon=1e-4`" in text


def test_cosine_decay_s_counts_from_the_warmup_end() -> None:
    """guide.md's CosineDecay row used an undefined `s`: it is min(step - warmup_steps,
    decay_steps), after a linear warm-up from warmup_from."""
    lr, decay, alpha, warm, start = 0.1, 300, 0.1, 30, 0.01
    schedule = nonlin.schedules.CosineDecay(lr, decay, alpha, warm, start)
    for step in range(0, 400, 7):
        if step < warm:
            expected = start + (lr - start) * step / warm
        else:
            s = min(step - warm, decay)
            expected = lr * ((1 - alpha) * (1 + np.cos(np.pi * s / decay)) / 2 + alpha)
        assert schedule(step) == pytest.approx(expected, rel=1e-12, abs=1e-15)
    assert "`s = min(step - warmup_steps, decay_steps)`" in _text("guide.md")


def test_checkpoint_path_takes_conversions_and_counts_epochs_from_one(tmp_path: Path) -> None:
    """guide.md said a ModelCheckpoint path takes format specs and nothing else; a
    conversion (!r, !s, !a) is accepted too, and {epoch} counts from 1, as Keras."""
    X, y = _data()
    _net().fit(X, y, loss="cross_entropy", optimizer="adam", epochs=2, verbose=0, seed=0,
               callbacks=[nonlin.ModelCheckpoint(tmp_path / "ck-{epoch!r}.safetensors")])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ck-1.safetensors", "ck-2.safetensors"]
    for refused in ("{epoch[0]}.s", "{}.s", "{epoch!x}.s"):
        with pytest.raises(ValueError):
            nonlin.ModelCheckpoint(tmp_path / refused)
    assert "or a conversion (`!s`, `!r`, `!a`), nothing else" in _text("guide.md")


# -- file-format.md ------------------------------------------------------------------------
def test_user_metadata_keeps_its_order_in_the_bytes(tmp_path: Path) -> None:
    """file-format.md said the same model with the same metadata always gives the same
    bytes because the keys are sorted: only the __metadata__ keys are; two equal dicts in
    another order give other bytes (and load back in their order)."""
    model = _net().build(2, seed=0)
    first: dict[str, Any] = {"task": "classification", "classes": [0, 1, 2]}
    model.save(tmp_path / "a.safetensors", metadata=first)
    model.save(tmp_path / "b.safetensors", metadata=dict(reversed(first.items())))
    model.save(tmp_path / "c.safetensors", metadata=dict(first))
    a, b, c = (tmp_path / f"{n}.safetensors" for n in "abc")
    assert a.read_bytes() == c.read_bytes() and a.read_bytes() != b.read_bytes()
    assert list(nonlin.load(b).metadata) == ["classes", "task"]
    meta = _header(a)["__metadata__"]
    assert list(meta) == sorted(meta)
    assert "The user metadata keeps the order of its dict" in _text("file-format.md")


def test_checkpoints_hold_a_compile_record_without_the_optimizer(tmp_path: Path) -> None:
    """file-format.md: a checkpoint's `compile` record holds the loss and the run's metrics,
    not the optimizer (its `checkpoint` record keeps that); `nonlin.load` reads it with the
    checkpoint's optimizer (it said before: no compile record in checkpoints)."""
    X, y = _data()
    model = _net()
    model.fit(X, y, loss="cross_entropy", optimizer="adam", epochs=1, verbose=0, seed=0,
              callbacks=[nonlin.ModelCheckpoint(tmp_path / "ck.safetensors")])
    meta = _header(tmp_path / "ck.safetensors")["__metadata__"]
    assert "checkpoint" in meta and sorted(json.loads(meta["compile"])) == ["loss", "metrics"]
    loaded = nonlin.load(tmp_path / "ck.safetensors")
    assert loaded.loss is not None and loaded.optimizer.iterations == model.optimizer.iterations
    assert "In a checkpoint it holds the loss and the run's metrics, no optimizer" in _text(
        "file-format.md")


def test_train_writes_classes_for_a_classifier_only(tmp_path: Path) -> None:
    """file-format.md said `nonlin train` writes all five checked keys; a regressor's file
    has no `classes`."""
    rng = np.random.default_rng(0)
    rows = ["a,b,y"] + [f"{u:.4f},{v:.4f},{2 * u + v:.4f}" for u, v in rng.normal(size=(40, 2))]
    (tmp_path / "d.csv").write_text("\n".join(rows) + "\n")
    out = tmp_path / "r.safetensors"
    assert cli.main(["train", str(tmp_path / "d.csv"), "--target", "y", "--task", "regression",
                     "--epochs", "1", "--quiet", "-o", str(out)]) == 0
    metadata = json.loads(_header(out)["__metadata__"]["metadata"])
    assert {"feature_names", "preprocessing", "task", "training", "target",
            "target_preprocessing"} <= set(metadata)
    assert "classes" not in metadata
    assert "`nonlin train` writes them all (`classes` for a classifier only)" in _text(
        "file-format.md")


# -- design.md -----------------------------------------------------------------------------
def test_mse_gradient_is_the_residual_divided_by_n_under_mean() -> None:
    """design.md said MeanSquaredError's gradient is the residual; it is per sample
    (reduction="sum"), divided by n_samples under the default "mean"."""
    rng = np.random.default_rng(0)
    y, p = rng.normal(size=(7, 2)), rng.normal(size=(7, 2))
    assert np.allclose(nonlin.MeanSquaredError().grad(y, p), (p - y) / 7)
    assert np.allclose(nonlin.MeanSquaredError(reduction="sum").grad(y, p), p - y)
    assert 'the default `"mean"` divides it by `n_samples`' in _text("design.md")


def test_a_gradient_of_another_real_dtype_is_converted_not_refused() -> None:
    """design.md said a gradient of another dtype is an error; Dense.backward converts a
    real one (as forward converts a batch), and only a batch of non-real numbers is refused."""
    X = np.random.default_rng(0).normal(size=(7, 4))
    model = nonlin.Sequential([nonlin.Dense(3), nonlin.ReLU(), nonlin.Dense(2)]).build(4, seed=0)
    model.forward(X.astype(np.float32), training=True)
    model.backward(np.ones((7, 2), np.float32))
    assert model.layers[0].W.grad.dtype == np.float64
    with pytest.raises(TypeError, match="Expected real numbers"):
        model.forward(X.astype(complex), training=True)
    assert "converts a gradient" in _text("design.md")
