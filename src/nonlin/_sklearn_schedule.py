"""scikit-learn's per-epoch MLP rules as a callback of nonlin's fit loop.

After each epoch, in scikit-learn's order (and with its ``verbose`` lines):
record ``loss_`` (the epoch's ``loss`` from nonlin's loop: the batch
objectives averaged by batch size),
``t_ += n_samples``, append to ``loss_curve_``; update the no-improvement
count (training loss must fall by ``tol``, or with early stopping the
validation score must rise by ``tol``);
apply the ``invscaling`` rate ``lr_init / (t_ + 1) ** power_t``; after more
than ``n_iter_no_change`` epochs without improvement either divide an
``adaptive`` SGD rate by 5 (until it is <= 1e-6) or stop; warn when
``max_iter`` epochs ran without stopping (once the fit has ended: ``warn_unconverged``,
called by ``_sklearn_epochs.run``). Before a fit, ``check_continuable``
refuses what its epochs could not run, and ``loss_type`` gives ``loss_``
scikit-learn's float type. This module does not import scikit-learn: the
estimator hands in its warning class and scorer.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import numpy as np

from ._sklearn_warn import warn_as_sklearn
from .callbacks import Callback
from .optimizers import Optimizer


class SklearnSchedule(Callback):
    """Keeps an estimator's fitted attributes and stopping rule in step with training.

    Parameters
    ----------
    estimator : object
        Holds ``n_iter_``, ``t_``, ``loss_``, ``loss_curve_``, ``best_loss_``,
        ``validation_scores_``, ``best_validation_score_`` and
        ``_no_improvement_count`` (updated in place) and the hyperparameters
        ``tol``, ``n_iter_no_change``, ``max_iter`` (read each epoch).
    optimizer : Optimizer
        Whose ``lr`` the schedules change; its ``rule`` (see ``rate_rule``,
        made with it) is the schedule, else the estimator's parameters now.
    n_samples : int
        Training rows per epoch (``t_`` counts samples).
    scorer : callable or None
        ``scorer() -> float`` on the validation set, for early stopping.
    params : list of Param
        Whose values are copied to ``estimator._best_params`` when the
        validation score improves (None there: the live weights are the best).
    incremental : bool
        ``partial_fit``: one epoch, no convergence warning.
    warning : Warning subclass
        scikit-learn's ``ConvergenceWarning``.
    """

    @staticmethod
    def val_hint(monitor: str) -> str:
        """What a callback's warning adds for a ``val_`` ``monitor`` the logs lack
        (``nonlin._monitor``): an estimator has no ``validation_split``; it validates
        with ``early_stopping=True`` alone, logging ``val_score``."""
        return (". This estimator's fit has no validation data: early_stopping=True holds out "
                "validation_fraction of the rows and logs val_score, the epoch's validation "
                "score (validation_scores_); set it and monitor='val_score', or monitor='loss'")

    def __init__(
        self,
        estimator: Any,
        optimizer: Optimizer,
        n_samples: int,
        *,
        scorer: Callable[[], float] | None,
        params: list,
        incremental: bool,
        warning: type[Warning],
    ) -> None:
        self.estimator, self.optimizer = estimator, optimizer
        self.rule = getattr(optimizer, "rule", None) or rate_rule(estimator)
        self.n_samples, self.scorer = n_samples, scorer
        self.weights = params  # not self.params: fit sets that (Keras' Callback.params)
        self.incremental, self.warning = incremental, warning
        # verbose=2: the lines wait until the epoch's progress bar has closed: data, not
        # functions, so that pickling the estimator mid-fit (a callback's snapshot) works
        # as with verbose=1
        self.pending: list[str] | None = [] if estimator.verbose == 2 else None
        self.unconverged: str | None = None  # the ConvergenceWarning, raised after the fit

    def after_bar(self) -> list[Callback]:
        """The callback to put first in the fit's list with ``verbose=2``: it shows the
        lines of the epoch before at the next epoch's start and at the end of training, so
        they do not run into the progress bar, still open at this one's ``on_epoch_end``
        (nonlin's bar comes last, as Keras'). Empty otherwise."""
        return [] if self.pending is None else [_ShowPending(self)]

    def show_pending(self) -> None:
        """Show the lines still held (``verbose=2``): a fit that a Ctrl-C or an
        error cut short comes to no ``on_train_end`` to show them (``_ShowPending``)."""
        if self.pending:
            shows, self.pending[:] = list(self.pending), []  # emptied first: each shown once
            sys.stdout.write("".join(shows))

    def warn_unconverged(self) -> None:
        """The ``ConvergenceWarning`` of a fit that ran ``max_iter`` epochs, once the fit has
        ended (``_sklearn_epochs.run``), as scikit-learn's after its last iteration."""
        if self.unconverged is not None:
            # at the user's fit, however deep fit calls
            warn_as_sklearn(self.unconverged, self.warning)

    def _show(self, text: str) -> None:
        if self.pending is None:
            sys.stdout.write(text)
        else:
            self.pending.append(text)

    def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
        est = self.estimator
        est.n_iter_ += 1
        est.loss_ = est._loss_type(logs["loss"])  # loss_type's
        est.t_ += self.n_samples
        est.loss_curve_.append(est.loss_)
        self._say(f"Iteration {est.n_iter_}, loss = {est.loss_:.8f}")
        self._update_no_improvement(est)
        if self.scorer is not None:  # for the callbacks after this one: EarlyStopping, say
            logs["val_score"] = est.validation_scores_[-1]
        if self.rule["kind"] == "invscaling":
            self.optimizer.lr = float(self.rule["lr_init"]) / (est.t_ + 1) ** self.rule["power_t"]
        stop = False
        if est._no_improvement_count > est.n_iter_no_change:
            what = "Validation score" if self.scorer is not None else "Training loss"
            self._say(
                f"{what} did not improve more than tol={est.tol:f} for "
                f"{est.n_iter_no_change} consecutive epochs.", end=" "
            )
            stop = not self._lower_rate(est)
            if not stop:
                est._no_improvement_count = 0
        if stop or self.incremental:
            self.model.stop_training = True
        elif est.n_iter_ == est.max_iter:
            self.unconverged = (f"Stochastic Optimizer: Maximum iterations ({est.max_iter:d}) "
                                "reached and the optimization hasn't converged yet.")

    # -- the rules ----------------------------------------------------------
    def _update_no_improvement(self, est: Any) -> None:
        if self.scorer is None:
            if est.loss_curve_[-1] > est.best_loss_ - est.tol:
                est._no_improvement_count += 1
            else:
                est._no_improvement_count = 0
            est.best_loss_ = min(est.best_loss_, est.loss_curve_[-1])
            return
        score = self.scorer()
        est.validation_scores_.append(score)
        self._say(f"Validation score: {score:f}")
        if score < est.best_validation_score_ + est.tol:
            est._no_improvement_count += 1
        else:
            est._no_improvement_count = 0
        if score > est.best_validation_score_:
            est.best_validation_score_ = score
            est._best_params = [p.value.copy() for p in self.weights]

    def _lower_rate(self, est: Any) -> bool:
        """scikit-learn's ``adaptive`` rule: divide the rate by 5; False means stop."""
        if self.rule["kind"] != "adaptive":
            self._say("Stopping.")
            return False
        if self.optimizer.lr <= 1e-6:
            self._say("Learning rate too small. Stopping.")
            return False
        self.optimizer.lr = self.optimizer.lr / 5.0
        self._say(f"Setting learning rate to {self.optimizer.lr:f}")
        return True

    def _say(self, line: str, end: str = "\n") -> None:
        """scikit-learn's verbose lines, on standard output, when ``verbose`` is set."""
        if self.estimator.verbose:
            self._show(line + end)


