"""Review of the public names of an optimizer of one's own (session 25): the two names of
each pair, ``build_slots``/``_init_slots`` and ``compute_updates``/``_deltas``, reach the
same code through ``super()`` at every level and through a mixin that is not an optimizer;
``slot_names``, ``setting_checks`` and ``slots`` written as a property, a method or a
classmethod (``slots`` set at all, ``slot_names`` a str) are refused when the class is made,
with a message, not at the first step; slots other than those ``slot_names`` lists, which
``state_dict`` would not save, are warned."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from nonlin.adaptive import Adagrad
from nonlin.core import Param
from nonlin.optimizers import SGD, Optimizer


def _param() -> Param:
    p = Param(np.zeros(3))
    p.grad = np.ones(3)
    return p


class _OldStart(Optimizer):
    """Older names: _init_slots calling the base's, then moving the slot to 7."""

    _slot_names = ("v",)

    def __init__(self, lr: float = 0.1) -> None:
        super().__init__(lr)

    def _init_slots(self, params: list[Param]) -> None:
        super()._init_slots(params)
        for array in self._slots["v"]:
            array += 7.0

    def compute_updates(self, params: list[Param], lr: float) -> list[np.ndarray]:
        return [-lr * v for v in self.slots["v"]]


class _NewOverOld(_OldStart):
    """Public names over it: build_slots extending what the class above makes."""

    slot_names = ("v", "w")

    def build_slots(self, params: list[Param]) -> dict[str, list[np.ndarray]]:
        slots = super().build_slots(params)
        slots["w"] = [np.ones_like(p.value) for p in params]
        return slots


def test_build_slots_super_reaches_an_older_init_slots() -> None:
    optimizer = _NewOverOld()
    optimizer.step([p := _param()])
    np.testing.assert_array_equal(optimizer.slots["v"][0], np.full(3, 7.0))
    np.testing.assert_array_equal(optimizer.slots["w"][0], np.ones(3))
    np.testing.assert_allclose(p.value, np.full(3, -0.7))


class _Two(Optimizer):
    slot_names = ("v",)

    def __init__(self, lr: float = 0.1) -> None:
        super().__init__(lr)

    def build_slots(self, params: list[Param]) -> dict[str, list[np.ndarray]]:
        return {"v": [np.full_like(p.value, 2.0) for p in params]}

    def compute_updates(self, params: list[Param], lr: float) -> list[np.ndarray]:
        return [-lr * v for v in self.slots["v"]]


class _Thrice(_Two):
    def _init_slots(self, params: list[Param]) -> None:
        super()._init_slots(params)
        for array in self._slots["v"]:
            array *= 3.0


class _PlusOne(_Thrice):
    def build_slots(self, params: list[Param]) -> dict[str, list[np.ndarray]]:
        slots = super().build_slots(params)
        for array in slots["v"]:
            array += 1.0
        return slots


@pytest.mark.parametrize(("cls", "start"), [(_Two, 2.0), (_Thrice, 6.0), (_PlusOne, 7.0)])
def test_slot_makers_alternating_names_each_run_once(cls: type, start: float) -> None:
    optimizer = cls()
    optimizer.step([_param()])
    np.testing.assert_array_equal(optimizer.slots["v"][0], np.full(3, start))


class _TenfoldAdagrad(Adagrad):
    def _init_slots(self, params: list[Param]) -> None:
        super()._init_slots(params)
        self._slots["accumulator"] = [a * 10 for a in self._slots["accumulator"]]


class _BuildOverTenfold(_TenfoldAdagrad):
    def build_slots(self, params: list[Param]) -> dict[str, list[np.ndarray]]:
        return super().build_slots(params)


@pytest.mark.parametrize("cls", [_TenfoldAdagrad, _BuildOverTenfold])
def test_adagrad_subclasses_mixing_names_keep_the_older_start(cls: type) -> None:
    optimizer = cls(0.1, initial_accumulator_value=0.5)
    optimizer.step([_param()])
    np.testing.assert_array_equal(optimizer.slots["accumulator"][0], np.full(3, 6.0))


class _HundredRule:
    """A mixin, not an optimizer: its compute_updates is the rule of the class it is in."""

    def compute_updates(self, params: list[Param], lr: float) -> list[np.ndarray]:
        return [np.full_like(p.value, 100.0) for p in params]


class _MixedSGD(_HundredRule, SGD):
    pass


class _SlotMixin:
    slot_names = ("z",)

    def build_slots(self, params: list[Param]) -> dict[str, list[np.ndarray]]:
        return {"z": [np.full_like(p.value, 5.0) for p in params]}

    def compute_updates(self, params: list[Param], lr: float) -> list[np.ndarray]:
        return [z + 0.0 for z in self.slots["z"]]  # type: ignore[attr-defined]


class _Mixed(_SlotMixin, Optimizer):
    def __init__(self) -> None:
        super().__init__(0.1)


