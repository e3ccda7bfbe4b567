"""Follow-ups of session 16: one ``_unnumber`` for the sklearn file reader, old files whose
labels are all spelled "inf"/"-inf"/"nan", checkpoints' ``resume`` and compile record, and
where the callbacks' warnings point."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

import nonlin


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

    pytest.importorskip("sklearn")
    import nonlin.sklearn as nls

    est, X, path = _old_file(tmp_path, names)
    loaded = nls.load(path)  # before: "Expected distinct sorted labels"
    assert loaded.classes_.tolist() == est.classes_.tolist() == sorted(names)
    assert loaded.classes_.dtype.kind == "U"
    assert loaded.predict(X).tolist() == est.predict(X).tolist()
    np.testing.assert_array_equal(loaded.predict_proba(X), est.predict_proba(X))


def test_an_old_files_class_weight_keys_follow_its_text_labels(tmp_path):
    pytest.importorskip("sklearn")
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


# -- 3. checkpoints: resume's optimizer, the metrics recorded, the warning's line --------
def _ck_run(tmp_path, **options):
    """A model fitted 2 epochs with ``ModelCheckpoint`` and the checkpoint's path."""
    import numpy as np

    import nonlin

    X = np.random.default_rng(0).normal(size=(30, 3))
    y = (X[:, 0] > 0).astype(int) + (X[:, 1] > 0.5)
    model = nonlin.Sequential([nonlin.Dense(4), nonlin.Tanh(), nonlin.Dense(3),
                               nonlin.Softmax()])
    run = {"loss": "cross_entropy", "optimizer": nonlin.Adam(0.01), "metrics": ["accuracy"],
           **options}
    path = tmp_path / "ck.safetensors"
    model.fit(X, y, epochs=2, batch_size=8, verbose=0, seed=0,
              callbacks=[nonlin.ModelCheckpoint(path)], **run)
    return model, path


def _fresh(model):
    import nonlin

    return nonlin.Sequential.from_config(model.get_config()).build(3, seed=1)


def test_resume_takes_the_checkpoints_optimizer_when_given_none(tmp_path):
    import numpy as np

    import nonlin
    from nonlin.checkpoint import resume

    model, path = _ck_run(tmp_path)
    for call in (lambda m: resume(m, path=path), lambda m: resume(m, None, path)):
        fresh = _fresh(model)
        epoch, optimizer = call(fresh)  # before: TypeError, a required optimizer
        assert epoch == 2 and type(optimizer) is nonlin.Adam
        assert optimizer.iterations == model.optimizer.iterations
        for a, b in zip(fresh.get_weights(), model.get_weights(), strict=True):
            np.testing.assert_array_equal(a, b)
    assert resume(_fresh(model), "adam", path)[0] == 2  # as before
    compiled = _fresh(model)
    compiled.compile(nonlin.SGD(0.1), "cross_entropy")  # as fit(resume_from=): checked
    with pytest.raises(ValueError, match="was trained with Adam"):
        resume(compiled, path=path)
    with pytest.raises(TypeError, match=r"Expected the checkpoint's path"):
        resume(_fresh(model), "ck.safetensors")


def test_a_checkpoint_records_the_metrics_as_a_model_file_does(tmp_path):
    import json

    import safetensors

    import nonlin

    def record(path):
        with safetensors.safe_open(str(path), "np") as f:
            return json.loads(f.metadata()["compile"])["metrics"]

    precision = nonlin.metrics.Precision()
    model, path = _ck_run(tmp_path, metrics=["accuracy", precision])
    model.compile(nonlin.Adam(0.01), "cross_entropy", metrics=["accuracy", precision])
    nonlin.save(model, tmp_path / "m.safetensors")
    expected = ["accuracy", {"class_name": "Precision", "config": precision.get_config()}]
    assert record(tmp_path / "m.safetensors") == expected
    assert record(path) == expected  # before: {"class_name": "Accuracy", ...} for "accuracy"
    _, path = _ck_run(tmp_path, metrics="accuracy")  # one metric, not in a list
    assert record(path) == ["accuracy"]


def _custom_metric(y_true, y_pred):
    return 0.0


def test_the_warning_about_a_left_out_metric_points_at_the_users_fit(tmp_path):
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _ck_run(tmp_path, metrics=["accuracy", _custom_metric])
    left_out = [w for w in caught if "compile record leaves out" in str(w.message)]
    assert len(left_out) == 2  # one per checkpoint written
    assert {w.filename for w in left_out} == {__file__}  # before: nonlin's checkpoint.py


def test_a_monitor_missing_from_the_logs_is_reported_at_the_users_fit(tmp_path) -> None:
    """EarlyStopping, ReduceLROnPlateau and ModelCheckpoint(save_best_only) warn, as Keras 3,
    when their monitored key is not logged; the warning points at the user's fit call,
    not at nonlin's callback machinery."""
    X = np.random.default_rng(0).normal(size=(20, 2))
    y = (X[:, 0] > 0).astype(int)
    model = nonlin.Sequential([nonlin.Dense(2), nonlin.Softmax()]).build(2, seed=0)
    callbacks = [nonlin.EarlyStopping(monitor="val_loss"),
                 nonlin.ReduceLROnPlateau(monitor="val_acc"),
                 nonlin.ModelCheckpoint(str(tmp_path / "c.safetensors"), save_best_only=True)]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(X, y, loss="cross_entropy", optimizer="sgd", epochs=1, verbose=0,
                  callbacks=callbacks)
    found = [w for w in caught if "which is not available" in str(w.message)]
    assert len(found) == 3
    assert {w.filename for w in found} == {__file__}
