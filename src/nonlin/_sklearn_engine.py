"""The network behind ``nonlin.sklearn``'s estimators: build it, train it, run it.

The estimator's ``coefs_`` / ``intercepts_`` *are* the ``Dense`` parameters'
arrays, so training updates them in place and ``predict`` reads them. When a
user assigns new arrays (``est.coefs_ = [...]``), ``bind`` copies them into the
network before the next use. This module does not import scikit-learn; the
estimator passes in what it needs from it (warning class, scorer).
"""

from __future__ import annotations

from typing import Any, cast

import numpy as np

from . import _sklearn_structure, initializers, registry
from ._sklearn_class_loss import training_loss
from ._sklearn_epochs import run
from ._sklearn_extras import NONLIN_LOSS, continue_count
from ._sklearn_flat import FlatParams
from ._sklearn_random import ShuffleStream, random_state  # defined here before: old names
from ._sklearn_rules import BatchObjective, PenalizedOptimizer
from ._sklearn_schedule import SklearnSchedule, check_continuable, rate_rule, start_state
from ._sklearn_setup import sklearn_init, sklearn_sgd
from ._sklearn_twins import _TWINS, forward, widened  # noqa: F401 (_TWINS, forward: engine's)
from ._sklearn_warn import warn_as_sklearn
from .activations import sigmoid_into
from .core import Param, Sequential
from .layers import Dense, Dropout
from .normalization import BatchNorm
from .optimizers import Adam
from .schedules import Schedule


def initialize(est: Any, layer_units: list[int], dtype: np.dtype) -> None:
    """First fit: scikit-learn's initial weights, the network, and the fitted attributes.

    As scikit-learn's ``_initialize``, L-BFGS (which keeps no loss curve) leaves an
    earlier SGD or Adam fit's ``loss_curve_``, ``best_loss_``, validation scores and
    optimizer as they are: a later ``partial_fit`` or warm start continues them. The
    optimizer is dropped when the new network's parameters have other shapes (its
    moments fit none of them; scikit-learn's then fails in NumPy at the first step).
    """
    shapes = _shapes(est.model_) if "model_" in est.__dict__ else None
    est.n_iter_, est.t_ = 0, 0
    est.n_layers_ = len(layer_units)
    est.out_activation_ = est._out_activation()
    coefs, intercepts = sklearn_init(est._random_state, layer_units, est.activation, dtype)
    build_network(est, layer_units, coefs, intercepts)
    est._best_params = [p.value.copy() for p in est.model_.parameters()]
    if est.solver == "lbfgs":
        if shapes != _shapes(est.model_):
            est._optimizer = None
        return
    est._optimizer = None
    start_state(est)


def _shapes(model: Sequential) -> list[tuple[int, ...]]:
    return [p.value.shape for p in model.parameters()]


def build_network(est: Any, layer_units: list[int], coefs: list, intercepts: list) -> None:
    """Create ``est.model_`` from ``layer_units`` with the given initial weights.

    Layers: ``Dense -> [BatchNorm] -> activation -> [Dropout]`` per hidden layer,
    then a final ``Dense`` whose raw outputs ``z`` feed the fused loss.
    """
    _sklearn_structure.record(est)
    layers: list = []
    for units in layer_units[1:-1]:
        layers.append(Dense(units, init="zeros"))
        if est.batch_norm:
            layers.append(BatchNorm())
        layers.append(registry.activation(est.activation))
        if est.dropout:
            layers.append(Dropout(est.dropout))
    layers.append(Dense(layer_units[-1], init="zeros"))
    dtype = coefs[0].dtype
    seed = int(est._random_state.randint(2**31 - 1)) if est.dropout else 0
    model = Sequential(layers).build(layer_units[0], seed, dtype=dtype)
    dense = [layer for layer in model.layers if isinstance(layer, Dense)]
    params = [layer.W for layer in dense] + cast(list[Param], [layer.b for layer in dense])
    for param, value in zip(params, coefs + intercepts, strict=True):
        param.value = value
    for layer in dense:  # built from zeros (no draw); named for what the weights came from
        layer.init = initializers.glorot_uniform  # scikit-learn's bound (logistic: 1/sqrt(3) of it)
    adopt(est, model)


def adopt(est: Any, model: Sequential) -> None:
    """Make ``model`` the estimator's network: ``coefs_`` / ``intercepts_`` are its arrays."""
    dense = [layer for layer in model.layers if isinstance(layer, Dense)]
    est._coef_params = [layer.W for layer in dense]
    est._intercept_params = [layer.b for layer in dense]
    est.model_ = model
    est.coefs_ = [p.value for p in est._coef_params]
    est.intercepts_ = [p.value for p in est._intercept_params]
    est._flat = None  # re-homed into one buffer by the first stochastic fit


