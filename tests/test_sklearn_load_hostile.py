"""Property: a saved estimator whose ``training`` record was tampered with loads as an
estimator equal to the original (but for the changed field) or raises ModelFileError
naming the field."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest

pytest.importorskip("sklearn")
pytest.importorskip("hypothesis")

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import nonlin  # noqa: E402
import nonlin.sklearn as nls  # noqa: E402
from io_helpers import edit_meta  # noqa: E402
from nonlin import ModelFileError  # noqa: E402

SETTINGS = settings(
    max_examples=int(__import__("os").environ.get("NONLIN_MUTATIONS", "25")), deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.integers(-2, 6)
    | st.floats(allow_nan=False, allow_infinity=False) | st.floats(0, 1)
    | st.sampled_from(["nan", "inf", "-inf", "tanh", "auto", "float32", "balanced", "sgd",
                       "lbfgs", "binary", "multiclass", "multilabel-indicator", "log_loss",
                       "poisson", "softmax", "identity", "exp"])
    | st.text(max_size=4),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.sampled_from(["list", "type", "pairs", "x"]) | st.text(max_size=3), inner, max_size=2
    ),
    max_leaves=6,
)
X = np.random.default_rng(0).normal(size=(30, 3))


def _fit(est, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return est.fit(X, y)


ESTIMATORS = {
    "binary": _fit(nls.MLPClassifier((4,), max_iter=3, random_state=0,
                                     class_weight={0: 1.0, 1: 2.0}), np.arange(30) % 2),
    "multiclass": _fit(nls.MLPClassifier([3, 2], solver="sgd", max_iter=3, random_state=0,
                                         batch_norm=True, dropout=0.1, dtype="float32",
                                         early_stopping=True, validation_fraction=0.3),
                       np.array(["a", "b", "c"])[np.arange(30) % 3]),
    "regressor": _fit(nls.MLPRegressor("poisson", 3, solver="lbfgs", max_iter=5, random_state=0,
                                       dtype=np.float64), np.arange(30) % 4),
}


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("saved")
    for name, est in ESTIMATORS.items():
        est.save(folder / f"{name}.safetensors")
    return {name: (folder / f"{name}.safetensors").read_bytes() for name in ESTIMATORS}


def _mutated(data: bytes, change) -> bytes:
    def apply(meta):
        change(meta["training"] if isinstance(meta.get("training"), dict) else meta)
        return meta

    return edit_meta(data, "metadata", apply)


def _fitted(est) -> dict:
    from nonlin._sklearn_io import _FITTED

    return {name: getattr(est, name) for name in _FITTED if hasattr(est, name)}


def _check(name: str, data: bytes, path, section: str, key: str) -> None:
    """The property: an equal estimator (but for ``section.key``) or the field named."""
    path.write_bytes(data)
    try:
        loaded = nls.load(path)
    except ModelFileError as exc:
        assert exc.field is not None and exc.field.startswith("training"), exc
        assert key in str(exc) and str(path) in str(exc), exc
        return
    original = ESTIMATORS[name]
    loaded._validate_params()  # scikit-learn's own constraints hold
    mine, theirs = loaded.get_params(), original.get_params()
    mine.pop(key if section == "params" else None, None)
    theirs.pop(key if section == "params" else None, None)
    assert mine == theirs
    mine, theirs = _fitted(loaded), _fitted(original)
    mine.pop(key, None)
    theirs.pop(key, None)
    assert json.dumps(mine) == json.dumps(theirs)
    if key == "classes":  # other labels for the same outputs: the probabilities agree
        np.testing.assert_array_equal(loaded.predict_proba(X), original.predict_proba(X))
    else:
        np.testing.assert_array_equal(loaded.predict(X), original.predict(X))
    loaded.save(path)
    assert nls.load(path).get_params() == loaded.get_params()


@SETTINGS
@given(name=st.sampled_from(sorted(ESTIMATORS)), section=st.sampled_from(["params", "fitted"]),
       data=st.data())
def test_a_changed_or_dropped_field_loads_or_is_named(files, tmp_path, name, section, data):
    record = _record(files[name])
    key = data.draw(st.sampled_from(sorted(record[section])))
    value, drop = data.draw(JSON), data.draw(st.booleans())

    def change(training):
        if drop:
            del training[section][key]
        else:
            training[section][key] = value

    _check(name, _mutated(files[name], change), tmp_path / "bad.safetensors", section, key)


@SETTINGS
@given(name=st.sampled_from(sorted(ESTIMATORS)),
       section=st.sampled_from(["params", "fitted", "estimator", "training"]), value=JSON)
def test_a_replaced_section_is_named(files, tmp_path, name, section, value):
    def change(training):
        if section == "training":
            training.clear()
            training["junk"] = value
        else:
            training[section] = value

    _check(name, _mutated(files[name], change), tmp_path / "bad.safetensors", section, section)


@SETTINGS
@given(name=st.sampled_from(sorted(ESTIMATORS)), section=st.sampled_from(["params", "fitted"]),
       key=st.text(min_size=1, max_size=5), value=JSON)
def test_an_unknown_key_is_named(files, tmp_path, name, section, key, value):
    def change(training):
        training[section][key] = value

    data = _mutated(files[name], change)
    if key in _record(files[name])[section]:  # a known key, changed
        _check(name, data, tmp_path / "bad.safetensors", section, key)
        return
    path = tmp_path / "bad.safetensors"
    path.write_bytes(data)
    with pytest.raises(ModelFileError, match="unknown keys") as info:
        nls.load(path)
    assert info.value.field == f"training.{section}" and repr(key)[:20] in str(info.value)


def _record(data: bytes) -> dict:
    from io_helpers import split

    return json.loads(split(data)[0]["__metadata__"]["metadata"])["training"]


# -- the escapes found, one each: each was a raw TypeError/KeyError/..., or loaded wrong ------
CASES = [
    ("binary", "params", None, "training.params"),
    ("binary", "params", [1, 2], "training.params"),
    ("binary", ("params", "zzz"), 1, "training.params"),
    ("binary", ("params", "dtype"), {"type": 3}, "training.params.dtype"),
    ("binary", ("params", "dtype"), {}, "training.params.dtype"),
    ("binary", ("params", "hidden_layer_sizes"), [-3], "training.params.hidden_layer_sizes"),
    ("binary", ("params", "hidden_layer_sizes"), "x", "training.params.hidden_layer_sizes"),
    ("binary", ("params", "hidden_layer_sizes"), 2**70, "training.params.hidden_layer_sizes"),
    ("binary", ("params", "hidden_layer_sizes"), [5], "training.params.hidden_layer_sizes"),
    ("binary", ("params", "alpha"), "x", "training.params.alpha"),
    ("binary", ("params", "max_iter"), "nan", "training.params.max_iter"),
    ("binary", ("params", "random_state"), 2**70, "training.params.random_state"),
    ("binary", ("params", "class_weight"), {"pairs": [[[0], 1.0]]}, "training.params.class_weight"),
    ("binary", ("params", "activation"), "tanh", "training.params"),  # loaded as tanh: wrong
    ("multiclass", ("params", "batch_norm"), False, "training.params"),
    ("multiclass", ("params", "dropout"), 0.0, "training.params"),
    ("binary", "fitted", "x", "training.fitted"),
    ("binary", ("fitted", "objective"), "poisson", "training.fitted.objective"),
    ("binary", ("fitted", "n_outputs_"), True, "training.fitted.n_outputs_"),
    ("binary", ("fitted", "n_outputs_"), 2**70, "training.fitted.n_outputs_"),
    ("binary", ("fitted", "y_type"), None, "training.fitted.y_type"),
    ("binary", ("fitted", "classes"), [2**70, 1], "training.fitted.classes"),
    ("binary", ("fitted", "classes"), [1, 0], "training.fitted.classes"),
    ("binary", ("fitted", "loss_curve_"), ["x"], "training.fitted.loss_curve_"),
    ("regressor", ("fitted", "out_activation_"), "identity", "training.fitted.out_activation_"),
]


@pytest.mark.parametrize(("name", "where", "value", "field"), CASES)
def test_each_escape_found_is_a_model_file_error(files, tmp_path, name, where, value, field):
    def change(training):
        if isinstance(where, str):
            training[where] = value
        else:
            training[where[0]][where[1]] = value

    path = tmp_path / "bad.safetensors"
    path.write_bytes(_mutated(files[name], change))
    with pytest.raises(ModelFileError) as info:
        nls.load(path)
    assert info.value.field == field, info.value
    assert nonlin.load(path).n_features_in == 3  # the network itself still loads


def test_a_literal_nan_in_the_record_is_invalid_json(files, tmp_path):
    def change(header):
        header["__metadata__"]["metadata"] = header["__metadata__"]["metadata"].replace(
            '"alpha": 0.0001', '"alpha": NaN').replace('"alpha":0.0001', '"alpha":NaN')

    from io_helpers import edit

    data = edit(files["binary"], change)
    assert b"NaN" in data
    path = tmp_path / "bad.safetensors"
    path.write_bytes(data)
    with pytest.raises(ModelFileError, match="invalid JSON"):
        nls.load(path)


def test_unmutated_files_load_equal(files, tmp_path):
    for name, data in files.items():
        _check(name, data, tmp_path / "ok.safetensors", "params", "none")
