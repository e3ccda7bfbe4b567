"""Review s20b of batch sources: what a hostile read of ``fit`` / ``evaluate`` on
sources found (each test fails on the code before its fix)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from source_helpers import FIT, Seq, data, model


def _fitted_on_frame() -> tuple[object, pd.DataFrame, np.ndarray]:
    X, y = data()
    frame = pd.DataFrame(X, columns=["a", "b", "c"])
    m = model()
    m.fit(frame, y, epochs=1, seed=0, **FIT)
    return m, frame, y


def test_evaluate_on_a_source_checks_frame_columns_as_predict_does() -> None:
    # was: evaluate on a source of DataFrames in another column order scored the swapped
    # features silently (predict on the same source refused them, as evaluate on arrays)
    m, frame, y = _fitted_on_frame()
    swapped = frame[["c", "b", "a"]]
    with pytest.raises(ValueError, match=r"In x\[0\]: The feature names should match"):
        m.predict(Seq(swapped, None))
    with pytest.raises(ValueError, match=r"In x\[0\]: The feature names should match"):
        m.evaluate(Seq(swapped, y))
    assert m.evaluate(Seq(frame, y)) == pytest.approx(m.evaluate(frame, y), rel=1e-12)


def test_fit_on_a_source_checks_frame_columns_of_a_fitted_model() -> None:
    # was: fit trained on the swapped columns (fit on arrays refuses them before any step)
    m, frame, y = _fitted_on_frame()
    before = [w.copy() for w in m.get_weights()]
    swapped = frame[["c", "b", "a"]]
    with pytest.raises(ValueError, match=r"In x\[0\]: The feature names should match"):
        m.fit(Seq(swapped, y), epochs=1, shuffle=False, verbose=0)
    assert all(np.array_equal(a, b) for a, b in zip(before, m.get_weights(), strict=True))
    with pytest.raises(ValueError, match=r"In validation_data\[0\]: The feature names"):
        m.fit(Seq(frame, y), epochs=1, shuffle=False, verbose=0,
              validation_data=Seq(swapped, y))
