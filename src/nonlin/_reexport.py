"""Names a module re-exports from modules that import it: ``reexports``.

``optimizers`` offers ``SGD`` and ``Adam``, defined in ``sgd`` and ``adaptive``,
which import ``optimizers``' ``Optimizer``; ``callbacks`` likewise offers
``EarlyStopping`` and the learning-rate callbacks. Imported at the bottom of the
module, such a name made ``import nonlin.sgd``, as a program's first import of
nonlin, fail on the cycle. A module ``__getattr__`` (PEP 562) imports it on first
use instead, which ``from nonlin.optimizers import SGD`` also goes through.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import Any


def reexports(package_module: str, **homes: str) -> Callable[[str], Any]:
    """A module ``__getattr__`` for ``package_module`` giving each ``name`` of ``homes``
    from the sibling module ``homes[name]``; any other name is an ``AttributeError``."""
    package = package_module.rpartition(".")[0]

    def __getattr__(name: str) -> Any:
        home = homes.get(name)
        if home is None:
            raise AttributeError(f"module {package_module!r} has no attribute {name!r}")
        return getattr(import_module(f"{package}.{home}"), name)

    return __getattr__
