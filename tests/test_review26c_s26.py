"""Session 26 review of aa88084 (load26): a loaded model whose metrics share a name is
renamed in place at load (``x``, ``x_1``, ...) so that ``fit`` copies nothing; saving that
model again must still write the names its file held (as Keras 3 keeps the compile config
as given): ``save(load(file))`` gives the file's bytes, as it did before the merge."""

from __future__ import annotations

import io
import json
import warnings

import numpy as np
import pytest

import nonlin
from io_helpers import edit_meta
from nonlin import metrics as M
from nonlin._header import ModelFileError
from nonlin.io import to_bytes


def _data() -> tuple[np.ndarray, np.ndarray]:
    X = np.random.default_rng(0).normal(size=(16, 3))
    return X, X[:, :1] * 2.0


def _fitted(metrics: list[object]) -> nonlin.Sequential:
    model = nonlin.Sequential([nonlin.Dense(2, activation="tanh"), nonlin.Dense(1)])
    model.compile(optimizer="sgd", loss="mse", metrics=metrics)
    model.fit(*_data(), epochs=1, verbose=0, seed=1)
    return model


def _names(data: bytes) -> list[object]:
    meta = json.loads(data[8:8 + int.from_bytes(data[:8], "little")])["__metadata__"]
    return [m if isinstance(m, str) else m["config"].get("name")
            for m in json.loads(meta["compile"])["metrics"]]


def test_a_loaded_model_saved_again_writes_the_bytes_of_its_file() -> None:
    user = M.MeanAbsoluteError()
    for metrics in ([user, user], [M.MeanAbsoluteError(), M.MeanAbsoluteError(),
                                   M.MeanAbsoluteError(name="mae_1")]):
        first = to_bytes(_fitted(metrics))
        loaded = nonlin.load(io.BytesIO(first))
        again = to_bytes(loaded)
        assert _names(again) == _names(first)
        assert again == first
        assert user.name == "mae"


def test_the_log_keys_of_a_loaded_model_are_kept_after_saving_it_again() -> None:
    X, y = _data()
    model = _fitted([M.MeanAbsoluteError(), M.MeanAbsoluteError(),
                     M.MeanAbsoluteError(name="mae_1")])
    keys = list(model.evaluate(X, y, verbose=0, return_dict=True))
    loaded = nonlin.load(io.BytesIO(to_bytes(model)))
    assert list(loaded.evaluate(X, y, verbose=0, return_dict=True)) == keys
    twice = nonlin.load(io.BytesIO(to_bytes(loaded)))
    assert list(twice.evaluate(X, y, verbose=0, return_dict=True)) == keys
    assert sorted(twice.fit(X, y, epochs=1, verbose=0).history) == sorted([*keys, "lr"])


def test_a_fit_resumed_by_a_model_not_compiled_checkpoints_the_names_it_resumed(
        tmp_path) -> None:
    from nonlin.checkpoint import save_checkpoint

    X, y = _data()
    user = M.MeanAbsoluteError()
    first = tmp_path / "first.safetensors"
    save_checkpoint(_fitted([user, user, M.MeanAbsoluteError(name="mae_1")]), first, epoch=1)
    later = tmp_path / "later.safetensors"

    class Save(nonlin.callbacks.Callback):
        def on_epoch_end(self, epoch: int, logs: object = None) -> None:
            save_checkpoint(self.model, later, epoch=epoch + 1)

    fresh = nonlin.Sequential([nonlin.Dense(2, activation="tanh"), nonlin.Dense(1)])
    history = fresh.fit(X, y, epochs=2, verbose=0, resume_from=first, callbacks=[Save()])
    assert sorted(history.history) == ["loss", "lr", "mae", "mae_1", "mae_1_1"]
    assert _names(later.read_bytes()) == _names(first.read_bytes()) == ["mae", "mae", "mae_1"]


def test_loaded_metrics_compiled_again_in_another_order_keep_their_log_keys(tmp_path) -> None:
    X, y = _data()
    y = (y > 0).astype(float)
    model = nonlin.Sequential([nonlin.Dense(1), nonlin.Sigmoid()])
    model.compile(optimizer="sgd", loss="binary_cross_entropy",
                  metrics=[M.AUC(curve="ROC"), M.AUC(curve="PR")])
    model.fit(X, y, epochs=1, verbose=0, seed=1)
    loaded = nonlin.load(io.BytesIO(to_bytes(model)))
    roc, pr = loaded._metrics
    loaded.compile(optimizer="sgd", loss="binary_cross_entropy", metrics=[pr, roc])
    live = loaded.evaluate(X, y, verbose=0, return_dict=True)
    again = nonlin.load(io.BytesIO(to_bytes(loaded)))
    assert again.evaluate(X, y, verbose=0, return_dict=True) == live
    assert [m.curve for m in again._metrics] == ["PR", "ROC"]


def test_a_previous_backup_alone_that_does_not_load_is_not_passed_over(tmp_path) -> None:
    """With no latest backup, only the previous (its write interrupted between the two
    renames, or the latest deleted), a previous that the ``fit`` cannot read raised its error
    before aa88084; since, that ``fit`` trained from the first epoch, silently, and its backups
    then replaced the file."""
    rate = {"class_name": "SensitivityAtSpecificity",
            "config": {"specificity": 0.5, "num_thresholds": 65536, "class_id": None,
                       "name": "sensitivity_at_specificity"}}
    X, y = _data()
    y = (y > 0).astype(float)

    class Stop(nonlin.Callback):
        def on_epoch_end(self, epoch: int, logs: object = None) -> None:
            if epoch == 2:
                raise KeyboardInterrupt

    def fit(callbacks: list[object], **kwargs: object) -> None:
        model = nonlin.Sequential([nonlin.Dense(1), nonlin.Sigmoid()])
        model.fit(X, y, loss="binary_cross_entropy", optimizer="adam", epochs=4, verbose=0,
                  seed=0, callbacks=callbacks, **kwargs)

    folder = tmp_path / "backup"
    with pytest.raises(KeyboardInterrupt):
        fit([nonlin.BackupAndRestore(folder, double_checkpoint=True), Stop()],
            metrics=["accuracy"])
    latest, previous = folder / "latest.safetensors", folder / "_latest.safetensors"
    latest.unlink()
    previous.write_bytes(edit_meta(previous.read_bytes(), "compile",
                                   lambda record: {**record, "metrics": [rate] * 257}))
    kept = previous.read_bytes()
    with pytest.raises(ModelFileError, match="metrics"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit([nonlin.BackupAndRestore(folder, double_checkpoint=True)])
    assert kept in (latest.read_bytes() if latest.exists() else b"", previous.read_bytes()
                    if previous.exists() else b"")
