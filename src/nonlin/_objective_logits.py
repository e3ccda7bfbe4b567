"""``fit``'s step for a cross-entropy with options (``nonlin._entropy_options``).

``CrossEntropy`` and ``BinaryCrossEntropy`` train through the logits (``from_logits=True``,
or a final ``Softmax`` / ``Sigmoid`` that ``fit`` leaves out: ``objective.fused_kind``). The
plain ones have fused paths of their own (``objective.Objective._softmax`` and
``_sigmoid``); one with ``label_smoothing`` or ``pos_weight`` set (kind ``"logits"``) runs its
from-logits math instead (``_loss_entropy``), on the logits, in the buffers ``fit`` lends
(``nonlin._scratch``), as the losses without a fused path do: the same stable forms, the
options applied. The plain losses keep their fused paths, untouched.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ._loss_math import log_softmax, sigmoid
from ._scratch import using
from .losses import CrossEntropy, Loss


def logits_twin(loss: Loss) -> Loss:
    """``loss`` itself if it takes logits, else a copy of it (its config) with
    ``from_logits=True``."""
    if getattr(loss, "from_logits", False):
        return loss
    return type(loss)(**{**loss.get_config(), "from_logits": True})


def _probabilities(loss: Loss, z: np.ndarray) -> np.ndarray:
    """``softmax(z)`` or ``sigmoid(z)`` in a lent buffer, for the metrics."""
    if isinstance(loss, CrossEntropy):
        log_p = log_softmax(z)
        return np.exp(log_p, out=log_p)
    return sigmoid(z)


def logits_step(objective: Any, z: np.ndarray, y: np.ndarray, w: np.ndarray | None,
                sink: Callable[[np.ndarray], None] | None) -> float:
    """One batch's loss and backward through ``objective.logit_loss`` on the logits ``z``;
    ``w`` and ``sink`` as ``Objective.step`` takes them (the sink gets the probabilities
    when the model's activation was left out)."""
    n = z.shape[0]
    # the loss divides by n itself ("mean"): the weights as given
    weights = w if w is None or not objective.mean else np.multiply(w, n,
                                                                    out=objective._rows[:n])
    loss = objective.logit_loss
    with using(objective._pool):
        if sink is not None:
            sink(_probabilities(loss, z) if objective.output_is_activated else z)
        value = loss._value(y, z, weights)
        grad = loss._grad(y, z, weights, objective._p[:n])
    objective.backward(grad)
    return value
