"""nonlin objects as ``nonlin.sklearn``'s ``loss`` and ``learning_rate`` parameters.

* ``MLPRegressor(loss=<Loss>)``: any nonlin regression loss (``Huber(delta=2.0)``,
  ``LogCosh()``, ``MeanSquaredLogarithmicError()``, a user's ``Loss`` subclass) beside
  the strings. It trains as the strings do (``_sklearn_rules.BatchObjective``, objective
  kind ``NONLIN_LOSS``): a batch's value is ``(sum_i w_i l_i + penalty) / s`` with the
  loss's per-sample ``l_i`` (its own ``reduction`` is not used), on an identity output.
  The fit works on a deep copy (``fit_copy``): the given object stays as it was.
  Classification losses and ``Poisson`` (which needs positive rates) are refused.
* ``MLPClassifier(loss=<Loss>)``: a classification loss, ``_sklearn_class_loss``.
* ``learning_rate=<Schedule>`` (``nonlin.schedules``): the rate of each SGD or Adam step,
  evaluated at the optimizer's step count, as nonlin's optimizers evaluate it;
  ``learning_rate_init`` is then not used. A warm start continues the count
  (``continue_count``).

In a file (``_sklearn_io``) a registered loss is ``{"name", "config"}`` (as a model
file's compile record), a schedule of ``nonlin.schedules.SCHEDULES``
``{"class_name", "config"}``; anything else (a user's own class, which could only be
rebuilt by running its code) is left out with a warning, as ``{"left_out": repr}``:
``nonlin.sklearn.load`` gives the parameter ``None`` and a fit asks for it again
(``check_left_out``). This module does not import scikit-learn.
"""

from __future__ import annotations

import copy
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from ._quoting import quoted
from .losses import Loss
from .schedules import Schedule

NONLIN_LOSS = "nonlin_loss"  # the objective kind of a Loss object (``_objective_kind``)
OBJECT_PARAMS = ("loss", "learning_rate")
_TAKES = {"loss": "a nonlin Loss (nonlin.registry.LOSSES)",
          "learning_rate": "a schedule of nonlin.schedules.SCHEDULES"}


def objective_kind(loss: Any) -> str:
    """The regressor's ``_objective_kind`` for its ``loss`` parameter."""
    return NONLIN_LOSS if isinstance(loss, Loss) else loss


def fit_copy(loss: Loss) -> Loss:
    """A deep copy of ``loss`` summing over a batch (``reduction="sum"``), for
    ``BatchObjective``; ``loss`` itself is left as it was. The classifier's cross-entropies
    take its raw outputs: ``from_logits=True`` (``_sklearn_class_loss``)."""
    from ._sklearn_class_loss import TwoClasses
    from .losses import BinaryCrossEntropy, CrossEntropy

    inner = copy.deepcopy(loss)
    inner.reduction = "sum"
    if isinstance(inner, CrossEntropy | BinaryCrossEntropy | TwoClasses):
        inner.from_logits = True
    return inner


def check_loss(loss: Any, classifier: bool = False) -> None:
    """Refuse a ``Loss`` the regressor cannot train with: a classification loss (its
    targets are labels or probabilities, its output a softmax or sigmoid) or ``Poisson``
    (rates > 0: ``loss="poisson"`` gives the ``exp`` output it needs); for the
    ``classifier``, ``_sklearn_class_loss.check_classifier_loss``'s refusals.

    A ``Loss``'s settings are checked first as ``Sequential.fit`` checks them
    (``_loss_checks.check_settings``): one set since its construction
    (``loss.delta = -1.0``) is refused with the constructor's message; not ``reduction``
    and ``from_logits``, which the fit sets on its copy (``fit_copy``).

    Raises
    ------
    ValueError
        Naming ``loss`` and what to use instead.
    """
    from ._loss_checks import check_settings
    from ._sklearn_class_loss import check_classifier_loss
    from .losses import BinaryCrossEntropy, CrossEntropy
    from .losses_margin import _MarginLoss
    from .losses_more import KLDivergence, Poisson

    if isinstance(loss, Loss):
        check_settings(loss, unused=("reduction", "from_logits"))
    if classifier:
        return check_classifier_loss(loss)
    if isinstance(loss, Poisson):
        why = "it takes rates > 0, and the regressor's output is linear; use loss='poisson'"
    elif isinstance(loss, CrossEntropy | BinaryCrossEntropy | _MarginLoss | KLDivergence):
        why = "it is a classification loss; use nonlin.sklearn.MLPClassifier"
    else:
        return
    raise ValueError(
        f"Expected a regression loss for MLPRegressor: a str among 'squared_error', "
        f"'absolute_error', 'huber', 'poisson', or a nonlin Loss for real-valued targets "
        f"(Huber, LogCosh, MeanSquaredLogarithmicError, ... or your own subclass). Received "
        f"loss={quoted(loss, 80)}: {why}.")


