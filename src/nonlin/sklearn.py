"""Drop-in replacements for scikit-learn's ``MLPClassifier`` and ``MLPRegressor``.

Same constructor parameters, defaults, fitted attributes and methods as
``sklearn.neural_network``; the same random_state draws the same initial weights, and
each solver follows scikit-learn's update rules (``_sklearn_rules.py``), so swapping
the import keeps a script working. The network is a nonlin ``Sequential`` (``model_``).

Extras (keyword-only, at the end): ``dropout`` (after each hidden activation),
``batch_norm`` (before each), ``class_weight`` (dict or ``"balanced"``, by
``sample_weight``-weighted counts; multilabel: ``"balanced"`` or a list of dicts, one per label
column: ``_sklearn_weights``), ``dtype`` (``None`` follows X, or float32 / float64 in
any spelling ``np.dtype`` reads), ``callbacks`` (a fit trains deep copies of them, the fitted
attribute ``callbacks_``, and leaves the given ones as they were: ``_sklearn_callbacks``),
the regressor's ``loss`` in ``"squared_error"``, ``"absolute_error"``, ``"huber"``,
``"poisson"`` or a nonlin regression ``Loss`` object, the classifier's ``"log_loss"`` or a
nonlin classification ``Loss`` (``_sklearn_class_loss``), and ``learning_rate`` a
``nonlin.schedules`` object (SGD and Adam: the rate of each step; ``_sklearn_extras``).
``verbose=True`` (any true value) prints scikit-learn's per-iteration lines; exactly
``verbose=2`` adds nonlin's progress bar.

The only nonlin module that imports scikit-learn (``nonlin[sklearn]``); ``nonlin.datasets``
loads the data sets scikit-learn ships through ``bundled``. ``random_state`` follows
scikit-learn's contract: an int seeds the run, a ``RandomState`` is drawn from in place,
None uses NumPy's global ``RandomState`` (``np.random.seed(0)`` makes a fit repeat): the
one place where nonlin reads global random state. A sparse ``X`` stays sparse (CSR; other
formats converted as scikit-learn's validation does), as in scikit-learn: batches are its
rows, the first layer multiplies them (``_sklearn_sparse``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import _sklearn_io, _sklearn_repack
from ._optional import require
from ._sklearn_base import (
    ClassifierMethods,
    MLPMethods,
    RegressorMethods,
    compute_dtype,
    dense,
    plain_input,
    store,
)
from ._sklearn_callbacks import validate_params
from ._sklearn_class_loss import classifier_kind
from ._sklearn_constraints import own_constraints, parameter_constraints
from ._sklearn_dtype import before, float_dtype_option
from ._sklearn_extras import NestedParams, check_left_out, check_loss, regressor_kind
from ._sklearn_fast import plain_labels, plain_targets, plain_X
from ._sklearn_sparse import csr
from ._sklearn_tags import ClassifierTags, RegressorTags, SparseInputTags
from ._sklearn_warn import column_warning
from ._sklearn_weights import check_numbers, check_partial_fit, training_weight
from .losses import Loss
from .schedules import Schedule

require("sklearn", "sklearn", "nonlin.sklearn", minimum=(1, 6))  # validate_data: 1.6

import sklearn  # noqa: E402
from sklearn import config_context, get_config  # noqa: E402
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, is_classifier  # noqa: E402
from sklearn.exceptions import ConvergenceWarning, DataConversionWarning  # noqa: E402
from sklearn.metrics import accuracy_score, r2_score  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402
from sklearn.preprocessing import LabelBinarizer  # noqa: E402
from sklearn.utils import _param_validation, column_or_1d  # noqa: E402
from sklearn.utils._param_validation import Interval, Options, StrOptions  # noqa: E402
from sklearn.utils.class_weight import compute_class_weight, compute_sample_weight  # noqa: E402
from sklearn.utils.metaestimators import available_if  # noqa: E402
from sklearn.utils.multiclass import _check_partial_fit_first_call, type_of_target, unique_labels  # noqa: E402
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data  # noqa: E402

__all__ = ["MLPClassifier", "MLPRegressor", "load"]

_SPARSE = ["csr", "csc"]
_FloatDtype = float_dtype_option(Options)  # float32 / float64 in any spelling
_BEFORE_1_7 = before(sklearn.__version__, (1, 7))  # 1.6's L-BFGS loss sum and warning


class _BaseMLP(NestedParams, MLPMethods, SparseInputTags, _sklearn_repack.Repacked, BaseEstimator):
    """Shared fitting logic; use ``MLPClassifier`` or ``MLPRegressor``."""

    _parameter_constraints: dict = parameter_constraints(Interval, Options, StrOptions, _FloatDtype)
    _convergence_warning = ConvergenceWarning
    _sklearn_before_1_7 = _BEFORE_1_7  # read by _sklearn_lbfgs
    _check_fitted = check_is_fitted  # NotFittedError, for MLPMethods.save

    # -- fitting -------------------------------------------------------------
    def _fit(self, X: Any, y: Any, sample_weight: Any, incremental: bool) -> _BaseMLP:
        # as scikit-learn's fit (its _fit_context): the functions it calls skip their
        # own checks, so their errors are the same (train_test_split's, say)
        self._check_params(incremental)
        with config_context(skip_parameter_validation=True):
            return self._fit_validated(X, y, sample_weight, incremental)

    def _check_params(self, incremental: bool) -> None:
        """``_validate_params`` unless switched off (a fitted estimator's ``partial_fit``:
        ``callbacks`` alone, nonlin's, as ``fit``); a left-out parameter, ``loss``: always."""
        check_left_out(self)
        check_loss(self.loss, is_classifier(self))
        check_numbers(getattr(self, "class_weight", None))  # the classifier's
        if not get_config()["skip_parameter_validation"]:
            partial = incremental and self.__sklearn_is_fitted__()
            validate_params(self, _param_validation.validate_parameter_constraints, partial)

    def _split(self, X: np.ndarray, Y: np.ndarray, rows: np.ndarray, seed: Any = None) -> list:
        """scikit-learn's ``train_test_split`` for early stopping, of the fit's stream or of
        ``seed`` (``check_split``'s probe); ``rows`` (``arange(n_samples)``) splits the weights."""
        stratify = Y.astype(bool) if is_classifier(self) and Y.shape[1] == 1 else None
        return train_test_split(X, Y, rows, test_size=self.validation_fraction, stratify=stratify,
                                random_state=self._random_state if seed is None else seed)

    def _sample_weight(self, sample_weight: Any, X: np.ndarray, Y: Any) -> np.ndarray | None:
        return None if sample_weight is None else _check_sample_weight(sample_weight, X)  # as given

    def _validate_X(self, X: Any) -> np.ndarray:
        """Validated input for prediction, in the dtype to compute in (``compute_dtype``);
        a fast path for plain float arrays."""
        if not plain_input(self, X):
            X = csr(validate_data(self, X, reset=False, accept_sparse=_SPARSE))
        return compute_dtype(self, X)


class MLPClassifier(ClassifierTags, ClassifierMixin, ClassifierMethods, _BaseMLP):
    """Multi-layer perceptron classifier: ``sklearn.neural_network.MLPClassifier`` on nonlin.

    Parameters, attributes and methods are scikit-learn's (see its documentation);
    the extras are described in this module's docstring. A binary problem has one
    logistic output, multiclass a softmax, multilabel one logistic per label.
    ``loss`` (keyword-only, at the end; scikit-learn's is an attribute, ``"log_loss"``) also
    takes a nonlin classification ``Loss`` of the raw outputs: ``BinaryFocalCrossentropy``
    (binary, multilabel), ``CategoricalFocalCrossentropy`` (binary, multiclass), ...
    (``_sklearn_class_loss``). Fitted attribute beside scikit-learn's: ``callbacks_``, the
    list of deep copies of ``callbacks`` the fit trained (``callbacks`` stays as given).
    """

    _parameter_constraints: dict = own_constraints(_BaseMLP._parameter_constraints, StrOptions,
                                                   classifier=True)

    def __init__(
        self, hidden_layer_sizes: Any = (100,), activation: str = "relu", *,
        solver: str = "adam", alpha: float = 0.0001, batch_size: int | str = "auto",
        learning_rate: str | Schedule = "constant", learning_rate_init: float = 0.001,
        power_t: float = 0.5, max_iter: int = 200, shuffle: bool = True,
        random_state: Any = None, tol: float = 1e-4, verbose: bool | int = False,
        warm_start: bool = False, momentum: float = 0.9,
        nesterovs_momentum: bool = True, early_stopping: bool = False,
        validation_fraction: float = 0.1, beta_1: float = 0.9, beta_2: float = 0.999,
        epsilon: float = 1e-8, n_iter_no_change: int | float = 10, max_fun: int = 15000,
        dropout: float = 0.0, batch_norm: bool = False,
        class_weight: dict[Any, float] | list[dict[Any, float]] | str | None = None,
        dtype: str | type | np.dtype | None = None, callbacks: list[Any] | None = None,
        loss: str | Loss = "log_loss",
    ) -> None:
        store(self, locals())

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> MLPClassifier:
        """Fit to ``X`` (n_samples, n_features) and labels ``y`` (n_samples,) or a 0/1 matrix,
        rows weighted by ``sample_weight`` (n_samples,) or None."""
        return self._fit(X, y, sample_weight, incremental=False)

    @available_if(lambda est: est._check_solver())
    def partial_fit(self, X: Any, y: Any, sample_weight: Any = None,
                    classes: Any = None) -> MLPClassifier:
        """One epoch over ``X``, ``y`` (rows weighted by ``sample_weight``); ``classes`` is
        required on the first call."""
        self._check_params(incremental=True)  # before `classes` is kept, as scikit-learn
        check_partial_fit(self.class_weight)
        with config_context(skip_parameter_validation=True):  # checked above
            return self._fit_validated(X, y, sample_weight, True,
                                       lambda: self._first_call(y, classes))

    def _first_call(self, y: Any, classes: Any) -> None:
        """A first ``partial_fit`` keeps ``classes``, fits the binarizer (undone if refused)."""
        if _check_partial_fit_first_call(self, classes):
            multilabel = type_of_target(y).startswith("multilabel")
            self._label_binarizer = LabelBinarizer().fit(y if multilabel else classes)

    def _validate_input(self, X: Any, y: Any, incremental: bool, reset: bool) -> tuple[Any, Any]:
        Y = None if reset or not plain_X(self, X) else plain_labels(self, X, y)  # continuing
        if Y is None:  # anything but plain arrays: scikit-learn's checks, errors, warnings
            return self._validate_full(X, y, incremental, reset)
        self._set_objective_kind()
        return X, Y

    def _set_objective_kind(self) -> None:
        """``_objective_kind`` for ``loss`` and the fitted classes (its errors come after the
        labels' checks and before ``transform``'s, as the full path raised them)."""
        self._objective_kind = classifier_kind(self.loss, self._label_binarizer.y_type_,
                                               len(self.classes_))

    def _validate_full(self, X: Any, y: Any, incremental: bool, reset: bool) -> tuple[Any, Any]:
        X, y = validate_data(self, X, y, multi_output=True, dtype=self._dtype(), reset=reset,
                             accept_sparse=_SPARSE)
        X = csr(X)  # sparse stays sparse, as rows (CSR)
        if column_warning(y, DataConversionWarning):  # scikit-learn's, as from its module
            y = column_or_1d(y)
        if not hasattr(self, "classes_") or (not self.warm_start and not incremental):
            self._label_binarizer = LabelBinarizer().fit(y)
            self.classes_ = self._label_binarizer.classes_
        else:
            self._check_classes(unique_labels(y))
        self._set_objective_kind()
        Y = plain_labels(self, X, y)  # a 1-D y of classes_: transform's one-hot, ~20x faster
        return X, self._label_binarizer.transform(y).astype(X.dtype) if Y is None else Y

    def _training_weight(self, sample_weight: np.ndarray | None, X: np.ndarray,
                         Y: np.ndarray) -> np.ndarray | None:
        return training_weight(self, Y, X.dtype, sample_weight, compute_class_weight,
                               compute_sample_weight)

    def _score(self, X: Any, y: Any, sample_weight: Any, check_input: bool = True) -> float:
        return accuracy_score(y, self._predict(X, check_input), sample_weight=sample_weight)


class MLPRegressor(RegressorTags, RegressorMixin, RegressorMethods, _BaseMLP):
    """Multi-layer perceptron regressor: ``sklearn.neural_network.MLPRegressor`` on nonlin.

    Parameters, attributes and methods are scikit-learn's; ``loss`` also accepts
    ``"absolute_error"``, ``"huber"`` (delta 1) and a nonlin regression ``Loss``
    (``nonlin.Huber(delta=2.0)``, ``nonlin.LogCosh()``, a ``Loss`` subclass; a
    classification loss raises a ``ValueError`` when fitting). Outputs are linear, or
    ``exp`` for ``loss="poisson"``. Fitted attribute beside scikit-learn's:
    ``callbacks_``, the list of deep copies of ``callbacks`` the fit trained (same order;
    ``callbacks`` stays as given).
    """

    _parameter_constraints: dict = own_constraints(_BaseMLP._parameter_constraints, StrOptions,
                                                   classifier=False)

    def __init__(
        self, loss: str | Loss = "squared_error", hidden_layer_sizes: Any = (100,),
        activation: str = "relu", *, solver: str = "adam", alpha: float = 0.0001,
        batch_size: int | str = "auto", learning_rate: str | Schedule = "constant",
        learning_rate_init: float = 0.001, power_t: float = 0.5, max_iter: int = 200,
        shuffle: bool = True, random_state: Any = None, tol: float = 1e-4,
        verbose: bool | int = False, warm_start: bool = False, momentum: float = 0.9,
        nesterovs_momentum: bool = True, early_stopping: bool = False,
        validation_fraction: float = 0.1, beta_1: float = 0.9, beta_2: float = 0.999,
        epsilon: float = 1e-8, n_iter_no_change: int | float = 10, max_fun: int = 15000,
        dropout: float = 0.0, batch_norm: bool = False, dtype: str | type | np.dtype | None = None,
        callbacks: list[Any] | None = None,
    ) -> None:
        store(self, locals())

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> MLPRegressor:
        """Fit to ``X`` (n_samples, n_features) and targets ``y`` (n_samples,) or (n, n_outputs),
        rows weighted by ``sample_weight`` (n_samples,) or None."""
        return self._fit(X, y, sample_weight, incremental=False)

    @available_if(lambda est: est._check_solver())
    def partial_fit(self, X: Any, y: Any, sample_weight: Any = None) -> MLPRegressor:
        """One epoch over ``X``, ``y`` (rows weighted by ``sample_weight``)."""
        return self._fit(X, y, sample_weight, incremental=True)

    def _validate_input(self, X: Any, y: Any, incremental: bool, reset: bool) -> tuple[Any, Any]:
        Y = None if reset or not plain_X(self, X) else plain_targets(X, y)  # continuing
        if Y is None:  # anything but plain arrays: scikit-learn's checks, errors, warnings
            return self._validate_full(X, y, incremental, reset)
        self._objective_kind = regressor_kind(self.loss, y)  # y >= 0 for poisson, a Loss's checks
        return X, Y

    def _validate_full(self, X: Any, y: Any, incremental: bool, reset: bool) -> tuple[Any, Any]:
        X, y = validate_data(self, X, y, multi_output=True, y_numeric=True, dtype=self._dtype(),
                             reset=reset, accept_sparse=_SPARSE)
        X, y = csr(X), dense(y)  # a sparse y is densified (scikit-learn fails on it in training)
        if y.dtype.kind in "US":  # scikit-learn fails on them in training (a TypeError)
            raise TypeError(f"Expected numeric targets y. Received y of dtype {y.dtype}")
        if column_warning(y, DataConversionWarning):  # scikit-learn's, as from its module
            y = column_or_1d(y)
        self._objective_kind = regressor_kind(self.loss, y)  # y >= 0 for poisson, a Loss's checks
        return X, y.reshape(-1, 1) if y.ndim == 1 else y  # cast to the network's dtype later

    def _score(self, X: Any, y: Any, sample_weight: Any, check_input: bool = True) -> float:
        y_pred = self._predict(X, check_input)
        if not np.isfinite(y_pred).all():
            return np.nan
        return r2_score(y, y_pred, sample_weight=sample_weight)


def load(path: Any) -> MLPClassifier | MLPRegressor:
    """Rebuild an estimator written by ``est.save(path)`` (no pickle; see ``_sklearn_io``).

    ``path`` may be a binary file object (``io.BytesIO(data)``). ``nonlin.load(path)`` reads
    the same file as a ``Sequential`` predicting probabilities (classifier) or values.
    """
    estimators = {"MLPClassifier": MLPClassifier, "MLPRegressor": MLPRegressor}
    return _sklearn_io.load_estimator(path, estimators, LabelBinarizer)


def bundled(loader: str) -> tuple[Any, Any]:
    """``(X, y)`` of ``sklearn.datasets``' ``loader`` (``"load_digits"``), for nonlin.datasets."""
    from sklearn import datasets

    return getattr(datasets, loader)(return_X_y=True)
