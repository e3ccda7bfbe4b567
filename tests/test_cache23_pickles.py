"""A fitted ``Sequential`` pickles and copies without its per-step caches: no batch of the
training data, no activation, mask or gradient of one (``nonlin._layer_caches``)."""

from __future__ import annotations

import copy
import pickle
import warnings

import numpy as np
import pytest

import nonlin
from cache23_helpers import LAYER_TYPES, arrays, batch_arrays, data, model, rows_in

DTYPES = (np.float32, np.float64)


def _fitted(cls: type, dtype: type, first: bool = False) -> tuple[nonlin.Sequential, np.ndarray]:
    X, y = data(dtype)
    m = model(cls, dtype, X, first)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m.fit(X, y, loss="cross_entropy", optimizer="adam", epochs=2, batch_size=16, seed=1,
              verbose=0)
    return m, X


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(("name", "cls"), LAYER_TYPES)
def test_a_pickle_holds_no_batch_and_no_scratch(name: str, cls: type, dtype: type) -> None:
    for first in (False, True):
        m, X = _fitted(cls, dtype, first)
        blob = pickle.dumps(m)
        assert rows_in(blob, X) == [], name
        assert batch_arrays(pickle.loads(blob)) == [], name
        weights = sum(w.nbytes for w in m.get_weights())
        # the weights, their gradients and Adam's two slots, plus the names and settings
        assert len(blob) < 4 * weights + 12_000, (name, len(blob), weights)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(("name", "cls"), LAYER_TYPES)
def test_copies_hold_no_batch_and_no_scratch(name: str, cls: type, dtype: type) -> None:
    m, X = _fitted(cls, dtype, first=True)
    for twin in (copy.deepcopy(m), copy.deepcopy(m.layers[0])):
        assert batch_arrays(twin) == [], name
        assert not any(np.shares_memory(a, X) for a in arrays(twin)), name
    shallow = vars(copy.copy(m.layers[0]))  # its own attributes (an activation is shared)
    assert [k for k, v in shallow.items() if isinstance(v, np.ndarray) and v.ndim == 2
            and v.shape[0] == 16] == [], name


def test_the_reproduction_of_the_report_is_a_fraction_of_its_data() -> None:
    rng = np.random.default_rng(0)
    X, y = rng.random((400, 100)), rng.integers(0, 2, 400)
    m = nonlin.Sequential([nonlin.Dense(20), nonlin.ReLU(), nonlin.Dense(2), nonlin.Softmax()])
    m.fit(X, y, loss="cross_entropy", optimizer="adam", epochs=1, batch_size=400, verbose=0)
    blob = pickle.dumps(m)
    assert len(blob) < X.nbytes / 4 and rows_in(blob, X) == []
    assert sorted(k for k, v in vars(pickle.loads(blob).layers[0]).items()
                  if isinstance(v, np.ndarray)) == []


@pytest.mark.parametrize("cls", [nonlin.Dropout, nonlin.AlphaDropout, nonlin.GaussianDropout,
                                 nonlin.GaussianNoise])
def test_a_frozen_draw_is_kept_through_a_pickle(cls: type) -> None:
    m, X = _fitted(cls, np.float64)
    m.layers[1].freeze_mask(True)
    before = m.forward(X[:16], training=True)
    twin = pickle.loads(pickle.dumps(m))
    np.testing.assert_array_equal(twin.forward(X[:16], training=True), before)
    assert rows_in(pickle.dumps(m), X) == []
