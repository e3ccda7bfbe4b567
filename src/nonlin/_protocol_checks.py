"""The layer protocol, checked once per layer as ``Sequential.build`` builds it.

A layer of one's own (``docs/design.md``) is any object with ``build``, ``forward``,
``backward``, ``parameters`` and ``get_config``. Three slips in writing one fail late or
not at all, so ``build`` names them: ``build`` returning no width (the next layer would
be built for ``None`` features), a ``forward(self, x)`` without ``training=`` (Python's
"unexpected keyword argument" at the first pass), and a ``Param`` the layer holds but
``parameters()`` leaves out (``Layer``'s default lists none): nothing would train it and
``gradcheck`` would not check it, so the model would train on without a word. The last is
a warning: a layer may keep a ``Param`` out of training on purpose.

Also ``takes_name``: whether a layer class takes ``name=`` (the registry asks when it
rebuilds a file's layers). Both signature reads are kept per class (``forward``'s per
function), so a model or a file of many layers of one class reads each once.

Non-goals: checking ``backward``'s rule (that is ``gradcheck``'s job).
"""

from __future__ import annotations

import inspect
import warnings
import weakref
from typing import Any

import numpy as np

from ._quoting import quoted
from ._stacklevel import user_stacklevel
from .core import Param


def checked_width(i: int, layer: Any, width: Any) -> int:
    """``layers[i].build``'s result, the output width: a positive int; then the rest of
    the layer protocol (see the module docstring)."""
    if isinstance(width, bool) or not isinstance(width, int | np.integer) or width < 1:
        raise TypeError(f"Expected layers[{i}].build to return its output width, a positive "
                        f"int. Received {quoted(width)} from {quoted(layer)}")
    check_forward(i, layer)
    check_listed_params(i, layer)
    return int(width)


def check_forward(i: int, layer: Any) -> None:
    """Raise ``TypeError`` when ``layer.forward`` cannot take ``training=`` by name."""
    takes, names = _forward_takes_training(layer)
    if not takes:
        raise TypeError(f"Expected layers[{i}].forward to take training= (the layer protocol: "
                        "forward(self, x, *, training=False); fit passes True, predict False). "
                        f"Received {type(layer).__name__}.forward({names})")


# a class's forward function -> _forward_signature of it: read once per function (a model
# of 100 ReLU layers, or a file of them, asks 100 times)
_READ: weakref.WeakKeyDictionary[Any, tuple[bool, str]] = weakref.WeakKeyDictionary()


def _forward_takes_training(layer: Any) -> tuple[bool, str]:
    """``_forward_signature(layer.forward)``, kept per class function (not for a forward
    set on the instance itself)."""
    function = getattr(type(layer), "forward", None)
    if function is None or "forward" in getattr(layer, "__dict__", ()):
        return _forward_signature(layer.forward)
    try:
        read = _READ.get(function)
        if read is None:
            read = _READ[function] = _forward_signature(layer.forward)
    except TypeError:  # not weakly referable, or unhashable: read each time
        read = _forward_signature(layer.forward)
    return read


def _forward_signature(forward: Any) -> tuple[bool, str]:
    """Whether ``forward`` takes ``training=`` by name (or ``**kwargs``; one without a
    signature to read, a C callable, is trusted), and its parameters' names."""
    try:
        takes = inspect.signature(forward).parameters
    except (TypeError, ValueError):  # no signature to read (a C callable): trust it
        return True, ""
    return any(p.kind is p.VAR_KEYWORD or (p.name == "training" and p.kind is not
               p.POSITIONAL_ONLY) for p in takes.values()), ", ".join(takes)


def check_listed_params(i: int, layer: Any) -> None:
    """Warn when ``layer`` holds a ``Param`` attribute that ``layer.parameters()`` leaves out."""
    listed = {id(p) for p in layer.parameters()}
    held = [name for name, value in getattr(layer, "__dict__", {}).items()
            if isinstance(value, Param) and id(value) not in listed]
    if held:
        warnings.warn(
            f"layers[{i}] ({type(layer).__name__}) holds the Param {', '.join(held)} that its "
            "parameters() leaves out, so nothing trains it and gradcheck does not check it. "
            f"Return it from parameters() (def parameters(self): return [self.{held[0]}, ...])",
            UserWarning, stacklevel=user_stacklevel())


def takes_name(cls: type) -> bool:
    """Whether ``cls(..., name=...)`` can be called: its ``__init__`` has a ``name``
    parameter or takes ``**kwargs`` (read once per class: a file of 100 layers asks 100 times)."""
    try:
        known = _TAKES_NAME.get(cls)
        if known is None:
            known = _TAKES_NAME[cls] = _takes_name(cls)
    except TypeError:  # not weakly referable: read each time
        known = _takes_name(cls)
    return known


_TAKES_NAME: weakref.WeakKeyDictionary[type, bool] = weakref.WeakKeyDictionary()


def _takes_name(cls: type) -> bool:
    try:
        parameters = inspect.signature(cls).parameters.values()
    except (TypeError, ValueError):
        return True  # no signature to read: pass the name as written
    return any(p.name == "name" and p.kind != p.VAR_POSITIONAL or p.kind == p.VAR_KEYWORD
               for p in parameters)


def check_input(x: Any, width: Any) -> None:
    """What is wrong with ``x`` for ``Sequential.forward`` of a model built for ``width``
    features (the model's ``_check_width``, off the fast path): no array, not 2-D (one sample
    as a row: its hint), another number of columns."""
    if not isinstance(x, np.ndarray):
        raise TypeError("Expected a NumPy array for forward (predict converts other inputs). "
                        f"Received: {type(x).__name__}")
    if x.ndim != 2:  # one sample as a row (PyTorch's x.unsqueeze(0)): x.reshape(1, -1)
        hint = "; one sample is x.reshape(1, -1)" if x.shape == (width,) else ""
        raise ValueError(f"Expected a 2-D input (n_samples, {width}). "
                         f"Received an array of shape {x.shape}{hint}")
    if x.shape[1] != width:
        raise ValueError(
            f"Expected input with {width} features. "
            f"Received an array of shape {x.shape} ({x.shape[1]} features)"
        )
