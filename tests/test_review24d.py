"""Session 24 review of the checks for components of one's own (s24-extend24): what they
must not refuse or warn about."""

from __future__ import annotations

import numpy as np

from nonlin.losses import Loss


class _SumLoss(Loss):
    """A loss of one's own whose class body sets its reduction."""

    reduction = "sum"

    def _sample_losses(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        return ((y_pred - y_true) ** 2).sum(axis=1)

    def _grad_terms(self, y_true: np.ndarray, y_pred: np.ndarray,
                    out: np.ndarray) -> np.ndarray:
        np.multiply(y_pred - y_true, 2.0, out=out)
        return out

def test_explicit_mean_overrides_a_class_body_reduction() -> None:
    assert _SumLoss().reduction == "sum"  # not given: the class's own
    assert _SumLoss(reduction="mean").reduction == "mean"  # given: the loss's, as Keras'
    loss = _SumLoss()
    loss.reduction = "mean"
    assert type(loss)(**loss.get_config()).reduction == "mean"  # its config rebuilds it
