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
``max_iter`` epochs ran without stopping. This module does not import
scikit-learn: the estimator hands in its warning class and scorer.
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Callable
from typing import Any

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

    def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
        est = self.estimator
        est.n_iter_ += 1
        est.loss_ = float(logs["loss"])
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
            warnings.warn(
                f"Stochastic Optimizer: Maximum iterations ({est.max_iter:d}) reached and the "
                "optimization hasn't converged yet.",
                self.warning,
                stacklevel=2,
            )

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
            sys.stdout.write(line + end)


def rate_rule(est: Any) -> dict[str, Any]:
    """The learning-rate schedule, fixed when the optimizer is made.

    As scikit-learn's optimizers, which keep their own ``lr_schedule``,
    ``learning_rate_init`` and ``power_t``: ``kind`` is ``"constant"``,
    ``"invscaling"`` or ``"adaptive"`` for SGD and ``"adam"`` for Adam.
    Stored on the optimizer (``optimizer.rule``), so a later ``partial_fit``
    keeps it whatever the parameters say by then.
    """
    kind = est.learning_rate if est.solver == "sgd" else "adam"
    return {"kind": kind, "lr_init": float(est.learning_rate_init), "power_t": float(est.power_t)}
