"""The layer protocol, checked once per layer as ``Sequential.build`` builds it.

A layer of one's own (``docs/design.md``) is any object with ``build``, ``forward``,
``backward``, ``parameters`` and ``get_config``. Three slips in writing one fail late or
not at all, so ``build`` names them: ``build`` returning no width (the next layer would
be built for ``None`` features), a ``forward(self, x)`` without ``training=`` (Python's
"unexpected keyword argument" at the first pass), and a ``Param`` the layer holds but
``parameters()`` leaves out (``Layer``'s default lists none): nothing would train it and
``gradcheck`` would not check it, so the model would train on without a word. The last is
a warning: a layer may keep a ``Param`` out of training on purpose.

Non-goals: checking ``backward``'s rule (that is ``gradcheck``'s job).
"""

from __future__ import annotations

import inspect
import warnings
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
    try:
        takes = inspect.signature(layer.forward).parameters
    except (TypeError, ValueError):  # no signature to read (a C callable): trust it
        return
    if not any(p.kind is p.VAR_KEYWORD or (p.name == "training" and p.kind is not
               p.POSITIONAL_ONLY) for p in takes.values()):
        raise TypeError(f"Expected layers[{i}].forward to take training= (the layer protocol: "
                        "forward(self, x, *, training=False); fit passes True, predict False). "
                        f"Received {type(layer).__name__}.forward({', '.join(takes)})")


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
