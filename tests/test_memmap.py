"""Training on a memory-mapped array: read batch by batch, never copied (guide: Arrays on disk)."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

import nonlin


@pytest.fixture
def on_disk(tmp_path):
    """A read-only float32 memmap of 20,000 x 64 (5 MB), its labels, and an in-memory copy."""
    rng = np.random.default_rng(0)
    X = rng.random((20_000, 64), dtype=np.float32)
    y = (X[:, :3].sum(axis=1) > 1.5).astype(np.int64)
    path = tmp_path / "X.npy"
    np.save(path, X)
    return np.load(path, mmap_mode="r"), y, X


def _model() -> nonlin.Sequential:
    return nonlin.Sequential([nonlin.Dense(16), nonlin.ReLU(), nonlin.Dense(2), nonlin.Softmax()])


@pytest.mark.parametrize("shuffle", [True, False])
def test_fit_on_a_memmap_copies_nothing_and_trains_as_on_the_array(on_disk, shuffle):
    mapped, y, X = on_disk
    assert isinstance(mapped, np.memmap)
    run = dict(loss="cross_entropy", optimizer="adam", epochs=2, batch_size=128, seed=0,
               validation_split=0.2, shuffle=shuffle, verbose=0)
    _model().fit(X[:256], y[:256], **run)  # modules imported on first use, outside the count
    tracemalloc.start()
    try:
        disk = _model()
        disk_history = disk.fit(mapped, y, **run)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < mapped.nbytes / 10  # buffers of a batch, not a copy of X (5.1 MB)
    memory = _model()
    memory_history = memory.fit(X, y, **run)
    assert disk.dtype == np.float32
    for a, b in zip(disk.get_weights(), memory.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    assert disk_history.history == memory_history.history


def test_evaluate_and_predict_on_a_memmap_read_it_in_chunks(on_disk):
    mapped, y, X = on_disk
    model = _model()
    model.fit(X, y, loss="cross_entropy", optimizer="adam", epochs=1, seed=0, verbose=0)
    tracemalloc.start()
    try:
        scores = model.evaluate(mapped, y, metrics=["accuracy"])
        proba = model.predict(mapped, batch_size=1024)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < proba.nbytes + mapped.nbytes / 10  # the outputs, and chunks of X
    np.testing.assert_array_equal(proba, model.predict(X, batch_size=1024))
    assert scores == model.evaluate(X, y, metrics=["accuracy"])
