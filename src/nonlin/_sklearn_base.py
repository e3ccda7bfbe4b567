"""The parts of ``nonlin.sklearn``'s estimators that need no scikit-learn.

``nonlin.sklearn`` builds ``MLPClassifier`` and ``MLPRegressor`` from
scikit-learn's base classes and these mixins: ``MLPMethods`` (fitting once
the parameters are checked, the network's outputs), ``ClassifierMethods`` and
``RegressorMethods`` (predictions). This module does not import scikit-learn:
what the methods need from it (``_validate_input``, ``_split``,
``_validate_X``, ``_sample_weight``, ``_score``, ``_check_fitted``,
the ``_convergence_warning`` class) the estimator classes in ``nonlin.sklearn``
define.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from . import _sklearn_callbacks, _sklearn_io, _sklearn_lbfgs, _sklearn_schedule, _sklearn_structure
from . import _sklearn_engine as engine
from ._backward_pass import drop
from ._layer_caches import release
from ._sklearn_dtype import network as network_dtype
from ._sklearn_fitted import FittedAttributes
from ._sklearn_sparse import check_rows, in_front

FLOATS = (np.float64, np.float32)


def dense(y: Any) -> np.ndarray:
    """A sparse regression target ``y``, densified (scikit-learn fails on it in training);
    a sparse ``X`` stays sparse (``_sklearn_sparse``)."""
    return y.toarray() if hasattr(y, "toarray") else y


def store(est: Any, params: dict[str, Any]) -> None:
    """``__init__``'s arguments (its ``locals()``) as attributes, as scikit-learn stores them."""
    for name, value in params.items():
        if name not in ("self", "__class__"):
            setattr(est, name, value)


def plain_input(est: Any, X: Any) -> bool:
    """Whether ``X`` may skip scikit-learn's input validation in ``predict``: a small,
    non-empty, finite float array of the fitted width, and no feature names to check."""
    return (
        type(X) is np.ndarray
        and X.ndim == 2
        and X.dtype in FLOATS
        and X.shape[1] == est.n_features_in_
        and 0 < X.size <= 65536
        and "feature_names_in_" not in est.__dict__
        and bool(np.isfinite(X).all())
    )


def compute_dtype(est: Any, X: np.ndarray) -> np.ndarray:
    """``X`` in the dtype to compute in: scikit-learn's, NumPy's promotion of ``X``'s
    dtype and the weights' (a float32 fit predicts float64 for float64 or int64 ``X``),
    or the weights' own with an explicit ``dtype`` parameter."""
    weights = est.model_.dtype
    if X.dtype == weights:
        return X
    dtype = weights if est.dtype is not None else np.result_type(X.dtype, weights)
    return X.astype(dtype, copy=False)


