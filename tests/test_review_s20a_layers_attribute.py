"""Review s20a: ``Sequential.layers`` as a property keeps the attribute protocol: on an
instance whose layers are not set yet (a subclass's ``__init__`` before ``super().__init__``,
``Sequential.__new__``) it is an ``AttributeError``, so ``hasattr`` and ``getattr(..., default)``
work as for the plain attribute it was (was: ``KeyError: 'layers'``)."""

import pytest

import nonlin
from nonlin import Sequential


def test_layers_not_set_yet_is_an_attribute_error():
    model = Sequential.__new__(Sequential)
    assert not hasattr(model, "layers")
    assert getattr(model, "layers", None) is None
    with pytest.raises(AttributeError, match="layers"):
        _ = model.layers


def test_a_subclass_may_ask_before_super_init():
    class Stack(Sequential):
        def __init__(self):
            self.seen_before = hasattr(self, "layers")
            super().__init__([nonlin.Dense(2)])

    stack = Stack()
    assert stack.seen_before is False
    assert [type(layer).__name__ for layer in stack.layers] == ["Dense"]
