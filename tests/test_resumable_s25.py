"""Whether a checkpoint of an optimizer can be resumed from (session 25): ``save_checkpoint``
called directly checks it as ``ModelCheckpoint`` and ``BackupAndRestore`` do, through one
function (``_resumable.check_resumable``); why a file cannot rebuild an optimizer is a
structured result (``_rebuilt_settings.Unrebuilt``), not a reason string searched for
"get_config", with the messages as they were."""

from __future__ import annotations

import re
import warnings
from typing import Any

import numpy as np
import pytest

import nonlin
import nonlin.schedules
from nonlin import registry
from test_extend_s24b import ForgetfulBall, Halving, HeavyBall

RNG = np.random.default_rng(5)
X = RNG.normal(size=(16, 3))
Y = X @ np.array([[1.0], [-1.0], [0.5]])


class Unbuildable(HeavyBall):
    """Registered, its config holding what its constructor refuses."""

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "extra": 1}


@pytest.fixture
def registered(monkeypatch: pytest.MonkeyPatch) -> None:
    for cls in (ForgetfulBall, Unbuildable):
        monkeypatch.setitem(registry.OPTIMIZERS, cls.__name__, cls)


def _fitted(optimizer: Any) -> nonlin.Sequential:
    model = nonlin.Sequential([nonlin.Dense(4), nonlin.Tanh(), nonlin.Dense(1)])
    model.fit(X, Y, loss="mse", optimizer=optimizer, epochs=1, verbose=0, seed=0)
    return model


# what ModelCheckpoint warned before session 25, each kind of reason (its optimizer ...)
REASONS = {
    "unregistered optimizer": (
        lambda: HeavyBall(0.05),
        "its optimizer HeavyBall(lr=0.05, beta=0.9) could not be rebuilt from it (not in "
        "nonlin.registry.OPTIMIZERS): register its class, nonlin.registry.OPTIMIZERS"
        "['HeavyBall'] = HeavyBall, here and where the run resumes"),
    "lost setting": (
        lambda: ForgetfulBall(0.05, beta=0.5),
        "its optimizer ForgetfulBall(lr=0.05) could not be rebuilt from it: its config "
        "rebuilds ForgetfulBall with beta=0.9, not 0.5: return every setting from "
        "ForgetfulBall.get_config, def get_config(self): return {**super().get_config(), "
        "'beta': self.beta}"),
    "config": (
        lambda: Unbuildable(0.05),
        "its optimizer Unbuildable(lr=0.05, beta=0.9, extra=1) could not be rebuilt from it "
        "(its config does not rebuild it): give it a get_config that Unbuildable(**config) "
        "rebuilds it from, as the file's JSON (a from_config of its own is not called)"),
    "unregistered schedule": (
        lambda: nonlin.SGD(Halving(0.1, 5)),
        "its optimizer SGD(lr=Halving(lr=0.1), momentum=0.0, nesterov=False) could not be "
        "rebuilt from it (its learning-rate schedule is not in nonlin.schedules.SCHEDULES): "
        "register its class, nonlin.schedules.SCHEDULES['Halving'] = Halving, here and where "
        "the run resumes"),
}


def _resume_warnings(record: list[warnings.WarningMessage]) -> list[str]:
    return [str(w.message) for w in record if "will not resume" in str(w.message)]


@pytest.mark.usefixtures("registered")
@pytest.mark.parametrize("kind", list(REASONS))
def test_model_checkpoint_warns_as_before_once_per_fit(kind: str, tmp_path) -> None:
    make, reason = REASONS[kind]
    model = nonlin.Sequential([nonlin.Dense(4), nonlin.Tanh(), nonlin.Dense(1)])
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        model.fit(X, Y, loss="mse", optimizer=make(), epochs=3, verbose=0, seed=0,
                  callbacks=[nonlin.ModelCheckpoint(str(tmp_path / "ck-{epoch}.safetensors"))])
    assert _resume_warnings(record) == [  # once, before the first epoch: not at each write
        f"ModelCheckpoint's files will not resume (resume_from=): {reason}; or "
        "save_weights_only=True"]
    assert len(list(tmp_path.iterdir())) == 3