def to_float64(est: Any) -> None:
    """Move a float32 network to float64 (scikit-learn's L-BFGS leaves float64 ``coefs_``)."""
    if est.model_.dtype != np.float64:
        bind(est)
        adopt(est, widened(est.model_, np.float64))


def bind(est: Any) -> None:
    """Copy user-assigned ``coefs_`` / ``intercepts_`` into the network (if any changed).

    A list still holding some of the network's arrays is the estimator's own with items
    assigned (``est.coefs_[0] = W``): it gets the network's arrays, as scikit-learn's list
    stays its ``coefs_``; another (a list of the user's) is left as it was."""
    for attr, params in (("coefs_", est._coef_params), ("intercepts_", est._intercept_params)):
        arrays = getattr(est, attr)
        if len(arrays) != len(params):
            raise ValueError(f"Expected {len(params)} arrays in {attr}. Received {len(arrays)}")
        kept = [a is p.value for a, p in zip(arrays, params, strict=True)]
        if all(kept):
            continue
        for i, (array, param) in enumerate(zip(arrays, params, strict=True)):
            array = np.asarray(array)
            if array.shape != param.value.shape:
                raise ValueError(
                    f"Expected {attr}[{i}] of shape {param.value.shape}. Received {array.shape}"
                )
            param.value = np.array(array, dtype=param.value.dtype)
        _put(est, attr, [p.value for p in params], into=isinstance(arrays, list) and any(kept))


def start_network(est: Any, layer_units: list[int], dtype: np.dtype, first_pass: bool) -> None:
    """The network a fit trains, its random stream first: a fit that starts anew
    (``first_pass``) builds one of ``layer_units`` in ``dtype`` (``initialize``); a
    continuing one binds any assigned ``coefs_`` / ``intercepts_`` and checks the fitted
    layers against ``layer_units`` (ValueError)."""
    # a continuing fit reseeds its own stream; one that starts anew makes one (a
    # network the user kept from the last fit keeps drawing from its own, model_.rng)
    previous = None if first_pass else est.__dict__.get("_random_state")
    est._random_state = random_state(est.random_state, previous)
    if first_pass:
        initialize(est, layer_units, dtype)
    else:
        bind(est)
        shapes = [w.shape for w in est.coefs_]
        if shapes != list(zip(layer_units[:-1], layer_units[1:], strict=True)):
            raise ValueError(f"Expected layers {layer_units} like the fitted coefs_ {shapes}")


def _put(est: Any, attr: str, values: list[np.ndarray], *, into: bool) -> None:
    """``est.<attr> = values``, or ``values`` put into the list ``est.<attr>`` (``into``)."""
    if into:
        getattr(est, attr)[:] = values
    else:
        setattr(est, attr, values)


def output(est: Any, z: np.ndarray) -> np.ndarray:
    """Apply ``out_activation_`` to the network's raw outputs ``z`` (in place when possible)."""
    kind = est.out_activation_
    if kind == "softmax":  # scikit-learn's formula: exp(z - max) / sum
        np.subtract(z, z.max(axis=1, keepdims=True), out=z)
        np.exp(z, out=z)
        return np.divide(z, z.sum(axis=1, keepdims=True), out=z)
    if kind == "logistic":
        return sigmoid_into(z, z)  # Sigmoid's bits, over z (the network's fresh output)
    if kind == "exp":
        return np.exp(z, out=z)
    return z


def batch_objective(est: Any) -> BatchObjective:
    """The objective of ``est``'s fit: its kind, ``alpha``, weights and (kind
    ``"nonlin_loss"``) its ``loss`` object (``_sklearn_class_loss.training_loss``), which
    the objective copies."""
    loss = training_loss(est) if est._objective_kind == NONLIN_LOSS else None
    return BatchObjective(est._objective_kind, est.alpha, est._coef_params, loss)


def make_optimizer(est: Any) -> Any:
    """The inner optimizer for ``est.solver`` with scikit-learn's hyperparameters
    (as floats: scikit-learn's validation lets ``True`` / ``False`` through as 1 / 0),
    or a ``learning_rate`` schedule (``learning_rate_init`` is then not used)."""
    schedule = est.learning_rate if isinstance(est.learning_rate, Schedule) else None
    lr = schedule if schedule is not None else float(est.learning_rate_init)
    if est.solver == "sgd":
        return sklearn_sgd(lr, float(est.momentum), est.nesterovs_momentum)
    return Adam(lr, float(est.beta_1), float(est.beta_2), float(est.epsilon))


