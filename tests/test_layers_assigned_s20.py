"""``model.layers = [...]`` on a built model: summary counts the layers it has, and predict
refuses the changed list as it does after ``pop`` (was: Trainable params of the old layers,
a negative Non-trainable count, and predict on the new list unchecked)."""

from __future__ import annotations

import numpy as np
import pytest

import nonlin


def _built() -> nonlin.Sequential:
    return nonlin.Sequential([nonlin.Dense(3), nonlin.ReLU(), nonlin.Dense(2)]).build(4, seed=0)


def test_summary_counts_the_assigned_layers() -> None:
    model = _built()
    model.layers = model.layers[:1]
    lines = model.summary().splitlines()
    assert lines[-3:] == ["Total params: 15", "Trainable params: 15", "Non-trainable params: 0"]


def test_summary_after_a_frozen_layer_still_splits_the_counts() -> None:
    model = _built()
    model.layers[0].trainable = False
    assert model.summary().splitlines()[-2:] == ["Trainable params: 8",
                                                 "Non-trainable params: 15"]


def test_predict_refuses_layers_assigned_since_build() -> None:
    model = _built()
    model.layers = model.layers[:1]
    with pytest.raises(RuntimeError, match=r"layers changed since it was built \(built with 3 "
                       r"layers, it has 1 layer now\)"):
        model.predict(np.ones((2, 4)))
    model.build(4, seed=0)  # built again: predicts with the new list
    assert model.predict(np.ones((2, 4))).shape == (2, 3)


def test_assigning_before_build_needs_no_check() -> None:
    model = nonlin.Sequential([nonlin.Dense(3)])
    model.layers = [nonlin.Dense(2)]
    assert model.build(4, seed=0).predict(np.ones((1, 4))).shape == (1, 2)
