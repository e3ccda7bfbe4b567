"""Hostile review of s21-initaudit (Keras 3's initializer classes, review21g).

Keras 3 serializes an object under the first name it is exported with
(``keras/src/api_export.py``: the "canonical name"): ``Identity`` is exported first as
``keras.initializers.IdentityInitializer`` and, in Keras 3.0-3.x, ``Orthogonal`` as
``OrthogonalInitializer``, so a Keras file's entry names them that way. A genuine Keras 3
``Dense.get_config()`` (``keras/src/layers/core/dense.py`` with ``Layer.get_config`` and
``serialization_lib.serialize_keras_object``) writes every initializer, regularizer and the
dtype policy as an entry ``{"module", "class_name", "config", "registered_name"}``.
"""

from __future__ import annotations

import numpy as np
import pytest

from nonlin import Dense
from nonlin.initializers import Identity, Orthogonal
from nonlin.initializers_keras import from_entry


def _keras_entry(class_name: str, config: dict) -> dict:
    return {"module": "keras.initializers", "class_name": class_name, "config": config,
            "registered_name": None}


def test_keras_canonical_names_of_identity_and_orthogonal_entries_are_read() -> None:
    identity = from_entry(_keras_entry("IdentityInitializer", {}))
    assert type(identity) is Identity and identity.gain == 1.0
    orthogonal = from_entry(_keras_entry("OrthogonalInitializer", {"seed": None, "gain": 2.0}))
    assert type(orthogonal) is Orthogonal and orthogonal.gain == 2.0
    layer = Dense(3, kernel_initializer=_keras_entry("OrthogonalInitializer",
                                                     {"seed": 1, "gain": 1.0}))
    assert layer.get_config()["init"] == {"class_name": "Orthogonal",
                                          "config": {"seed": 1, "gain": 1.0}}
    np.testing.assert_array_equal(layer.init(None, 3, 3), Orthogonal(seed=1)(None, 3, 3))


def _policy(name: str = "float32") -> dict:
    return {"module": "keras", "class_name": "DTypePolicy", "config": {"name": name},
            "registered_name": None}


def _keras_dense_config(**changes: object) -> dict:
    """A Keras 3 ``Dense(12, activation="relu").get_config()``, as its ``to_json`` writes it
    (Layer.get_config's name, trainable, dtype; Dense.get_config's keys, in order)."""
    config = {
        "name": "dense", "trainable": True, "dtype": _policy(), "units": 12,
        "activation": "relu", "use_bias": True,
        "kernel_initializer": _keras_entry("GlorotUniform", {"seed": None}),
        "bias_initializer": _keras_entry("Zeros", {}),
        "kernel_regularizer": None, "bias_regularizer": None, "kernel_constraint": None,
        "bias_constraint": None, "quantization_config": None,
    }
    return {**config, **changes}


def test_dense_from_config_reads_a_genuine_keras_3_dense_config() -> None:
    config = _keras_dense_config()
    before = repr(config)
    layer = Dense.from_config(config)
    assert repr(config) == before  # nothing of the user's mutated
    assert layer.get_config() == {"units": 12, "bias": True,
                                  "init": {"class_name": "GlorotUniform",
                                           "config": {"seed": None}},
                                  "activation": "relu", "name": "dense"}
    l2 = {"module": "keras.regularizers", "class_name": "L2", "config": {"l2": 0.01},
          "registered_name": None}
    layer = Dense.from_config(_keras_dense_config(kernel_regularizer=l2, dtype="float64"))
    assert layer.l2 == 0.01
    assert Dense.from_config(_keras_dense_config(
        kernel_regularizer={"class_name": "L2", "config": {"l2": 0.5}})).l2 == 0.5
    older = {k: v for k, v in _keras_dense_config(dtype="float32").items()
             if k != "quantization_config"}  # Keras 3.0-3.4: a dtype string, no quantization
    assert Dense.from_config(older).units == 12
    # Keras' own forms of a zero bias initializer, given to the constructor as in Keras
    from nonlin.initializers import Zeros

    for zeros in ("zeros", "Zeros", Zeros(), Zeros, {"class_name": "Zeros", "config": {}}):
        assert Dense(2, bias_initializer=zeros).bias is True


