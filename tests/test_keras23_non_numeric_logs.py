"""A value in the epoch logs that is no number (a str, a list, an array a callback put
there): ``History`` records it as is and ``CSVLogger`` writes it as Keras 3 does
(keras/src/callbacks/history.py appends any value; csv_logger.py's ``handle_value`` joins an
iterable as ``"[a, b]"``), so ``fit`` goes on; the monitoring callbacks name such a key, and
a checkpoint leaves it out of its history with a warning (its history holds numbers)."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pytest

import nonlin
from nonlin.callbacks import (
    Callback,
    CSVLogger,
    EarlyStopping,
    History,
    ModelCheckpoint,
    ReduceLROnPlateau,
)


class _Tag(Callback):
    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        assert logs is not None
        logs.update(note=f"e{epoch}", pair=[1, 2.5], arr=np.array([0.5, 1.0]), none=None)


def _fit(*callbacks: Callback, epochs: int = 3, verbose: int = 0) -> History:
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(16, 3)), np.arange(16) % 2
    model = nonlin.Sequential([nonlin.Dense(2), nonlin.Softmax()])
    return model.fit(X, y, loss="cross_entropy", optimizer="sgd", epochs=epochs, verbose=verbose,
                     seed=0, callbacks=[_Tag(), *callbacks])


def test_history_records_every_value_and_fit_runs_every_epoch() -> None:
    history = _fit()
    assert history.epoch == [0, 1, 2]
    assert history.history["note"] == ["e0", "e1", "e2"]
    assert history.history["pair"] == [[1, 2.5]] * 3
    assert [a.tolist() for a in history.history["arr"]] == [[0.5, 1.0]] * 3
    assert history.history["none"] == [None] * 3
    assert all(isinstance(v, float) for v in history.history["loss"])


def test_history_keeps_its_lists_aligned_with_a_key_that_comes_and_goes() -> None:
    history = History()
    history.on_epoch_end(0, {"loss": np.float32(0.5)})
    history.on_epoch_end(1, {"loss": 0.25, "note": "x"})
    history.on_epoch_end(2, {"loss": 0.125})
    assert history.history["loss"] == [0.5, 0.25, 0.125]
    assert history.history["note"][1] == "x"
    assert math.isnan(history.history["note"][0]) and math.isnan(history.history["note"][2])


def test_csv_logger_writes_every_row_as_keras_does(tmp_path: Path) -> None:
    path = tmp_path / "log.csv"
    history = _fit(CSVLogger(path))
    with open(path, newline="") as file:
        rows = list(csv.reader(file))
    assert rows[0] == ["epoch", "arr", "loss", "lr", "none", "note", "pair"]
    assert len(rows) == 4
    for epoch, row in enumerate(rows[1:]):
        assert row == [str(epoch), '"[0.5, 1.0]"', repr(history.history["loss"][epoch]),
                       "0.01", "", f"e{epoch}", '"[1, 2.5]"']


def test_the_progress_display_shows_them(capsys: pytest.CaptureFixture[str]) -> None:
    _fit(epochs=1, verbose=2)
    assert "note: e0 - pair: [1, 2.5]" in capsys.readouterr().err


@pytest.mark.parametrize("make", [
    lambda path: EarlyStopping(monitor="note", mode="min"),
    lambda path: ReduceLROnPlateau(monitor="pair", mode="min"),
    lambda path: ModelCheckpoint(path / "m.safetensors", monitor="note", mode="min",
                                 save_best_only=True),
])
def test_monitoring_a_non_numeric_key_names_it(make: object, tmp_path: Path) -> None:
    callback = make(tmp_path)  # type: ignore[operator]
    with pytest.raises(TypeError, match=rf"^Expected a number in the logs for monitor="
                                        rf"'{callback.monitor}', which "
                                        rf"{type(callback).__name__} compares"):
        _fit(callback)


def test_a_checkpoint_leaves_those_keys_out_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "ck.safetensors"
    with pytest.warns(UserWarning, match=r"History keys \['note', 'pair', 'arr', 'none'\] "
                                         r"hold values that are no numbers"):
        history = _fit(ModelCheckpoint(path))
    model = nonlin.load_checkpoint(path)
    assert model.history.epoch == [0, 1, 2]
    assert sorted(model.history.history) == ["loss", "lr"]
    assert model.history.history["loss"] == history.history["loss"]


def test_plot_history_leaves_those_keys_out_with_a_warning(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    from nonlin import plots

    history = _fit(epochs=2)
    with pytest.warns(UserWarning, match=r"History keys \['note', 'pair', 'arr', 'none'\] "
                                         r"hold values that are no numbers .*: not drawn"):
        plots.plot_history(history, tmp_path / "h.png")
    assert (tmp_path / "h.png").exists()
    with pytest.raises(TypeError, match=r"one per epoch, for each key\. Received: note="):
        plots.plot_history(dict(history.history), tmp_path / "d.png")  # a dict: refused
