"""A long-running process: memory, file handles, threads and signal handlers stay flat.

A hyperparameter sweep of many fits, a source of batches of ever new sizes, a service
predicting from several threads: nothing nonlin keeps for itself may grow with the
number of settings, shapes or calls (tracemalloc's numbers, with generous bounds).
"""

from __future__ import annotations

import gc
import os
import signal
import threading
import tracemalloc
import warnings
from contextlib import nullcontext

import numpy as np
import pytest

import nonlin
from nonlin import _ema, _loss_focal, core
from nonlin._scratch import buffer, using
from nonlin.callbacks import Callback, CSVLogger, EarlyStopping, ReduceLROnPlateau
from nonlin.checkpoint import ModelCheckpoint


def _traced_growth(work, *args) -> int:
    """Bytes still allocated (tracemalloc) after ``work(*args)`` that were not before."""
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        work(*args)
        gc.collect()
        return tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()


def test_constants_of_ever_new_settings_are_not_kept_without_bound() -> None:
    # a sweep draws each setting afresh (alpha, l2, rates, momentum...): one cached 0-d
    # array per value would be kept forever (about 250 bytes each)
    def sweep(start: int) -> None:
        for i in range(start, start + 20_000):
            core.const(0.1 + i * 1e-9, np.dtype(np.float64))

    sweep(0)
    assert len(core._CONSTANTS) <= 1024
    assert _traced_growth(sweep, 20_000) < 1_000_000  # 20,000 kept: about 5 MB


def test_a_sweep_of_fits_keeps_no_constant_per_setting() -> None:
    rng = np.random.default_rng(0)
    X = rng.standard_normal((16, 3))
    y = (X[:, 0] > 0).astype(int)
    for i in range(80):  # EMA momentum, focal alpha per class, leaky slope, l2: all new
        r = np.random.default_rng(i)
        model = nonlin.Sequential([nonlin.Dense(4, l2=float(r.uniform(1e-5, 1e-3))),
                                   nonlin.LeakyReLU(float(r.uniform(0.01, 0.3))),
                                   nonlin.Dense(2), nonlin.Softmax()])
        alpha = [float(a) for a in r.uniform(0.1, 0.9, 2)]
        optimizer = nonlin.optimizers.Adam(use_ema=True, ema_momentum=float(r.uniform(0.9, 0.99)))
        model.fit(X, y, loss=nonlin.losses.CategoricalFocalCrossentropy(alpha=alpha),
                  optimizer=optimizer, epochs=1, seed=i, verbose=0)
    assert len(_ema._FACTORS) <= 64  # one per momentum on main: 80
    assert len(_loss_focal._ALPHA_ROWS) <= 64  # one per alpha row on main: 80
    assert len(core._CONSTANTS) <= 1024


def test_the_scratch_pool_keeps_a_bounded_number_of_buffers() -> None:
    pool: dict = {}
    with using(pool):
        for n in range(1, 2001):  # a batch of another size each time
            buffer("rows", (n, 3), np.float64)
            buffer("mask", (n, 3), bool)
    assert len(pool) <= 256  # 4,000 on main


def test_a_source_of_ever_new_batch_sizes_trains_in_bounded_memory() -> None:
    rng = np.random.default_rng(0)
    X = rng.standard_normal((600, 4))
    Y = rng.standard_normal((600, 8))

    class Sizes:  # Keras' PyDataset protocol: 600 batches, each of another size
        def __len__(self) -> int:
            return 600

        def __getitem__(self, i: int) -> tuple[np.ndarray, np.ndarray]:
            n = 1 + (i * 7919) % 600
            return X[:n], Y[:n]

    model = nonlin.Sequential([nonlin.Dense(4), nonlin.ReLU(), nonlin.Dense(8)])
    model.build(4, seed=0)
    gc.collect()
    tracemalloc.start()
    try:
        model.fit(Sizes(), loss="huber", optimizer="adam", epochs=1, shuffle=False, verbose=0,
                  metrics=["mae", "mse", "cosine_similarity"])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert np.all(np.isfinite(model.predict(X[:5])))
    assert peak < 15_000_000  # every size's buffers kept through the fit on main: 45 MB


def test_predict_of_ever_new_shapes_stays_flat() -> None:
    """Guard (passes on main too): a service's requests of every size."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((1000, 6))
    model = nonlin.Sequential([nonlin.Dense(16), nonlin.ReLU(), nonlin.Dense(8), nonlin.GELU(),
                               nonlin.Dense(3), nonlin.Softmax()]).build(6, seed=0)

    def serve(start: int) -> None:
        for i in range(start, start + 300):
            model.predict(X[: 1 + (i * 7919) % 1000])

    serve(0)
    assert _traced_growth(serve, 300) < 2_000_000  # a bounded cache of zero blocks


class _Boom(Callback):
    def __init__(self, error: type[BaseException]) -> None:
        super().__init__()
        self.error = error

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        if batch == 2:
            raise self.error("stop")


def test_callbacks_leave_no_file_thread_or_handler_behind(tmp_path) -> None:
    """Guard (passes on main too): many fits with file-writing callbacks, some cut by an
    error or a Ctrl-C, leave the open descriptors, threads and SIGINT handler as found."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((80, 3))
    y = (X[:, 0] > 0).astype(int)
    fds, threads = len(os.listdir("/proc/self/fd")), threading.active_count()
    handler = signal.getsignal(signal.SIGINT)
    for i in range(12):
        model = nonlin.Sequential([nonlin.Dense(4), nonlin.ReLU(), nonlin.Dense(2),
                                   nonlin.Softmax()])
        callbacks = [CSVLogger(str(tmp_path / f"log{i}.csv")), EarlyStopping(patience=1),
                     ReduceLROnPlateau(patience=1),
                     ModelCheckpoint(str(tmp_path / "model.nonlin"))]
        if i % 3:
            callbacks.append(_Boom((RuntimeError, KeyboardInterrupt)[i % 2]))
        cut = pytest.raises((RuntimeError, KeyboardInterrupt)) if i % 3 else nullcontext()
        with warnings.catch_warnings(), cut:
            warnings.simplefilter("ignore")
            model.fit(X, y, loss="cross_entropy", optimizer="adam", epochs=3, seed=i,
                      verbose=0, batch_size=16, validation_split=0.25, callbacks=callbacks)
    assert len(os.listdir("/proc/self/fd")) == fds
    assert threading.active_count() == threads
    assert signal.getsignal(signal.SIGINT) is handler


def test_predict_from_four_threads_gives_the_single_threaded_bits() -> None:
    """Guard (passes on main too): batches of different sizes at once."""
    rng = np.random.default_rng(1)
    X = rng.standard_normal((700, 5))
    model = nonlin.Sequential([nonlin.Dense(12), nonlin.LayerNormalization(), nonlin.SiLU(),
                               nonlin.Dense(12), nonlin.ReLU(), nonlin.Dense(3),
                               nonlin.Softmax()]).build(5, seed=0)
    sizes = [1 + (i * 331) % 700 for i in range(40)]
    expected = [model.predict(X[:n]) for n in sizes]
    wrong: list[int] = []

    def serve(t: int) -> None:
        for j in range(len(sizes)):
            i = (j * (t + 1) + t) % len(sizes)
            if not np.array_equal(model.predict(X[: sizes[i]]), expected[i]):
                wrong.append(sizes[i])

    workers = [threading.Thread(target=serve, args=(t,)) for t in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert wrong == []
