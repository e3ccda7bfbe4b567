"""The parameter constraints of ``nonlin.sklearn``'s estimators, as scikit-learn checks them.

``parameter_constraints`` gives ``_BaseMLP._parameter_constraints``: scikit-learn's MLP
table plus nonlin's extras (``dropout``, ``batch_norm``, ``dtype``, ``callbacks``, a
``nonlin.schedules.Schedule`` as ``learning_rate``),
built from scikit-learn's ``Interval``, ``Options``, ``StrOptions`` and the ``dtype``
option (``_sklearn_dtype.float_dtype_option``), passed in: this module does not
import scikit-learn (``nonlin.sklearn`` alone does). ``own_constraints`` adds each
estimator's own (``class_weight``, ``loss``).
"""

from __future__ import annotations

from numbers import Integral, Real
from typing import Any

import numpy as np

from .losses import Loss
from .schedules import Schedule


def parameter_constraints(interval: Any, options: Any, str_options: Any,
                          float_dtype: Any) -> dict[str, list[Any]]:
    """The constraints by parameter name, in scikit-learn's order, then nonlin's extras."""
    return {
        "hidden_layer_sizes": ["array-like", interval(Integral, 1, None, closed="left")],
        "activation": [str_options({"identity", "logistic", "tanh", "relu"})],
        "solver": [str_options({"lbfgs", "sgd", "adam"})],
        "alpha": [interval(Real, 0, None, closed="left")],
        "batch_size": [str_options({"auto"}), interval(Integral, 1, None, closed="left")],
        "learning_rate": [str_options({"constant", "invscaling", "adaptive"}), Schedule],
        "learning_rate_init": [interval(Real, 0, None, closed="neither")],
        "power_t": [interval(Real, 0, None, closed="left")],
        "max_iter": [interval(Integral, 1, None, closed="left")],
        "shuffle": ["boolean"],
        "random_state": ["random_state"],
        "tol": [interval(Real, 0, None, closed="left")],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
        "momentum": [interval(Real, 0, 1, closed="both")],
        "nesterovs_momentum": ["boolean"],
        "early_stopping": ["boolean"],
        "validation_fraction": [interval(Real, 0, 1, closed="left")],
        "beta_1": [interval(Real, 0, 1, closed="left")],
        "beta_2": [interval(Real, 0, 1, closed="left")],
        "epsilon": [interval(Real, 0, None, closed="neither")],
        "n_iter_no_change": [interval(Integral, 1, None, closed="left"), options(Real, {np.inf})],
        "max_fun": [interval(Integral, 1, None, closed="left")],
        "dropout": [interval(Real, 0, 1, closed="left")],
        "batch_norm": ["boolean"],
        "dtype": [None, float_dtype()],
        "callbacks": [list, None],
    }



def own_constraints(base: dict[str, list[Any]], str_options: Any,
                    classifier: bool) -> dict[str, list[Any]]:
    """An estimator's ``_parameter_constraints``: ``base`` (``parameter_constraints``) plus
    ``MLPClassifier``'s ``class_weight`` and ``loss`` (``"log_loss"`` or a nonlin ``Loss``),
    or ``MLPRegressor``'s ``loss`` (scikit-learn's four names or a nonlin ``Loss``)."""
    if classifier:
        return {
            **base,
            "class_weight": [dict, list, str_options({"balanced"}), None],
            "loss": [str_options({"log_loss"}), Loss],
        }
    return {
        **base,
        "loss": [str_options({"squared_error", "poisson", "absolute_error", "huber"}), Loss],
    }
