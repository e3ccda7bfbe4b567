"""The estimators' ``save`` after a setting of their ``loss`` object was set out of range
since fitting (``est.loss.label_smoothing = 5.0``) wrote the file anyway, which the loader
then refused (or took): ``save`` checks the loss as ``fit`` does, nothing written (session 22)."""

from __future__ import annotations

import io
import warnings

import numpy as np
import pytest

import nonlin

pytest.importorskip("sklearn")
from nonlin.sklearn import MLPClassifier, MLPRegressor, load  # noqa: E402

RNG = np.random.default_rng(0)
X = RNG.normal(size=(40, 3))


@pytest.mark.parametrize(("make", "y", "name", "value"), [
    (lambda: MLPClassifier(hidden_layer_sizes=(4,), max_iter=3, random_state=0,
                           loss=nonlin.losses.BinaryCrossentropy()),
     (X[:, 0] > 0).astype(int), "label_smoothing", 5.0),
    (lambda: MLPRegressor(hidden_layer_sizes=(4,), max_iter=3, random_state=0,
                          loss=nonlin.losses.Huber()),
     X[:, 0], "delta", -1.0),
])
def test_save_refuses_a_loss_setting_fit_refuses(tmp_path, make, y, name, value) -> None:
    with warnings.catch_warnings():  # max_iter=3: not converged
        warnings.simplefilter("ignore")
        est = make().fit(X, y)
    buffer = io.BytesIO()
    est.save(buffer)  # as fitted: written and read back
    assert load(io.BytesIO(buffer.getvalue())).loss.get_config() == est.loss.get_config()
    setattr(est.loss, name, value)
    with pytest.raises(ValueError, match=f"{name}={value}") as caught:
        est.fit(X, y)
    buffer, path = io.BytesIO(), tmp_path / "est.nonlin"
    for target in (buffer, path):
        with pytest.raises(ValueError) as saved:
            est.save(target)
        assert str(saved.value) == str(caught.value)
    assert buffer.getvalue() == b"" and not path.exists()
