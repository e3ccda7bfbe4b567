"""The contract of an optimizer of one's own under public names (session 25): ``slot_names``,
``build_slots``, ``slots``, ``compute_updates``, ``setting_checks`` and ``set_settings``, the
guide's "An optimizer of your own"; the older private names (``_slot_names``, ``_init_slots``,
``_slots``, ``_deltas``, ``_settings``, ``_set``) keep working."""

from __future__ import annotations

import os
import warnings
from typing import Any

import numpy as np
import pytest

import nonlin
from nonlin import registry
from nonlin.core import Param
from nonlin.optimizers import Adam, Optimizer

RNG = np.random.default_rng(3)
X = RNG.normal(size=(48, 3))
Y = X @ np.array([[1.0], [-1.0], [0.5]]) + 0.1


def _fraction(name: str, value: Any) -> float:
    if not isinstance(value, float | int) or not 0 <= value < 1:
        raise ValueError(f"Expected {name} in [0, 1). Received: {name}={value!r}")
    return float(value)


class PublicBall(Optimizer):
    """The guide's HeavyBall, written against the public names alone."""

    slot_names = ("velocity",)
    setting_checks = {"beta": _fraction}

    def __init__(self, lr: Any = 0.01, beta: float = 0.9, **options: Any) -> None:
        super().__init__(lr, **options)
        self.set_settings(beta=beta)

    def compute_updates(self, params: list[Param], lr: float) -> list[np.ndarray]:
        deltas = []
        for p, v in zip(params, self.slots["velocity"], strict=True):
            v *= self.beta
            v -= lr * p.grad
            deltas.append(v)
        return deltas

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "beta": self.beta}


class PrivateBall(Optimizer):
    """The same, written against the older private names (the guide before session 25)."""

    _slot_names = ("velocity",)
    _settings = {**Optimizer._settings, "beta": _fraction}

    def __init__(self, lr: Any = 0.01, beta: float = 0.9, **options: Any) -> None:
        super().__init__(lr, **options)
        self._set(beta=beta)

    def _deltas(self, params: list[Param], lr: float) -> list[np.ndarray]:
        deltas = []
        for p, v in zip(params, self._slots["velocity"], strict=True):
            v *= self.beta
            v -= lr * p.grad
            deltas.append(v)
        return deltas

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "beta": self.beta}


class PrivateStart(PrivateBall):
    """An older-style slot initializer: velocity starts at 1."""

    def _init_slots(self, params: list[Param]) -> None:
        self._slots = {"velocity": [np.ones_like(p.value) for p in params]}


class PublicStart(PrivateStart):
    """Its public override, over the base class's ``_init_slots``: velocity starts at 2."""

    def build_slots(self, params: list[Param]) -> dict[str, list[np.ndarray]]:
        return {"velocity": [np.full_like(p.value, 2.0) for p in params]}


@pytest.fixture
def registered(monkeypatch: pytest.MonkeyPatch) -> None:
    for cls in (PublicBall, PrivateBall):
        monkeypatch.setitem(registry.OPTIMIZERS, cls.__name__, cls)


def _net() -> nonlin.Sequential:
    return nonlin.Sequential([nonlin.Dense(6), nonlin.Tanh(), nonlin.Dense(1)])


RUN = dict(loss="mse", batch_size=8, verbose=0)


def _same(a: nonlin.Sequential, b: nonlin.Sequential) -> bool:
    return all(np.array_equal(u, v) for u, v in zip(a.get_weights(), b.get_weights(),
                                                    strict=True))


def test_the_public_names_are_the_private_ones() -> None:
    assert PublicBall._slot_names == PublicBall.slot_names == ("velocity",)
    assert PrivateBall.slot_names == ("velocity",)
    assert PublicBall._deltas is PublicBall.compute_updates
    assert PrivateBall.compute_updates is PrivateBall._deltas
    assert PublicBall._settings is PublicBall.setting_checks
    assert set(PublicBall.setting_checks) == set(Optimizer._settings) | {"beta"}  # kept
    opt = PublicBall(0.1)
    assert opt.slots is opt._slots and opt._set == opt.set_settings
    opt.slot_names = ("velocity", "spare")  # on the instance: its own layout
    assert opt._slot_names == ("velocity", "spare") and PublicBall.slot_names == ("velocity",)