@pytest.mark.usefixtures("registered")
@pytest.mark.parametrize("kind", list(REASONS))
def test_backup_and_restore_refuses_as_before(kind: str, tmp_path) -> None:
    make, reason = REASONS[kind]
    model = nonlin.Sequential([nonlin.Dense(4), nonlin.Tanh(), nonlin.Dense(1)])
    backup = nonlin.callbacks.BackupAndRestore(str(tmp_path / "backup"))
    expected = ("Expected BackupAndRestore's backups to resume. Received a fit whose backups "
                f"would not: {reason}")
    with pytest.raises(TypeError, match=re.escape(expected)):
        model.fit(X, Y, loss="mse", optimizer=make(), epochs=1, verbose=0, callbacks=[backup])


@pytest.mark.usefixtures("registered")
@pytest.mark.parametrize("kind", list(REASONS))
def test_save_checkpoint_warns_as_model_checkpoint_and_writes(kind: str, tmp_path) -> None:
    make, reason = REASONS[kind]
    model = _fitted(make())
    path = tmp_path / "ck.safetensors"
    with pytest.warns(UserWarning, match=re.escape(
            f"save_checkpoint's file will not resume (resume_from=): {reason}; "
            "nonlin.load(path, compile=False) reads the model")) as record:
        nonlin.save_checkpoint(model, path, epoch=1)
    assert len(_resume_warnings(record.list)) == 1
    assert all(np.array_equal(a, b) for a, b in zip(
        nonlin.load(path, compile=False).get_weights(), model.get_weights(), strict=True))


def test_save_checkpoint_of_a_resumable_optimizer_does_not_warn(tmp_path,
                                                                 monkeypatch) -> None:
    monkeypatch.setitem(registry.OPTIMIZERS, "HeavyBall", HeavyBall)
    monkeypatch.setitem(nonlin.schedules.SCHEDULES, "Halving", Halving)
    for i, optimizer in enumerate((nonlin.Adam(0.01), HeavyBall(0.05, beta=0.5),
                                   nonlin.SGD(nonlin.schedules.StepDecay(0.1, 5, 0.5)))):
        model = _fitted(optimizer)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            nonlin.save_checkpoint(model, tmp_path / f"ck{i}.safetensors", epoch=1)
        assert nonlin.load_checkpoint(tmp_path / f"ck{i}.safetensors").step == 1


def test_the_three_writers_check_through_one_function(tmp_path, monkeypatch) -> None:
    import nonlin._resumable

    monkeypatch.setattr(nonlin._resumable, "unresumable", lambda optimizer: "SENTINEL")
    model = _fitted(nonlin.Adam(0.01))
    with pytest.warns(UserWarning, match="save_checkpoint's file will not resume.*SENTINEL"):
        nonlin.save_checkpoint(model, tmp_path / "a.safetensors", epoch=1)
    with pytest.warns(UserWarning, match="ModelCheckpoint's files will not resume.*SENTINEL"):
        model.fit(X, Y, epochs=1, verbose=0, seed=0,
                  callbacks=[nonlin.ModelCheckpoint(str(tmp_path / "b.safetensors"))])
    with pytest.raises(TypeError, match="BackupAndRestore's backups to resume.*SENTINEL"):
        model.fit(X, Y, epochs=1, verbose=0, seed=0,
                  callbacks=[nonlin.callbacks.BackupAndRestore(str(tmp_path / "c"))])


@pytest.mark.usefixtures("registered")
def test_why_a_file_cannot_rebuild_an_optimizer_is_a_kind_not_a_text() -> None:
    from nonlin._compile_entries import _optimizer_entry
    from nonlin._rebuilt_settings import Unrebuilt

    for kind, (make, reason) in REASONS.items():
        found = _optimizer_entry(make())
        assert isinstance(found, Unrebuilt) and found.kind == kind
        assert str(found) == found.reason and found.reason in reason
    assert not isinstance(_optimizer_entry(nonlin.Adam(0.01)), Unrebuilt)


@pytest.mark.usefixtures("registered")
def test_a_lost_setting_is_told_by_its_kind_whatever_the_words(monkeypatch) -> None:
    import nonlin._compile_entries
    from nonlin._resumable import unresumable

    monkeypatch.setattr(nonlin._compile_entries, "lost_setting",
                        lambda optimizer, rebuilt: "beta comes back otherwise")
    assert unresumable(ForgetfulBall(0.05, beta=0.5)) == (  # no "get_config" in the words
        "its optimizer ForgetfulBall(lr=0.05) could not be rebuilt from it: beta comes back "
        "otherwise")
