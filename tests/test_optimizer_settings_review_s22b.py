"""Session 22 review (review22b) of optimizer settings set after construction: an optimizer of
one's own setting ``_slot_names`` in ``__init__`` (as SGD did), a slot setting switched off after
a fit (its model file could not be loaded), ``load_state_dict`` after a slot setting was set,
and Keras' ``global_clipnorm`` attribute (set, it changed nothing)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

import nonlin
import nonlin.io
from nonlin.core import Param
from nonlin.optimizers import SGD, Adam, Optimizer, RMSprop


def _data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    return rng.standard_normal((32, 3)), rng.standard_normal((32, 1))


def _model() -> nonlin.Sequential:
    return nonlin.Sequential([nonlin.Dense(4), nonlin.Tanh(), nonlin.Dense(1)]).build(3, seed=0)


class _Momentum(Optimizer):
    """An optimizer of one's own choosing its slots in ``__init__``, as nonlin's SGD did."""

    def __init__(self, lr: float = 0.01, momentum: float = 0.9) -> None:
        super().__init__(lr)
        self.momentum = momentum
        self._slot_names = ("velocity",) if momentum else ()

    def _deltas(self, params: list[Param], lr: float) -> list[np.ndarray]:
        if not self.momentum:
            return [-lr * p.grad for p in params]
        out = []
        for v, p in zip(self._slots["velocity"], params, strict=True):
            v *= self.momentum
            v -= lr * p.grad
            out.append(v.copy())
        return out


def test_own_optimizer_setting_its_slot_names_in_init_fits() -> None:
    # fit's settings check laid the class's slots () out again: KeyError 'velocity'
    X, y = _data()
    opt = _Momentum()
    _model().fit(X, y, loss="mse", optimizer=opt, epochs=1, seed=0, verbose=0)
    assert sorted(k.split(".")[0] for k in opt.state_dict() if "." in k)[0] == "velocity"


SWITCHED_OFF = [  # (optimizer, setting, value that needs fewer slots)
    (lambda: SGD(0.01, momentum=0.9), "momentum", 0.0),
    (lambda: RMSprop(momentum=0.5), "momentum", 0.0),
    (lambda: RMSprop(centered=True), "centered", False),
    (lambda: Adam(amsgrad=True), "amsgrad", False),
]


@pytest.mark.parametrize("refit", [True, False])
@pytest.mark.parametrize(("make", "name", "value"), SWITCHED_OFF)
def test_model_saved_after_a_slot_setting_is_switched_off_loads(
        tmp_path: Path, make: Any, name: str, value: Any, refit: bool) -> None:
    # the state kept the slot the saved config's optimizer has not: ModelFileError on load
    X, y = _data()
    model, opt = _model(), make()
    model.fit(X, y, loss="mse", optimizer=opt, epochs=1, seed=0, verbose=0)
    setattr(opt, name, value)
    if refit:
        model.fit(X, y, loss="mse", optimizer=opt, epochs=1, seed=0, verbose=0)
    model.save(tmp_path / "m.npz")
    loaded = nonlin.io.load(tmp_path / "m.npz")
    assert loaded.optimizer.get_config() == opt.get_config()
    assert set(loaded.optimizer.state_dict()) == set(opt.state_dict())
    loaded.fit(X, y, epochs=1, seed=0, verbose=0)


def test_slot_setting_switched_back_on_keeps_the_slots() -> None:
    X, y = _data()
    model, opt = _model(), SGD(0.01, momentum=0.9)
    model.fit(X, y, loss="mse", optimizer=opt, epochs=1, seed=0, verbose=0)
    opt.momentum = 0.0
    model.fit(X, y, loss="mse", optimizer=opt, epochs=1, seed=0, verbose=0)
    opt.momentum = 0.9
    model.fit(X, y, loss="mse", optimizer=opt, epochs=1, seed=0, verbose=0)
    assert any(k.startswith("velocity.") for k in opt.state_dict())


def test_load_state_dict_after_a_slot_setting_set_before_the_first_step() -> None:
    # refused before: "its slots (none)", the layout made for momentum=0
    X, y = _data()
    model, source = _model(), SGD(0.01, momentum=0.9)
    model.fit(X, y, loss="mse", optimizer=source, epochs=1, seed=0, verbose=0)
    opt = SGD(0.01)
    opt.momentum = 0.9
    opt.load_state_dict(source.state_dict())
    model.fit(X, y, loss="mse", optimizer=opt, epochs=1, seed=0, verbose=0)
    assert opt.iterations == 2 * source.iterations


def test_global_clipnorm_attribute_is_clipnorm() -> None:
    # Keras' attribute name: set after construction, it was a new attribute no step read
    X, y = _data()
    opt = SGD(0.1)
    opt.global_clipnorm = 0.01
    assert opt.clipnorm == 0.01 and SGD(0.1, global_clipnorm=0.5).global_clipnorm == 0.5
    a, b = _model(), _model()
    a.fit(X, y, loss="mse", optimizer=opt, epochs=1, seed=0, verbose=0)
    b.fit(X, y, loss="mse", optimizer=SGD(0.1, clipnorm=0.01), epochs=1, seed=0, verbose=0)
    for wa, wb in zip(a.get_weights(), b.get_weights(), strict=True):
        np.testing.assert_array_equal(wa, wb)
    opt.global_clipnorm = -1.0
    with pytest.raises(ValueError, match="clipnorm=-1.0"):
        a.fit(X, y, loss="mse", optimizer=opt, epochs=1, seed=0, verbose=0)


def test_load_state_dict_lays_the_slots_of_the_settings_out() -> None:
    # amsgrad set True, then v_hat loaded: its finiteness (a squared-gradient slot) was
    # not checked, the layout being amsgrad=False's
    X, y = _data()
    model, source = _model(), Adam(amsgrad=True)
    model.fit(X, y, loss="mse", optimizer=source, epochs=1, seed=0, verbose=0)
    opt = Adam()
    opt.amsgrad = True
    opt.load_state_dict(source.state_dict())
    assert opt._squares == ("v", "v_hat") and opt._slot_names == ("m", "v", "v_hat")


@pytest.mark.parametrize(("make", "name", "value", "slot"), [
    (lambda: SGD(0.1), "momentum", 0.9, "velocity"),
    (RMSprop, "centered", True, "average_gradient"),
    (RMSprop, "momentum", 0.5, "momentum"),
    (Adam, "amsgrad", True, "v_hat"),
])
def test_step_by_hand_after_a_slot_setting_set_before_the_first_step(
        make: Any, name: str, value: Any, slot: str) -> None:
    # only fit laid the slots out again: SGD stepped without momentum (silently), RMSprop
    # and Adam raised KeyError
    opt = make()
    setattr(opt, name, value)
    twin = type(opt).from_config({**opt.get_config()})
    p, q = Param(np.ones(3)), Param(np.ones(3))
    for g in (1.0, -0.5, 2.0):
        p.grad[...] = q.grad[...] = g
        opt.step([p])
        twin.step([q])
    np.testing.assert_array_equal(p.value, q.value)
    assert f"{slot}.0" in opt.state_dict()


def test_checkpoint_written_after_momentum_switched_off_resumes(tmp_path: Path) -> None:
    # the checkpoint's state held velocity, its config momentum=0: ModelFileError on resume
    X, y = _data()
    model, opt = _model(), SGD(0.1, momentum=0.9)
    model.fit(X, y, loss="mse", optimizer=opt, epochs=1, seed=0, verbose=0)
    opt.momentum = 0.0
    path = tmp_path / "ck.npz"
    model.fit(X, y, epochs=2, verbose=0, seed=0,
              callbacks=[nonlin.callbacks.ModelCheckpoint(path)])
    resumed = nonlin.Sequential([nonlin.Dense(4), nonlin.Tanh(), nonlin.Dense(1)])
    history = resumed.fit(X, y, epochs=3, verbose=0, seed=0, resume_from=path)
    assert len(history.history["loss"]) == 3 and resumed.optimizer.momentum == 0.0


@pytest.mark.parametrize(("name", "slot"), [("amsgrad", "v_hat"), ("use_ema", "average")])
def test_slot_setting_after_loading_a_model_saved_before_any_step(
        tmp_path: Path, name: str, slot: str) -> None:
    # the loaded state's empty slot lists passed for slots made at a first step: refused
    X, y = _data()
    model = _model()
    model.compile(loss="mse", optimizer=Adam())
    model.save(tmp_path / "m.npz")
    loaded = nonlin.io.load(tmp_path / "m.npz")
    setattr(loaded.optimizer, name, True)
    loaded.fit(X, y, epochs=1, verbose=0, seed=0)
    assert f"{slot}.0" in loaded.optimizer.state_dict()


def test_own_subclass_listing_only_its_new_settings_keeps_the_inherited_checks() -> None:
    # Adam's constructor looked beta_1 up in the subclass's _settings: KeyError
    from nonlin._optimizer_checks import non_negative

    class Decayed(Adam):
        _settings = {"decay": non_negative}

        def __init__(self, lr: float = 0.001, decay: float = 0.0) -> None:
            super().__init__(lr)
            self._set(decay=decay)

    X, y = _data()
    opt = Decayed(decay=0.5)
    opt.beta_1 = 1.5
    with pytest.raises(ValueError, match="beta_1=1.5"):
        _model().fit(X, y, loss="mse", optimizer=opt, epochs=1, seed=0, verbose=0)
    opt.beta_1, opt.decay = 0.9, -1.0
    with pytest.raises(ValueError, match="decay=-1.0"):
        _model().fit(X, y, loss="mse", optimizer=opt, epochs=1, seed=0, verbose=0)