def test_a_public_optimizer_steps_by_its_rule_with_clipping() -> None:
    w = Param(np.array([1.0, -2.0]))
    w.grad[...] = [3.0, 4.0]  # norm 5: clipped to 0.5
    opt = PublicBall(0.1, beta=0.5, clipnorm=0.5)
    opt.step([w])
    g = np.array([3.0, 4.0]) * (0.5 / 5.0)
    np.testing.assert_array_equal(w.value, np.array([1.0, -2.0]) - 0.1 * g)
    w.grad[...] = [3.0, 4.0]
    opt.step([w])
    v = 0.5 * (-0.1 * g) - 0.1 * g
    np.testing.assert_array_equal(w.value, np.array([1.0, -2.0]) - 0.1 * g + v)
    assert sorted(opt.state_dict()) == ["iterations", "lr", "velocity.0"]


def test_public_and_private_styles_train_to_the_same_bits() -> None:
    public, private = _net(), _net()
    h1 = public.fit(X, Y, optimizer=PublicBall(0.05, beta=0.8, clipnorm=1.0), epochs=6, seed=0,
                    **RUN)
    h2 = private.fit(X, Y, optimizer=PrivateBall(0.05, beta=0.8, clipnorm=1.0), epochs=6,
                     seed=0, **RUN)
    assert _same(public, private) and h1.history == h2.history
    assert h1.history["loss"][-1] < h1.history["loss"][0] / 2  # it trains


def test_build_slots_starts_the_slots_over_a_base_class_init_slots() -> None:
    for cls, start in ((PrivateStart, 1.0), (PublicStart, 2.0)):
        w = Param(np.zeros(2))
        opt = cls(0.1, beta=0.5)
        opt.step([w])  # v = 0.5 * start - 0.1 * 0
        np.testing.assert_array_equal(w.value, [0.5 * start] * 2)


def test_a_slot_unlike_its_parameter_names_build_slots() -> None:
    class Wrong(PublicBall):
        def build_slots(self, params: list[Param]) -> dict[str, list[np.ndarray]]:
            return {"velocity": [np.zeros(3) for _ in params]}

    class Forgot(PublicBall):
        def build_slots(self, params: list[Param]) -> Any:
            {"velocity": [np.zeros_like(p.value) for p in params]}  # noqa: B018  (no return)

    w = Param(np.zeros(2))
    with pytest.raises(ValueError, match=r"Expected Wrong\.build_slots to make slot 'velocity'"):
        Wrong(0.1).step([w])
    with pytest.raises(TypeError, match=r"Expected Forgot\.build_slots to make a dict"):
        Forgot(0.1).step([w])
    assert np.array_equal(w.value, np.zeros(2))


def test_updates_of_another_shape_name_compute_updates() -> None:
    class Short(PublicBall):
        def compute_updates(self, params: list[Param], lr: float) -> list[np.ndarray]:
            return [d[:1] for d in super().compute_updates(params, lr)]

    with pytest.raises(ValueError, match=r"Expected Short\.compute_updates to return one"):
        Short(0.1).step([Param(np.zeros(2))])


def test_compute_updates_reaches_a_builtin_through_super() -> None:
    class Halved(Adam):
        def compute_updates(self, params: list[Param], lr: float) -> list[np.ndarray]:
            return [d * 0.5 for d in super().compute_updates(params, lr)]

    a, b = Param(np.ones(3)), Param(np.ones(3))
    a.grad[...] = b.grad[...] = [1.0, -2.0, 0.5]
    Halved(0.1).step([a])
    Adam(0.05).step([b])
    np.testing.assert_allclose(a.value, b.value, rtol=1e-15)


