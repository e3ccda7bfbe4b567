"""scikit-learn's L-BFGS solver for ``nonlin.sklearn``: SciPy's L-BFGS-B on the full batch.

The parameters are packed as scikit-learn packs them (weights, then biases);
the objective is scikit-learn's, computed as it computes it
(``_sklearn_lbfgs_objective``), or for nonlin's extras ``_sklearn_rules.BatchObjective``
plus the L2 gradient. This module does not import scikit-learn: the estimator
hands in its warning class.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from ._quoting import quoted
from ._sklearn_engine import batch_objective, flat_params, to_float64
from ._sklearn_lbfgs_objective import SklearnObjective, supported, unpack
from ._sklearn_sparse import in_front
from ._sklearn_warn import warn_as_sklearn
from ._stacklevel import user_stacklevel
from .core import Param, Sequential
from .normalization import BatchNorm
from .schedules import Schedule


def check_extras(est: Any) -> None:
    """nonlin's extras that L-BFGS cannot serve, checked before a fit changes anything.

    ``dropout > 0`` raises: each evaluation of the objective would draw a new
    mask, and L-BFGS's line search, comparing values and gradients of what it
    takes for one function, stops early and reports convergence. ``callbacks``
    warn (a ``UserWarning``, so that a search over solvers still runs): L-BFGS
    has no epochs, so none of their hooks is called; so does a ``learning_rate``
    schedule, which L-BFGS does not use.
    """
    if est.dropout:
        raise ValueError(
            f"Expected dropout=0 with solver='lbfgs'. Received dropout={quoted(est.dropout, 40)}: "
            "each evaluation of the L-BFGS objective would draw a new dropout mask, which "
            "breaks its line search (it stops early and reports convergence). Use "
            "solver='adam' or 'sgd' with dropout."
        )
    if isinstance(est.learning_rate, Schedule):
        warnings.warn(
            f"learning_rate={quoted(est.learning_rate, 200)} is not used with solver='lbfgs': "
            "L-BFGS takes no learning rate (its line search sets each step), as scikit-learn's "
            "ignores learning_rate. Use solver='adam' or 'sgd' to train with the schedule.",
            UserWarning, stacklevel=user_stacklevel())
    if est.callbacks:
        warnings.warn(
            f"callbacks={quoted(est.callbacks, 200)} do not run with solver='lbfgs': L-BFGS has no "
            "epochs (SciPy's minimizer runs the whole fit), so none of their hooks is "
            "called. Use solver='adam' or 'sgd' to run them.", UserWarning,
            stacklevel=user_stacklevel(),
        )


def fit_lbfgs(
    est: Any, X: np.ndarray, Y: np.ndarray, sample_weight: np.ndarray | None,
    *, warning: type[Warning],
) -> None:
    """Full-batch L-BFGS-B (SciPy) on scikit-learn's objective, as scikit-learn runs it.

    On float32 data scikit-learn's SciPy call evaluates the objective at
    float32-rounded points (here the float32 network rounds them) and returns
    float64 parameters, which become ``coefs_``: the network then moves to
    float64, unless the ``dtype`` parameter fixes it.

    As scikit-learn's ``_unpack``, the fit gives the parameters new arrays, put into the
    lists ``coefs_`` and ``intercepts_`` were before it: the arrays a warm start began from,
    which a user may hold, stay as they were; a list held holds the fitted arrays.
    """
    import scipy.optimize

    held = est.coefs_, est.intercepts_  # (bind made them lists of the network's arrays)
    for p in _packing_order(est):  # new arrays, for the objective to write (SGD and Adam
        p.value = p.value.copy()  # step the fitted ones in place, as scikit-learn's do)
    est.coefs_ = [p.value for p in est._coef_params]
    est.intercepts_ = [p.value for p in est._intercept_params]
    theta0 = np.concatenate([p.value.ravel() for p in _packing_order(est)]).astype(np.float64)
    with in_front(est.model_, X) as rows:  # a sparse X: its row numbers (_sklearn_sparse)
        result = scipy.optimize.minimize(
            lbfgs_objective(est, rows, Y, sample_weight), theta0, method="L-BFGS-B",
            jac=True, options={"maxfun": est.max_fun, "maxiter": est.max_iter, "gtol": est.tol},
        )
    est.n_iter_ = min(result.nit, est.max_iter)
    if result.status != 0:
        text = _lbfgs_warning(result, est.n_iter_, est.max_iter,
                              getattr(est, "_sklearn_before_1_7", False))
        warn_as_sklearn(text, warning)  # at the user's fit, as sklearn's module
    est.loss_ = est._loss_type(result.fun)  # _sklearn_schedule.loss_type's
    if est.dtype is None:
        to_float64(est)
    unpack(_packing_order(est), result.x)
    flat_params(est)  # packed (new arrays), for a stochastic fit after to train in place
    _refill(est, held)
    _final_statistics(est.model_, X)


def _refill(est: Any, held: tuple[Any, Any]) -> None:
    """The fitted arrays back in the lists ``held`` (``coefs_``, ``intercepts_`` before the
    fit; a tuple a user set is left as it was): scikit-learn's ``_unpack`` assigns items."""
    for attr, kept in zip(("coefs_", "intercepts_"), held, strict=True):
        if isinstance(kept, list):
            kept[:] = getattr(est, attr)
            setattr(est, attr, kept)


