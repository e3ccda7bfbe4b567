"""Atomic writes: injected faults leave the previous file intact and no temporary file."""

from __future__ import annotations

import errno
import os
import stat

import numpy as np
import pytest

import nonlin
from io_helpers import small_model
from nonlin import _atomic
from nonlin._atomic import write_atomic

OLD = b"the previous file"


@pytest.fixture
def target(tmp_path):
    path = tmp_path / "model.safetensors"
    path.write_bytes(OLD)
    return path


def _assert_untouched(path):
    assert path.read_bytes() == OLD
    assert sorted(os.listdir(path.parent)) == [path.name]  # no temporary file left


def _half_then(exc):
    """A ``_write_all`` that writes half of the data, then raises ``exc``."""
    real = _atomic._write_all

    def write(handle, data):
        real(handle, bytes(data)[: len(data) // 2])
        handle.flush()
        raise exc

    return write


def test_write_replaces_and_keeps_the_mode(target):
    os.chmod(target, 0o640)
    write_atomic(target, b"new content")
    assert target.read_bytes() == b"new content"
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o640
    assert os.listdir(target.parent) == [target.name]


def test_new_file_gets_the_usual_mode(tmp_path):
    path = tmp_path / "new.bin"
    write_atomic(path, memoryview(b"abc"))
    umask = os.umask(0)
    os.umask(umask)
    assert path.read_bytes() == b"abc"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o666 & ~umask


@pytest.mark.parametrize(
    "exc",
    [OSError(errno.ENOSPC, "No space left on device"), KeyboardInterrupt(), RuntimeError("bug")],
)
def test_failure_mid_write(target, monkeypatch, exc):
    monkeypatch.setattr(_atomic, "_write_all", _half_then(exc))
    with pytest.raises(type(exc)):
        write_atomic(target, b"x" * 1000)
    _assert_untouched(target)


def test_disk_full_on_fsync(target, monkeypatch):
    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(OSError, match="No space"):
        write_atomic(target, b"new")
    _assert_untouched(target)


def test_failing_replace(target, monkeypatch):
    def refuse(src, dst):
        raise OSError(errno.EXDEV, "Invalid cross-device link")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(OSError, match="cross-device"):
        write_atomic(target, b"new")
    _assert_untouched(target)


def test_read_only_folder_simulated(target, monkeypatch):
    def denied(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(_atomic.tempfile, "mkstemp", denied)
    with pytest.raises(PermissionError):
        write_atomic(target, b"new")
    _assert_untouched(target)


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root ignores permissions")
def test_read_only_folder_real(target):
    os.chmod(target.parent, 0o500)
    try:
        with pytest.raises(PermissionError):
            write_atomic(target, b"new")
    finally:
        os.chmod(target.parent, 0o700)
    _assert_untouched(target)


def test_missing_folder_and_folder_as_target(tmp_path):
    with pytest.raises(FileNotFoundError):
        write_atomic(tmp_path / "absent" / "m.bin", b"x")
    with pytest.raises(IsADirectoryError):
        write_atomic(tmp_path, b"x")


def test_folder_fsync_failure_is_tolerated(target, monkeypatch):
    """Some file systems refuse fsync on a folder; the file is already replaced."""
    real = os.fsync

    def picky(fd):
        if stat.S_ISDIR(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, "Invalid argument")
        real(fd)

    monkeypatch.setattr(os, "fsync", picky)
    write_atomic(target, b"new")
    assert target.read_bytes() == b"new"


def test_save_fault_keeps_previous_model(tmp_path, monkeypatch):
    path = tmp_path / "m.safetensors"
    old = small_model(seed=1)
    nonlin.save(old, path)
    before = path.read_bytes()
    monkeypatch.setattr(_atomic, "_write_all", _half_then(OSError(errno.ENOSPC, "full")))
    with pytest.raises(OSError):
        nonlin.save(small_model(seed=2), path)
    monkeypatch.undo()
    assert path.read_bytes() == before and os.listdir(tmp_path) == ["m.safetensors"]
    X = np.ones((2, 3))
    np.testing.assert_array_equal(nonlin.load(path).predict(X), old.predict(X))


@pytest.mark.skipif(os.name != "posix", reason="symbolic links")
def test_a_symbolic_link_is_written_through(tmp_path):
    # latest.safetensors -> runs/model.safetensors: like open(path, "wb") (torch.save,
    # np.save), the save updates the file the link names and the link stays a link.
    (tmp_path / "runs").mkdir()
    real = tmp_path / "runs" / "model.safetensors"
    real.write_bytes(OLD)
    link = tmp_path / "latest.safetensors"
    link.symlink_to(os.path.join("runs", "model.safetensors"))
    write_atomic(link, b"new")
    assert link.is_symlink() and real.read_bytes() == b"new"
    assert sorted(os.listdir(tmp_path)) == ["latest.safetensors", "runs"]
    assert os.listdir(tmp_path / "runs") == ["model.safetensors"]


def test_a_name_of_up_to_255_bytes_is_written_though_its_temporary_file_is_cut(tmp_path):
    from nonlin._atomic import temp_prefix

    path = tmp_path / ("a" * 251 + ".st")  # 255 bytes: the longest name ext4 takes
    write_atomic(path, b"data")
    assert path.read_bytes() == b"data" and sorted(tmp_path.iterdir()) == [path]
    assert temp_prefix("m.st") == ".m.st." and len(temp_prefix(path.name)) == 202
