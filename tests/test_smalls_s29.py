"""Session 29's small faults, each pinned here.

- Every public callable of ``nonlin.__all__`` (and every public method of a public class)
  has type hints ``typing.get_type_hints`` resolves: ``gradcheck``'s ``loss`` named
  ``Loss``, imported only for type checkers, and ``Sequential.from_config`` returned
  ``Sequential`` the same way (both raised ``NameError``). The hints now name them through
  the package (``nonlin.losses.Loss``, ``nonlin.Sequential``), so ``import nonlin`` still
  leaves the training side unimported until the hints are read.
- A Parquet/Arrow file's CSV copy with no temporary folder at all (none writable): the
  message named no folder yet said "free space there"; it now says to set TMPDIR to a
  writable folder.
- A label standard output's encoding cannot write: the advice ``LANG=C.UTF-8`` did nothing
  under ``LC_ALL`` or ``LC_CTYPE`` (they win over ``LANG``); it names the variable that
  decides, and no locale while ``PYTHONIOENCODING`` names an encoding (it wins over both).
- An iterator set as ``callbacks`` on a fitted scikit-learn estimator before ``partial_fit``
  (which checks no parameters then, as scikit-learn's) was used up by the callback check and
  the fit trained none (``callbacks_ == []``). It is refused, as ``fit``'s parameter check
  refuses it, before anything changes, naming the value and the way out (a list).
"""

from __future__ import annotations

import inspect
import json
import subprocess
import sys
import tempfile
import typing
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import nonlin
from cli_helpers import cli_env, error_line
from nonlin import cli


def _public_callables() -> Iterator[tuple[str, Callable[..., Any]]]:
    for name in nonlin.__all__:
        obj = getattr(nonlin, name)
        if inspect.isclass(obj):
            for attr, member in inspect.getmembers(obj):
                if attr.startswith("_") and attr not in ("__init__", "__call__"):
                    continue
                if isinstance(member, property) and member.fget is not None:
                    yield f"{name}.{attr}", member.fget
                elif inspect.isfunction(member) or inspect.ismethod(member):
                    yield f"{name}.{attr}", member
        elif callable(obj):
            yield name, obj


def test_every_public_callable_has_resolvable_type_hints() -> None:
    failures = {}
    for name, func in _public_callables():
        try:
            typing.get_type_hints(func)
        except Exception as error:  # noqa: BLE001 -- each one is reported
            failures[name] = repr(error)
    assert not failures, failures


def test_gradcheck_and_from_config_hints_name_the_classes() -> None:
    from nonlin.losses import Loss

    assert typing.get_type_hints(nonlin.gradcheck)["loss"] == Loss | str
    hints = typing.get_type_hints(nonlin.Sequential.from_config)  # the class it is called on
    returned = hints["return"]
    assert isinstance(returned, typing.TypeVar) and hints["cls"] == type[returned]


def test_hints_resolve_in_a_fresh_interpreter_and_import_nonlin_stays_light() -> None:
    code = """
import json, sys, typing
import nonlin
light = "nonlin.losses" not in sys.modules
hints = typing.get_type_hints(nonlin.gradcheck)
print(json.dumps([light, str(hints["loss"]), "nonlin.losses" in sys.modules]))
"""
    out = subprocess.run([sys.executable, "-c", code], env=cli_env(), capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout.splitlines()[-1]) == [True, "nonlin.losses.Loss | str", True]