@pytest.mark.parametrize(("key", "value"), [
    ("dtype", _policy("mixed_float16")),
    ("dtype", {**_policy(), "class_name": "QuantizedDTypePolicy"}),
    ("dtype", "bfloat16"),
    ("bias_initializer", _keras_entry("Ones", {})),
    ("bias_initializer", _keras_entry("Constant", {"value": 0.0})),
    ("bias_initializer", {**_keras_entry("Zeros", {}), "module": "os"}),
    ("kernel_regularizer", {"class_name": "L1", "config": {"l1": 0.01}}),
    ("kernel_regularizer", {"class_name": "L1L2", "config": {"l1": 0.0, "l2": 0.01}}),
    ("kernel_regularizer", {"class_name": "L2", "config": {"l2": 0.01, "x": 1}}),
    ("kernel_regularizer", {"class_name": "L2", "config": {"l2": float("nan")}}),
    ("kernel_regularizer", {"class_name": "L2", "config": {"l2": 0.01}, "module": "os"}),
    ("bias_regularizer", {"class_name": "L2", "config": {"l2": 0.01}}),
    ("kernel_constraint", {"class_name": "MaxNorm", "config": {"max_value": 2, "axis": 0}}),
    ("quantization_config", {"class_name": "Int8QuantizationConfig", "config": {}}),
])
def test_dense_from_config_refuses_what_nonlin_lacks_naming_the_key(key, value) -> None:
    with pytest.raises((ValueError, TypeError), match=key):
        Dense.from_config(_keras_dense_config(**{key: value}))


def test_a_uniform_range_numpy_cannot_draw_is_refused_at_construction() -> None:
    """``maxval - minval`` (or ``2 * sqrt(3 * scale)``) beyond float64: NumPy's
    ``OverflowError`` at build (or at load, from a file's entry) before."""
    import io

    import nonlin
    from nonlin.initializers import RandomUniform, VarianceScaling

    with pytest.raises(ValueError, match=r"Expected .*Received: minval=-1e\+308, maxval=1e\+308"):
        RandomUniform(-1e308, 1e308)
    with pytest.raises(ValueError, match=r"Expected .*Received: scale=1e\+308"):
        VarianceScaling(1e308, distribution="uniform")
    VarianceScaling(1e308)(np.random.default_rng(0), 2, 2)  # a normal's draws stay finite
    model = nonlin.Sequential([Dense(2, init=RandomUniform(-1e300, 1e300))]).build(3, seed=0)
    buffer = io.BytesIO()
    model.save(buffer)
    data = buffer.getvalue().replace(b"-1e+300", b"-1e+308").replace(b"1e+300", b"1e+308")
    with pytest.raises(nonlin.ModelFileError, match="minval"):
        nonlin.load(io.BytesIO(data))


@pytest.mark.parametrize("seed", [True, np.int64(3), -1, 2.0])
def test_a_seed_set_after_construction_is_checked_as_the_constructor_does(seed) -> None:
    """Before, ``init.seed = True`` drew from ``default_rng(True)`` and saved a file that
    ``load`` refused; ``np.int64(3)`` made a config JSON cannot write, -1 and 2.0 NumPy's
    own errors at build."""
    import io

    import nonlin
    from nonlin.initializers import HeNormal

    init = HeNormal()
    init.seed = seed
    model = nonlin.Sequential([Dense(2, init=init)])
    if seed is True or seed == -1 or isinstance(seed, float):
        with pytest.raises(ValueError, match=r"Expected seed=None .*Received: seed="):
            model.build(3, seed=0)
        with pytest.raises(ValueError, match=r"Expected seed=None .*Received: seed="):
            init.get_config()
        return
    model.build(3, seed=0)
    buffer = io.BytesIO()
    model.save(buffer)
    loaded = nonlin.load(io.BytesIO(buffer.getvalue()))
    assert loaded.layers[0].init.get_config() == {"seed": 3}
