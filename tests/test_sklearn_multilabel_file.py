"""A multi-label MLPClassifier with two labels has ``classes_ == [0, 1]``, as a binary
classifier has: its file says ``multilabel: true`` so that nothing reads it as one."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest

pytest.importorskip("sklearn")

import nonlin  # noqa: E402
import nonlin.sklearn as nls  # noqa: E402
from io_helpers import edit_meta  # noqa: E402
from nonlin import ModelFileError, cli  # noqa: E402

X = np.random.default_rng(0).normal(size=(40, 3))
Y = np.column_stack([X[:, 0] > 0, X[:, 1] + X[:, 2] > 0]).astype(int)


def _fit(y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return nls.MLPClassifier((5,), max_iter=20, random_state=0).fit(X, y)


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    folder = tmp_path_factory.mktemp("multilabel")
    multi, binary = _fit(Y), _fit(Y[:, 0])
    multi.save(folder / "multi.safetensors")
    binary.save(folder / "binary.safetensors")
    return multi, folder


def test_a_two_label_multilabel_file_says_multilabel_and_round_trips(saved, capsys):
    est, folder = saved
    assert est.classes_.tolist() == [0, 1]  # scikit-learn's: the label columns
    path = folder / "multi.safetensors"
    meta = nonlin.load(path).metadata
    assert meta["multilabel"] is True and meta["classes"] == [0, 1]
    assert "multilabel" not in nonlin.load(folder / "binary.safetensors").metadata
    for again in (nls.load(path), nls.load(str(path))):
        assert again.classes_.tolist() == [0, 1]
        assert again._label_binarizer.y_type_ == "multilabel-indicator"
        np.testing.assert_array_equal(again.predict(X), est.predict(X))
        np.testing.assert_array_equal(again.predict_proba(X), est.predict_proba(X))
    assert cli.main(["info", str(path)]) == 0
    assert "multi-label" in capsys.readouterr().out
    assert cli.main(["info", str(path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["multilabel"] is True


def test_a_multilabel_file_without_the_flag_still_loads_and_a_wrong_flag_is_named(
    saved, tmp_path
):
    est, folder = saved
    data = (folder / "multi.safetensors").read_bytes()
    old = tmp_path / "old.safetensors"
    old.write_bytes(edit_meta(data, "metadata", lambda m: {
        k: v for k, v in m.items() if k != "multilabel"}))
    np.testing.assert_array_equal(nls.load(old).predict_proba(X), est.predict_proba(X))
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(edit_meta(data, "metadata", lambda m: {**m, "multilabel": False}))
    with pytest.raises(ModelFileError) as info:
        nls.load(bad)
    assert info.value.field == "multilabel"
    with pytest.raises(ValueError, match="multilabel"):
        nonlin.save(nonlin.load(old), tmp_path / "x.safetensors", metadata={"multilabel": 1})


def test_predict_reads_a_file_marked_multilabel_label_by_label(tmp_path, capsys):
    """Logits scored each on its own (``multilabel: true``) are not one class per row:
    ``predict`` gives each label its own sigmoid probability (it refused such a file
    before the command line knew multilabel classifiers) instead of a softmax over them."""
    model = nonlin.Sequential([nonlin.Dense(2)]).build(3, seed=0)
    meta = {"task": "classification", "feature_names": ["a", "b", "c"], "classes": [0, 1],
            "multilabel": True,
            "preprocessing": {"type": "standardize", "mean": [0.0] * 3, "scale": [1.0] * 3}}
    nonlin.save(model, tmp_path / "m.safetensors", metadata=meta)
    (tmp_path / "d.csv").write_text("a,b,c\n1,2,3\n")
    assert cli.main(["predict", str(tmp_path / "m.safetensors"), str(tmp_path / "d.csv"),
                     "--proba"]) == 0
    header, row = capsys.readouterr().out.splitlines()
    assert header == "prediction_0,prediction_1,proba_0,proba_1"
    z = model.predict(np.array([[1.0, 2.0, 3.0]], dtype=np.float32))[0].astype(np.float64)
    p = 1 / (1 + np.exp(-z))
    assert row.split(",") == [str(int(v > 0.5)) for v in p] + [f"{v:.6g}" for v in p]