class MLPMethods(FittedAttributes):
    """Fitting and the network's outputs, shared by both estimators."""

    _convergence_warning: type[Warning] = Warning  # scikit-learn's, set by nonlin.sklearn
    # what the estimator classes of nonlin.sklearn hold and define (see the module docstring)
    hidden_layer_sizes: Any
    solver: str
    warm_start: bool
    early_stopping: bool
    random_state: Any
    dtype: Any
    callbacks: list[Any] | None
    _validate_input: Callable[..., tuple[np.ndarray, np.ndarray]]
    _validate_X: Callable[[Any], np.ndarray]
    _sample_weight: Callable[[Any, np.ndarray, Any], np.ndarray | None]
    _split: Callable[[np.ndarray, np.ndarray, np.ndarray], list[Any]]
    _decode: Callable[[np.ndarray], np.ndarray]
    _score: Callable[..., float]
    _check_fitted: Callable[..., None]

    def _fit_validated(self, X: Any, y: Any, sample_weight: Any, incremental: bool,
                       setup: Callable[[], None] | None = None) -> Any:
        """``fit`` / ``partial_fit`` once the parameters are checked: ``setup`` (a first
        ``partial_fit`` keeps ``classes``), the checks (``_checked``: if one refuses, every
        attribute is put back), the network built or bound, the solver run. Returns ``self``."""
        before = dict(vars(self))
        try:
            first_pass, layer_units, callbacks, X, Y, sample_weight, train_weight = (
                self._checked(X, y, sample_weight, incremental, setup))
        except BaseException:  # left as fitted (or unfitted), not half refit
            vars(self).clear()
            vars(self).update(before)
            raise
        self.n_outputs_ = Y.shape[1]
        engine.start_network(self, layer_units, X.dtype, first_pass)
        X = X.astype(self.model_.dtype, copy=False)
        Y = Y.astype(self.model_.dtype, copy=False)
        _sklearn_callbacks.adopt(self, callbacks)  # trained, not self.callbacks
        try:
            if self.solver == "lbfgs":
                _sklearn_lbfgs.fit_lbfgs(self, X, Y, train_weight,
                                         warning=self._convergence_warning)
            else:
                self._fit_stochastic(X, Y, train_weight, sample_weight, incremental)
        finally:
            release(self.model_.layers)  # no reference to X kept (nonlin._layer_caches)
            drop(self.model_)  # nor a training pass (lbfgs' last forward: _backward_pass)
        engine.check_finite(self)
        return self

    def _checked(self, X: Any, y: Any, sample_weight: Any, incremental: bool,
                 setup: Callable[[], None] | None) -> tuple[Any, ...]:
        """``setup``, then what a fit checks before it changes anything: whether it starts
        anew, its layer sizes and callbacks, ``X``, ``Y``, ``sample_weight``, the training
        weights (the loss type set)."""
        if setup is not None:
            setup()
        hidden = _sklearn_structure.hidden_sizes(self)
        _sklearn_callbacks.check_callbacks(self.callbacks, self, incremental)
        if self.solver == "lbfgs":
            _sklearn_lbfgs.check_extras(self)
        first_pass = not hasattr(self, "coefs_") or (not self.warm_start and not incremental)
        if not first_pass:  # set_params since fitting: activation followed, the rest kept
            _sklearn_structure.check_unchanged(
                self, "partial_fit" if incremental else "a warm-start fit")
            _sklearn_structure.follow_activation(self)
        check_rows(X, network_dtype(X, self.dtype) if first_pass else self.model_.dtype)
        callbacks = _sklearn_callbacks.fit_callbacks(self, continuing=not first_pass)
        X, Y = self._validate_input(X, y, incremental, reset=first_pass)
        sample_weight = self._sample_weight(sample_weight, X, Y)
        train_weight = self._training_weight(sample_weight, X, Y)  # times class weights
        network = () if first_pass else (self.model_.dtype,)  # a continuing fit's weights
        self._loss_type = _sklearn_schedule.loss_type(self, X, Y, train_weight, *network)
        if self.early_stopping and self.solver != "lbfgs":  # (refused once the net was new)
            _sklearn_schedule.check_split(self, Y, incremental)
        return (first_pass, [X.shape[1], *hidden, Y.shape[1]], callbacks, X, Y, sample_weight,
                train_weight)

    def _training_weight(self, sample_weight: np.ndarray | None, X: np.ndarray,
                         Y: np.ndarray) -> np.ndarray | None:
        """The weights training uses (the classifier's include ``class_weight``)."""
        return sample_weight

    def _fit_stochastic(self, X: np.ndarray, Y: np.ndarray, train_weight: np.ndarray | None,
                        sample_weight: np.ndarray | None, incremental: bool) -> None:
        """Run the SGD or Adam solver (with early stopping's split, unless incremental):
        trained with ``train_weight``, scored with ``sample_weight``. A sparse ``X`` trains
        as its row numbers, the first layer gathering the rows (``_sklearn_sparse``)."""
        scorer = None  # (early_stopping with partial_fit: refused by _checked)
        with in_front(self.model_, X) as X:
            if self.early_stopping:
                X, Y, train_weight, scorer = self._validation_split(X, Y, train_weight,
                                                                    sample_weight)
            engine.fit_stochastic(self, X, Y, train_weight, incremental=incremental,
                                  scorer=scorer, warning=self._convergence_warning)

    def _validation_split(self, X: np.ndarray, Y: np.ndarray, train_weight: np.ndarray | None,
                          sample_weight: np.ndarray | None) -> tuple[Any, Any, Any, Any]:
        """Early stopping's split (``_split``): the training arrays with ``train_weight``,
        and the scorer on the validation part, weighted by ``sample_weight`` alone (class
        weights are for training, as ``SGDClassifier``'s and Keras's)."""
        X_train, X_val, Y_train, Y_val, rows, val_rows = self._split(X, Y, np.arange(len(X)))
        sw_train = None if train_weight is None else train_weight[rows]
        sw_val = None if sample_weight is None else sample_weight[val_rows]
        if X_val.shape[0] < 2:
            raise ValueError(_sklearn_schedule.TOO_SMALL)
        y_val = self._decode(Y_val)

        def scorer() -> float:
            return self._score(X_val, y_val, sw_val, check_input=False)

        return X_train, Y_train, sw_train, scorer

    def _raw(self, X: Any, check_input: bool = True) -> np.ndarray:
        """Network outputs after ``out_activation_``, shape (n_samples, n_outputs)."""
        if "model_" not in self.__dict__:
            self._check_fitted()
        if check_input:
            X = self._validate_X(X)
        return self._output(X)

    def _output(self, X: np.ndarray) -> np.ndarray:
        """Network outputs after ``out_activation_`` for validated ``X``."""
        engine.bind(self)
        _sklearn_structure.follow_activation(self)  # scikit-learn's forward pass reads it
        return engine.output(self, engine.forward(self, X))

    def __sklearn_is_fitted__(self) -> bool:
        return "model_" in self.__dict__

    def save(self, path: Any) -> None:
        """Write the fitted estimator to ``path`` in nonlin's safe model format (atomically),
        or to a binary file object (``io.BytesIO()``, ``open(p, "wb")``) as ``nonlin.save`` does.

        Read it back with ``nonlin.sklearn.load(path)`` (the estimator) or
        ``nonlin.load(path)`` (the network, predicting probabilities).

        An ``activation`` set since fitting is saved with the network, whose layers
        follow it as ``predict`` does. A ``hidden_layer_sizes``, ``dropout``,
        ``batch_norm`` or ``dtype`` set since fitting raises a ``ValueError`` before
        anything is written (``predict`` still uses the fitted network; fit again, or
        set it back): ``nonlin.sklearn.load`` refuses a file whose parameters do not
        build its network, which catches a damaged or edited file. Saving the new
        values would need that check to let such files through; saving the fitted
        ones would load an estimator whose ``get_params`` differ from this one's.
        """
        self._check_fitted()
        _sklearn_structure.check_unchanged(self, "save")
        _sklearn_structure.follow_activation(self)
        _sklearn_io.save_estimator(self, path)

    def _check_solver(self) -> bool:
        if self.solver not in ("sgd", "adam"):
            raise AttributeError("partial_fit is only available for stochastic optimizers. "
                                 f"{self.solver} is not stochastic.")
        return True

    def _dtype(self) -> Any:
        return FLOATS if self.dtype is None else np.dtype(self.dtype).type


