"""The public and private method names of a loss and an optimizer of one's own (session 26):
one rule for both (``nonlin._method_names``), so a mixin defining both names of a pair,
unlike, is refused for either; the corners the guide documents are pinned: a method set on a
class after it is made is not seen by the training step (a class then made from it is a
``TypeError`` saying to set both), ``setting_checks`` set on one optimizer is refused, and
set on a class after it is made is not seen."""

from __future__ import annotations

import abc
from typing import Any

import numpy as np
import pytest

from nonlin.core import Param
from nonlin.losses import Loss, MeanSquaredError
from nonlin.optimizers import SGD, Optimizer


def _param() -> Param:
    p = Param(np.zeros(3))
    p.grad = np.ones(3)
    return p


class _Step(Optimizer):
    """w <- w - lr g, written with the public names."""

    def __init__(self, lr: float = 0.1) -> None:
        super().__init__(lr)

    def compute_updates(self, params: list[Param], lr: float) -> list[np.ndarray]:
        return [-lr * p.grad for p in params]


class _Abs(Loss):
    """l_i = sum_j |p_ij - y_ij|."""

    def call(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        return np.abs(y_pred - y_true).sum(axis=1)

    def grad_terms(self, y_true: np.ndarray, y_pred: np.ndarray, out: np.ndarray) -> Any:
        return np.sign(np.subtract(y_pred, y_true, out=out), out=out)


def _twice(self: Any, *args: Any) -> Any:
    return "twice"


# (base classes, public name, private name) of each kind: a loss and an optimizer
KINDS = {"loss": ((Loss, MeanSquaredError), "call", "_sample_losses"),
         "optimizer": ((Optimizer, SGD), "compute_updates", "_deltas"),
         "settings": ((Optimizer, SGD), "set_settings", "_set"),
         "grads": ((Loss, MeanSquaredError), "grad_terms", "_grad_terms")}


def _mixin(public: str, private: str, same: bool) -> type:
    def one(self: Any, *args: Any) -> Any:
        return "public"

    return type("Rule", (), {public: one, private: one if same else _twice})


@pytest.mark.parametrize("base_index", [0, 1])
@pytest.mark.parametrize("kind", sorted(KINDS))
def test_a_mixin_defining_both_names_unlike_is_refused_for_losses_and_optimizers(
        kind: str, base_index: int) -> None:
    bases, public, private = KINDS[kind]
    rule = _mixin(public, private, same=False)
    # on main: a loss took the public one silently, an optimizer kept the two apart (step
    # calling the private one, the guide's name and super() reaching the other)
    with pytest.raises(TypeError, match=f"Expected Rule to define {public} .* or {private} "
                                        f".*not both.*define {public} alone"):
        type("Mine", (rule, bases[base_index]), {})


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_a_mixin_defining_both_names_alike_gives_that_function(kind: str) -> None:
    bases, public, private = KINDS[kind]
    rule = _mixin(public, private, same=True)
    mine = type("Mine", (rule, bases[1]), {})
    assert getattr(mine, public) is getattr(mine, private) is vars(rule)[public]


def test_the_clash_message_is_one_for_a_loss_and_an_optimizer() -> None:
    messages = []
    for kind in ("loss", "optimizer"):
        bases, public, private = KINDS[kind]
        with pytest.raises(TypeError) as caught:
            type("Rule", (bases[0],), {public: _twice, private: _param})
        messages.append(str(caught.value).replace(public, "P").replace(private, "Q"))
    assert messages[0] == messages[1]


def _ten_times(self: Any, params: list[Param], lr: float) -> list[np.ndarray]:
    return [-10 * lr * p.grad for p in params]


def test_compute_updates_set_on_the_class_later_is_not_seen_by_step_set_both_is() -> None:
    class Late(_Step):
        def compute_updates(self, params: list[Param], lr: float) -> list[np.ndarray]:
            return [-lr * p.grad for p in params]

    Late.compute_updates = _ten_times  # the documented corner: step calls _deltas
    Late().step([p := _param()])
    np.testing.assert_allclose(p.value, np.full(3, -0.1))
    with pytest.raises(TypeError, match=r"Late\.compute_updates and Late\._deltas to be one"
                                        r", as Late was made.*set both, Late\.compute_updates"
                                        r" = Late\._deltas = \.\.\., or define "
                                        r"compute_updates in a subclass"):
        class Below(Late):  # on main: made, its step the old rule, its guide's name the new
            pass

    Late.compute_updates = Late._deltas = _ten_times
    Late().step([p := _param()])
    np.testing.assert_allclose(p.value, np.full(3, -1.0))

    class Now(Late):
        pass

    assert Now.compute_updates is Now._deltas is _ten_times


def test_a_name_set_later_on_a_class_defining_neither_is_the_one_its_subclasses_take() -> None:
    class Plain(_Step):  # both names inherited: the one set later is the nearest
        pass

    Plain.compute_updates = _ten_times
    Plain().step([p := _param()])
    np.testing.assert_allclose(p.value, np.full(3, -0.1))  # not seen by step, as documented

    class Below(Plain):
        pass

    assert Below.compute_updates is Below._deltas is _ten_times
    Below().step([p := _param()])
    np.testing.assert_allclose(p.value, np.full(3, -1.0))


def test_call_set_on_a_loss_class_later_is_not_seen_by_the_reduction_set_both_is() -> None:
    y_true, y_pred = np.zeros((2, 1)), np.array([[1.0], [-3.0]])
    _Abs.call = _twice  # a class made with call in its body: the names now differ
    try:
        assert _Abs(reduction="sum")(y_true, y_pred) == 4.0
        with pytest.raises(TypeError, match=r"_Abs\.call and _Abs\._sample_losses to be one"
                                            r", as _Abs was made"):
            class Below(_Abs):  # on main: made, the new call under both names
                pass

        class Own(_Abs):  # a subclass defining the name itself is no clash
            def call(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
                return 2 * np.abs(y_pred - y_true).sum(axis=1)

        assert Own(reduction="sum")(y_true, y_pred) == 8.0
    finally:
        _Abs.call = _Abs._sample_losses


class _Checked(Optimizer):
    setting_checks = {"beta": lambda name, value: float(value)}

    def __init__(self, lr: float = 0.1, beta: float = 0.5) -> None:
        super().__init__(lr)
        self.set_settings(beta=beta)

    def compute_updates(self, params: list[Param], lr: float) -> list[np.ndarray]:
        return [-lr * self.beta * p.grad for p in params]


@pytest.mark.parametrize("cls", [_Checked, SGD])
def test_setting_checks_set_on_one_optimizer_is_refused(cls: type[Optimizer]) -> None:
    optimizer = cls()
    before = dict(type(optimizer).setting_checks)
    # on main: stored on the instance and ignored (set_settings, fit and save read the class's)
    with pytest.raises(AttributeError, match=rf"Expected setting_checks in the body of a class "
                                             rf"\(class {cls.__name__}\(\.\.\.\): "
                                             rf"setting_checks = \{{\.\.\.\}}\).*Received "
                                             rf"setting_checks set on one {cls.__name__}"):
        optimizer.setting_checks = {}
    assert "_settings" not in vars(optimizer)
    assert dict(type(optimizer).setting_checks) == before
    assert optimizer.setting_checks == type(optimizer).setting_checks


def test_setting_checks_of_a_subclass_through_a_mixin_are_the_class_s_alone() -> None:
    class Gamma:
        setting_checks = {"gamma": lambda name, value: float(value)}

    class Mixed(Gamma, _Checked):
        pass

    assert {"beta", "gamma"} <= set(Mixed.setting_checks)
    with pytest.raises(AttributeError, match="setting_checks in the body of a class"):
        Mixed().setting_checks = {}


def test_setting_checks_set_on_the_class_later_is_not_seen() -> None:
    class Later(_Checked):
        pass

    Later.setting_checks = {"delta": float}  # the documented corner: merged when made
    with pytest.raises(KeyError, match="delta"):
        Later().set_settings(delta=1.0)
    assert "beta" in Later._settings


def test_no_metaclass_so_an_abc_mixin_still_goes_with_an_optimizer_or_a_loss() -> None:
    class Rule(abc.ABC):  # why a name set later is documented, not caught (a metaclass)
        @abc.abstractmethod
        def extra(self) -> None: ...

    class Mine(Rule, _Step):
        def extra(self) -> None:
            return None

    class MyLoss(Rule, _Abs):
        def extra(self) -> None:
            return None

    assert Mine.compute_updates is Mine._deltas and MyLoss.call is MyLoss._sample_losses


@pytest.mark.parametrize(("public", "private", "values"), [
    ("slot_names", "_slot_names", (("a",), ("b",))),
    ("setting_checks", "_settings", ({"a": float}, {"b": float}))])
def test_a_mixin_defining_both_names_of_data_unlike_is_refused_alike(
        public: str, private: str, values: tuple[Any, Any]) -> None:
    rule = type("Rule", (), {public: values[0], private: values[1]})
    # on main: the private one taken for both, silently
    with pytest.raises(TypeError, match=f"Expected Rule to define {public} .* or {private} "
                                        f".*not both"):
        type("Mine", (rule, _Step), {})
    same = type("Same", (), {public: values[0], private: values[0]})
    assert getattr(type("Mine", (same, _Step), {}), private) is not None


def test_slot_names_set_on_the_class_later_is_refused_in_a_class_made_from_it() -> None:
    class Named(_Step):
        slot_names = ("v",)

    Named.slot_names = ("w",)  # not seen: the slots are made from _slot_names
    with pytest.raises(TypeError, match=r"Named\.slot_names and Named\._slot_names to be one"):
        class Below(Named):  # on main: made, its slots ("v",), its slot_names ("w",)
            pass
