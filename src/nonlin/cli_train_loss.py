"""``nonlin train --loss NAME[:P1[:P2]]`` and ``--lr-schedule NAME[:P1[:P2]]``: the words.

Both options take one word, its parameters after colons (``huber:0.5``,
``step:10:0.5``), as ``--class-weight`` takes its pairs in one word. The loss
names resolve through ``nonlin.registry`` (``mean_absolute_error`` and
``Huber`` are ``mae`` and ``huber``; ``focal`` is short for
``categorical_focal_crossentropy``); each option's value is kept in one
spelling, its canonical form (trailing parameters at their defaults left out:
``cosine:0`` is ``cosine``, ``plateau:10:0.1`` is ``plateau``, ``focal:2:1``
is ``focal``), so that the training record and ``--resume`` compare like with
like.

A regressor is trained on the standardized target, so the losses offered are
those that take any real target: ``mse`` (the default), ``mae``,
``huber[:DELTA]`` (``DELTA`` in standard deviations of the target, default 1)
and ``log_cosh``; ``msle``, ``mape`` and ``poisson`` need targets that are
positive or away from 0, which a standardized target is not. A classifier
(softmax over one logit per class) has ``cross_entropy[:SMOOTHING]`` (the
default; ``SMOOTHING`` in [0, 1) moves the targets towards uniform, ``y (1 -
s) + s / k``) and ``focal[:GAMMA[:ALPHA[:SMOOTHING]]]``, the categorical focal
loss ``ALPHA sum_j (1 - p_j)^GAMMA (-y_j log p_j)`` (on targets smoothed as
``cross_entropy``'s). Its ``ALPHA`` defaults to 1, not Keras' 0.25: one
``ALPHA`` for every class (Keras' categorical form; the classes are weighed by
``--class-weight``) only scales the loss, which with ``--optimizer sgd`` divides
``--lr`` by 4 and with ``--l2`` makes the penalty 4 times as strong; with
``ALPHA`` 1, ``focal:0`` is the cross-entropy (spelled ``focal:0.0``), and
``focal:0:1:S`` with ``S`` > 0 is ``cross_entropy:S`` (the same loss, so spelled so).

The parameters are bounded where float32 training can still learn. The
network trains in float32, whose resolution at 1 is ``2**-23`` (about
1.19e-07, near Adam's epsilon 1e-7 too), and the loss's gradient is scaled by
``DELTA`` (huber's gradient is the residual clipped to ``DELTA``, the residuals
being of the order of 1 on the standardized scale), by ``ALPHA``, and at the
start, where a two-class softmax gives about 1/2 (more classes: more), by
``(1/2)^GAMMA``. Scaled below ``2**-23``, the updates drown in rounding and
Adam's epsilon: the run learns little, and further below nothing (the loss
shows 0 and the scores stay where they started). So ``DELTA`` is in
``[2**-23, 3.4028235e+38]`` (beyond, float32 holds it as infinity and the loss
is NaN), ``ALPHA`` in ``[2**-23, 1]`` (the focal-loss paper and Keras take
``alpha`` in [0, 1]; 0 is no loss) and ``GAMMA`` in ``[0, 23]`` (the paper
uses 0 to 5).
"""

from __future__ import annotations

import argparse
import math
import sys
from typing import Any

from ._quoting import quoted

REGRESSION_LOSSES = ("mse", "mae", "huber", "log_cosh")
CLASSIFICATION_LOSSES = ("cross_entropy", "focal")
LOSS_SYNTAX = ("mse, mae, huber[:DELTA] or log_cosh (regression), cross_entropy[:SMOOTHING] "
               "or focal[:GAMMA[:ALPHA[:SMOOTHING]]] (classification)")
FOCAL = "categorical_focal_crossentropy"  # the registry's name of the loss focal names
TINY = 2.0 ** -23  # float32's resolution at 1: a smaller scale of the gradient learns nothing
_FLOAT32_INF = (2 - 2.0 ** -24) * 2.0 ** 127  # from here on, float32 rounds to infinity
# name -> its parameters: (what the syntax calls it, the condition on the number, default)
_LOSSES: dict[str, tuple[tuple[str, str, float], ...]] = {
    "mse": (), "mae": (), "log_cosh": (),
    "huber": (("DELTA", "in [1.1920929e-07, 3.4028235e+38]", 1.0),),
    "cross_entropy": (("SMOOTHING", "in [0, 1)", 0.0),),
    "focal": (("GAMMA", "in [0, 23]", 2.0), ("ALPHA", "in [1.1920929e-07, 1]", 1.0),
              ("SMOOTHING", "in [0, 1)", 0.0)),
}
_CONDITIONS = {"in [1.1920929e-07, 3.4028235e+38]": lambda v: TINY <= v < _FLOAT32_INF,
               "in [0, 23]": lambda v: 0 <= v <= 23,
               "in [1.1920929e-07, 1]": lambda v: TINY <= v <= 1,
               "in [0, 1)": lambda v: 0 <= v < 1}
