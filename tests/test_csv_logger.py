"""CSVLogger as Keras 3's (keras/src/callbacks/csv_logger.py): ``NA`` for a key an epoch's
logs lack, the value as written for one that is present (``nan`` too), and a resumed run
appended under the existing header, its rows following that header's columns."""

from __future__ import annotations

import csv
import math

from nonlin import SGD, Callback, CSVLogger
from test_callbacks import data, model


class _Edit(Callback):
    """Sets (or, for None, deletes) log keys per epoch, before the logger sees them."""

    def __init__(self, edits):
        self.edits = edits

    def on_epoch_end(self, epoch, logs=None):
        for key, value in self.edits.get(epoch, {}).items():
            if value is None:
                logs.pop(key, None)
            else:
                logs[key] = value


def _fit(path, edits=None, epochs=3, append=False, **kwargs):
    X, y = data()
    model().fit(X, y, loss="cross_entropy", optimizer=SGD(0.1), epochs=epochs, verbose=0,
                callbacks=[_Edit(edits or {}), CSVLogger(str(path), append=append)], **kwargs)
    with open(path, newline="") as file:
        return list(csv.reader(file))


def test_a_missing_key_is_na_and_a_present_nan_is_nan(tmp_path) -> None:
    rows = _fit(tmp_path / "log.csv",
                {0: {"val_loss": 0.5}, 2: {"val_loss": math.nan, "extra": 1.0, "lr": None}})
    assert rows[0] == ["epoch", "loss", "lr", "val_loss"]  # the first epoch's keys
    assert [r[3] for r in rows[1:]] == ["0.5", "NA", "nan"]
    assert rows[3][2] == "NA" and all(len(r) == 4 for r in rows)  # "extra" left out
    assert float(rows[1][2]) == 0.1


def test_append_keeps_the_header_and_its_columns(tmp_path) -> None:
    path = tmp_path / "log.csv"
    _fit(path, epochs=2, metrics=["accuracy"], validation_split=0.2)
    rows = _fit(path, epochs=2, append=True)  # resumed without validation or metrics
    assert rows[0] == ["epoch", "accuracy", "loss", "lr", "val_accuracy", "val_loss"]
    assert [r[0] for r in rows] == ["epoch", "0", "1", "0", "1"]
    for row in rows[3:]:
        assert row[1] == row[4] == row[5] == "NA" and float(row[2]) > 0 and row[3] == "0.1"
    fresh = _fit(tmp_path / "new.csv", epochs=1, append=True)
    assert fresh[0] == ["epoch", "loss", "lr"] and len(fresh) == 2