class ClassifierMethods:
    """``MLPClassifier``'s predictions (its ``_label_binarizer`` decodes them)."""

    warm_start: bool
    classes_: np.ndarray
    _label_binarizer: Any  # scikit-learn's LabelBinarizer
    _raw: Callable[..., np.ndarray]

    def _out_activation(self) -> str:
        return "softmax" if self._label_binarizer.y_type_ == "multiclass" else "logistic"

    def _decode(self, Y: np.ndarray) -> np.ndarray:
        return self._label_binarizer.inverse_transform(Y)

    def _check_classes(self, classes: np.ndarray) -> None:
        """The labels of a warm-start or incremental fit's ``y`` against ``classes_``."""
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

    def _predict(self, X: Any, check_input: bool = True) -> np.ndarray:
        proba = self._raw(X, check_input)
        return self._label_binarizer.inverse_transform(proba.ravel() if proba.shape[1] == 1 else
                                                       proba)

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


class RegressorMethods:
    """``MLPRegressor``'s predictions."""

    loss: Any  # a str or a nonlin Loss
    _raw: Callable[..., np.ndarray]

    def _out_activation(self) -> str:
        return "exp" if self.loss == "poisson" else "identity"

    def _decode(self, Y: np.ndarray) -> np.ndarray:
        return Y

    def _predict(self, X: Any, check_input: bool = True) -> np.ndarray:
        y_pred = self._raw(X, check_input)
        return y_pred.ravel() if y_pred.shape[1] == 1 else y_pred

    def predict(self, X: Any) -> np.ndarray:
        """Predictions, shape (n_samples,) or (n_samples, n_outputs)."""
        return self._predict(X)

