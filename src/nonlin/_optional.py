"""Lazy imports of optional extras, with a message naming the extra to install.

The core needs NumPy only. Three extras bring more: ``plot`` (matplotlib),
``sklearn`` (scikit-learn, for the real data sets) and ``distributed`` (dask).
Modules that use them call :func:`require` at the point of use, never at import.
"""

from __future__ import annotations

import importlib
from types import ModuleType

# Import name -> the name pip knows it by, where the two differ.
_DISTRIBUTIONS = {"sklearn": "scikit-learn"}


class MissingExtraError(ModuleNotFoundError):
    """An optional dependency is not installed; the message says which extra brings it.

    A ``ModuleNotFoundError`` (so an ``ImportError``) whose ``name`` is the missing
    package, as Python's own: ``except ImportError`` and
    ``pytest.importorskip("nonlin.sklearn")`` treat it as a missing module.
    """


def require(module: str, extra: str, purpose: str) -> ModuleType:
    """Import ``module`` or raise ``MissingExtraError`` naming ``nonlin[extra]``.

    Parameters
    ----------
    module : the dotted import name, e.g. ``"sklearn.datasets"``
    extra : the extra of ``nonlin`` that installs it, e.g. ``"sklearn"``
    purpose : what needs it, starting the message, e.g. ``"loading digits"``

    Returns
    -------
    The imported module.

    Raises
    ------
    MissingExtraError
        When the package is not installed, or its import fails (a broken
        install); the message names the extra and the import error.
    """
    top = module.split(".")[0]
    package = _DISTRIBUTIONS.get(top, top)
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as error:
        if error.name is not None and error.name.split(".")[0] != top:
            raise  # the package is there but one of its own dependencies is missing
        status = "which is not installed"
    except ImportError as error:
        status = f"which could not be imported ({error})"
    raise MissingExtraError(
        f"{purpose} needs {package}, {status}; install it with: pip install 'nonlin[{extra}]'",
        name=top,
    )