def lbfgs_objective(
    est: Any, X: np.ndarray, Y: np.ndarray, sample_weight: np.ndarray | None,
) -> Callable[[np.ndarray], tuple[float, np.ndarray]]:
    """``theta -> (value, gradient)``, ``theta`` packed in ``_packing_order``.

    scikit-learn's own arithmetic (``SklearnObjective``) where it has the network
    and the loss; with nonlin's extras (``batch_norm``, ``absolute_error``,
    ``huber``) ``BatchObjective``'s, as SGD and Adam train with it.
    """
    params = _packing_order(est)
    if supported(est):
        return SklearnObjective(est, X, Y, sample_weight, params)
    objective = batch_objective(est)

    def loss_and_grad(theta: np.ndarray) -> tuple[float, np.ndarray]:
        unpack(params, theta)
        z = est.model_.forward(X, training=True)
        value = objective._value(Y, z, sample_weight)
        est.model_.backward(objective._grad(Y, z, sample_weight))
        scale = objective.alpha / objective.weight_sum
        for p in est._coef_params:
            p.grad += scale * p.value
        return value, np.concatenate([p.grad.ravel() for p in params]).astype(np.float64)

    return loss_and_grad


def _final_statistics(model: Sequential, X: np.ndarray) -> None:
    """Set each ``BatchNorm``'s running statistics to those of the whole training batch
    at the final weights: what the objective normalized with, and what ``predict`` then
    applies. (Every evaluation of the objective, line-search trials included, moved
    them by ``1 - momentum`` towards that trial's statistics.)"""
    norms = [layer for layer in model.layers  # not one frozen by hand: it kept its own
             if isinstance(layer, BatchNorm) and not getattr(layer, "_frozen", False)]
    momenta = [layer.momentum for layer in norms]
    if not norms:
        return
    try:
        for layer in norms:  # moving <- 0 * 0 + 1 * batch: the batch's values, exactly
            layer.momentum = 0.0
            layer.moving_mean.fill(0.0)
            layer.moving_variance.fill(0.0)
        with in_front(model, X) as rows:  # a sparse X (cast): its row numbers
            model.forward(rows.astype(model.dtype, copy=False), training=True)
    finally:
        for layer, momentum in zip(norms, momenta, strict=True):
            layer.momentum = momentum


def _lbfgs_warning(result: Any, n_iter: int, max_iter: int, before_1_7: bool = False) -> str:
    """scikit-learn's text (``_check_optimize_result``) for an L-BFGS run that stopped early
    (``before_1_7``: scikit-learn 1.6's wording)."""
    if before_1_7:
        return (f"lbfgs failed to converge (status={result.status}):\n{result.message}.\n\n"
                "Increase the number of iterations (max_iter) or scale the data as shown in:\n"
                "    https://scikit-learn.org/stable/modules/preprocessing.html")
    text = f"lbfgs failed to converge after {n_iter} iteration(s) (status={result.status}):\n"
    text += f"{result.message}\n"
    if n_iter == max_iter:  # the iteration limit, rather than max_fun or a line search
        text += (f"\nIncrease the number of iterations to improve the convergence "
                 f"(max_iter={max_iter}).")
    return text + ("\nYou might also want to scale the data as shown in:\n"
                   "    https://scikit-learn.org/stable/modules/preprocessing.html")


def _packing_order(est: Any) -> list[Param]:
    """Weights, then biases, then any other parameter (scikit-learn's ``_pack`` order)."""
    params = est._coef_params + est._intercept_params
    return params + [p for p in est.model_.parameters() if all(p is not q for q in params)]
