"""The hint for 1-D input names the parameter the data came in: ``X.reshape(-1, 1)`` where
it is ``X`` (gradcheck, check_X's default), ``x`` where it is ``x`` (fit, predict), ``data``
for ``Normalization.adapt``; before, it always said ``x.reshape``."""

from __future__ import annotations

import numpy as np
import pytest

import nonlin
from nonlin.validation import check_X


def test_check_x_names_its_parameter_in_the_hint() -> None:
    with pytest.raises(ValueError, match=r"with X\.reshape\(-1, 1\) for one feature or "
                                         r"X\.reshape\(1, -1\) for one sample"):
        check_X(np.zeros(3))
    with pytest.raises(ValueError, match=r"with X_val\.reshape\(-1, 1\)"):
        check_X(np.zeros(3), "X_val")
    with pytest.raises(ValueError, match=r"with x\.reshape\(-1, 1\)"):
        check_X(np.zeros(3), "validation_data[0]")  # no identifier: the usual x


def test_gradcheck_says_x_upper_case_and_predict_lower_case() -> None:
    from nonlin.gradcheck import gradcheck

    model = nonlin.Sequential([nonlin.Dense(1)]).build(3, seed=0)
    with pytest.raises(ValueError, match=r"X\.reshape\(1, -1\)"):
        gradcheck(model, "mse", np.zeros(3), np.zeros((1, 1)))
    with pytest.raises(ValueError, match=r" x\.reshape\(1, -1\)"):
        model.predict(np.zeros(3))
