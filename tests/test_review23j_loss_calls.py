"""The check that a loss's ``_sample_losses`` returns shape (n_samples,) (review23f) cost
every step of a ``fit`` on a loss without a fused path (``"mae"``, ``"huber"``,
``"log_cosh"``, a loss of one's own) two Python calls (a ``_checked_losses`` method and its
``isinstance``); it now costs none on an exact ndarray of the right shape (``type(x) is``
first, as ``Objective.step``'s output check), and still refuses another shape."""

from __future__ import annotations

import cProfile
import pstats

import numpy as np
import pytest

import nonlin
from nonlin.losses import MeanAbsoluteError

X = np.random.default_rng(0).normal(size=(64, 3))
Y = X[:, :2] * 2.0


def _calls_per_step(loss: str) -> dict[str, int]:
    model = nonlin.Sequential([nonlin.Dense(4), nonlin.Dense(2)]).build(3, seed=0)
    model.fit(X, Y, loss=loss, optimizer="sgd", epochs=1, batch_size=8, verbose=0)
    profile = cProfile.Profile()
    profile.enable()
    model.fit(X, Y, loss=loss, optimizer="sgd", epochs=1, batch_size=8, verbose=0)  # 8 steps
    profile.disable()
    stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    return {name: calls for (file, _, name), (calls, *_) in stats.items()
            if file.endswith("_loss_reduction.py")}


@pytest.mark.parametrize("loss", ["mae", "huber"])
def test_a_step_calls_value_sum_and_grad_only(loss):
    calls = _calls_per_step(loss)
    assert calls == {"_value": 8, "_sum": 8, "_grad": 8}, calls


def test_a_loss_of_another_shape_is_still_refused():
    # guard (passes before too)
    class Column(MeanAbsoluteError):
        def _sample_losses(self, y_true, y_pred):
            return super()._sample_losses(y_true, y_pred)[:, None]

    model = nonlin.Sequential([nonlin.Dense(2)]).build(3, seed=0)
    with pytest.raises(ValueError, match=r"Column\._sample_losses to return the per-sample "
                                         r"losses as an array of shape \(8,\)\. Received "
                                         r"shape \(8, 1\)"):
        model.fit(X, Y, loss=Column(), optimizer="sgd", epochs=1, batch_size=8, verbose=0)
