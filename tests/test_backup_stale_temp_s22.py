"""``BackupAndRestore`` removes the temporary files that a backup write killed by SIGKILL
left in its folder (over an hour old: ``_backup_temp``), and nothing else: not a temporary
file another live process may be writing (recent), not a file of another name."""

from __future__ import annotations

import os
import time

import numpy as np

import nonlin
from nonlin.callbacks import BackupAndRestore

RNG = np.random.default_rng(0)
X = RNG.normal(size=(24, 3))
Y = (X[:, 0] > 0).astype(np.int64)
OLD = time.time() - 2 * 3600  # two hours ago


def _file(folder, name: str, old: bool) -> None:
    path = folder / name
    path.write_bytes(b"partial")
    if old:
        os.utime(path, (OLD, OLD))


def _fit(folder, **options) -> None:
    model = nonlin.Sequential([nonlin.Dense(2), nonlin.Softmax()])
    model.fit(X, Y, loss="cross_entropy", optimizer="sgd", epochs=2, batch_size=8, seed=0,
              verbose=0, callbacks=[BackupAndRestore(folder, **options)])


STALE = [".latest.safetensors.ab_3x9yz.tmp", "._latest.safetensors.q1w2e3r4.tmp"]
KEPT_OLD = [".latest.safetensors.abc.tmp", ".other.safetensors.ab_3x9yz.tmp", "notes.txt",
            ".latest.safetensors.ab_3x9yz.tmpx", "latest.safetensors.ab_3x9yz.tmp",
            ".latest.safetensors.AB_3X9YZ.tmp"]
FRESH = [".latest.safetensors.fresh123.tmp"]  # another process's write in progress


def test_stale_temporary_files_are_removed_and_nothing_else(tmp_path) -> None:
    folder = tmp_path / "backup"
    folder.mkdir()
    for name in STALE + KEPT_OLD:
        _file(folder, name, old=True)
    for name in FRESH:
        _file(folder, name, old=False)
    (folder / ".latest.safetensors.dir12345.tmp").mkdir()  # a folder of that name: kept
    os.utime(folder / ".latest.safetensors.dir12345.tmp", (OLD, OLD))
    _fit(folder, delete_checkpoint=False)
    left = set(os.listdir(folder))
    assert left == {*KEPT_OLD, *FRESH, ".latest.safetensors.dir12345.tmp",
                    "latest.safetensors"}


def test_the_folder_goes_at_the_end_when_only_stale_temporary_files_were_left(
        tmp_path) -> None:
    folder = tmp_path / "backup"
    folder.mkdir()
    _file(folder, STALE[0], old=True)
    _fit(folder)
    assert not folder.exists()  # before: the killed write's file kept the folder forever


def test_a_recent_temporary_file_keeps_the_folder(tmp_path) -> None:
    folder = tmp_path / "backup"
    folder.mkdir()
    _file(folder, FRESH[0], old=False)
    _fit(folder)
    assert os.listdir(folder) == FRESH
