"""What ``fit`` refuses before it changes anything, for ``CSVLogger`` (a log file that
cannot be written, left untouched) and ``ModelCheckpoint`` (a legacy ``RandomState``
generator, whose state no checkpoint records: the tutorial's build)."""

from __future__ import annotations

import argparse
import os

import numpy as np
import pytest

from nonlin import SGD, CSVLogger, ModelCheckpoint, ReduceLROnPlateau
from nonlin.checkpoint import save_checkpoint
from nonlin.cli_train_model import build_model
from nonlin.schedules import ExponentialDecay
from nonlin.tutorial import build_network
from test_callbacks import data, model

XOR_X = np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]], dtype=float)
XOR_Y = np.array([[0], [1], [1], [0]], dtype=float)


def _fitted():
    X, y = data(n=24)
    m = model()
    m.fit(X, y, loss="sparse_categorical_crossentropy", optimizer=SGD(0.1), epochs=1, verbose=0)
    return m, X, y


def _snapshot(m):
    return (m.get_weights(), m.history, list(m.history.epoch), m.optimizer, m.optimizer.iterations,
            m.rng.bit_generator.state)


def _assert_unchanged(m, before) -> None:
    weights, history, epochs, optimizer, iterations, rng_state = before
    for now, then in zip(m.get_weights(), weights, strict=True):
        np.testing.assert_array_equal(now, then)
    assert m.history is history and m.history.epoch == epochs
    assert m.optimizer is optimizer and optimizer.iterations == iterations
    assert m.rng.bit_generator.state == rng_state


@pytest.mark.parametrize("where, error", [
    ("missing/log.csv", FileNotFoundError),
    ("a-folder", IsADirectoryError),
    ("new-folder/", IsADirectoryError),
    ("a-file/log.csv", NotADirectoryError),
])
def test_csv_logger_that_cannot_write_is_refused_before_fit_changes_anything(
        tmp_path, where, error) -> None:
    (tmp_path / "a-folder").mkdir()
    (tmp_path / "a-file").write_text("not a folder")
    m, X, y = _fitted()
    before = _snapshot(m)
    path = f"{tmp_path}/{where}"  # pathlib would drop a final slash
    with pytest.raises(error) as refused:
        m.fit(X, y, loss="sparse_categorical_crossentropy", optimizer=SGD(0.5), epochs=1,
              verbose=0, callbacks=[CSVLogger(path)])
    _assert_unchanged(m, before)
    assert f"CSVLogger cannot write its file {path!r}" in str(refused.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file", "a-folder"]


def test_a_refused_fit_leaves_existing_log_files_untouched_and_creates_none(tmp_path) -> None:
    log = tmp_path / "log.csv"
    log.write_text("epoch,loss\n0,0.5\n")
    m, X, y = _fitted()
    before = _snapshot(m)
    callbacks = [CSVLogger(str(log)), CSVLogger(str(tmp_path / "new.csv")),
                 CSVLogger(str(tmp_path / "missing" / "log.csv"))]
    with pytest.raises(FileNotFoundError) as refused:
        m.fit(X, y, loss="sparse_categorical_crossentropy", optimizer=SGD(0.5), epochs=1,
              verbose=0, callbacks=callbacks)
    _assert_unchanged(m, before)
    assert log.read_text() == "epoch,loss\n0,0.5\n"
    assert f"the folder {str(tmp_path / 'missing')!r} does not exist" in str(refused.value)
    assert not (tmp_path / "new.csv").exists()
    schedule = SGD(ExponentialDecay(0.1, 10, 0.5))  # refused by ReduceLROnPlateau after it
    with pytest.raises(TypeError):
        m.fit(X, y, loss="sparse_categorical_crossentropy", optimizer=schedule, epochs=1,
              verbose=0, callbacks=[CSVLogger(str(log)), ReduceLROnPlateau(monitor="loss")])
    assert log.read_text() == "epoch,loss\n0,0.5\n"


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0,
                    reason="root writes read-only files")
def test_csv_logger_on_a_read_only_file_is_refused_before_fit(tmp_path) -> None:
    log = tmp_path / "log.csv"
    log.write_text("epoch,loss\n")
    log.chmod(0o444)
    m, X, y = _fitted()
    with pytest.raises(PermissionError, match="not writable"):
        m.fit(X, y, loss="sparse_categorical_crossentropy", optimizer=SGD(0.5), epochs=1,
              verbose=0, callbacks=[CSVLogger(str(log), append=True)])


def test_csv_logger_still_writes_and_appends(tmp_path) -> None:
    log = tmp_path / "log.csv"
    m, X, y = _fitted()
    m.fit(X, y, epochs=1, verbose=0, callbacks=[CSVLogger(str(log))])
    m.fit(X, y, epochs=2, initial_epoch=1, verbose=0, callbacks=[CSVLogger(str(log), append=True)])
    assert [row.split(",")[0] for row in log.read_text().splitlines()] == ["epoch", "0", "1"]


def test_model_checkpoint_refuses_a_random_state_before_fit_changes_anything(tmp_path) -> None:
    m = build_network()  # the tutorial's: RandomState(1)
    weights = m.get_weights()
    path = tmp_path / "ck.safetensors"
    with pytest.raises(TypeError) as refused:
        m.fit(XOR_X, XOR_Y, loss="mse", optimizer=SGD(1.0), epochs=2, verbose=0,
              callbacks=[ModelCheckpoint(str(path))])
    for now, then in zip(m.get_weights(), weights, strict=True):
        np.testing.assert_array_equal(now, then)  # before: one epoch trained, then refused
    assert m.optimizer is None and m.history is None
    assert isinstance(m.rng, np.random.RandomState)
    assert not path.exists()
    message = str(refused.value)
    assert "numpy.random.Generator" in message and "seed=0" in message
    assert message.endswith("Received: model.rng of type RandomState")


def test_the_checkpoint_writer_refuses_a_random_state_with_the_same_message(tmp_path) -> None:
    m = build_network()
    m.fit(XOR_X, XOR_Y, loss="mse", optimizer=SGD(1.0), epochs=1, verbose=0)
    with pytest.raises(TypeError) as written:
        save_checkpoint(m, tmp_path / "ck.safetensors", epoch=1)
    with pytest.raises(TypeError) as refused:
        m.fit(XOR_X, XOR_Y, epochs=2, initial_epoch=1, verbose=0,
              callbacks=[ModelCheckpoint(str(tmp_path / "ck.safetensors"))])
    assert str(written.value) == str(refused.value)
    assert not (tmp_path / "ck.safetensors").exists()


def test_the_advised_seed_lets_the_tutorial_model_checkpoint(tmp_path) -> None:
    m = build_network()
    m.fit(XOR_X, XOR_Y, loss="mse", optimizer=SGD(1.0), epochs=2, verbose=0, seed=0,
          callbacks=[ModelCheckpoint(str(tmp_path / "ck-{epoch}.safetensors"))])
    assert isinstance(m.rng, np.random.Generator)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ck-1.safetensors", "ck-2.safetensors"]


def test_nonlin_train_builds_with_a_generator_its_checkpoints_record() -> None:
    args = argparse.Namespace(hidden=[4], activation="relu", dropout=0.0, seed=0)
    built = build_model(args, 3, {"task": "classification", "classes": ["a", "b"]})
    assert isinstance(built.rng, np.random.Generator)
