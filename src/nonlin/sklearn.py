"""Drop-in replacements for scikit-learn's ``MLPClassifier`` and ``MLPRegressor``.

Same constructor parameters, defaults, fitted attributes and methods as
``sklearn.neural_network``; the same random_state draws the same initial
weights, and each solver follows scikit-learn's update rules (see
``_sklearn_rules.py``), so swapping the import keeps a script working. The
network is a nonlin ``Sequential`` (``model_``) trained by nonlin's loop.

Extras beyond scikit-learn (keyword-only, at the end): ``dropout`` (rate after
each hidden activation), ``batch_norm`` (before each hidden activation),
``class_weight`` (dict or ``"balanced"``, classifier), ``dtype`` (``None``
follows X like scikit-learn, or ``"float32"`` / ``"float64"``), ``callbacks``
(nonlin callbacks), and for the regressor ``loss`` in ``"squared_error"``,
``"absolute_error"``, ``"huber"``, ``"poisson"``. ``verbose=True`` prints
scikit-learn's per-iteration lines; ``verbose=2`` adds nonlin's progress bar.

This is the only nonlin module that imports scikit-learn (``nonlin[sklearn]``).
``random_state`` follows scikit-learn's contract: an int seeds the run, a
``RandomState`` instance is drawn from and advanced in place, and None uses
NumPy's global ``RandomState`` (``np.random.seed(0)`` makes a fit repeat).
This is the one place where nonlin reads global random state.
Sparse input is accepted and densified (nonlin's layers are dense).
"""

from __future__ import annotations

from numbers import Integral, Real
from typing import Any

import numpy as np

from . import _sklearn_engine as engine
from . import _sklearn_io, _sklearn_lbfgs
from ._optional import require

require("sklearn", "sklearn", "nonlin.sklearn")

from sklearn import config_context, get_config  # noqa: E402
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, is_classifier  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.metrics import accuracy_score, r2_score  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402
from sklearn.preprocessing import LabelBinarizer  # noqa: E402
from sklearn.utils import column_or_1d  # noqa: E402
from sklearn.utils._param_validation import Interval, Options, StrOptions  # noqa: E402
from sklearn.utils.class_weight import compute_sample_weight  # noqa: E402
from sklearn.utils.metaestimators import available_if  # noqa: E402
from sklearn.utils.multiclass import (  # noqa: E402
    _check_partial_fit_first_call,
    type_of_target,
    unique_labels,
)
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data  # noqa: E402

__all__ = ["MLPClassifier", "MLPRegressor", "load"]

_FLOATS = (np.float64, np.float32)
_SPARSE = ["csr", "csc"]


def _dense(X: Any) -> np.ndarray:
    """Sparse input is accepted like scikit-learn and densified (memory: n_samples x n_features)."""
    return X.toarray() if hasattr(X, "toarray") else X


def _store(est: Any, params: dict[str, Any]) -> None:
    for name, value in params.items():
        if name not in ("self", "__class__"):
            setattr(est, name, value)