def regressor_kind(loss: Any, y: np.ndarray) -> str:
    """The regressor's ``_objective_kind`` (``objective_kind``) once its targets ``y``
    (n_samples,) or (n_samples, n_outputs) are checked for its ``loss``: >= 0 for
    ``"poisson"``, a ``Loss``'s own checks (``check_regression_targets``)."""
    if loss == "poisson" and np.any(y < 0):
        raise ValueError("Expected non-negative targets y for loss='poisson'.")
    if isinstance(loss, Loss):  # MeanSquaredLogarithmicError's y >= 0 and warning
        check_regression_targets(loss, y.reshape(len(y), -1))
    return objective_kind(loss)


def check_regression_targets(loss: Loss, y: Any) -> None:
    """A regressor's fit with a ``Loss``: its targets ``y`` (n_samples, n_outputs) checked
    (``MeanSquaredLogarithmicError``'s >= 0), then ``Sequential.fit``'s warning of a
    ``MeanSquaredLogarithmicError`` on an unbounded output (``losses_more``)."""
    from ._stacklevel import user_stacklevel
    from .losses_extra import check_fit_targets
    from .losses_more import warn_linear_output

    check_fit_targets(loss, y, "y")
    warn_linear_output(loss, user_stacklevel())


def continue_count(inner: Any, previous: Any) -> None:
    """A warm-start fit's new optimizer ``inner`` continues the schedule's step count
    from ``previous`` (the fitted run's ``PenalizedOptimizer``, or None), as ``t_``
    continues ``invscaling``'s; its slots (Adam's moments and bias correction) start
    afresh, as scikit-learn's new optimizer's do."""
    steps = int(getattr(previous, "iterations", 0) or 0)
    inner.iterations = inner._slots_since = steps


class NestedParams:
    """``set_params`` (scikit-learn's) refusing a nested name on a parameter that is no
    estimator: ``loss__delta=2.0`` with ``loss=Huber()``, ``learning_rate__rate=...``."""

    get_params: Callable[..., dict[str, Any]]  # scikit-learn's BaseEstimator's

    def set_params(self, **params: Any) -> Any:
        """scikit-learn's ``set_params``, after the check of nested names (``ValueError``):
        scikit-learn's would fail on ``set_params`` missing, after setting the names before.
        A nonlin object (a ``Loss``, a ``Schedule``) has none: scikit-learn's nested names
        change an estimator in place, and an object a user gave is never changed. A
        parameter set in the same call (a search's ``{"loss": [Huber()], "loss__delta":
        [1.0, 2.0]}``) is named with the value it is being set to, not its value before."""
        own = self.get_params(deep=False)
        own.update((key, value) for key, value in params.items() if key in own)  # as set
        for key, value in params.items():
            name, nested, _ = key.partition("__")
            if nested and name in own and not hasattr(own[name], "set_params"):
                raise ValueError(
                    f"Expected a parameter of {type(self).__name__} or of an estimator it "
                    f"holds. Received {key}={quoted(value, 80)}, and {name}="
                    f"{quoted(own[name], 80)} is no estimator: it has no parameters to set. "
                    f"Set {name} whole, est.set_params({name}=...), or search over "
                    f"{{'{name}': [...]}}.")
        return super().set_params(**params)  # type: ignore[misc]


