"""Review of the s7 audits: bugs they introduced or missed."""

from __future__ import annotations

import gc
import os
import stat
import threading

import numpy as np
import pytest

from nonlin import Dense, ReLU, Sequential, Softmax
from nonlin._atomic import write_atomic

FIT = dict(loss="cross_entropy", optimizer="sgd", epochs=1, batch_size=8, verbose=0, seed=0)


def _task(n=24, k=2, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, 3)), rng.integers(0, k, n)


# -- a list of layers serves one model after another --------------------------------------------
def test_layers_of_a_dropped_fitted_model_serve_a_new_model() -> None:
    X, y = _task()
    layers = [Dense(4), ReLU(), Dense(2), Softmax()]
    enabled = gc.isenabled()
    gc.disable()  # the dropped model lives on in a cycle (model.history.model) until collected
    try:
        for _ in range(2):  # e.g. one fit per fold over the same layer list
            model = Sequential(layers)
            model.fit(X, y, **FIT)
            del model
    finally:
        if enabled:
            gc.enable()


# -- a named pipe as the output -------------------------------------------------------------------
@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes")
def test_saving_to_a_named_pipe_that_nobody_reads_is_an_error_not_a_hang(tmp_path) -> None:
    fifo = str(tmp_path / "out.safetensors")
    os.mkfifo(fifo)
    outcome: list[BaseException | None] = []

    def save() -> None:
        try:
            write_atomic(fifo, b"data")
            outcome.append(None)
        except OSError as exc:
            outcome.append(exc)

    writer = threading.Thread(target=save, daemon=True)
    writer.start()
    writer.join(10)  # a guard against the hang, not a measure of time
    if writer.is_alive():  # blocked in open(): a reader releases it
        os.close(os.open(fifo, os.O_RDONLY | os.O_NONBLOCK))
        writer.join()
        pytest.fail("write_atomic waited for a reader of the named pipe (Ctrl-C is ignored there)")
    assert isinstance(outcome[0], OSError) and "no process reads" in str(outcome[0])
    assert fifo in str(outcome[0]) and stat.S_ISFIFO(os.stat(fifo).st_mode)  # the pipe stays


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes")
def test_saving_to_a_named_pipe_with_a_reader_writes_through(tmp_path) -> None:
    fifo = str(tmp_path / "out.safetensors")
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        write_atomic(fifo, b"data")
        assert os.read(reader, 100) == b"data"
    finally:
        os.close(reader)


# -- /dev/stdout redirected to a file -------------------------------------------------------------
@pytest.mark.skipif(not os.path.isdir("/dev/fd"), reason="/dev/fd")
@pytest.mark.parametrize("folder", ["/dev/fd", "/proc/self/fd"])
def test_a_descriptor_path_writes_to_that_descriptor_not_over_its_file(tmp_path, folder) -> None:
    # 'nonlin predict ... -o /dev/stdout >> log': the shell's file is appended to, not replaced
    if not os.path.isdir(folder):
        pytest.skip(folder)
    log = tmp_path / "log.csv"
    log.write_bytes(b"earlier\n")
    with open(log, "ab") as shell_side:
        write_atomic(f"{folder}/{shell_side.fileno()}", b"prediction\n")
    assert log.read_bytes() == b"earlier\nprediction\n"
