"""Labels spelled "inf", "-inf" and "nan" through a model file.

JSON has no NaN or infinity, so a ``nonlin.sklearn`` file writes a non-finite float
as the string "inf", "-inf" or "nan". Text labels spelled so (``y = ["inf", "nan"]``)
must come back as text: the file's ``training.fitted.classes_dtype`` (``"<U3"``) says
they are text, while a file without it (written before it) reads them as floats, as
before. scikit-learn refuses non-finite float labels (in ``fit``, and in
``partial_fit``'s ``classes``), so only text labels are spelled so in practice. The
command line stores its classes as str or int and prints them as stored.
"""

from __future__ import annotations

import os
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("sklearn")

import nonlin  # noqa: E402
import nonlin.sklearn as nls  # noqa: E402
from nonlin._sklearn_labels import text_labels  # noqa: E402

X = np.random.default_rng(0).normal(size=(24, 3))
SRC = Path(__file__).resolve().parents[1] / "src"


def _fit(y, features=X, **params):
    est = nls.MLPClassifier((3,), max_iter=3, random_state=0, **params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning of the short fits
        return est.fit(features, y)


def _labels(names, dtype=None):
    return np.array([names[i % len(names)] for i in range(len(X))], dtype=dtype)


def _edit_fitted(tmp_path, est, change):
    from io_helpers import edit_meta

    est.save(tmp_path / "m.safetensors")

    def apply(metadata):
        change(metadata["training"]["fitted"])
        return metadata

    data = edit_meta((tmp_path / "m.safetensors").read_bytes(), "metadata", apply)
    (tmp_path / "edited.safetensors").write_bytes(data)
    return tmp_path / "edited.safetensors"


TEXT = [["inf", "nan"], ["-inf", "inf"], ["-inf", "inf", "nan"], ["a", "nan"],
        ["-inf", "a", "inf", "nan"]]


@pytest.mark.parametrize("dtype", [None, object], ids=["str", "object"])
@pytest.mark.parametrize("names", TEXT, ids="-".join)
def test_text_labels_spelled_like_non_finite_floats_round_trip(tmp_path, names, dtype):
    est = _fit(_labels(names, dtype))
    est.save(tmp_path / "m.safetensors")
    loaded = nls.load(tmp_path / "m.safetensors")
    assert loaded.classes_.dtype == est.classes_.dtype
    assert loaded.classes_.tolist() == est.classes_.tolist() == sorted(set(names))
    assert loaded.predict(X).tolist() == est.predict(X).tolist()
    np.testing.assert_array_equal(loaded.predict_proba(X), est.predict_proba(X))
    assert nonlin.load(tmp_path / "m.safetensors").metadata["classes"] == sorted(set(names))


def test_class_weight_keys_spelled_like_non_finite_floats_stay_text(tmp_path):
    weights = {"inf": 3.0, "nan": 0.5}  # with "a", a file NumPy read as text before the fix
    est = _fit(_labels(["a", "inf", "nan"]), class_weight=weights)
    est.save(tmp_path / "m.safetensors")
    loaded = nls.load(tmp_path / "m.safetensors")
    assert loaded.get_params()["class_weight"] == weights
    refit = nls.MLPClassifier(**loaded.get_params())  # the same fit again
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        refit.fit(X, _labels(["a", "inf", "nan"]))
    np.testing.assert_array_equal(refit.predict_proba(X), est.predict_proba(X))


def test_a_file_without_classes_dtype_reads_the_strings_as_floats_as_before(tmp_path):
    from nonlin import ModelFileError

    est = _fit(_labels([1.0, 2.0]))
    path = _edit_fitted(tmp_path, est, lambda fitted: (fitted.pop("classes_dtype"),
                                                       fitted.update(classes=[1.0, "inf"])))
    with pytest.raises(ModelFileError, match="distinct sorted labels"):
        nls.load(path)  # [1.0, inf]: no labels scikit-learn takes, as before the field
    # labels all spelled "inf", "-inf", "nan": text (tests/test_followups_s16.py)
    mixed = _fit(_labels(["-inf", "a", "inf", "nan"]))  # NumPy reads [-inf, "a", ...] as text
    path = _edit_fitted(tmp_path, mixed, lambda fitted: fitted.pop("classes_dtype"))
    assert nls.load(path).classes_.tolist() == ["-inf", "a", "inf", "nan"]


def test_a_float_classes_dtype_reads_the_strings_as_floats(tmp_path):
    from nonlin import ModelFileError

    est = _fit(_labels([1.0, 2.0]))
    path = _edit_fitted(tmp_path, est, lambda fitted: fitted.update(classes=[1.0, "inf"]))
    with pytest.raises(ModelFileError, match="distinct sorted labels"):
        nls.load(path)  # [1.0, inf]: refused by scikit-learn's LabelBinarizer
    path = _edit_fitted(tmp_path, est, lambda fitted: fitted.update(classes=["inf", "nan"],
                                                                    classes_dtype="<U3"))
    assert nls.load(path).classes_.tolist() == ["inf", "nan"]


@pytest.mark.parametrize(("record", "expected"), [
    ({"classes_dtype": "<U3"}, True), ({"classes_dtype": "|O"}, True),
    ({"classes_dtype": "<f8"}, False), ({"classes_dtype": "|u1"}, False), ({}, False),
    ({"classes_dtype": 3}, False), ({"classes_dtype": "no dtype"}, False), ([], False),
    ({"classes_dtype": "U99999999999999999999"}, False),
])
def test_text_labels_reads_the_recorded_dtype(record, expected):
    assert text_labels(record) is expected


def _cli(*args, cwd):
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    return subprocess.run([sys.executable, "-m", "nonlin", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=60)


def _write_csv(path, names=None):
    """``X`` (exactly: ``repr``) as columns x0, x1, x2, and the labels ``names`` as y."""
    header = ["x0", "x1", "x2"] + (["y"] if names else [])
    rows = [[repr(float(v)) for v in row] + ([names[i % len(names)]] if names else [])
            for i, row in enumerate(X)]
    path.write_text("\n".join(",".join(cells) for cells in [header, *rows]) + "\n")


def test_cli_text_labels_inf_and_nan_round_trip_and_print_as_text(tmp_path):
    """In a column that holds other text, "inf" and "nan" are labels as written."""
    _write_csv(tmp_path / "t.csv", ["cat", "inf", "nan"])
    done = _cli("train", "t.csv", "--target", "y", "--epochs", "2", "--hidden", "4",
                "--quiet", "-o", "m.safetensors", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert nonlin.load(tmp_path / "m.safetensors").metadata["classes"] == ["cat", "inf", "nan"]
    done = _cli("predict", "m.safetensors", "t.csv", "--proba", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == "prediction,proba_cat,proba_inf,proba_nan"
    assert {line.split(",")[0] for line in done.stdout.splitlines()[1:]} <= {"cat", "inf", "nan"}
    done = _cli("evaluate", "m.safetensors", "t.csv", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert {"cat", "inf", "nan"} <= set(done.stdout.split())


def test_cli_refuses_a_target_column_of_only_inf_and_nan_as_numbers(tmp_path):
    """With no other text, "inf" and "nan" are non-finite numbers (as pandas reads them):
    the column is numeric, and its cells are no finite number."""
    _write_csv(tmp_path / "t.csv", ["inf", "nan"])
    done = _cli("train", "t.csv", "--target", "y", "--epochs", "1", "-o", "m.safetensors",
                cwd=tmp_path)
    assert done.returncode != 0 and "expected a finite number, received 'inf'" in done.stderr


def test_cli_predicts_an_estimators_inf_and_nan_labels_as_text(tmp_path):
    pd = pytest.importorskip("pandas")
    est = _fit(_labels(["inf", "nan"]), pd.DataFrame(X, columns=["x0", "x1", "x2"]))
    est.save(tmp_path / "m.safetensors")
    _write_csv(tmp_path / "x.csv")
    done = _cli("predict", "m.safetensors", "x.csv", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    expected = est.predict(pd.DataFrame(X, columns=["x0", "x1", "x2"])).tolist()
    assert done.stdout.split() == ["prediction", *expected]
