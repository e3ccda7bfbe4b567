"""The estimators' ``callbacks`` are trained as deep copies, kept as ``callbacks_``.

scikit-learn's contract (``check_estimators_overwrite_params``) and nonlin's own rule
are that ``fit`` leaves what the user gave as it was. A callback records state while
it trains (``EarlyStopping.stopped_epoch``, ``model`` bound to the network, a custom
callback's own lists), so a fit trains copies: ``copy.deepcopy`` of each given callback,
in the given order, kept as the fitted attribute ``callbacks_`` (the convention of
scikit-learn's meta-estimators: ``estimator`` stays as given, ``estimator_`` is fitted).

A fit that starts a run (``warm_start=False``, or the first ``fit`` or ``partial_fit``)
makes new copies; a fit that continues one (a warm start, a later ``partial_fit``) trains
the same ``callbacks_`` again, as Keras' ``fit`` does when given the same objects again
(the built-in callbacks reset their counters in ``on_train_begin``) unless
``callbacks`` was set to other objects since. Functions held by a callback (a
``LambdaCallback``'s) are not copied by ``deepcopy``: they run as given. References to
the estimator itself stay references to it. A callback that ``deepcopy`` cannot copy (an
open file, a lock) is refused before anything changes; one whose ``__deepcopy__``
returns itself is trained as given (its owner's choice). This module does not import
scikit-learn. ``check_callbacks`` refuses, before a fit changes anything, the callbacks an
estimator cannot run.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

from ._quoting import quoted
from .callbacks import Callback


def fit_callbacks(est: Any, continuing: bool) -> list[Callback]:
    """The callbacks a fit of ``est`` trains (set as ``est.callbacks_`` by ``adopt``).

    Parameters
    ----------
    est : estimator
        Its ``callbacks`` (list or None, already checked) and, from an earlier fit,
        ``callbacks_`` and the given objects they were copied from.
    continuing : bool
        Whether this fit continues the fitted run (warm start, later ``partial_fit``).

    Returns
    -------
    list of Callback
        ``est.callbacks_`` again when continuing with the same given objects, else new
        deep copies of ``est.callbacks``, in their order.

    Raises
    ------
    TypeError
        Naming the first callback ``copy.deepcopy`` fails on.
    """
    given = list(est.callbacks or [])
    kept = est.__dict__.get("callbacks_")
    source = est.__dict__.get("_callbacks_given")
    if continuing and kept is not None and source is not None and len(source) == len(given) \
            and all(a is b for a, b in zip(source, given, strict=True)):
        return kept
    return [_copied(est, i, callback) for i, callback in enumerate(given)]


def adopt(est: Any, callbacks: list[Callback]) -> None:
    """Keep ``callbacks`` (from ``fit_callbacks``) as ``est.callbacks_``, and the given
    objects they came from (compared, by identity, when a later fit continues)."""
    est.callbacks_ = callbacks
    est._callbacks_given = tuple(est.callbacks or [])


def _copied(est: Any, index: int, callback: Callback) -> Callback:
    memo: dict[int, Any] = {id(est): est}  # a callback watching the estimator keeps it
    try:
        return copy.deepcopy(callback, memo)
    except Exception as exc:
        raise TypeError(
            "Expected callbacks that copy.deepcopy can copy: the estimator trains copies "
            "(kept as callbacks_) and leaves the callbacks you gave as they were. Received "
            f"callbacks[{index}]={quoted(callback, 120)}, which it cannot copy "
            f"({type(exc).__name__}: {exc}). Open files and locks in on_train_begin and "
            "close them in on_train_end, or define __deepcopy__ returning self to have "
            "this callback trained as given") from exc


def validate_params(est: Any, validate: Any, callbacks_alone: bool) -> None:
    """scikit-learn's parameter validation of ``est``: all (``_validate_params``), or, with
    ``callbacks_alone`` (a fitted estimator's ``partial_fit``, which, as scikit-learn's,
    validates no parameters), ``callbacks`` against the estimator's own constraint through
    ``validate`` (scikit-learn's ``validate_parameter_constraints``: ``fit``'s error), so
    that ``partial_fit`` takes and refuses what ``fit`` does (a tuple, say; an iterator is
    refused with ``check_callbacks``' own message, which says why). None and a list, which
    the constraint takes, are not looked up: no calls added to a ``partial_fit`` loop."""
    if not callbacks_alone:
        est._validate_params()
    elif not (est.callbacks is None or isinstance(est.callbacks, list | Iterator)):
        validate({"callbacks": est._parameter_constraints["callbacks"]},
                 {"callbacks": est.callbacks}, caller_name=type(est).__name__)


def check_callbacks(callbacks: Any, est: Any = None, incremental: bool = False) -> None:
    """The estimators' ``callbacks``, refused before anything changes if they are an
    iterator (the checks would use it up: ``fit``'s parameter check refuses it, and a fitted
    estimator's ``partial_fit``, which checks no parameters, trained none of them), or if one
    is no ``Callback``, or a ``ModelCheckpoint`` or ``BackupAndRestore``: a checkpoint records
    the shuffling generator to resume from, and an estimator shuffles with scikit-learn's
    ``RandomState`` stream instead; or a ``TerminateOnNaN``: an estimator's loss trains on
    through non-finite values (``stop_on_nonfinite = False``); or a ``SwapEMAWeights``: an
    estimator's optimizer keeps no moving average of the weights (``use_ema``); or, with
    ``est``'s ``learning_rate`` a schedule, one that sets a float rate (``_check_rates``;
    ``incremental``: a ``partial_fit``, which may continue the fitted optimizer's rate)."""
    if not callbacks:  # None or none (as `callbacks or []` below): no imports per partial_fit
        return
    if isinstance(callbacks, Iterator):  # a partial_fit of a fitted estimator validates none
        raise TypeError(
            f"Expected callbacks as a list (or None), as fit's parameter check asks. Received "
            f"callbacks={quoted(callbacks, 120)}, an iterator: checking it would use it up and "
            "the fit would train none of its callbacks. Give a list, "
            "est.set_params(callbacks=list(...))")
    from ._backup_callback import BackupAndRestore
    from ._callback_list import checked_callbacks
    from ._terminate_on_nan import TerminateOnNaN
    from .checkpoint import ModelCheckpoint
    from .swap_ema_weights import SwapEMAWeights

    for i, callback in enumerate(checked_callbacks(callbacks or [])):
        if isinstance(callback, ModelCheckpoint | BackupAndRestore):
            raise ValueError(
                f"Expected callbacks an estimator can run. Received a {type(callback).__name__} "
                f"(callbacks[{i}]), which writes checkpoints that nonlin.Sequential.fit "
                "resumes. Save the fitted estimator with est.save(path) instead; "
                "warm_start=True or partial_fit continue its training")
        if isinstance(callback, TerminateOnNaN):
            raise ValueError(
                f"Expected callbacks an estimator can run. Received a TerminateOnNaN "
                f"(callbacks[{i}]): an estimator trains on through a NaN or infinite loss to "
                "max_iter, as scikit-learn's MLP, then refuses non-finite weights (a "
                "ValueError); there is nothing to terminate on. Leave it out")
        if isinstance(callback, SwapEMAWeights):
            raise ValueError(
                f"Expected callbacks an estimator can run. Received a SwapEMAWeights "
                f"(callbacks[{i}]): an estimator's optimizer keeps no moving average of the "
                "weights (scikit-learn's MLP has no use_ema). Leave it out, or train a "
                "nonlin.Sequential with an optimizer given use_ema=True")
    _check_rates(callbacks, est, incremental)
    _check_plateau(callbacks, est, incremental)
    _check_settings(callbacks, est)


def _check_rates(callbacks: list, est: Any, incremental: bool) -> None:
    """Refuse a ``ReduceLROnPlateau`` or ``LearningRateScheduler`` beside a schedule the fit
    trains with before anything changes, naming the estimator's parameters: the callback's
    own ``TypeError`` came in the first epoch, naming an optimizer the user never gave, and
    left an unfitted estimator fitted (``n_iter_ == 0``). The schedule is ``learning_rate``,
    or for a ``partial_fit`` that continues the fitted optimizer, that optimizer's rate
    (``_continued_rate``)."""
    from .lr_callbacks import LearningRateScheduler, ReduceLROnPlateau
    from .schedules import Schedule

    if est.solver == "lbfgs":  # L-BFGS runs no callbacks
        return
    kept = _continued_rate(est) if incremental else None
    rate = getattr(est, "learning_rate", None) if kept is None else kept
    if not isinstance(rate, Schedule):
        return
    for i, callback in enumerate(callbacks):
        if isinstance(callback, LearningRateScheduler | ReduceLROnPlateau):
            name = type(callback).__name__
            said = (f"with learning_rate={quoted(rate)}. Leave the {name} out, or give "
                    "learning_rate='constant' and learning_rate_init")
            if kept is not None:
                said = (f"with partial_fit continuing the fitted optimizer, whose rate is the "
                        f"schedule {quoted(kept)}: as scikit-learn's partial_fit, it keeps the "
                        f"optimizer's learning rate (learning_rate={quoted(est.learning_rate)} "
                        f"applies from the next fit). Leave the {name} out, or call fit with "
                        "learning_rate='constant' and learning_rate_init (warm_start=True keeps "
                        "the weights)")
            raise TypeError(
                f"Expected callbacks that leave the learning rate to a schedule that sets it "
                f"at every step. Received a {name} (callbacks[{i}]), which sets a float "
                f"rate between epochs, {said}")


def _check_plateau(callbacks: list, est: Any, incremental: bool) -> None:
    """Refuse a ``ReduceLROnPlateau`` beside SGD's ``invscaling`` rule before anything
    changes: the rule sets each epoch's rate from ``learning_rate_init`` and ``t_``, so the
    callback's reduction was overwritten an epoch later (Keras refuses it beside a schedule
    too). The rule is ``learning_rate``'s, or that of the optimizer a ``partial_fit``
    continues (scikit-learn's ``partial_fit`` keeps its optimizer's rule)."""
    from .lr_callbacks import ReduceLROnPlateau

    rule = getattr(_continued(est), "rule", None) if incremental else None
    if rule is not None:
        kind = rule["kind"]
    else:
        kind = est.learning_rate if est.solver == "sgd" else None
    if not (isinstance(kind, str) and kind == "invscaling"):
        return
    for i, callback in enumerate(callbacks):
        if isinstance(callback, ReduceLROnPlateau):
            continued = (" (the rule of the optimizer partial_fit continues; fit with another "
                         "learning_rate starts a new one)" if rule is not None else "")
            raise TypeError(
                "Expected no ReduceLROnPlateau beside solver='sgd' with "
                f"learning_rate='invscaling'{continued}: the rule sets every epoch's rate to "
                "learning_rate_init / (t_ + 1) ** power_t, overwriting the callback's "
                f"reduction an epoch later. Received a {type(callback).__name__} "
                f"(callbacks[{i}]). Leave it out, or give learning_rate='constant' (the "
                "callback lowers the rate, which starts at learning_rate_init) or "
                "learning_rate='adaptive' (scikit-learn's own plateau rule: the rate divided "
                "by 5 after n_iter_no_change epochs without improvement)")


def _continued_rate(est: Any) -> Any:
    """The rate of the optimizer a ``partial_fit`` of ``est`` continues (a schedule or a
    float), or None when it makes a new one (the first call: ``learning_rate``'s)."""
    inner = getattr(_continued(est), "inner", None)
    return None if inner is None else inner.lr


def _continued(est: Any) -> Any:
    """The fitted optimizer a ``partial_fit`` of ``est`` continues, or None (unfitted)."""
    return est.__dict__.get("_optimizer") if "coefs_" in est.__dict__ else None


def _check_settings(callbacks: list, est: Any) -> None:
    """What each built-in callback refuses at its ``on_train_begin`` (a log file that cannot
    be written, a ``monitor`` of unknown direction), asked before the fit changes anything,
    as ``Sequential.fit`` asks (``check_before_fit``): the error came once the fit had begun,
    and left an unfitted estimator fitted with its initial weights (``n_iter_ == 0``). Not
    with ``solver="lbfgs"``, which runs no callbacks (a warning says so)."""
    from types import SimpleNamespace

    from ._fit_checks import check_before_fit

    if est is None or est.solver == "lbfgs":
        return
    # a float rate: a schedule beside a callback that sets one is refused above
    check_before_fit(callbacks, SimpleNamespace(lr=1e-3), [], None)
