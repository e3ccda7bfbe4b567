"""Leftovers of the s15 audit of ``nonlin.sklearn``: ``dtype`` in every NumPy spelling,
``classes_``' dtype through save and load, ``class_weight`` with multilabel ``y``, and class
weights left out of the early-stopping validation score (as ``SGDClassifier`` and Keras)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

pytest.importorskip("sklearn")

from sklearn.base import clone  # noqa: E402
from sklearn.metrics import accuracy_score  # noqa: E402

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


# -- 2. classes_ keeps its dtype through save and load -----------------------------------------
LABELS = [np.array([3, 7, 200], np.uint8), np.array([-1, 0, 5], np.int16),
          np.array([-2.0, 1.0, 2.0], np.float32), np.array([False, True]),
          np.array(["a", "bb", "c"]), np.array([0, 1], np.uint64)]


@pytest.mark.parametrize("labels", LABELS, ids=lambda a: a.dtype.str)
def test_classes_keep_their_dtype_through_save_and_load(tmp_path, labels):
    y = labels[np.arange(40) % len(labels)]
    est = _fit(nls.MLPClassifier((3,), max_iter=2, random_state=0), X, y)
    est.save(tmp_path / "m.safetensors")
    loaded = nls.load(tmp_path / "m.safetensors")
    assert loaded.classes_.dtype == est.classes_.dtype == labels.dtype
    np.testing.assert_array_equal(loaded.classes_, est.classes_)
    assert loaded.predict(X).dtype == est.predict(X).dtype
    np.testing.assert_array_equal(loaded.predict(X), est.predict(X))


def _edit_fitted(tmp_path, est, change):
    from io_helpers import edit_meta

    est.save(tmp_path / "m.safetensors")
    data = (tmp_path / "m.safetensors").read_bytes()

    def apply(metadata):
        change(metadata["training"]["fitted"])
        return metadata

    (tmp_path / "edited.safetensors").write_bytes(edit_meta(data, "metadata", apply))
    return tmp_path / "edited.safetensors"


def test_a_file_without_classes_dtype_loads_as_before(tmp_path):
    """Files written before ``classes_dtype``: integer classes load as NumPy reads the list."""
    est = _fit(nls.MLPClassifier((3,), max_iter=2, random_state=0), X, Y_BINARY.astype(np.uint8))
    path = _edit_fitted(tmp_path, est, lambda fitted: fitted.pop("classes_dtype", None))
    loaded = nls.load(path)
    assert loaded.classes_.dtype == np.int64
    np.testing.assert_array_equal(loaded.predict(X), est.predict(X))


@pytest.mark.parametrize("dtype", ["|i1", "<U1", "|V8", "<M8[s]", "float16x", 3])
def test_a_classes_dtype_that_does_not_hold_the_classes_is_refused(tmp_path, dtype):
    from nonlin import ModelFileError

    labels = np.array(["a", "bb", "ccc"]) if dtype == "<U1" else np.array([-1, 300, 1000])
    est = _fit(nls.MLPClassifier((3,), max_iter=2, random_state=0), X, labels[np.arange(40) % 3])

    def change(fitted):
        fitted["classes_dtype"] = dtype

    with pytest.raises(ModelFileError) as info:
        nls.load(_edit_fitted(tmp_path, est, change))
    assert info.value.field == "training.fitted.classes_dtype"


# -- 3. class_weight with multilabel y ---------------------------------------------------------
def test_multilabel_y_with_a_dict_class_weight_says_what_it_takes():
    Y = (X[:, :3] > 0).astype(int)
    est = nls.MLPClassifier((3,), max_iter=2, random_state=0, class_weight={0: 1.0, 1: 3.0})
    with pytest.raises(ValueError, match=r"Expected class_weight='balanced', a list of dicts "
                       r".* Received: class_weight=\{0: 1.0, 1: 3.0\}"):
        est.fit(X, Y)
    balanced = _fit(nls.MLPClassifier((3,), max_iter=2, random_state=0,
                                      class_weight="balanced"), X, Y)
    assert balanced.predict(X).shape == Y.shape


# -- 4. class weights train; the early-stopping score is weighted by sample_weight only ---------
@pytest.mark.parametrize("weighted", [False, True])
def test_class_weights_stay_out_of_the_early_stopping_score(monkeypatch, weighted):
    """As ``SGDClassifier`` (its validation score takes ``sample_weight`` alone) and Keras
    (``class_weight`` weighs training only): ``validation_scores_`` is the accuracy on the
    held-out rows weighted by ``sample_weight`` alone."""
    from sklearn.model_selection import train_test_split

    held_out = {}

    def split(*arrays, **kwargs):
        parts = train_test_split(*arrays, **kwargs)
        held_out["X"] = parts[1]
        return parts

    monkeypatch.setattr(nls, "train_test_split", split)
    y = (X[:, 0] > 0.5).astype(int)
    sample_weight = np.linspace(0.5, 2.0, len(y)) if weighted else None
    est = nls.MLPClassifier((3,), max_iter=1, random_state=0, early_stopping=True,
                            validation_fraction=0.5, class_weight={0: 1.0, 1: 20.0})
    _fit(est, X, y, sample_weight=sample_weight)
    rows = [int(np.flatnonzero((X == row).all(axis=1))[0]) for row in held_out["X"]]
    expected = accuracy_score(y[rows], est.predict(X[rows]),
                              sample_weight=None if sample_weight is None else sample_weight[rows])
    assert est.n_iter_ == 1 and est.validation_scores_ == [pytest.approx(expected, abs=1e-15)]
