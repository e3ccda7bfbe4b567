"""scikit-learn's MLP warnings as its warning filters see them.

scikit-learn warns from ``sklearn.neural_network._multilayer_perceptron``, so a script's
``warnings.filterwarnings("ignore", category=ConvergenceWarning, module="sklearn")`` (as
scikit-learn's own examples write it) silences them. nonlin's estimators warn with the same
module name, so that filter matches theirs too, while the line shown stays the user's call
(the first frame outside nonlin, as ``_stacklevel.user_stacklevel`` finds it).
"""

from __future__ import annotations

import sys
import warnings
from types import FrameType

import numpy as np

from ._stacklevel import _PACKAGE

#: the module scikit-learn's ``MLPClassifier`` and ``MLPRegressor`` warn from
SKLEARN_MLP_MODULE = "sklearn.neural_network._multilayer_perceptron"
#: scikit-learn's words for a target of shape (n_samples, 1) (``column_or_1d``'s, which
#: warns in the name of its caller, the MLP module)
COLUMN_VECTOR = ("A column-vector y was passed when a 1d array was expected. Please change "
                 "the shape of y to (n_samples, ), for example using ravel().")


def warn_as_sklearn(message: str, category: type[Warning] = UserWarning) -> None:
    """Warn as scikit-learn's MLP does, pointing at the user's call.

    Parameters
    ----------
    message : str
        The warning's text (scikit-learn's words).
    category : type of Warning
        Its class (``ConvergenceWarning`` for an optimizer that ran out of iterations).
    """
    frame: FrameType | None = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE):
        frame = frame.f_back
    if frame is None:  # called from nonlin alone: no user frame to name
        warnings.warn(message, category, stacklevel=2)
        return
    where = (message, category, frame.f_code.co_filename, frame.f_lineno, SKLEARN_MLP_MODULE,
             frame.f_globals.setdefault("__warningregistry__", {}))
    try:
        warnings.warn_explicit(*where, module_globals=frame.f_globals)
    except ImportError:  # __main__ of ``python -c`` or the REPL: BuiltinImporter, no source
        warnings.warn_explicit(*where)


def column_warning(y: np.ndarray, category: type[Warning]) -> bool:
    """Whether ``y`` is a column vector, shape (n_samples, 1), warned of as scikit-learn's
    MLP warns (``category``: its ``DataConversionWarning``), at the user's ``fit``.

    ``sklearn.utils.column_or_1d(y, warn=True)`` called from nonlin would warn in the name
    of nonlin's module, at nonlin's line: a ``module="sklearn"`` filter would miss it.
    """
    if y.ndim == 2 and y.shape[1] == 1:
        warn_as_sklearn(COLUMN_VECTOR, category)
        return True
    return False
