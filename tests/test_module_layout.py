"""Where the model and the losses live: the public
homes that imports and pickles name (splitting a module must not move a class)."""

from __future__ import annotations

import io
import pickle
from typing import Any

import numpy as np

import nonlin
import nonlin.core
import nonlin.losses
import nonlin.sequential


def test_the_public_import_paths_name_one_class() -> None:
    assert nonlin.Sequential is nonlin.sequential.Sequential is nonlin.core.Sequential
    for name in ("get_weights", "set_weights", "get_state", "set_state", "get_config",
                 "from_config", "summary", "parameters", "count_params", "built"):
        assert hasattr(nonlin.Sequential, name), name
    for name in ("Loss", "MeanSquaredError", "MeanAbsoluteError", "Huber", "BinaryCrossEntropy",
                 "CrossEntropy"):
        assert getattr(nonlin.losses, name).__module__ == "nonlin.losses", name


class _Names(pickle.Unpickler):
    def __init__(self, data: bytes) -> None:
        super().__init__(io.BytesIO(data))
        self.names: set[tuple[str, str]] = set()

    def find_class(self, module: str, name: str) -> Any:
        self.names.add((module, name))
        return super().find_class(module, name)


def test_a_pickled_model_and_its_losses_name_their_public_homes() -> None:
    model = nonlin.Sequential([nonlin.Dense(3), nonlin.ReLU(), nonlin.Dense(2)]).build(2, seed=0)
    losses = [nonlin.MeanSquaredError(), nonlin.MeanAbsoluteError(), nonlin.Huber(2.0),
              nonlin.BinaryCrossEntropy(from_logits=True), nonlin.CrossEntropy()]
    reader = _Names(pickle.dumps((model, losses)))
    again, losses_again = reader.load()
    ours = {(m, n) for m, n in reader.names if m.startswith("nonlin")}
    assert ("nonlin.sequential", "Sequential") in ours
    assert {n for m, n in ours if m == "nonlin.losses"} == {type(loss).__name__ for loss in losses}
    assert not any(m.startswith("nonlin._") for m, _ in ours), ours
    x = np.array([[0.5, -1.0]])
    np.testing.assert_array_equal(again.predict(x), model.predict(x))
    assert [repr(loss) for loss in losses_again] == [repr(loss) for loss in losses]
