"""Follow-ups of session 16: one ``_unnumber`` for the sklearn file reader, old files whose
labels are all spelled "inf"/"-inf"/"nan", and checkpoints' ``resume`` and compile record."""

from __future__ import annotations

from pathlib import Path

import pytest


def test_one_unnumber_serves_the_sklearn_reader_and_its_checks() -> None:
    from nonlin import _sklearn_filecheck, _sklearn_io

    package = Path(_sklearn_io.__file__).parent  # the nonlin imported
    defined = sorted(p.name for p in package.glob("*.py") if "def _unnumber(" in p.read_text())
    assert defined == ["_sklearn_filecheck.py"]
    assert "_unnumber" not in vars(_sklearn_io)  # it reads filecheck's
    assert _sklearn_filecheck._unnumber("nan") != _sklearn_filecheck._unnumber("nan")  # NaN
    assert _sklearn_io._loss("-inf") == float("-inf") and _sklearn_io._loss(None) is None


# -- 2. old nonlin.sklearn files whose labels are all spelled "inf", "-inf", "nan" ---------
def _old_file(tmp_path, names, **params):
    """An estimator fitted on the text labels ``names`` and its file as written before
    ``training.fitted.classes_dtype`` existed."""
    import warnings

    import numpy as np
    import pytest

    pytest.importorskip("sklearn")
    import nonlin.sklearn as nls
    from io_helpers import edit_meta

    X = np.random.default_rng(0).normal(size=(24, 3))
    y = np.array([names[i % len(names)] for i in range(len(X))])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning of the short fit
        est = nls.MLPClassifier((3,), max_iter=3, random_state=0, **params).fit(X, y)
    est.save(tmp_path / "new.safetensors")

    def drop(metadata):
        metadata["training"]["fitted"].pop("classes_dtype")
        return metadata

    data = edit_meta((tmp_path / "new.safetensors").read_bytes(), "metadata", drop)
    (tmp_path / "old.safetensors").write_bytes(data)
    return est, X, tmp_path / "old.safetensors"


@pytest.mark.parametrize("names", [["inf", "nan"], ["-inf", "inf"], ["-inf", "inf", "nan"]],
                         ids="-".join)
def test_an_old_file_with_labels_all_spelled_non_finite_loads_them_as_text(tmp_path, names):
    import numpy as np

    import nonlin.sklearn as nls

    est, X, path = _old_file(tmp_path, names)
    loaded = nls.load(path)  # before: "Expected distinct sorted labels"
    assert loaded.classes_.tolist() == est.classes_.tolist() == sorted(names)
    assert loaded.classes_.dtype.kind == "U"
    assert loaded.predict(X).tolist() == est.predict(X).tolist()
    np.testing.assert_array_equal(loaded.predict_proba(X), est.predict_proba(X))


def test_an_old_files_class_weight_keys_follow_its_text_labels(tmp_path):
    import nonlin.sklearn as nls

    weights = {"inf": 3.0, "nan": 0.5}
    _, _, path = _old_file(tmp_path, ["inf", "nan"], class_weight=weights)
    assert nls.load(path).get_params()["class_weight"] == weights


@pytest.mark.parametrize(("record", "expected"), [
    ({"classes": ["inf", "nan"]}, True), ({"classes": ["-inf"]}, True),
    ({"classes": ["inf", "a"]}, False),  # NumPy reads [inf, "a"] as text anyway
    ({"classes": [1.0, "inf"]}, False), ({"classes": []}, False), ({"classes": "nan"}, False),
    ({"classes": ["inf", "nan"], "classes_dtype": "<f8"}, False),  # the record decides
    ({"classes": ["inf", "nan"], "classes_dtype": None}, False),
])
def test_text_labels_without_classes_dtype(record, expected):
    from nonlin._sklearn_labels import text_labels

    assert text_labels(record) is expected
