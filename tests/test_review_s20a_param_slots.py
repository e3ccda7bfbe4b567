"""Review s20a: ``Param.__getstate__`` keeps a subclass's slots as Python's own pickling
did before it was defined: a ``__weakref__`` slot (was: ``TypeError: cannot pickle
'weakref.ReferenceType'``, and copies: "attribute '__weakref__' ... is not writable"),
``__slots__`` given as one str (was: its letters taken as names, the slot lost) and a
private, name-mangled slot (was: lost)."""

import copy
import pickle
import weakref

import numpy as np
import pytest

from nonlin.core import Param


class WithWeakref(Param):
    __slots__ = ("__weakref__", "extra")


class OneStr(Param):
    __slots__ = "extra"


class Private(Param):
    __slots__ = ("__secret",)

    def put(self, value):
        self.__secret = value

    @property
    def extra(self):
        return self.__secret


def _made(cls):
    param = cls(np.arange(3.0), "W")
    param.grad[:] = 2.0
    if cls is Private:
        param.put(7)
    else:
        param.extra = 7
    return param


COPIES = [*(lambda p, k=k: pickle.loads(pickle.dumps(p, protocol=k)) for k in range(6)),
          copy.copy, copy.deepcopy]


@pytest.mark.parametrize("cls", [WithWeakref, OneStr, Private])
@pytest.mark.parametrize("copier", COPIES)
def test_a_subclass_slots_survive_pickles_and_copies(cls, copier):
    param = _made(cls)
    ref = weakref.ref(param) if cls is WithWeakref else None
    other = copier(param)
    assert type(other) is cls and other.extra == 7 and other.name == "W"
    np.testing.assert_array_equal(other.value, param.value)
    # a shallow copy shares the gradient; pickles and deep copies carry none (s24: zeros)
    np.testing.assert_array_equal(other.grad, param.grad if copier is copy.copy else 0 * param.grad)
    if ref is not None:
        assert ref() is param and weakref.ref(other)() is other
