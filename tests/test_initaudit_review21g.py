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
