"""s16: ``class_weight`` as a list of dicts for multilabel ``y`` (scikit-learn's
``compute_sample_weight`` convention: one dict per label column, weighing its values 0
and 1, multiplied into one weight per row), and a saved file's ``classes_dtype`` that
names a dtype the classes' JSON values do not have."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

pytest.importorskip("sklearn")

from sklearn.utils.class_weight import compute_sample_weight  # noqa: E402

import nonlin.sklearn as nls  # noqa: E402
from nonlin import ModelFileError  # noqa: E402

X = np.random.default_rng(0).normal(size=(40, 3))
Y = (X > 0).astype(int)  # three label columns
PER_COLUMN = [{0: 1.0, 1: 3.0}, {1: 0.5}, {0: 2.0, 1: 1.0}]


def _fit(est, X, y, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning of the short fits
        return est.fit(X, y, **kwargs)


def _weights_seen(est, monkeypatch):
    """The training weights ``est`` computes (``_training_weight``'s result)."""
    seen = []
    original = type(est)._training_weight

    def spy(self, *args):
        seen.append(original(self, *args))
        return seen[-1]

    monkeypatch.setattr(type(est), "_training_weight", spy)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(X, Y)
    return seen[0]


# -- class_weight: a list of dicts for multilabel y ------------------------------------------
def test_a_list_of_dicts_weighs_each_row_as_compute_sample_weight(monkeypatch):
    est = nls.MLPClassifier((3,), max_iter=2, random_state=0, class_weight=PER_COLUMN)
    seen = _weights_seen(est, monkeypatch)
    np.testing.assert_array_equal(seen, compute_sample_weight(PER_COLUMN, Y))
    assert seen.dtype == np.float64 and seen.shape == (40,)


def test_a_list_of_dicts_trains_as_the_same_sample_weight():
    weighted = _fit(nls.MLPClassifier((3,), max_iter=3, random_state=0,
                                      class_weight=PER_COLUMN), X, Y)
    by_rows = _fit(nls.MLPClassifier((3,), max_iter=3, random_state=0), X, Y,
                   sample_weight=compute_sample_weight(PER_COLUMN, Y))
    for a, b in zip(weighted.coefs_ + weighted.intercepts_, by_rows.coefs_ + by_rows.intercepts_,
                    strict=True):
        np.testing.assert_array_equal(a, b)


def test_partial_fit_weighs_a_batch_that_lacks_a_value(monkeypatch):
    est = nls.MLPClassifier((3,), random_state=0, class_weight=[{1: 4.0}, {0: 2.0}, {}])
    rows = Y[:, 0] == 0  # column 0 all 0 in this batch: no 1 to weigh, and no error
    seen = []
    original = nls.MLPClassifier._training_weight
    monkeypatch.setattr(nls.MLPClassifier, "_training_weight",
                        lambda self, *a: seen.append(original(self, *a)) or seen[-1])
    est.partial_fit(X[rows], Y[rows], classes=np.arange(3))
    np.testing.assert_array_equal(seen[0], np.where(Y[rows, 1] == 0, 2.0, 1.0))


def test_a_list_of_the_wrong_length_names_it():
    est = nls.MLPClassifier((3,), max_iter=2, class_weight=PER_COLUMN[:2])
    with pytest.raises(ValueError, match=r"Expected a list of 3 dicts for class_weight.* "
                       r"Received 2: class_weight=\[\{0: 1.0, 1: 3.0\}, \{1: 0.5\}\]"):
        est.fit(X, Y)


@pytest.mark.parametrize("column", [{2: 1.0}, {"1": 2.0}, 3.0])
def test_a_column_naming_an_unknown_class_names_it(column):
    est = nls.MLPClassifier((3,), max_iter=2, class_weight=[{}, column, {}])
    with pytest.raises(ValueError, match=r"Expected class_weight\[1\] to be a dict of weights "
                       r"for label column 1's values 0 and 1\. Received: class_weight\[1\]="
                       + repr(column).replace("{", r"\{").replace("}", r"\}")):
        est.fit(X, Y)


def test_a_list_for_single_output_y_is_refused():
    est = nls.MLPClassifier((3,), max_iter=2, class_weight=[{0: 1.0, 1: 2.0}])
    with pytest.raises(ValueError, match=r"Expected a dict, 'balanced' or None for "
                       r"class_weight with single-output y .* Received: class_weight=\["):
        est.fit(X, Y[:, 0])


def test_a_list_of_dicts_survives_save_and_load(tmp_path):
    est = _fit(nls.MLPClassifier((3,), max_iter=2, random_state=0, class_weight=PER_COLUMN),
               X, Y)
    est.save(tmp_path / "m.safetensors")
    again = nls.load(tmp_path / "m.safetensors")
    assert again.class_weight == PER_COLUMN
    assert all(type(k) is int for d in again.class_weight for k in d)


# -- classes_dtype: the classes' JSON values must be of that dtype's kind -------------------
def _saved_with(tmp_path, y, change):
    from io_helpers import edit_meta

    est = _fit(nls.MLPClassifier((3,), max_iter=2, random_state=0), X, y)
    est.save(tmp_path / "m.safetensors")

    def apply(metadata):
        change(metadata["training"]["fitted"])
        return metadata

    data = (tmp_path / "m.safetensors").read_bytes()
    (tmp_path / "edited.safetensors").write_bytes(edit_meta(data, "metadata", apply))
    return tmp_path / "edited.safetensors"


BINARY = X[:, 0] > 0


@pytest.mark.parametrize("labels, classes, dtype", [
    (BINARY.astype(int), [0, 1], "|b1"),             # the s16 report: loaded as bool
    (BINARY, [False, True], "<i8"),                  # bools read as int64
    (BINARY.astype(float), [0.0, 1.0], "<i8"),       # floats read as int64
    (BINARY.astype(int), [0, 1], "<f8"),             # integers read as float64
])
def test_a_classes_dtype_of_another_kind_than_the_classes_is_refused(tmp_path, labels, classes,
                                                                      dtype):
    """``save`` writes ``classes_.tolist()``: bool classes as JSON true / false, float ones
    with a point, so no writer pairs these classes with this dtype."""
    def change(fitted):
        assert fitted["classes"] == classes
        fitted["classes_dtype"] = dtype

    with pytest.raises(ModelFileError) as info:
        nls.load(_saved_with(tmp_path, labels, change))
    assert info.value.field == "training.fitted.classes_dtype"


@pytest.mark.parametrize("labels", [BINARY, BINARY.astype(np.uint8), BINARY.astype(np.float32),
                                    np.where(BINARY, "yes", "no").astype(object),
                                    np.where(BINARY, "nan", "b")])
def test_every_written_classes_dtype_still_loads(tmp_path, labels):
    est = _fit(nls.MLPClassifier((3,), max_iter=2, random_state=0), X, labels)
    est.save(tmp_path / "m.safetensors")
    loaded = nls.load(tmp_path / "m.safetensors")
    assert loaded.classes_.dtype == est.classes_.dtype
    assert loaded.classes_.tolist() == est.classes_.tolist()
    assert [type(c) for c in loaded.classes_.tolist()] == [type(c) for c in est.classes_.tolist()]
