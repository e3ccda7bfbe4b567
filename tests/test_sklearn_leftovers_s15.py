"""Leftovers of the s15 audit of ``nonlin.sklearn``: ``dtype`` in every NumPy spelling,
``classes_``' dtype through save and load, ``class_weight`` with multilabel ``y``, and class
weights left out of the early-stopping validation score (as ``SGDClassifier`` and Keras)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

pytest.importorskip("sklearn")

from sklearn.base import clone  # noqa: E402

import nonlin.sklearn as nls  # noqa: E402

X = np.random.default_rng(0).normal(size=(40, 3))
Y_BINARY = (X[:, 0] > 0).astype(int)


def _fit(est, X, y, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning of the short fits
        return est.fit(X, y, **kwargs)


# -- 1. dtype: any spelling np.dtype reads for float32 / float64 -------------------------------
SPELLINGS = [("float32", np.float32), (np.float32, np.float32),
             (np.dtype("float32"), np.float32), ("f4", np.float32), ("single", np.float32),
             (np.dtype("float64"), np.float64), ("<f8", np.float64), ("double", np.float64),
             (float, np.float64)]


@pytest.mark.parametrize(("dtype", "expected"), SPELLINGS, ids=repr)
def test_dtype_takes_every_numpy_spelling_and_clones_it_as_given(dtype, expected):
    est = _fit(nls.MLPClassifier((3,), max_iter=2, random_state=0, dtype=dtype), X, Y_BINARY)
    assert est.coefs_[0].dtype == expected and est.predict_proba(X).dtype == expected
    assert est.get_params()["dtype"] is dtype
    cloned = clone(est).get_params()["dtype"]  # deep-copied: an np.dtype is an equal copy
    assert type(cloned) is type(dtype) and cloned == dtype


@pytest.mark.parametrize("dtype", ["float16", ">f4", "int32", "f4,f4", "", 3, np.int64])
def test_dtype_refuses_other_dtypes_naming_what_it_takes(dtype):
    with pytest.raises(ValueError, match="float32 or float64 in a spelling np.dtype reads"):
        nls.MLPRegressor(hidden_layer_sizes=(3,), max_iter=2, dtype=dtype).fit(X, X[:, 0])


@pytest.mark.parametrize("dtype", ["f4", np.dtype("float32"), np.dtype("float64"), float],
                         ids=repr)
def test_dtype_spelling_comes_back_from_a_saved_file(tmp_path, dtype):
    est = nls.MLPRegressor(hidden_layer_sizes=(3,), max_iter=2, random_state=0, dtype=dtype)
    est = _fit(est, X, X[:, 0])
    est.save(tmp_path / "m.safetensors")
    loaded = nls.load(tmp_path / "m.safetensors")
    assert type(loaded.dtype) is type(dtype) and loaded.dtype == dtype
    np.testing.assert_array_equal(loaded.predict(X), est.predict(X))
