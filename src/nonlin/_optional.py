"""Lazy imports of optional extras, with a message naming the extra to install.

The core needs NumPy only. Extras bring more: ``plot`` (matplotlib),
``sklearn`` (scikit-learn, for the real data sets), ``distributed`` (dask) and
``parquet`` (pyarrow, for the command line's Parquet and Arrow files).
Modules that use them call :func:`require` at the point of use, never at import.
"""

from __future__ import annotations

import importlib
import re
from types import ModuleType
from typing import NoReturn

# Import name -> the name pip knows it by, where the two differ.
_DISTRIBUTIONS = {"sklearn": "scikit-learn"}


class MissingExtraError(ModuleNotFoundError):
    """An optional dependency is not installed; the message says which extra brings it.

    A ``ModuleNotFoundError`` (so an ``ImportError``) whose ``name`` is the missing
    package, as Python's own: ``except ImportError`` and
    ``pytest.importorskip("nonlin.sklearn")`` treat it as a missing module.
    """


def require(module: str, extra: str, purpose: str,
            minimum: tuple[int, int] | None = None) -> ModuleType:
    """Import ``module`` or raise ``MissingExtraError`` naming ``nonlin[extra]``.

    Parameters
    ----------
    module : the dotted import name, e.g. ``"sklearn.datasets"``
    extra : the extra of ``nonlin`` that installs it, e.g. ``"sklearn"``
    purpose : what needs it, starting the message, e.g. ``"loading digits"``
    minimum : the oldest (major, minor) release that works, or None; an older one
        (a distribution's package: Debian 12's scikit-learn 1.2) is refused by name
        rather than failing later on a name it lacks

    Returns
    -------
    The imported module.

    Raises
    ------
    MissingExtraError
        When the package is not installed, older than ``minimum``, or its import
        fails (a broken install); the message names the extra and the import error.
    """
    top = module.split(".")[0]
    package = _DISTRIBUTIONS.get(top, top)
    try:
        imported = importlib.import_module(module)
    except ModuleNotFoundError as error:
        if error.name is not None and error.name.split(".")[0] != top:
            raise  # the package is there but one of its own dependencies is missing
        status = "which is not installed"
    except ImportError as error:
        status = f"which could not be imported ({error})"
    else:
        version = str(getattr(importlib.import_module(top), "__version__", ""))
        if minimum is None or not older(version, minimum):
            return imported
        status = f"{minimum[0]}.{minimum[1]} or later; {version} is installed"
        return _refuse(f"{purpose} needs {package} {status}", extra, top, "pip install -U")
    return _refuse(f"{purpose} needs {package}, {status}", extra, top, "pip install")


def older(version: str, release: tuple[int, int]) -> bool:
    """Whether ``version`` (``"1.2.1"``, ``"1.8.dev0"``) is older than ``release``
    (major, minor); a version that does not start with two numbers is not."""
    found = re.match(r"(\d+)\.(\d+)", version)
    return found is not None and (int(found[1]), int(found[2])) < release


def _refuse(message: str, extra: str, top: str, command: str) -> NoReturn:
    raise MissingExtraError(f"{message}; install it with: {command} 'nonlin[{extra}]'", name=top)
