"""Files written by earlier nonlins load with today's: same predictions bit for bit, the same
resumed training, the same estimator attributes (tests/data/old_files, README.md there).

Each folder holds the files one commit's nonlin wrote and ``expected.json``, that nonlin's
own inputs and numbers. A change that breaks reading any of them fails here. Then: a file of
a newer format version, or with a key this nonlin does not know, is refused naming the
versions (file-format.md, Compatibility).
"""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import nonlin
from cli_helpers import run_cli
from io_helpers import edit, edit_meta, split
from nonlin._header import ModelFileError

DATA = Path(__file__).parent / "data" / "old_files"
COMMITS = ("f39315e", "8e45737", "c9fbcfa")
MODEL_KINDS = ("plain", "bn", "f32", "compiled", "cli")


def _expected(commit: str) -> dict[str, Any]:
    return json.loads((DATA / commit / "expected.json").read_text())


def _cases(kinds: tuple[str, ...]) -> list[tuple[str, str]]:
    return [(c, k) for c in COMMITS for k in _expected(c)["kinds"] if k in kinds]


def _inputs(rec: dict[str, Any]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return np.asarray(rec["X"]), np.asarray(rec["y"]), np.asarray(rec["Xq"])


def _net() -> nonlin.Sequential:
    return nonlin.Sequential([nonlin.Dense(6), nonlin.ReLU(), nonlin.Dense(2)])


def _same(got: Any, expected: list) -> None:
    """Bit for bit: the old nonlin's float64 (or float32, widened) numbers, signed zeros
    told apart (``==`` is not: ``-0.0 == 0.0``); no ``strict=`` (NumPy 1.24's)."""
    got, want = np.asarray(got, dtype=np.float64), np.asarray(expected, dtype=np.float64)
    assert got.shape == want.shape, f"shape {got.shape}, expected {want.shape}"
    if not np.array_equal(got.view(np.uint64), want.view(np.uint64)):
        np.testing.assert_array_equal(got, want)  # names the values that differ
        raise AssertionError(f"the same values in other bits: {got!r}, expected {want!r}")


def test_the_old_files_are_here_and_small() -> None:
    files = [p for p in DATA.rglob("*") if p.is_file()]
    assert sum(p.stat().st_size for p in files) < 100_000
    assert not [p for p in files if p.name.startswith("test_") or p.suffix == ".pkl"]
    assert len([p for p in files if p.suffix == ".safetensors"]) == 12


@pytest.mark.filterwarnings("ignore:x does not have valid feature names")  # cli's names
@pytest.mark.parametrize("commit, kind", _cases(MODEL_KINDS))
def test_an_old_model_file_predicts_as_it_did(commit: str, kind: str) -> None:
    rec = _expected(commit)
    model = nonlin.load(DATA / commit / f"{kind}.safetensors")
    Xq = _inputs(rec)[2].astype(np.float32 if kind == "f32" else np.float64)
    assert kind == "cli" or model.dtype == Xq.dtype  # train writes float32, fed float64
    _same(model.predict(Xq), rec[kind])


@pytest.mark.filterwarnings("ignore::UserWarning")  # cross-entropy on a Dense output
@pytest.mark.parametrize("commit", [c for c, _ in _cases(("compiled",))])
def test_an_old_compiled_file_resumes_with_its_adam_state(commit: str) -> None:
    rec = _expected(commit)
    X, y, Xq = _inputs(rec)
    model = nonlin.load(DATA / commit / "compiled.safetensors")
    assert type(model.optimizer).__name__ == "Adam" and model.optimizer.iterations == 6
    model.fit(X, y, epochs=1, batch_size=16, seed=1, verbose=0)
    _same(model.predict(Xq), rec["compiled_resumed"])


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_an_old_checkpoint_loads_and_resumes(tmp_path: Path) -> None:
    rec = _expected("f39315e")
    X, y, Xq = _inputs(rec)
    path = tmp_path / "checkpoint.safetensors"
    shutil.copy(DATA / "f39315e" / "checkpoint.safetensors", path)
    checkpoint = nonlin.load_checkpoint(path)
    assert checkpoint.epoch == 2
    _same(checkpoint.model.predict(Xq), rec["checkpoint"])
    _same(nonlin.load(path).predict(Xq), rec["checkpoint"])
    model = _net()
    model.fit(X, y, loss="cross_entropy", optimizer="adam", epochs=4, batch_size=16, verbose=0,
              resume_from=path)
    _same(model.predict(Xq), rec["checkpoint_resumed"])


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_an_old_backup_resumes(tmp_path: Path) -> None:
    rec = _expected("c9fbcfa")
    X, y, Xq = _inputs(rec)
    shutil.copytree(DATA / "c9fbcfa" / "backup", tmp_path / "backup")
    model = _net()
    model.fit(X, y, loss="cross_entropy", optimizer=nonlin.Adam(lr=0.01), epochs=4,
              batch_size=16, seed=0, verbose=0,
              callbacks=[nonlin.BackupAndRestore(tmp_path / "backup")])
    _same(model.predict(Xq), rec["backup_resumed"])


@pytest.mark.filterwarnings("ignore")  # ConvergenceWarning: max_iter reached
@pytest.mark.parametrize("commit", [c for c, _ in _cases(("estimator",))])
def test_an_old_classifier_file_predicts_and_refits_as_it_did(commit: str) -> None:
    """The 2026-11-29 file has no _no_improvement_count (read as 0, where fit starts it) and
    no optimizer (partial_fit starts a fresh Adam, as the old nonlin's did); both name Dense
    init 'zeros' where today's estimators name glorot_uniform."""
    pytest.importorskip("sklearn")
    from nonlin.sklearn import load

    rec = _expected(commit)
    X, y, Xq = _inputs(rec)
    est = load(DATA / commit / "estimator.safetensors")
    _same(est.predict_proba(Xq), rec["estimator"])
    attrs = rec["estimator_attrs"]
    assert (est.n_iter_, est.t_, est.loss_) == (attrs["n_iter_"], attrs["t_"], attrs["loss_"])
    assert est.classes_.tolist() == attrs["classes_"] and est._no_improvement_count == 0
    _same(nonlin.load(DATA / commit / "estimator.safetensors").predict(Xq)[:, 0],
          np.asarray(rec["estimator"])[:, 1])
    est.partial_fit(X, y)
    _same(est.predict_proba(Xq), rec["estimator_resumed"])


@pytest.mark.filterwarnings("ignore")
def test_old_sgd_and_lbfgs_estimator_files() -> None:
    pytest.importorskip("sklearn")
    from nonlin.sklearn import load

    rec = _expected("f39315e")
    X, _, Xq = _inputs(rec)
    _same(load(DATA / "f39315e" / "estimator_lbfgs.safetensors").predict_proba(Xq),
          rec["estimator_lbfgs"])
    est = load(DATA / "f39315e" / "estimator_sgd.safetensors")
    assert est.batch_norm and est.dropout == 0.1 and est.early_stopping
    _same(est.predict(Xq), rec["estimator_sgd"])
    est.set_params(warm_start=True, max_iter=3).fit(X, X[:, 0] - 2 * X[:, 3])
    _same(est.predict(Xq), rec["estimator_sgd_resumed"])


def test_an_old_cli_model_predicts_through_the_cli(tmp_path: Path) -> None:
    """Today's ``nonlin predict`` (this checkout's, ``run_cli``) prints what the old one did."""
    rec = _expected("f39315e")
    Xq = _inputs(rec)[2]
    csv = tmp_path / "new.csv"
    csv.write_text("a,b,c,d\n" + "".join(",".join(map(repr, row)) + "\n" for row in Xq.tolist()))
    out = run_cli("predict", DATA / "f39315e" / "cli.safetensors", csv, "--proba", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert out.stdout == rec["cli_predict"]


# -- files this nonlin does not read: named, not a KeyError ---------------------------------
def _old_bytes() -> bytes:
    return (DATA / "c9fbcfa" / "compiled.safetensors").read_bytes()


def _refused(data: bytes) -> str:
    with pytest.raises(ModelFileError) as info:
        nonlin.load(io.BytesIO(data))
    return str(info.value)


def test_a_newer_format_version_is_refused_naming_both_versions() -> None:
    message = _refused(edit_meta(_old_bytes(), "format_version", lambda _: 2))
    assert "format version 2" in message and "format version 1" in message
    assert "newer nonlin" in message and "upgrade nonlin" in message


def test_a_version_no_nonlin_wrote_is_not_called_newer() -> None:
    message = _refused(edit_meta(_old_bytes(), "format_version", lambda _: 0))
    assert "format version 0" in message and "format version 1" in message
    assert "newer" not in message


def test_an_unknown_key_is_refused_naming_it_and_the_version_read() -> None:
    def add(header: dict[str, Any]) -> None:
        header["__metadata__"]["quantization"] = '"int8"'

    message = _refused(edit(_old_bytes(), add))
    assert "'quantization'" in message and "format version 1" in message
    assert "newer nonlin" in message


def test_the_optional_keys_may_be_missing() -> None:
    """The 2026-11-29 files have neither 'compile' nor 'optimizer': read as before."""
    from nonlin import _reader

    for name in ("plain", "estimator"):
        header = split((DATA / "f39315e" / f"{name}.safetensors").read_bytes())[0]
        meta = set(header["__metadata__"])
        assert meta == _reader._KEYS and not meta & _reader._OPTIONAL_KEYS