# -- files -------------------------------------------------------------------------
def encode(name: str, value: Any, left_out: dict[str, str]) -> Any:
    """The JSON of ``loss`` or ``learning_rate`` when it is an object (strings as they are);
    one nonlin's registries do not rebuild is ``{"left_out": repr}``, named in ``left_out``.
    ``None`` where a loaded estimator's was left out stays left out."""
    from ._compile_entries import _loss_entry, _rebuilt
    from ._rebuilt_settings import lost_schedule_setting
    from .schedules import SCHEDULES, schedule_from_config

    if value is None:
        return {"left_out": left_out[name]} if name in left_out else None
    if name == "loss" and isinstance(value, Loss):
        entry = _loss_entry(value)
    elif name == "learning_rate" and isinstance(value, Schedule):
        cls = type(value).__name__
        entry = {"class_name": cls, "config": value.get_config()}
        rebuilt = None if SCHEDULES.get(cls) is not type(value) else _rebuilt(
            lambda **config: schedule_from_config({"class_name": cls, "config": config}),
            entry["config"])
        if rebuilt is None or lost_schedule_setting(value, rebuilt) is not None:
            entry = None  # a setting its get_config leaves out would load otherwise
    else:
        return value
    if entry is None:
        left_out[name] = quoted(value, 200)
        return {"left_out": left_out[name]}
    return entry


def decode(name: str, value: dict[str, Any], classifier: bool = False) -> Any:
    """``encode``'s object back (through nonlin's allowlists; a ``left_out`` entry gives
    ``None``), a ``loss`` the estimator (the ``classifier`` or the regressor) trains with.
    Raises ``ValueError`` (or ``TypeError``) for anything else."""
    from . import registry
    from .schedules import schedule_from_config

    if set(value) == {"left_out"} and isinstance(value["left_out"], str):
        return None
    if name == "loss" and set(value) == {"name", "config"} and isinstance(value["config"], dict):
        cls = registry.LOSSES.get(value["name"]) if isinstance(value["name"], str) else None
        if cls is None:
            raise ValueError(f"a loss of nonlin.registry.LOSSES. Received {quoted(value, 80)}")
        loss = cls(**value["config"])
        try:
            check_loss(loss, classifier)
        except ValueError:
            raise ValueError("a classification loss, which MLPClassifier trains with" if
                             classifier else "a regression loss, which MLPRegressor trains "
                             "with (not a classification loss, nor Poisson)") from None
        return loss
    if name == "learning_rate" and set(value) == {"class_name", "config"} and isinstance(
            value["config"], dict):
        return schedule_from_config(value)
    raise ValueError(f"{_TAKES.get(name, 'a value')} as {{'name' or 'class_name', 'config'}}, "
                     "or {'left_out': text}")


def saveable_rate(lr: Any) -> bool:
    """Whether an optimizer's ``lr`` (a float or a schedule) rebuilds from a file."""
    return not isinstance(lr, Schedule) or "class_name" in encode("learning_rate", lr, {})


def warn_left_out(left_out: dict[str, str], optimizer: bool, stacklevel: int) -> None:
    """One ``UserWarning`` for what ``save`` left out: the parameters in ``left_out`` and
    (``optimizer``) the optimizer's state, whose schedule no file rebuilds."""
    parts = [f"{name}={text}" for name, text in left_out.items()]
    if optimizer:
        parts.append("the optimizer's state (partial_fit after loading starts a new optimizer)")
    if not parts:
        return
    named = " and ".join([", ".join(parts[:-1]), parts[-1]] if len(parts) > 1 else parts)
    again = "" if not left_out else (
        f" nonlin.sklearn.load gives {' and '.join(left_out)}=None (predict works); set "
        f"{'it' if len(left_out) == 1 else 'them'} again before fitting: est.set_params("
        + ", ".join(f"{name}=..." for name in left_out) + ").")
    warnings.warn(
        f"The file leaves out {named}: only nonlin's registered losses and "
        "learning-rate schedules (nonlin.registry.LOSSES, nonlin.schedules.SCHEDULES) can "
        f"be rebuilt from a file without running code.{again}", UserWarning,
        stacklevel=stacklevel + 1)


def check_left_out(est: Any) -> None:
    """Before a fit of a loaded estimator: a parameter its file left out (``None``) must
    be set again; ``ValueError`` naming the one the file had."""
    left_out = est.__dict__.get("_left_out") or {}
    for name in OBJECT_PARAMS:
        if name in left_out and getattr(est, name, "") is None:
            raise ValueError(
                f"Expected {name} to train with. Received {name}=None: the file this estimator "
                f"was loaded from left out {name}={left_out[name]} (a class outside nonlin's "
                "registries is not rebuilt without running its code). Set it again: "
                f"est.set_params({name}=...).")