SCHEDULE_SYNTAX = ("constant, cosine[:WARMUP], exponential:RATE, step:EVERY[:FACTOR] or "
                   "plateau[:PATIENCE[:FACTOR]]")
# name -> its parameters: (what the syntax calls it, kind, default; None: required)
_SCHEDULES: dict[str, tuple[tuple[str, str, Any], ...]] = {
    "constant": (),
    "cosine": (("WARMUP", "epochs0", 0),),
    "exponential": (("RATE", "factor", None),),
    "step": (("EVERY", "epochs1", None), ("FACTOR", "factor", 0.1)),
    "plateau": (("PATIENCE", "epochs1", 10), ("FACTOR", "factor", 0.1)),
}
_KINDS = {"epochs0": "an integer >= 0", "epochs1": "an integer >= 1",
          "factor": "a number between 0 and 1 (both excluded)"}


def add_loss_options(group: Any) -> None:
    """``--loss`` and ``--lr-schedule`` (in ``nonlin train``'s training group)."""
    group.add_argument(
        "--loss", type=loss_spec, metavar="NAME",
        help=f"training loss: {LOSS_SYNTAX}; default mse for a regressor, cross_entropy for "
        "a classifier; huber:DELTA in standard deviations of the target (default 1), from "
        "2**-23 (1.1920929e-07) to 3.4028235e+38; cross_entropy:SMOOTHING smooths the "
        "targets by SMOOTHING in [0, 1) (default 0); focal: the categorical focal loss, "
        "GAMMA (default 2) in [0, 23], ALPHA (default 1) from 2**-23 to 1, SMOOTHING as "
        "cross_entropy's (default 0)",
    )
    group.add_argument(
        "--lr-schedule", type=schedule_spec, metavar="NAME",
        help=f"learning-rate schedule from --lr: {SCHEDULE_SYNTAX}; default constant. "
        "cosine decays to 0 over the run after WARMUP epochs of linear warm-up; "
        "exponential multiplies the rate by RATE per epoch, step by FACTOR (0.1) every "
        "EVERY epochs; plateau by FACTOR (0.1) after PATIENCE (10) epochs without a "
        "better validation loss (or --monitor quantity)",
    )


def loss_spec(text: str) -> str:
    """``--loss``: a name the registry resolves to a loss offered here, in its canonical
    spelling (``"Huber:0.50"`` -> ``"huber:0.5"``; ``focal:2:1``, the defaults, ->
    ``"focal"``; ``cross_entropy:0`` -> ``"cross_entropy"``; ``focal:0:1:0.1``, the
    same loss as ``cross_entropy:0.1``, -> ``"cross_entropy:0.1"``)."""
    name, params = parse_loss(text)
    if name == "focal" and params[:2] == [0.0, 1.0] and params[2]:
        name, params = "cross_entropy", params[2:]  # make_loss builds the same loss
    defaults = [default for _, _, default in _LOSSES[name]]
    while params and params[-1] == defaults[len(params) - 1]:
        params.pop()  # a trailing parameter at its default
    return ":".join([name, *map(repr, params)])


def parse_loss(text: str) -> tuple[str, list[float]]:
    """``"focal:3"`` -> ``("focal", [3.0, 1.0])``: the canonical name and every parameter
    (the defaults filled in); an ``ArgumentTypeError`` saying what was expected."""
    name_text, *given = text.strip().split(":")
    name = _loss_name(name_text)
    if name is None:
        raise argparse.ArgumentTypeError(f"expected one of {LOSS_SYNTAX}, received "
                                         f"{quoted(text)}")
    spec = _LOSSES[name]
    if given and not spec:
        raise argparse.ArgumentTypeError(
            f"expected {name} without a parameter (only huber:DELTA, cross_entropy:SMOOTHING "
            f"and focal:GAMMA[:ALPHA[:SMOOTHING]] take them), received {quoted(text)}")
    syntax = (f"{name}:{spec[0][0] if spec else ''}" + "".join(f"[:{p}" for p, _, _ in spec[1:])
              + "]" * max(len(spec) - 1, 0))  # focal:GAMMA[:ALPHA[:SMOOTHING]]
    if len(given) > len(spec):
        raise argparse.ArgumentTypeError(f"expected {syntax}, received {quoted(text)}")
    params = []
    for (label, condition, default), value in zip(spec, [*given, *[None] * len(spec)],
                                                  strict=False):
        number = default if value is None else _number(value)
        if not (math.isfinite(number) and _CONDITIONS[condition](number)):
            raise argparse.ArgumentTypeError(f"expected {syntax} with a number {label} "
                                             f"{condition}, received {quoted(text)}")
        params.append(number + 0.0)  # -0.0 as 0.0: one spelling
    return name, params


