"""Every loss constructor's numbers: NaN, infinities and numbers out of range refused with
"Expected ... Received ..." (Keras takes them), also numbers that only become infinite or 0
as the float the loss computes with (session 20's leftover: an OverflowError, or inf
taken)."""

from __future__ import annotations

import inspect
from fractions import Fraction

import numpy as np
import pytest

import nonlin
from nonlin import registry

BFC, CFC = nonlin.BinaryFocalCrossentropy, nonlin.CategoricalFocalCrossentropy
NAN, INF = float("nan"), float("inf")
HUGE = (10**400, Fraction(10**400, 3), np.longdouble("1e4000"))  # beyond float's range
EVERYWHERE_BAD = (NAN, -INF, INF, np.float32("nan"), np.float64("inf"), *HUGE,
                  True, "0.5", None, 1 + 0j, np.array(0.5))

# (class, parameter, message, values refused beside EVERYWHERE_BAD, values taken)
PARAMETERS = [
    (BFC, "alpha", r"Expected a number in \[0, 1\]", (-0.1, 1.5, -(10**400)), (0, 1, 0.3)),
    (BFC, "gamma", "Expected a finite number >= 0", (-1e-9, -(10**400)), (0, 0.5, 1e300)),
    (BFC, "label_smoothing", r"Expected a number in \[0, 1\]", (-0.1, 1.01), (0, 1, 0.1)),
    (CFC, "alpha", "Expected a finite number >= 0", (-0.5, -(10**400)), (0, 2.5, 1e300)),
    (CFC, "gamma", "Expected a finite number >= 0", (-1.0,), (0, 3, np.float16(2))),
    (CFC, "label_smoothing", r"Expected a number in \[0, 1\]", (-1e-3, 2), (0, 1, 0.2)),
    (nonlin.BinaryCrossEntropy, "label_smoothing", r"Expected a number in \[0, 1\]", (-0.1, 1.01),
     (0, 1, 0.1)),
    (nonlin.CrossEntropy, "label_smoothing", r"Expected a number in \[0, 1\]", (-1e-3, 2),
     (0, 1, 0.2)),
    (nonlin.Huber, "delta", "Expected a (positive|finite) number",
     (0, -0.0, -1.0, np.longdouble("1e-4000"), Fraction(1, 10**400)), (1e-300, 2, 1e300)),
]


@pytest.mark.parametrize(("cls", "name", "message", "bad", "good"), PARAMETERS)
def test_each_number_is_checked(cls, name, message, bad, good) -> None:
    for value in (*EVERYWHERE_BAD, *bad):
        with pytest.raises(ValueError, match=rf"{message}\. Received: {name}="):
            cls(**{name: value})
    for value in good:
        taken = getattr(cls(**{name: value}), name)
        assert type(taken) is float and taken == float(value)


@pytest.mark.parametrize("value", HUGE)
def test_a_number_beyond_float_is_refused_not_an_overflow_error(value) -> None:
    for cls, name in ((BFC, "gamma"), (CFC, "alpha"), (CFC, "gamma"), (nonlin.Huber, "delta")):
        with pytest.raises(ValueError, match=rf"Expected a finite number.*Received: {name}="):
            cls(**{name: value})


def test_a_positive_delta_that_is_0_as_a_float_is_refused() -> None:
    for value in (np.longdouble("1e-4000"), Fraction(1, 10**400)):
        with pytest.raises(ValueError, match=r"Expected a positive number\. Received: delta="):
            nonlin.Huber(delta=value)


def test_every_registered_loss_is_covered() -> None:
    """A new loss with a number among its arguments gets a row in PARAMETERS."""
    covered = {(cls, name) for cls, name, *_ in PARAMETERS}
    flags = {"from_logits", "apply_class_balancing", "reduction",
             "pos_weight", "axis", "ignore_class"}  # tests/test_loss_args_s21.py checks these
    for cls in set(registry.LOSSES.values()):
        for name in inspect.signature(cls).parameters:
            assert name in flags or (cls, name) in covered, (cls.__name__, name)


@pytest.mark.parametrize("cls", sorted(set(registry.LOSSES.values()), key=lambda c: c.__name__))
def test_every_flag_and_reduction_is_checked(cls) -> None:
    parameters = inspect.signature(cls).parameters
    with pytest.raises(ValueError, match=r"Expected reduction 'mean', 'sum' or 'none'\. "
                                         r"Received: reduction="):
        cls(reduction="avg")
    for flag in ("from_logits", "apply_class_balancing"):
        if flag in parameters:
            with pytest.raises(TypeError, match=rf"Expected a bool\. Received: {flag}=1"):
                cls(**{flag: 1})