def test_a_mixins_compute_updates_is_the_rule() -> None:
    _MixedSGD(0.1).step([p := _param()])
    np.testing.assert_array_equal(p.value, np.full(3, 100.0))


def test_a_mixins_slot_names_and_build_slots_are_the_slots() -> None:
    optimizer = _Mixed()
    optimizer.step([p := _param()])
    assert optimizer.slot_names == optimizer._slot_names == ("z",)
    assert sorted(optimizer.state_dict()) == ["iterations", "lr", "z.0"]
    np.testing.assert_array_equal(p.value, np.full(3, 5.0))


def _property_names(self: Any) -> tuple[str, ...]:
    return ("v",)


@pytest.mark.parametrize(("name", "value"), [
    ("slot_names", property(_property_names)),
    ("slot_names", classmethod(_property_names)),
    ("slot_names", _property_names),
    ("setting_checks", property(_property_names)),
    ("slots", property(_property_names)),
    ("slots", ("velocity",)),  # meant slot_names: each instance's slots, made by build_slots
])
def test_a_public_name_made_a_property_or_method_is_refused_with_the_class(
        name: str, value: Any) -> None:
    with pytest.raises(TypeError, match=rf"Expected Odd\.{name} to be .*Received a "
                                        rf"{type(value).__name__}"):
        type("Odd", (Optimizer,), {name: value})


class _ExtraSlot(Optimizer):
    """build_slots makes a slot slot_names does not list: state_dict would not save it."""

    slot_names = ("v",)

    def __init__(self) -> None:
        super().__init__(0.1)

    def build_slots(self, params: list[Param]) -> dict[str, list[np.ndarray]]:
        return {"v": [np.zeros_like(p.value) for p in params],
                "hidden": [np.ones_like(p.value) for p in params]}

    def compute_updates(self, params: list[Param], lr: float) -> list[np.ndarray]:
        return [-lr * h for h in self.slots["hidden"]]


class _MissingSlot(_ExtraSlot):
    slot_names = ("v", "hidden", "w")


@pytest.mark.parametrize("cls", [_ExtraSlot, _MissingSlot])
def test_slots_other_than_slot_names_lists_are_warned_at_the_first_step(cls: type) -> None:
    with pytest.warns(UserWarning, match=rf"Expected {cls.__name__}\.build_slots to make the "
                                         r"slots slot_names lists"):
        cls().step([_param()])


class _NamedInInit(Optimizer):
    """The guide's way for slot names that depend on a setting: set in __init__."""

    def __init__(self, count: int = 2) -> None:
        super().__init__(0.1)
        self.slot_names = tuple(f"s{i}" for i in range(count))

    def compute_updates(self, params: list[Param], lr: float) -> list[np.ndarray]:
        return [-lr * p.grad for p in params]


def test_slot_names_set_in_init_make_and_save_those_slots() -> None:
    optimizer = _NamedInInit(3)
    optimizer.step([_param()])
    assert sorted(optimizer.slots) == ["s0", "s1", "s2"]
    again = _NamedInInit(3)
    again.load_state_dict(optimizer.state_dict())
    assert sorted(again.state_dict()) == ["iterations", "lr", "s0.0", "s1.0", "s2.0"]


class _NamesMixin:
    slot_names = ("z",)


class _OwnNamesOverMixin(_NamesMixin, Optimizer):
    """Its own older _slot_names, nearer than the mixin's public slot_names."""

    _slot_names = ("v",)

    def __init__(self) -> None:
        super().__init__(0.1)

    def compute_updates(self, params: list[Param], lr: float) -> list[np.ndarray]:
        return [-lr * v for v in self.slots["v"]]


def test_the_nearest_name_of_a_pair_is_read_under_both() -> None:
    optimizer = _OwnNamesOverMixin()
    optimizer.step([_param()])
    assert optimizer.slot_names == optimizer._slot_names == ("v",)
    assert sorted(optimizer.slots) == ["v"]


def test_a_build_slots_set_on_the_class_later_is_the_one_used(
        monkeypatch: pytest.MonkeyPatch) -> None:
    def halves(self: Any, params: list[Param]) -> dict[str, list[np.ndarray]]:
        return {"accumulator": [np.full_like(p.value, 0.5) for p in params]}

    monkeypatch.setattr(Adagrad, "build_slots", halves)
    optimizer = Adagrad(0.1)
    optimizer.step([_param()])
    np.testing.assert_array_equal(optimizer.slots["accumulator"][0], np.full(3, 1.5))


def test_slot_names_a_str_is_refused_with_the_class() -> None:
    with pytest.raises(TypeError, match=r"Expected Odd\.slot_names to be a tuple of slot "
                                        r"names\. Received the str 'velocity': write "
                                        r"\('velocity',\)"):
        type("Odd", (Optimizer,), {"slot_names": ("velocity")})