class _BaseMLP(BaseEstimator):
    """Shared fitting logic; use ``MLPClassifier`` or ``MLPRegressor``."""

    _parameter_constraints: dict = {
        "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
        "activation": [StrOptions({"identity", "logistic", "tanh", "relu"})],
        "solver": [StrOptions({"lbfgs", "sgd", "adam"})],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "batch_size": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
        "learning_rate": [StrOptions({"constant", "invscaling", "adaptive"})],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "power_t": [Interval(Real, 0, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "shuffle": ["boolean"],
        "random_state": ["random_state"],
        "tol": [Interval(Real, 0, None, closed="left")],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
        "momentum": [Interval(Real, 0, 1, closed="both")],
        "nesterovs_momentum": ["boolean"],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="left")],
        "beta_1": [Interval(Real, 0, 1, closed="left")],
        "beta_2": [Interval(Real, 0, 1, closed="left")],
        "epsilon": [Interval(Real, 0, None, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left"), Options(Real, {np.inf})],
        "max_fun": [Interval(Integral, 1, None, closed="left")],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "batch_norm": ["boolean"],
        "dtype": [None, StrOptions({"float32", "float64"}), Options(type, set(_FLOATS))],
        "callbacks": [list, None],
    }

    # -- fitting -------------------------------------------------------------
    def _fit(self, X: Any, y: Any, sample_weight: Any, incremental: bool) -> _BaseMLP:
        # as scikit-learn's fit (its _fit_context): the parameters are checked unless
        # switched off or on a fitted estimator's partial_fit; the functions it calls skip
        # their own checks, so their errors are the same (train_test_split's, say)
        if not get_config()["skip_parameter_validation"] and not (
            incremental and self.__sklearn_is_fitted__()
        ):
            self._validate_params()
        with config_context(skip_parameter_validation=True):
            return self._fit_validated(X, y, sample_weight, incremental)

    def _fit_validated(self, X: Any, y: Any, sample_weight: Any, incremental: bool) -> _BaseMLP:
        """``fit`` / ``partial_fit`` once the parameters are checked: validate the data,
        build or bind the network, run the solver. Returns ``self``."""
        hidden = self.hidden_layer_sizes
        hidden = list(hidden) if hasattr(hidden, "__iter__") else [hidden]
        if np.any(np.array(hidden) <= 0):
            raise ValueError(f"hidden_layer_sizes must be > 0, got {hidden}.")
        first_pass = not hasattr(self, "coefs_") or (not self.warm_start and not incremental)
        X, Y = self._validate_input(X, y, incremental, reset=first_pass)
        sample_weight = self._sample_weight(sample_weight, X, y)
        layer_units = [X.shape[1], *hidden, Y.shape[1]]
        self.n_outputs_ = Y.shape[1]
        self._random_state = engine.random_state(self.random_state)
        if first_pass:
            engine.initialize(self, layer_units, X.dtype)
        else:
            engine.bind(self)
            shapes = [w.shape for w in self.coefs_]
            if shapes != list(zip(layer_units[:-1], layer_units[1:], strict=True)):
                raise ValueError(f"Expected layers {layer_units} like the fitted coefs_ {shapes}")
        X = X.astype(self.model_.dtype, copy=False)
        Y = Y.astype(self.model_.dtype, copy=False)
        if self.solver == "lbfgs":
            _sklearn_lbfgs.fit_lbfgs(self, X, Y, sample_weight, warning=ConvergenceWarning)
        else:
            self._fit_stochastic(X, Y, sample_weight, incremental)
        engine.check_finite(self)
        return self

    def _fit_stochastic(self, X, Y, sample_weight, incremental) -> None:
        scorer = None
        if self.early_stopping:
            if incremental:
                raise ValueError("partial_fit does not support early_stopping=True")
            X, Y, sample_weight, scorer = self._validation_split(X, Y, sample_weight)
        engine.fit_stochastic(
            self, X, Y, sample_weight, incremental=incremental, scorer=scorer,
            warning=ConvergenceWarning,
        )

    def _validation_split(self, X, Y, sample_weight):
        stratify = Y.astype(bool) if is_classifier(self) and Y.shape[1] == 1 else None
        arrays = (X, Y) if sample_weight is None else (X, Y, sample_weight)
        parts = train_test_split(
            *arrays, random_state=self._random_state, test_size=self.validation_fraction,
            stratify=stratify,
        )
        X_train, X_val, Y_train, Y_val = parts[:4]
        sw_train, sw_val = parts[4:] if sample_weight is not None else (None, None)
        if X_val.shape[0] < 2:
            raise ValueError(
                "The validation set is too small. Increase 'validation_fraction' or the size "
                "of your dataset."
            )
        y_val = self._decode(Y_val)

        def scorer() -> float:
            return self._score(X_val, y_val, sw_val, check_input=False)

        return X_train, Y_train, sw_train, scorer

    def _sample_weight(self, sample_weight: Any, X: np.ndarray, y: Any) -> np.ndarray | None:
        if sample_weight is not None:  # float64 or float32, as given (cast when training)
            sample_weight = _check_sample_weight(sample_weight, X)
        return sample_weight

    def _validate_X(self, X: Any) -> np.ndarray:
        """Validated input for prediction, in the dtype to compute in; a fast path for
        plain float arrays.

        That dtype is scikit-learn's: NumPy's promotion of ``X``'s dtype and the
        weights' (a float32 fit predicts float64 for float64 or int64 ``X``), or
        the weights' own with an explicit ``dtype`` parameter.
        """
        if not (
            type(X) is np.ndarray
            and X.ndim == 2
            and X.dtype in _FLOATS
            and X.shape[1] == self.n_features_in_
            and X.size <= 65536
            and "feature_names_in_" not in self.__dict__
            and np.isfinite(X).all()
        ):
            X = _dense(validate_data(self, X, reset=False, accept_sparse=_SPARSE))
        weights = self.model_.dtype
        if X.dtype == weights:
            return X
        dtype = weights if self.dtype is not None else np.result_type(X.dtype, weights)
        return X.astype(dtype, copy=False)

    def _raw(self, X: Any, check_input: bool = True) -> np.ndarray:
        """Network outputs after ``out_activation_``, shape (n_samples, n_outputs)."""
        if "model_" not in self.__dict__:
            check_is_fitted(self)
        if check_input:
            X = self._validate_X(X)
        engine.bind(self)
        return engine.output(self, engine.forward(self, X))

    def save(self, path: Any) -> None:
        """Write the fitted estimator to ``path`` in nonlin's safe model format (atomically).

        Read it back with ``nonlin.sklearn.load(path)`` (the estimator) or
        ``nonlin.load(path)`` (the network, predicting probabilities).
        """
        check_is_fitted(self)
        _sklearn_io.save_estimator(self, path)

    def __sklearn_is_fitted__(self) -> bool:
        return "model_" in self.__dict__

    def _check_solver(self) -> bool:
        if self.solver not in ("sgd", "adam"):
            raise AttributeError(
                f"partial_fit is only available for stochastic optimizers. {self.solver} is not "
                "stochastic."
            )
        return True

    def _dtype(self) -> Any:
        return _FLOATS if self.dtype is None else np.dtype(self.dtype).type

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags


class MLPClassifier(ClassifierMixin, _BaseMLP):
    """Multi-layer perceptron classifier: ``sklearn.neural_network.MLPClassifier`` on nonlin.

    Parameters, attributes and methods are scikit-learn's (see its documentation);
    the extras are described in this module's docstring. A binary problem has one
    logistic output, multiclass a softmax, multilabel one logistic per label.
    """

    _parameter_constraints: dict = {
        **_BaseMLP._parameter_constraints,
        "class_weight": [dict, StrOptions({"balanced"}), None],
    }

    def __init__(
        self, hidden_layer_sizes=(100,), activation="relu", *, solver="adam", alpha=0.0001,
        batch_size="auto", learning_rate="constant", learning_rate_init=0.001, power_t=0.5,
        max_iter=200, shuffle=True, random_state=None, tol=1e-4, verbose=False,
        warm_start=False, momentum=0.9, nesterovs_momentum=True, early_stopping=False,
        validation_fraction=0.1, beta_1=0.9, beta_2=0.999, epsilon=1e-8, n_iter_no_change=10,
        max_fun=15000, dropout=0.0, batch_norm=False, class_weight=None, dtype=None,
        callbacks=None,
    ):
        _store(self, locals())

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> MLPClassifier:
        """Fit to ``X`` (n_samples, n_features) and labels ``y`` (n_samples,) or a 0/1 matrix."""
        return self._fit(X, y, sample_weight, incremental=False)

    @available_if(lambda est: est._check_solver())
    def partial_fit(self, X: Any, y: Any, sample_weight: Any = None, classes: Any = None):
        """One epoch over ``X``, ``y``; ``classes`` is required on the first call."""
        if _check_partial_fit_first_call(self, classes):
            self._label_binarizer = LabelBinarizer()
            if type_of_target(y).startswith("multilabel"):
                self._label_binarizer.fit(y)
            else:
                self._label_binarizer.fit(classes)
        return self._fit(X, y, sample_weight, incremental=True)

    def _validate_input(self, X, y, incremental, reset):
        X, y = validate_data(
            self, X, y, multi_output=True, dtype=self._dtype(), reset=reset, accept_sparse=_SPARSE
        )
        X = _dense(X)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        if not hasattr(self, "classes_") or (not self.warm_start and not incremental):
            self._label_binarizer = LabelBinarizer().fit(y)
            self.classes_ = self._label_binarizer.classes_
        else:
            classes = unique_labels(y)
            if self.warm_start and set(classes) != set(self.classes_):
                raise ValueError(
                    "warm_start can only be used where `y` has the same classes as in the "
                    f"previous call to fit. Previously got {self.classes_}, `y` has {classes}"
                )
            if len(np.setdiff1d(classes, self.classes_, assume_unique=True)):
                raise ValueError(
                    f"`y` has classes not in `self.classes_`. `self.classes_` has "
                    f"{self.classes_}. 'y' has {classes}."
                )
        self._objective_kind = "log_loss" if self._label_binarizer.y_type_ == "multiclass" else (
            "binary_log_loss"
        )
        return X, self._label_binarizer.transform(y).astype(X.dtype)

    def _sample_weight(self, sample_weight, X, y):
        sample_weight = super()._sample_weight(sample_weight, X, y)
        if self.class_weight is None:
            return sample_weight
        weights = compute_sample_weight(self.class_weight, column_or_1d(y) if np.ndim(y) == 2 and
                                        np.shape(y)[1] == 1 else y).astype(X.dtype)
        return weights if sample_weight is None else weights * sample_weight

    def _out_activation(self) -> str:
        return "softmax" if self._label_binarizer.y_type_ == "multiclass" else "logistic"

    def _decode(self, Y: np.ndarray) -> np.ndarray:
        return self._label_binarizer.inverse_transform(Y)

    def _predict(self, X: Any, check_input: bool = True) -> np.ndarray:
        proba = self._raw(X, check_input)
        return self._label_binarizer.inverse_transform(proba.ravel() if proba.shape[1] == 1 else
                                                       proba)

    def _score(self, X, y, sample_weight, check_input: bool = True) -> float:
        y_pred = self._predict(X, check_input)
        return accuracy_score(y, y_pred, sample_weight=sample_weight)

    def predict(self, X: Any) -> np.ndarray:
        """Predicted labels, shape (n_samples,) (or (n_samples, n_classes) for multilabel)."""
        return self._predict(X)

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities, shape (n_samples, n_classes), columns in ``classes_`` order."""
        proba = self._raw(X)
        if proba.shape[1] == 1 and self._label_binarizer.y_type_ == "binary":
            return np.hstack([1 - proba, proba])
        return proba

    def predict_log_proba(self, X: Any) -> np.ndarray:
        """``log(predict_proba(X))``."""
        proba = self.predict_proba(X)
        return np.log(proba, out=proba)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags


class MLPRegressor(RegressorMixin, _BaseMLP):
    """Multi-layer perceptron regressor: ``sklearn.neural_network.MLPRegressor`` on nonlin.

    Parameters, attributes and methods are scikit-learn's; ``loss`` also accepts
    ``"absolute_error"`` and ``"huber"`` (delta 1). Outputs are linear, or
    ``exp`` for ``loss="poisson"``.
    """

    _parameter_constraints: dict = {
        **_BaseMLP._parameter_constraints,
        "loss": [StrOptions({"squared_error", "poisson", "absolute_error", "huber"})],
    }

    def __init__(
        self, loss="squared_error", hidden_layer_sizes=(100,), activation="relu", *,
        solver="adam", alpha=0.0001, batch_size="auto", learning_rate="constant",
        learning_rate_init=0.001, power_t=0.5, max_iter=200, shuffle=True, random_state=None,
        tol=1e-4, verbose=False, warm_start=False, momentum=0.9, nesterovs_momentum=True,
        early_stopping=False, validation_fraction=0.1, beta_1=0.9, beta_2=0.999, epsilon=1e-8,
        n_iter_no_change=10, max_fun=15000, dropout=0.0, batch_norm=False, dtype=None,
        callbacks=None,
    ):
        _store(self, locals())

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> MLPRegressor:
        """Fit to ``X`` (n_samples, n_features) and targets ``y`` (n_samples,) or (n, n_outputs)."""
        return self._fit(X, y, sample_weight, incremental=False)

    @available_if(lambda est: est._check_solver())
    def partial_fit(self, X: Any, y: Any, sample_weight: Any = None) -> MLPRegressor:
        """One epoch over ``X``, ``y``."""
        return self._fit(X, y, sample_weight, incremental=True)

    def _validate_input(self, X, y, incremental, reset):
        X, y = validate_data(
            self, X, y, multi_output=True, y_numeric=True, dtype=self._dtype(), reset=reset,
            accept_sparse=_SPARSE,
        )
        X = _dense(X)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        if self.loss == "poisson" and np.any(y < 0):
            raise ValueError("Expected non-negative targets y for loss='poisson'.")
        self._objective_kind = self.loss
        return X, y.reshape(-1, 1) if y.ndim == 1 else y  # cast to the network's dtype later

    def _out_activation(self) -> str:
        return "exp" if self.loss == "poisson" else "identity"

    def _decode(self, Y: np.ndarray) -> np.ndarray:
        return Y

    def _predict(self, X: Any, check_input: bool = True) -> np.ndarray:
        y_pred = self._raw(X, check_input)
        return y_pred.ravel() if y_pred.shape[1] == 1 else y_pred

    def _score(self, X, y, sample_weight, check_input: bool = True) -> float:
        y_pred = self._predict(X, check_input)
        if not np.isfinite(y_pred).all():
            return np.nan
        return r2_score(y, y_pred, sample_weight=sample_weight)

    def predict(self, X: Any) -> np.ndarray:
        """Predictions, shape (n_samples,) or (n_samples, n_outputs)."""
        return self._predict(X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags


def load(path: Any) -> MLPClassifier | MLPRegressor:
    """Rebuild an estimator written by ``est.save(path)`` (no pickle; see ``_sklearn_io``).

    ``nonlin.load(path)`` reads the same file as a plain ``Sequential`` whose
    ``predict`` returns probabilities (classifier) or predictions (regressor).
    """
    estimators = {"MLPClassifier": MLPClassifier, "MLPRegressor": MLPRegressor}
    return _sklearn_io.load_estimator(path, estimators, LabelBinarizer)
