"""A ``nonlin.sklearn`` estimator's optimizer in its model file: written and read back.

``optimizer_record`` turns a stochastic solver's ``PenalizedOptimizer`` into the header
field ``optimizer`` (its class, hyperparameters, step count, scalars and rate rule) and the
slot tensors ``optimizer.{slot}.0``; ``restore_optimizer`` checks them and rebuilds
``est._optimizer`` (``_rate_rule`` checks the rule). ``_sklearn_io`` saves and loads the
rest of the estimator.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from ._quoting import clipped, quoted

if TYPE_CHECKING:
    from .optimizers import Optimizer

_SLOTS = "optimizer."


def optimizer_record(optimizer: Any, dtype: Any) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """A ``PenalizedOptimizer``'s state: a JSON record and the slot arrays as tensors (in
    ``dtype``: a float32 fit's moments, after an L-BFGS fit moved the network to float64)."""
    inner = optimizer.inner
    state = optimizer.state_dict_in(dtype)
    record = {
        "class_name": type(inner).__name__,
        "config": inner.get_config(),
        "scalars": {k: v for k, v in state.items() if not isinstance(v, np.ndarray)},
        "steps": int(optimizer.iterations),
    }
    if getattr(optimizer, "rule", None) is not None:
        record["rule"] = dict(optimizer.rule)
    tensors = {_SLOTS + k: v for k, v in state.items() if isinstance(v, np.ndarray)}
    return record, tensors


def restore_optimizer(est: Any, record: Any, arrays: dict[str, np.ndarray], path: str) -> None:
    """Rebuild ``est._optimizer`` from ``optimizer_record``'s output (checked first)."""
    from ._header import ModelFileError

    slots = {k[len(_SLOTS):]: v for k, v in arrays.items() if k.startswith(_SLOTS)}
    size = sum(p.value.size for p in est.model_.parameters())
    try:
        keys = {"class_name", "config", "scalars", "steps"}
        if not isinstance(record, dict) or not keys <= set(record) <= {*keys, "rule"}:
            raise ValueError("expected {'class_name', 'config', 'scalars', 'steps'[, 'rule']}")
        rule = _rate_rule(record.get("rule"))
        config, name, steps = dict(record["config"]), record["class_name"], record["steps"]
        inner = _inner_optimizer(name, config)
        for key, value in slots.items():
            if value.shape != (size,) or value.dtype != est.model_.dtype:
                raise ValueError(f"expected tensor {quoted(_SLOTS + key, 80)} of shape ({size},) "
                                 f"and dtype {est.model_.dtype}")
        inner.load_state_dict({**dict(record["scalars"]), **slots})
        if isinstance(steps, bool) or not isinstance(steps, int) or steps < 0:
            raise ValueError(f"expected steps >= 0. Received {quoted(steps, 50)}")
    except Exception as exc:  # constructor and load_state_dict checks on hostile values
        raise ModelFileError(path, clipped(str(exc), 300), "optimizer") from None
    _set_optimizer(est, inner, steps, rule)


def _inner_optimizer(name: Any, config: dict[str, Any]) -> Optimizer:
    """The solver the record names, built from its ``config`` (changed: a saved schedule is
    read through the allowlist): Adam, or SGD with exactly scikit-learn's settings; a
    ValueError for any other, or for a moving average scikit-learn has not."""
    from ._sklearn_setup import sklearn_sgd
    from .optimizers import Adam
    from .schedules import schedule_from_config
    from .validation import check_bool

    if isinstance(config.get("lr"), dict):  # a schedule, through the allowlist
        config["lr"] = schedule_from_config(config["lr"])
    if ema := sorted(set(config) & {"use_ema", "ema_momentum", "ema_overwrite_frequency"}):
        raise ValueError(f"expected scikit-learn's {name} settings, which have no moving "
                         f"average. Received {ema[0]}={quoted(config[ema[0]], 50)}")
    if name == "Adam":
        return Adam(**config)
    if name == "SGD" and set(config) == {"lr", "momentum", "nesterov"}:
        check_bool("nesterov", config["nesterov"])  # bool("false") is True
        return sklearn_sgd(config["lr"], config["momentum"], config["nesterov"])
    raise ValueError(f"expected Adam or SGD as scikit-learn's. Received {quoted(name, 80)}")


def _set_optimizer(est: Any, inner: Optimizer, steps: int, rule: dict[str, Any] | None) -> None:
    """Give ``est`` its ``PenalizedOptimizer`` around the restored ``inner``, ``steps`` taken
    and the saved rate ``rule``, with a stand-in objective for alpha's penalty."""
    from ._sklearn_extras import NONLIN_LOSS
    from ._sklearn_rules import BatchObjective, PenalizedOptimizer
    from .losses import Loss

    loss = est.loss if isinstance(est.loss, Loss) else None  # (None: the file left it out)
    kind = "squared_error" if loss is None and est._objective_kind == NONLIN_LOSS else (
        est._objective_kind)  # a stand-in, for alpha: the next fit sets its own objective
    objective = BatchObjective(kind, est.alpha, est._coef_params,
                               loss if kind == NONLIN_LOSS else None)
    est._optimizer = PenalizedOptimizer(inner, objective, est._coef_params)
    est._optimizer.iterations = steps
    if rule is not None:  # else (files from before it was saved) the parameters' schedule
        est._optimizer.rule = rule


def _rate_rule(rule: Any) -> dict[str, Any] | None:
    """The optimizer record's ``rule`` (``_sklearn_schedule.rate_rule``), checked."""
    if rule is None:
        return None
    kinds = ("constant", "invscaling", "adaptive", "adam", "schedule")
    if not isinstance(rule, dict) or set(rule) != {"kind", "lr_init", "power_t"} or (
        rule["kind"] not in kinds or not all(
            isinstance(rule[k], int | float) and not isinstance(rule[k], bool)
            and math.isfinite(rule[k]) for k in ("lr_init", "power_t"))
    ):
        raise ValueError(f"expected rule {{'kind': one of {kinds}, 'lr_init': number, "
                         f"'power_t': number}}. Received {quoted(rule, 120)}")
    return dict(rule)