def test_a_class_defining_both_names_unlike_is_refused() -> None:
    with pytest.raises(TypeError, match=r"define compute_updates .* or _deltas .*not both"):
        type("Both", (Optimizer,), {"compute_updates": lambda s, p, lr: [],
                                    "_deltas": lambda s, p, lr: []})
    with pytest.raises(TypeError, match=r"define slot_names .* or _slot_names"):
        type("Both", (Optimizer,), {"slot_names": ("a",), "_slot_names": ("b",)})
    type("Same", (Optimizer,), {"slot_names": ("a",), "_slot_names": ("a",)})  # the same: taken


def test_no_update_rule_says_which_method_to_define() -> None:
    class Empty(Optimizer):
        def __init__(self) -> None:
            super().__init__(0.1)

    with pytest.raises(NotImplementedError, match=r"Empty to define compute_updates"):
        Empty().step([Param(np.zeros(2))])


def test_a_setting_set_since_is_checked_by_fit() -> None:
    opt = PublicBall(0.05)
    opt.beta = 1.5
    with pytest.raises(ValueError, match=r"Expected beta in \[0, 1\)\. Received: beta=1\.5"):
        _net().fit(X, Y, optimizer=opt, epochs=1, seed=0, **RUN)
    with pytest.raises(ValueError, match=r"beta=-1"):
        PublicBall(0.05, beta=-1)


@pytest.mark.usefixtures("registered")
@pytest.mark.parametrize("cls", [PublicBall, PrivateBall])
def test_model_checkpoint_resumes_bit_for_bit(cls: type, tmp_path) -> None:
    straight = _net()
    straight.fit(X, Y, optimizer=cls(0.05, beta=0.8, clipnorm=1.0), epochs=6, seed=0, **RUN)
    first = _net()
    path = str(tmp_path / "ck-{epoch:02d}.safetensors")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # resumable: no warning
        first.fit(X, Y, optimizer=cls(0.05, beta=0.8, clipnorm=1.0), epochs=3, seed=0,
                  callbacks=[nonlin.ModelCheckpoint(path)], **RUN)
    resumed = _net()
    history = resumed.fit(X, Y, epochs=6, resume_from=str(tmp_path / "ck-03.safetensors"),
                          batch_size=8, verbose=0)
    assert _same(straight, resumed) and history.epoch == list(range(6))
    assert type(resumed.optimizer) is cls and resumed.optimizer.beta == 0.8
    assert resumed.optimizer.clipnorm == 1.0


class _Crash(nonlin.Callback):
    def on_epoch_begin(self, epoch: int, logs: Any = None) -> None:
        if epoch == 2:
            raise RuntimeError("interrupted")


@pytest.mark.usefixtures("registered")
def test_backup_and_restore_resumes_bit_for_bit(tmp_path) -> None:
    backup = str(tmp_path / "backup")

    def script(*extra: Any) -> nonlin.Sequential:
        net = _net()
        net.fit(X, Y, optimizer=PublicBall(0.05, beta=0.8, clipnorm=1.0), epochs=5, seed=0,
                callbacks=[nonlin.BackupAndRestore(backup), *extra], **RUN)
        return net

    uninterrupted = script()
    with pytest.raises(RuntimeError, match="interrupted"):
        script(_Crash())
    assert os.listdir(backup) == ["latest.safetensors"]
    assert _same(uninterrupted, script())


@pytest.mark.usefixtures("registered")
def test_saved_and_loaded_with_the_model(tmp_path) -> None:
    model = _net()
    model.fit(X, Y, optimizer=PublicBall(0.05, beta=0.7), epochs=2, seed=0, **RUN)
    path = str(tmp_path / "m.safetensors")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.save(path)
    loaded = nonlin.load(path)
    assert type(loaded.optimizer) is PublicBall and loaded.optimizer.beta == 0.7
    mine, theirs = model.optimizer.state_dict(), loaded.optimizer.state_dict()
    assert mine.keys() == theirs.keys()
    assert all(np.array_equal(mine[k], theirs[k]) for k in mine)
    model.fit(X, Y, epochs=1, seed=1, **RUN)
    loaded.fit(X, Y, epochs=1, seed=1, **RUN)
    assert _same(model, loaded)  # both go on from the same slots
