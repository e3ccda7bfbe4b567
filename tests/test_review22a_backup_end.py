"""review22a: BackupAndRestore removes stale temporary files "at each backup and at the
end" (its docstring, the guide); with ``delete_checkpoint=False`` the end removed nothing."""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np

import nonlin
from nonlin.callbacks import BackupAndRestore

STALE = ".latest.safetensors.ab_3x9yz.tmp"


class LeaveStale(nonlin.Callback):
    """A killed write's file, found after the last backup (an hour old)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def on_train_end(self, logs=None) -> None:  # before BackupAndRestore's (its hooks run last)
        path = self.folder / STALE
        path.write_bytes(b"partial")
        old = time.time() - 2 * 3600
        os.utime(path, (old, old))


def test_the_end_removes_stale_files_when_the_backup_is_kept(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(16, 3))
    y = (X[:, 0] > 0).astype(np.int64)
    folder = tmp_path / "backup"
    model = nonlin.Sequential([nonlin.Dense(2), nonlin.Softmax()])
    model.fit(X, y, loss="cross_entropy", optimizer="sgd", epochs=1, batch_size=8, seed=0,
              verbose=0, callbacks=[LeaveStale(folder),
                                    BackupAndRestore(folder, delete_checkpoint=False)])
    assert sorted(os.listdir(folder)) == ["latest.safetensors"]
