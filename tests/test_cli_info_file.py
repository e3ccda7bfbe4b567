"""``nonlin info`` on a file with a layer class not registered in this process (shown as the
file records it: class name, config, array shapes, instead of failing) and on a checkpoint
(named as one, with its epoch, the rows of the next when it stopped inside one, and how to
resume it)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import nonlin
from io_helpers import edit_meta
from nonlin import cli, registry
from nonlin.callbacks import Callback
from nonlin.checkpoint import save_checkpoint
from nonlin.core import Layer, Param


class Scale(Layer):
    """A layer of one's own: ``y = x * s``, one factor per feature."""

    def __init__(self, factor: float = 2.0) -> None:
        self.factor = factor

    def build(self, in_features: int, rng: Any) -> int:
        self.s = Param(np.full(in_features, self.factor), "s")
        return in_features

    def forward(self, x: np.ndarray, *, training: bool = False) -> np.ndarray:
        self._x = x
        return x * self.s.value

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        self.s.grad[...] = (grad_out * self._x).sum(axis=0)
        return grad_out * self.s.value

    def parameters(self) -> list[Param]:
        return [self.s]

    def get_config(self) -> dict[str, Any]:
        return {"factor": self.factor}


class _StopAt(Callback):
    """A Ctrl-C after batch 1 of epoch 1."""

    def on_epoch_begin(self, epoch: int, logs: Any = None) -> None:
        self.epoch = epoch

    def on_batch_end(self, batch: int, logs: Any = None) -> None:
        if (self.epoch, batch) == (1, 1):
            raise KeyboardInterrupt


def _data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    return rng.normal(size=(40, 3)), rng.integers(0, 2, 40)


def _fit(layers: list[Any], **kwargs: Any) -> nonlin.Sequential:
    model = nonlin.Sequential(layers)
    model.fit(*_data(), loss="cross_entropy", optimizer="adam", seed=0, verbose=0,
              batch_size=8, **{"epochs": 2, **kwargs})
    return model


def _info(capsys: pytest.CaptureFixture[str], path: Path, *more: str) -> tuple[str, str]:
    assert cli.main(["info", str(path), *more]) == 0
    captured = capsys.readouterr()
    return captured.out, captured.err


def test_info_shows_a_file_whose_layer_class_is_not_registered_here(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch) -> None:
    monkeypatch.setitem(registry.LAYERS, "Scale", Scale)  # registered while saving
    model = _fit([nonlin.Dense(4), Scale(), nonlin.Dense(2), nonlin.Softmax()])
    model.save(tmp_path / "custom.safetensors", metadata={"task": "classification"})
    monkeypatch.delitem(registry.LAYERS, "Scale")  # a new process: not registered
    out, _ = _info(capsys, tmp_path / "custom.safetensors")  # was: exit 2, unknown layer type
    lines = out.splitlines()
    assert "layer class 'Scale' not registered in this process, so the model is not built " \
           "here:" in lines
    assert " 1  Scale(factor=2.0)" in out and "s (4,)  (not registered here)" in out
    assert " 0  Dense(units=4, bias=True, init='glorot_uniform')  W (3, 4), b (4,)" in out
    assert f"Total params: {model.count_params()}" in lines
    assert "task:     classification" in lines
    assert "inputs:   3 columns (names not recorded)" in lines
    assert "checkpoint:" not in out
    out, err = _info(capsys, tmp_path / "custom.safetensors", "--json")
    info = json.loads(out)
    assert info["unregistered"] == ["Scale"] and info["parameters"] == model.count_params()
    assert info["architecture"]["layers"] == model.get_config()["layers"]
    assert info["task"] == "classification" and "'Scale' not registered" in err


def test_info_names_a_model_checkpoint_file_and_how_to_resume_it(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    model = _fit([nonlin.Dense(2), nonlin.Softmax()],
                 callbacks=[nonlin.ModelCheckpoint("ck-{epoch}.safetensors")])
    out, _ = _info(capsys, tmp_path / "ck-2.safetensors")
    steps = model.optimizer.iterations
    assert f"checkpoint: after 2 epochs ({steps} optimizer steps)" in out  # was: not said
    assert f"resume:     model.fit(X, y, epochs=N, resume_from='{tmp_path}/ck-2.safetensors')" \
        in out
    info = json.loads(_info(capsys, tmp_path / "ck-2.safetensors", "--json")[0])
    assert info["checkpoint"] == {"epoch": 2, "step": steps, "rows": None}
    nonlin.save(model, tmp_path / "model.safetensors")  # a model file: no such line
    out, _ = _info(capsys, tmp_path / "model.safetensors")
    assert "checkpoint" not in out and "checkpoint" not in _info(
        capsys, tmp_path / "model.safetensors", "--json")[0]


def test_info_on_a_train_checkpoint_stopped_mid_epoch_gives_the_resume_command(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    model = nonlin.Sequential([nonlin.Dense(2), nonlin.Softmax()])
    with pytest.raises(KeyboardInterrupt):
        model.fit(*_data(), loss="cross_entropy", optimizer="adam", seed=0, verbose=0,
                  batch_size=8, epochs=5, callbacks=[_StopAt()])
    model.metadata = {"task": "classification", "target": "y",  # as nonlin train records it
                      "training": {"data": "my data.csv", "hidden": [], "epochs": 5}}
    path = tmp_path / "run.checkpoint.safetensors"
    save_checkpoint(model, path, epoch=1)
    out, _ = _info(capsys, path)
    steps = model.optimizer.iterations
    assert f"checkpoint: after 1 of 5 epochs and 16 rows of the next ({steps} optimizer " \
           "steps)" in out
    assert f"resume:     nonlin train 'my data.csv' --target y --epochs 5 --out " \
           f"{tmp_path}/run.safetensors --resume {path}" in out
    info = json.loads(_info(capsys, path, "--json")[0])
    assert info["checkpoint"] == {"epoch": 1, "step": steps, "rows": 16}


def test_info_says_when_a_checkpoint_record_is_at_fault(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    model = _fit([nonlin.Dense(2), nonlin.Softmax()])
    path = tmp_path / "ck.safetensors"
    save_checkpoint(model, path, epoch=2)
    path.write_bytes(edit_meta(path.read_bytes(), "checkpoint", lambda r: {**r, "epoch": -1}))
    out, _ = _info(capsys, path)  # the model itself still loads and is shown
    assert "checkpoint: its record is at fault (checkpoint.epoch: expected an integer >= 0" in out
    assert "Total params: 8" in out