def _loss_name(text: str) -> str | None:
    """The canonical name of the offered loss the registry resolves ``text`` to
    (``focal`` standing for ``categorical_focal_crossentropy``), else None."""
    from . import registry

    def resolved(name: str) -> Any:
        return registry.lookup("loss", FOCAL if name.lower() == "focal" else name)

    try:
        cls = resolved(text.strip())
    except ValueError:
        return None
    return {resolved(name): name for name in _LOSSES}.get(cls)


def schedule_spec(text: str) -> str:
    """``--lr-schedule``: ``NAME[:P1[:P2]]`` checked and in its canonical spelling
    (``"Step:10:0.10"`` -> ``"step:10"``)."""
    name, params = parse_schedule(text)
    defaults = [default for _, _, default in _SCHEDULES[name]]
    while params and params[-1] == defaults[len(params) - 1]:
        params.pop()  # a trailing parameter at its default
    return ":".join([name, *(repr(p) if isinstance(p, float) else str(p) for p in params)])


def parse_schedule(text: str) -> tuple[str, list[Any]]:
    """``"step:10"`` -> ``("step", [10, 0.1])``: the name and every parameter (the
    defaults filled in); an ``ArgumentTypeError`` saying what was expected."""
    name, *given = (part.strip() for part in text.strip().split(":"))
    name = name.lower()
    if name not in _SCHEDULES:
        raise argparse.ArgumentTypeError(f"expected one of {SCHEDULE_SYNTAX}, received "
                                         f"{quoted(text)}")
    spec = _SCHEDULES[name]
    required = sum(default is None for _, _, default in spec)
    syntax = (name + "".join(f":{p}" for p, _, _ in spec[:required])
              + "".join(f"[:{p}" for p, _, _ in spec[required:]) + "]" * (len(spec) - required))
    if not required <= len(given) <= len(spec):
        raise argparse.ArgumentTypeError(f"expected {syntax}, received {quoted(text)}")
    params = []
    for (label, kind, default), value in zip(spec, [*given, *[None] * len(spec)], strict=False):
        try:
            params.append(default if value is None else _parameter(value, kind))
        except ValueError:  # more digits than int() reads: argparse said "invalid value"
            raise argparse.ArgumentTypeError(
                f"expected {syntax} with {label} {_KINDS[kind]} of at most {_int_digits()} "
                f"digits (what int() reads), received {label} of {len(value or '')} digits: "
                f"{quoted(text)}") from None
        if params[-1] is None:
            raise argparse.ArgumentTypeError(
                f"expected {syntax} with {label} {_KINDS[kind]}, received {quoted(text)}")
    return name, params


def _parameter(text: str, kind: str) -> int | float | None:
    """``text`` as the ``kind`` of parameter it is, or None when it is not one; the
    ``ValueError`` of ``int()`` for more digits than it reads (``sys.set_int_max_str_digits``)."""
    if kind == "factor":
        value = _number(text)
        return value if 0 < value < 1 else None
    if not text.isdecimal():  # an integer written as one: no sign, no point, no exponent
        return None  # (isdecimal: the digits int() reads; isdigit takes "²" too)
    count = int(text)
    return count if count >= (kind == "epochs1") else None


def _int_digits() -> int:
    """The most digits ``int()`` reads (Python's 4300 unless set otherwise)."""
    return int(getattr(sys, "get_int_max_str_digits", lambda: 4300)())


def _number(text: str) -> float:
    """``text`` as a float; NaN when it is not a number."""
    try:
        return float(text)
    except ValueError:
        return math.nan


def loss_fits(spec: str | None, task: str, multilabel: bool = False) -> str | None:
    """Why the loss ``spec`` (canonical, or None: the default) does not fit ``task`` (a
    ``multilabel`` classifier's: its focal loss, each label's binary one, has ALPHA 1);
    None when it does."""
    if spec is None:
        return None
    valid = CLASSIFICATION_LOSSES if task == "classification" else REGRESSION_LOSSES
    name = spec.partition(":")[0]
    if name in valid:
        return None
    shown = ", ".join(_syntax(n, multilabel) for n in valid)
    if multilabel:
        return (f"--loss {spec} is no loss of a multilabel classifier; expected one of "
                f"{shown} (focal: the binary focal loss of each label, which takes GAMMA "
                "and SMOOTHING; its ALPHA is 1)")
    return (f"--loss {spec} is no loss of a {task} model; expected "
            f"{'one of ' * (len(valid) > 1)}{shown}")


def _syntax(name: str, multilabel: bool) -> str:
    """``focal[:GAMMA[:ALPHA[:SMOOTHING]]]``; a multilabel classifier's ALPHA is 1."""
    labels = [("1" if multilabel and label == "ALPHA" else label)
              for label, _, _ in _LOSSES[name]]
    return name + "".join(f"[:{label}" for label in labels) + "]" * len(labels)
