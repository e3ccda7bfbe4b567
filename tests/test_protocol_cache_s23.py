"""The layer-protocol checks read a class's signatures once, and still refuse what they refused.

``Sequential`` checks that each layer follows the protocol and that its ``forward`` takes
``training=``; loading asks whether each layer class takes ``name=``. Those answers are kept
per class (``forward``'s per function), so a model or a file of many layers of one class
reads each signature once; a ``forward`` set on an instance, or a class's ``forward``
replaced since, is read anew.
"""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np
import pytest

import nonlin
from nonlin import Sequential
from nonlin.core import Layer


class _Doubler(Layer):
    def forward(self, x: np.ndarray, *, training: bool = False) -> np.ndarray:
        return 2 * x

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        return 2 * grad_out


def _count_signature_reads(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    reads: list[Any] = []
    real = inspect.signature

    def counting(obj: Any, *args: Any, **kwargs: Any) -> inspect.Signature:
        reads.append(obj)
        return real(obj, *args, **kwargs)

    monkeypatch.setattr(inspect, "signature", counting)
    return reads


def test_a_model_of_many_layers_of_one_class_reads_its_forward_once(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    model = Sequential([nonlin.Dense(3)] + [nonlin.ReLU() for _ in range(50)])
    model.build(2, seed=0)  # the classes' answers are kept from here on
    path = tmp_path / "m.safetensors"
    nonlin.save(model, path)
    reads = _count_signature_reads(monkeypatch)
    Sequential([nonlin.Dense(3)] + [nonlin.ReLU() for _ in range(50)]).build(2, seed=0)
    loaded = nonlin.load(path)
    assert len(loaded.layers) == 51
    assert reads == []  # 102 reads each before


def test_a_forward_set_on_the_instance_is_still_read_and_refused() -> None:
    Sequential([_Doubler()]).build(2, seed=0)  # the class's forward: kept as taking training=
    layer = _Doubler()
    layer.forward = lambda x: 2 * x  # type: ignore[method-assign]
    with pytest.raises(TypeError, match=r"layers\[0\]\.forward to take training="):
        Sequential([layer]).build(2, seed=0)


def test_a_class_forward_replaced_since_is_read_anew(monkeypatch: pytest.MonkeyPatch) -> None:
    class Tripler(_Doubler):
        def forward(self, x: np.ndarray, *, training: bool = False) -> np.ndarray:
            return 3 * x

    Sequential([Tripler()]).build(2, seed=0)

    def no_training(self: Any, x: np.ndarray) -> np.ndarray:
        return 3 * x

    monkeypatch.setattr(Tripler, "forward", no_training)
    with pytest.raises(TypeError, match=r"Tripler\.forward\(x\)"):
        Sequential([Tripler()]).build(2, seed=0)


def test_an_object_without_the_protocol_is_refused_after_layers_were_checked() -> None:
    Sequential([_Doubler(), nonlin.ReLU()])

    class NotALayer:
        def forward(self, x: np.ndarray, *, training: bool = False) -> np.ndarray:
            return x

    with pytest.raises(TypeError, match="Expected layers with build/forward/backward"):
        Sequential([_Doubler(), NotALayer()])  # type: ignore[list-item]


def test_names_given_to_layers_of_many_classes_still_load(tmp_path: Any) -> None:
    model = Sequential([nonlin.Dense(3, name="first"), nonlin.ReLU(name="act"),
                        nonlin.Dense(2, name="out")]).build(4, seed=0)
    nonlin.save(model, tmp_path / "named.safetensors")
    loaded = nonlin.load(tmp_path / "named.safetensors")
    assert [layer.name for layer in loaded.layers] == ["first", "act", "out"]
    x = np.arange(8.0).reshape(2, 4)
    np.testing.assert_array_equal(loaded.predict(x), model.predict(x))
