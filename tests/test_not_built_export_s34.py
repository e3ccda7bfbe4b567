"""``nonlin.NotBuiltError``: exported beside ``DivergenceError``, and what ``count_params``
raises before ``build`` (a ``ValueError`` as Keras 3's and a ``RuntimeError`` as before)."""

from __future__ import annotations

import pytest

import nonlin


def test_not_built_error_is_exported_and_raised_by_count_params() -> None:
    assert "NotBuiltError" in nonlin.__all__
    assert nonlin.NotBuiltError is nonlin.exceptions.NotBuiltError
    model = nonlin.Sequential([nonlin.Dense(3)])
    with pytest.raises(nonlin.NotBuiltError, match="not built yet") as caught:
        model.count_params()
    assert isinstance(caught.value, ValueError) and isinstance(caught.value, RuntimeError)
