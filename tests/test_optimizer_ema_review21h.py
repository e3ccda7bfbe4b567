"""Hostile review of Keras 3's optimizer EMA (session 21, review21h).

Each test fails on the code before its fix: a resumed run that has no epoch left ends
with the average as the straight run does (``SwapEMAWeights(swap_on_epoch=True)`` had
left it in the model when the checkpoint was written), a refused update keeps the
average (finite: made of finite weights only), so a ``TerminateOnNaN`` stop ends with
it whichever check refused the step, and a state whose slots disagree in shape is
refused by ``load_state_dict`` instead of restarting every slot at the next step.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import nonlin
from nonlin import optimizers as opt
from nonlin.callbacks import Callback, ModelCheckpoint, SwapEMAWeights
from test_checkpoint import FIT, _data, _layers

pytestmark = pytest.mark.filterwarnings("ignore:.*CrossEntropy takes probabilities:UserWarning")


def _fit(callbacks, epochs, **kw):
    X, y = _data()
    model = nonlin.Sequential(_layers())
    model.fit(X, y, optimizer=opt.Adam(0.02, use_ema=True, ema_overwrite_frequency=7),
              epochs=epochs, seed=7, callbacks=callbacks, **{**FIT, **kw})
    return model


def test_resuming_a_finished_swapped_run_ends_with_the_average(tmp_path):
    path = tmp_path / "ck.safetensors"
    straight = _fit([SwapEMAWeights(swap_on_epoch=True)], 2)
    _fit([SwapEMAWeights(swap_on_epoch=True), ModelCheckpoint(path)], 2)
    resumed = _fit([SwapEMAWeights(swap_on_epoch=True)], 2, resume_from=path)
    for a, b in zip(resumed.get_weights(), straight.get_weights(), strict=True):
        assert a.tobytes() == b.tobytes()  # the average, not the weights the swap put aside
    a, b = resumed.optimizer.state_dict(), straight.optimizer.state_dict()
    assert all(np.asarray(a[k]).tobytes() == np.asarray(b[k]).tobytes() for k in b)