class _ShowPending(Callback):
    """Shows an ``SklearnSchedule``'s pending lines (``after_bar``)."""

    def __init__(self, schedule: SklearnSchedule) -> None:
        self.schedule = schedule

    def on_epoch_begin(self, epoch: int, logs: Any = None) -> None:
        self.schedule.show_pending()

    def on_train_end(self, logs: Any = None) -> None:
        self.schedule.show_pending()


def start_state(est: Any) -> None:
    """A new SGD or Adam fit's per-epoch state, as scikit-learn's ``_initialize`` sets it."""
    est.loss_curve_, est._no_improvement_count = [], 0
    if est.early_stopping:
        est.validation_scores_, est.best_validation_score_, est.best_loss_ = [], -np.inf, None
    else:
        est.best_loss_, est.validation_scores_, est.best_validation_score_ = np.inf, None, None


def check_continuable(est: Any, incremental: bool, early_stopping: bool) -> None:
    """Refuse, before anything changes, a ``partial_fit`` or warm-start fit whose epochs
    could not update the fitted state (scikit-learn raises the same exception class, but
    after its first epoch has changed the weights, ``n_iter_`` and ``t_``).

    No ``loss_curve_``: only ``solver='lbfgs'`` fitted the estimator, and L-BFGS keeps no
    loss curve (after an SGD or Adam fit it leaves that fit's state, which continues).
    ``early_stopping`` switched since: on, there are no validation scores to add to;
    off, there is no ``best_loss_`` (the fit tracked the validation score instead).
    """
    action = "partial_fit" if incremental else "a warm-start fit"
    if "loss_curve_" not in est.__dict__:
        raise AttributeError(
            f"'{type(est).__name__}' object has no attribute 'loss_curve_': it was fitted "
            f"with solver='lbfgs' alone, which keeps no loss curve for {action} with "
            f"solver={est.solver!r} to continue. Fit it with warm_start=False first.")
    fitted_with = ("early_stopping=False (validation_scores_ is None)" if early_stopping
                   and est.__dict__.get("validation_scores_") is None else None)
    if fitted_with is None and not early_stopping and est.__dict__.get("best_loss_") is None:
        fitted_with = "early_stopping=True (best_loss_ is None)"
    if fitted_with is not None:
        error = AttributeError if early_stopping else TypeError
        raise error(
            f"Expected the early_stopping the estimator was fitted with: {action} with "
            f"early_stopping={early_stopping} cannot continue a fit made with {fitted_with}. "
            "Set it back, or fit with warm_start=False.")


