"""A model file of code before session 22 holds a slot that a setting switched off between two
fits no longer uses (SGD's ``velocity`` after ``momentum`` was set from 0.9 to 0; today's
``state_dict`` leaves it out): ``load`` refused it as another optimizer's state, naming a key
that changed from run to run. It loads, the slot kept unused as it was in memory (session 22)."""

from __future__ import annotations

import numpy as np
import pytest

import nonlin
from io_helpers import edit_meta
from nonlin import Dense, ReLU

RNG = np.random.default_rng(0)
X = RNG.normal(size=(32, 3))
Y = X @ RNG.normal(size=(3, 1))


def _fitted(optimizer: nonlin.optimizers.Optimizer) -> nonlin.Sequential:
    model = nonlin.Sequential([Dense(4), ReLU(), Dense(1)]).build(3, seed=0)
    model.fit(X, Y, loss="mse", optimizer=optimizer, epochs=1, batch_size=16, verbose=0)
    return model


def _switched_off(data: bytes, name: str) -> bytes:
    """The file that code before session 22 wrote after ``optimizer.<name> = 0``."""
    def change(record: dict) -> dict:
        config = record["optimizer"]["config"]
        config[name] = type(config[name])(0)
        return record

    return edit_meta(data, "compile", change)


def test_an_unused_velocity_saved_by_older_code_is_kept_unused(tmp_path) -> None:
    optimizer = nonlin.SGD(0.01, momentum=0.9)
    model = _fitted(optimizer)
    path = tmp_path / "old.nonlin"
    model.save(path)
    path.write_bytes(_switched_off(path.read_bytes(), "momentum"))
    loaded = nonlin.load(path)
    kept = loaded.optimizer._param_slots["velocity"]
    for v, before in zip(kept, optimizer._param_slots["velocity"], strict=True):
        np.testing.assert_array_equal(v, before)
    assert "velocity.0" not in loaded.optimizer.state_dict()  # as a new SGD(momentum=0)
    # switched on again, it goes on from there, as the optimizer in memory does
    loaded.optimizer.momentum = 0.9
    for m, opt in ((model, optimizer), (loaded, loaded.optimizer)):
        m.fit(X, Y, loss="mse", optimizer=opt, epochs=1, batch_size=16, shuffle=False,
              verbose=0)
    for a, b in zip(model.get_weights(), loaded.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(("optimizer", "name", "slot"), [
    (nonlin.Adam(0.01, amsgrad=True), "amsgrad", "v_hat"),
    (nonlin.RMSprop(0.01, centered=True), "centered", "average_gradient"),
    (nonlin.RMSprop(0.01, momentum=0.5), "momentum", "momentum"),
])
def test_other_unused_slots_saved_by_older_code_load(tmp_path, optimizer, name, slot) -> None:
    path = tmp_path / "old.nonlin"
    _fitted(optimizer).save(path)
    path.write_bytes(_switched_off(path.read_bytes(), name))
    loaded = nonlin.load(path).optimizer
    assert not getattr(loaded, name) and slot in loaded._param_slots
    assert f"{slot}.0" not in loaded.state_dict()


def test_an_unused_squared_slot_is_checked(tmp_path) -> None:
    path = tmp_path / "old.nonlin"
    model = _fitted(nonlin.Adam(0.01, amsgrad=True))
    model.optimizer._param_slots["v_hat"][1][0] = -1.0
    model.save(path)
    path.write_bytes(_switched_off(path.read_bytes(), "amsgrad"))
    with pytest.raises(nonlin.io.ModelFileError, match=r"'v_hat' of parameter 1.*v_hat\.1"):
        nonlin.load(path)


def test_load_state_dict_by_hand_still_refuses_a_slot_the_settings_do_not_use() -> None:
    """Without the settings saved with it, an SGD made without momentum by mistake."""
    state = _fitted(nonlin.SGD(0.01, momentum=0.9)).optimizer.state_dict()
    with pytest.raises(ValueError, match="Received slot 'velocity'"):
        nonlin.SGD(0.01).load_state_dict(state)


def test_the_slot_refused_is_named_the_same_each_time(tmp_path) -> None:
    """Another optimizer's slots: the first in file order is named, not the first of the
    safetensors reader's order (a hash map's, which changed from one read to the next)."""
    path = tmp_path / "adam.nonlin"
    _fitted(nonlin.Adam(0.01)).save(path)
    path.write_bytes(edit_meta(path.read_bytes(), "compile", lambda record: {
        **record, "optimizer": {**record["optimizer"], "class_name": "SGD",
                                "config": {"lr": 0.01}}}))
    messages = set()
    for _ in range(8):
        with pytest.raises(nonlin.io.ModelFileError) as caught:
            nonlin.load(path)
        messages.add(str(caught.value))
    assert len(messages) == 1 and "(key 'm.0')" in messages.pop()
