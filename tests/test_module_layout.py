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


def test_every_module_is_within_the_house_limit_of_300_lines() -> None:
    from pathlib import Path

    package = Path(nonlin.__file__).parent
    long = {p.name: n for p in package.glob("*.py")
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > 300}
    assert not long, long


def test_the_sklearn_random_stream_keeps_its_old_home_for_pickles() -> None:
    """``ShuffleStream`` and ``random_state`` moved to ``_sklearn_random``; a pickle naming
    ``nonlin._sklearn_engine`` (their first home) still loads, and a fitted estimator's
    pickle round trip still predicts and trains on."""
    import pytest

    pytest.importorskip("sklearn")
    import nonlin._sklearn_random as home
    from nonlin.sklearn import MLPClassifier

    for name in ("ShuffleStream", "random_state"):
        found = pickle.loads(f"cnonlin._sklearn_engine\n{name}\n.".encode())
        assert found is getattr(home, name)
    X, y = np.arange(12.0).reshape(6, 2) / 10, np.arange(6) % 2
    est = MLPClassifier((2,), max_iter=2, batch_size=3, random_state=0).fit(X, y)
    again = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(again.predict_proba(X), est.predict_proba(X))
    again.partial_fit(X, y)
    np.testing.assert_array_equal(again.coefs_[0], est.partial_fit(X, y).coefs_[0])