TOO_SMALL = ("The validation set is too small. Increase 'validation_fraction' or the size of "
             "your dataset.")  # scikit-learn's words


def check_split(est: Any, Y: np.ndarray, incremental: bool) -> None:
    """Early stopping's refusals, before a fit changes anything (they came once a new
    network was drawn, as scikit-learn's do: a refit's lost, an unfitted estimator fitted,
    a first ``partial_fit``'s ``classes`` kept): with ``partial_fit``, and a split that
    ``train_test_split`` refuses (a binary class of one row) or that leaves under 2 rows for
    validation. Probed on row numbers with a stream of its own: the fit's draws are the same."""
    if incremental:
        raise ValueError("partial_fit does not support early_stopping=True")
    rows = np.arange(len(Y))
    if len(est._split(rows, Y, rows, 0)[-1]) < 2:
        raise ValueError(TOO_SMALL)


def loss_type(est: Any, X: np.ndarray, Y: np.ndarray, sample_weight: Any,
              network: Any = None) -> type:
    """The NumPy float type of scikit-learn's ``loss_``, ``loss_curve_`` and ``best_loss_``
    for a fit on validated ``X``, targets ``Y`` (the regressor's, in ``y``'s own dtype),
    ``sample_weight`` and, for a warm start or ``partial_fit``, the fitted weights' dtype
    ``network``: its log losses take integer label indicators (float64); its regression
    losses compute in the promotion of these dtypes (float32 data on a new network or a
    float32 one: float32; on float64 weights, which ``X @ W`` promotes: float64). The
    classifier's are float64 with any ``loss``, as its log loss's."""
    if est._objective_kind in ("log_loss", "binary_log_loss") or "_label_binarizer" in vars(est):
        return np.float64
    dtypes = [d for d in (network, getattr(sample_weight, "dtype", None)) if d is not None]
    return np.result_type(X.dtype, Y.dtype, *dtypes).type


def rate_rule(est: Any) -> dict[str, Any]:
    """The learning-rate schedule, fixed when the optimizer is made.

    As scikit-learn's optimizers, which keep their own ``lr_schedule``,
    ``learning_rate_init`` and ``power_t``: ``kind`` is ``"constant"``,
    ``"invscaling"`` or ``"adaptive"`` for SGD and ``"adam"`` for Adam, or
    ``"schedule"`` for a ``learning_rate`` schedule (the optimizer's ``lr``: no
    per-epoch change). Stored on the optimizer (``optimizer.rule``), so a later
    ``partial_fit`` keeps it whatever the parameters say by then.
    """
    from .schedules import Schedule

    kind = est.learning_rate if est.solver == "sgd" else "adam"
    if isinstance(est.learning_rate, Schedule):
        kind = "schedule"
    return {"kind": kind, "lr_init": float(est.learning_rate_init), "power_t": float(est.power_t)}