def new_optimizer(est: Any, objective: BatchObjective) -> PenalizedOptimizer:
    """A fit's new optimizer, with its rate rule (kept, as scikit-learn's optimizer keeps
    its own); a ``learning_rate`` schedule's step count goes on from the estimator's
    previous optimizer (a warm start: ``_sklearn_extras.continue_count``)."""
    inner = make_optimizer(est)
    if isinstance(inner.lr, Schedule):
        continue_count(inner, est.__dict__.get("_optimizer"))
    optimizer = PenalizedOptimizer(inner, objective, est._coef_params)
    optimizer.iterations = inner.iterations
    optimizer.rule = rate_rule(est)
    return optimizer


def fit_stochastic(
    est: Any,
    X: np.ndarray,
    Y: np.ndarray,
    sample_weight: np.ndarray | None,
    *,
    incremental: bool,
    scorer: Any,
    warning: type[Warning],
) -> None:
    """Epochs of minibatch SGD or Adam through the shared fit loop, with scikit-learn's rules."""
    check_continuable(est, incremental, early_stopping=scorer is not None)
    objective = batch_objective(est)
    if not incremental or getattr(est, "_optimizer", None) is None:
        est._optimizer = new_optimizer(est, objective)
    optimizer = est._optimizer
    optimizer.objective, optimizer.coefs = objective, est._coef_params
    flat = flat_params(est, keep_lists=True)  # (bind put the lists in order)
    if optimizer.flat is not None and flat is not optimizer.flat:  # re-homed (unpickled, or
        # float64 after L-BFGS): its state moves along in that dtype, NaN too (as scikit-learn's)
        optimizer.inner._load_state(optimizer.state_dict_in(flat.param.value.dtype), finite=False)
    optimizer.flat = flat
    objective.flat_coefs = optimizer.flat.coef_values
    params = est.model_.parameters()
    schedule = SklearnSchedule(
        est, optimizer, X.shape[0], scorer=scorer, params=params,
        incremental=incremental, warning=warning,
    )
    est.n_iter_ = 0
    try:  # a diverging run goes on to max_iter (inf/NaN losses), as scikit-learn's does;
        # then the estimator's check of the weights raises (unless early stopping restored
        # the best ones)
        run(est, X, Y, sample_weight, objective, optimizer, schedule, incremental)
    except KeyboardInterrupt:
        warn_as_sklearn("Training interrupted by user.")
    if scorer is not None:
        restore_best(est, params)


def restore_best(est: Any, params: list[Param]) -> None:
    """End of an early-stopping fit: back to the weights of the best validation score.

    As in scikit-learn, whose ``coefs_`` *become* its best-weight arrays here (new
    arrays: those trained, which a user may hold, keep the last epoch's weights):
    from then on the best weights are the live ones (``_best_params = None``)
    until a validation score beats ``best_validation_score_`` again, so a later
    warm-start fit that never does keeps its own training.
    """
    if est._best_params is not None:
        for param, best in zip(params, est._best_params, strict=True):
            param.value = best  # a copy (_sklearn_schedule), the network's own from now on
        flat_params(est)  # packed again (new arrays), for the next fit to train in place
    est._best_params = None


def flat_params(est: Any, *, keep_lists: bool = False) -> FlatParams:
    """The network's parameters as views into one buffer (re-homed when the sharing broke):
    new lists ``coefs_`` and ``intercepts_`` of the views, or (``keep_lists``, a fit's
    start) the views put into the lists they are."""
    flat = est.__dict__.get("_flat")
    params = est._coef_params + est._intercept_params
    params += [p for p in est.model_.parameters() if all(p is not q for q in params)]
    same = flat is not None and len(flat.params) == len(params) and all(
        p is q for p, q in zip(flat.params, params, strict=True)
    )
    if not same or not flat.intact():
        flat = est._flat = FlatParams(params, len(est._coef_params))
        for attr, own in (("coefs_", est._coef_params), ("intercepts_", est._intercept_params)):
            _put(est, attr, [p.value for p in own],
                 into=keep_lists and isinstance(getattr(est, attr), list))
    return flat


def check_finite(est: Any) -> None:
    if not all(np.isfinite(a).all() for a in est.coefs_ + est.intercepts_):
        raise ValueError(
            "Solver produced non-finite parameter weights. The input data may contain large "
            "values and need to be preprocessed."
        )


__all__ = ["Param", "ShuffleStream", "bind", "build_network", "fit_stochastic", "output",
           "random_state"]
