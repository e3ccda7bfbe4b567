"""What pickling and copying a ``Param`` keep: its value and name, not its gradient.

A ``Param.grad`` holds the last batch's gradient, which can give that batch back: with a
one-row last batch, a first ``Dense``'s ``W.grad`` is ``x^T delta`` and its ``b.grad`` is
``delta``, so the row ``x`` is ``W.grad[:, j] / b.grad[j]``. Pickles (``joblib.dump`` of a
fitted estimator, ``copy.deepcopy`` of a model) therefore carry no gradient, as PyTorch's
``Parameter`` pickles and deep copies carry none (scikit-learn and Keras keep none at all):
the copy's ``grad`` is zeros of the value's shape and dtype, the next ``backward`` writes it.
``copy.copy`` still shares both arrays (``Param.__copy__``). Pickles written before keep
their gradient when loaded.
"""

from __future__ import annotations

import copyreg
from typing import Any

import numpy as np


def param_state(param: Any, keep_grad: bool = False) -> dict[str, Any]:
    """Every slot that is set (a subclass's too) and any ``__dict__`` of a subclass without
    slots; the gradient as None (``set_param_state`` makes zeros) unless ``keep_grad``. The
    slots' names as Python's own pickling finds them (``copyreg``: a private name mangled, no
    ``__weakref__`` or ``__dict__`` slot). ``Param`` defines ``__getstate__`` so that every
    protocol works: 0 and 1 refuse a class with ``__slots__`` and no ``__getstate__``."""
    state = {name: getattr(param, name) for name in copyreg._slotnames(type(param))  # type: ignore[attr-defined]
             if hasattr(param, name) and name != "_version"}  # a copy holds no pass
    state.update(getattr(param, "__dict__", {}))
    if "grad" in state and not keep_grad:
        state["grad"] = None
    return state


def set_param_state(param: Any, state: Any) -> None:
    """``param_state``'s dict back (a gradient of None: zeros like the value); also Python's
    own ``(dict or None, slots)`` pair, which protocols 2 to 5 wrote before ``Param`` had a
    ``__getstate__``."""
    parts = state if isinstance(state, tuple) else (state,)
    for part in parts:
        for name, value in (part or {}).items():
            setattr(param, name, value)
    if getattr(param, "grad", 0) is None and hasattr(param, "value"):
        param.grad = np.zeros_like(param.value)
    if not hasattr(param, "_version"):
        param._version = 0  # the steps it took (nonlin._pass_weights): none for a copy


def _requires_grad(obj: Any, value: Any = None) -> None:
    """PyTorch's ``requires_grad`` (read or set) and ``requires_grad_`` on a ``Param`` or a
    layer: nonlin has none, so the ``AttributeError`` says what freezes a layer. A layer's is
    only set (read, ``Layer.__getattr__`` answers with the same way, ``_keras_habits``)."""
    owner = (f"Param {obj.name!r}" if hasattr(obj, "grad") and hasattr(obj, "value")
             else f"{type(obj).__name__} {getattr(obj, 'name', '')!r}")
    raise AttributeError(f"{owner} has no requires_grad (PyTorch's): {FREEZE_WAY}")


FREEZE_WAY = ("layer.trainable = False freezes a layer, all its parameters (model.trainable = "
              "False every layer): model.parameters() then leaves them out and fit keeps them "
              "bit for bit")
REQUIRES_GRAD = property(_requires_grad, _requires_grad)
_REFUSED = frozenset({"requires_grad", "requires_grad_"})


def listed_names(obj: Any) -> list[str]:
    """``dir(obj)`` of a ``Param``, a layer or a model (their ``__dir__``): Python's names but
    PyTorch's ``requires_grad`` and ``requires_grad_``, which are there only to refuse
    (``REQUIRES_GRAD``): ``dir`` lists what can be read, as ``hasattr`` (False for these).
    ``help(Param)`` still shows them with the way to freeze, and so does Python's own
    completion (``rlcompleter`` adds ``dir(type(obj))``, which lists the class's names)."""
    return [name for name in object.__dir__(obj) if name not in _REFUSED]