def test_no_temporary_folder_at_all_for_the_csv_copy_says_no_free_space_there(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    monkeypatch.chdir(tmp_path)
    x = np.random.default_rng(0).normal(size=20)
    pq.write_table(pa.table({"x": x, "y": (x > 0).astype(np.int64),  # text: copied (s31)
                             "note": ["a"] * 20}), tmp_path / "d.parquet")
    missing = tmp_path / "missing"  # the only candidate, and it does not exist
    monkeypatch.setattr(tempfile, "tempdir", None)
    monkeypatch.setattr(tempfile, "_candidate_tempdir_list", lambda: [str(missing)])
    assert cli.main(["train", "d.parquet", "--target", "y", "--epochs", "1", "--quiet"]) == 2
    line = error_line(capsys, "d.parquet: cannot write the Parquet table as CSV to a temporary "
                      "file (", str(missing), "set TMPDIR to a writable folder with room, or ",
                      "pl.read_parquet(PATH).write_csv('data.csv')")
    assert "free space there" not in line


@pytest.mark.parametrize("env, advice", [
    ({}, "(or a UTF-8 locale, LANG=C.UTF-8)"),
    ({"LANG": "en_US.ISO-8859-1"}, "(or a UTF-8 locale, LANG=C.UTF-8)"),
    ({"LANG": "C.UTF-8", "LC_CTYPE": "en_US.ISO-8859-1"}, "(or a UTF-8 locale, LC_CTYPE=C.UTF-8)"),
    ({"LC_ALL": "C", "LC_CTYPE": "C.UTF-8", "LANG": "C.UTF-8"},
     "(or a UTF-8 locale, LC_ALL=C.UTF-8)"),
    ({"LC_ALL": "C", "PYTHONIOENCODING": "ascii"}, None),
    ({"LC_ALL": "C", "PYTHONIOENCODING": ":strict"}, "(or a UTF-8 locale, LC_ALL=C.UTF-8)"),
])
def test_an_unencodable_label_names_the_locale_variable_that_decides(
        monkeypatch: pytest.MonkeyPatch, env: dict[str, str], advice: str | None) -> None:
    from nonlin import cli_pipes
    from nonlin.cli_pipes import _unencodable

    monkeypatch.setattr(cli_pipes, "_command", ["predict"])  # s33: each command its way out
    for name in ("LC_ALL", "LC_CTYPE", "LANG", "PYTHONIOENCODING"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    try:
        "blau\u2013x".encode("ascii")
    except UnicodeEncodeError as exc:
        message = str(_unencodable(exc, None))
    assert "set PYTHONIOENCODING=utf-8" in message and "predict -o PATH" in message
    if advice is None:
        assert "locale" not in message, message
    else:
        assert advice in message, message
        assert message.count("C.UTF-8") == 1, message


@pytest.mark.parametrize("kind", ["MLPClassifier", "MLPRegressor"])
@pytest.mark.parametrize("make", [lambda cb: iter([cb]), lambda cb: (c for c in [cb])])
def test_an_iterator_of_callbacks_before_partial_fit_is_refused_not_ignored(
        kind: str, make: Callable[[Any], Any]) -> None:
    sklearn = pytest.importorskip("nonlin.sklearn")
    from nonlin.callbacks import History

    X = np.random.default_rng(0).normal(size=(20, 3))
    y = (X[:, 0] > 0).astype(np.int64)
    est = getattr(sklearn, kind)(hidden_layer_sizes=(3,), max_iter=2, random_state=0)
    with pytest.warns(Warning):  # not converged in 2 iterations
        est.fit(X, y)
    coefs, n_iter, kept = [c.copy() for c in est.coefs_], est.n_iter_, est.callbacks_
    est.set_params(callbacks=make(History()))
    with pytest.raises(TypeError, match=r"Expected callbacks as a list \(or None\)") as info:
        est.partial_fit(X, y)
    message = str(info.value)
    assert "Received callbacks=<" in message and "iterator" in message, message
    assert "est.set_params(callbacks=list(...))" in message
    assert est.n_iter_ == n_iter and est.callbacks_ is kept
    assert all(np.array_equal(a, b) for a, b in zip(coefs, est.coefs_, strict=True))
    history = History()
    est.set_params(callbacks=[history])  # the way out: a list, trained as a copy
    est.partial_fit(X, y)
    assert len(est.callbacks_) == 1 and isinstance(est.callbacks_[0], History)
    assert est.callbacks_[0] is not history


def test_progress_with_no_standard_error_writes_nothing_and_trains(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """``sys.stderr`` None (``pythonw``, a service started without descriptor 2): ``fit``,
    ``evaluate`` and ``predict`` with ``verbose=1`` or ``2`` raised ``AttributeError`` from the
    progress display; they now write nothing, as ``print`` does then, and train the same bits."""
    import numpy as np

    import nonlin

    X = np.random.default_rng(0).normal(size=(16, 3))
    y = X @ np.array([[1.0], [-2.0], [0.5]])

    def trained(verbose: int) -> np.ndarray:
        model = nonlin.Sequential([nonlin.Dense(4, activation="relu"), nonlin.Dense(1)]).build(
            3, seed=0)
        model.fit(X, y, loss="mse", optimizer="sgd", epochs=2, batch_size=4, verbose=verbose)
        model.evaluate(X, y, verbose=verbose)
        return model.predict(X, verbose=verbose)

    expected = trained(0)
    monkeypatch.setattr(sys, "stderr", None)
    for verbose in (1, 2):
        np.testing.assert_array_equal(trained(verbose), expected)
