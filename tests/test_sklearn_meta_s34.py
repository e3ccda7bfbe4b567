"""nonlin.sklearn's estimators in scikit-learn's meta-estimators and inspection tools.

Side by side with scikit-learn's own MLP: calibration, stacking, voting, bagging,
boosting, one-vs-rest, multi-output, target transforms, self-training, the inspection
tools, the learning and validation curves and metadata routing give the same numbers
(guards: they passed before session 34 too). The tags a loss decides (``multi_class``
for a loss of 0/1 outputs, ``positive_only`` for a loss of targets >= 0) and the
``"balanced"`` class weights under ``sample_weight`` (what ``BaggingClassifier``'s
bootstrap is) failed before it.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

pytest.importorskip("sklearn")

import sklearn  # noqa: E402
from sklearn.base import clone  # noqa: E402
from sklearn.calibration import CalibratedClassifierCV  # noqa: E402
from sklearn.compose import TransformedTargetRegressor  # noqa: E402
from sklearn.datasets import make_classification, make_regression  # noqa: E402
from sklearn.ensemble import (  # noqa: E402
    AdaBoostClassifier,
    BaggingClassifier,
    StackingClassifier,
    StackingRegressor,
    VotingClassifier,
)
from sklearn.frozen import FrozenEstimator  # noqa: E402
from sklearn.inspection import (  # noqa: E402
    DecisionBoundaryDisplay,
    partial_dependence,
    permutation_importance,
)
from sklearn.linear_model import LogisticRegression, Ridge  # noqa: E402
from sklearn.model_selection import (  # noqa: E402
    GridSearchCV,
    cross_validate,
    learning_curve,
    validation_curve,
)
from sklearn.multiclass import OneVsRestClassifier  # noqa: E402
from sklearn.multioutput import ClassifierChain, MultiOutputRegressor  # noqa: E402
from sklearn.neural_network import MLPClassifier as SkClassifier  # noqa: E402
from sklearn.neural_network import MLPRegressor as SkRegressor  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from sklearn.semi_supervised import SelfTrainingClassifier  # noqa: E402
from sklearn.utils import estimator_checks as checks  # noqa: E402
from sklearn.utils import get_tags  # noqa: E402

import nonlin  # noqa: E402
from io_helpers import edit_meta  # noqa: E402
from nonlin import ModelFileError  # noqa: E402
from nonlin.sklearn import MLPClassifier, MLPRegressor, load  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

X, Y = make_classification(60, 4, n_informative=3, n_redundant=0, n_classes=3,
                           random_state=0)
XR, YR = make_regression(60, 4, n_targets=2, random_state=0)
W = np.linspace(0.1, 2.0, 60)
KW = {"hidden_layer_sizes": (6,), "max_iter": 15, "random_state": 0}


def _pipe(C: Any) -> Any:
    return make_pipeline(StandardScaler(), C(**KW))


# each: (classifier class, regressor class) -> an array-like of results
USES: dict[str, Callable[[Any, Any], Any]] = {
    "calibrated_sigmoid": lambda C, R: CalibratedClassifierCV(C(**KW), cv=3).fit(
        X, Y, sample_weight=W).predict_proba(X[:3]),
    "calibrated_isotonic": lambda C, R: CalibratedClassifierCV(
        C(**KW), method="isotonic", cv=3).fit(X, Y).predict_proba(X[:3]),
    "calibrated_frozen": lambda C, R: CalibratedClassifierCV(
        FrozenEstimator(C(**KW).fit(X, Y))).fit(X, Y).predict_proba(X[:3]),
    "stacking": lambda C, R: StackingClassifier(
        [("mlp", C(**KW)), ("lr", LogisticRegression())], cv=3).fit(X, Y).predict_proba(X[:3]),
    "stacking_regressor": lambda C, R: StackingRegressor(
        [("mlp", R(**KW)), ("ridge", Ridge())], cv=3).fit(XR, YR[:, 0]).predict(XR[:3]),
    "voting_soft": lambda C, R: VotingClassifier(
        [("mlp", C(**KW)), ("lr", LogisticRegression())], voting="soft").fit(
        X, Y).predict_proba(X[:3]),
    "bagging_max_samples": lambda C, R: BaggingClassifier(
        C(**KW), n_estimators=2, max_samples=0.5, random_state=0).fit(
        X, Y, sample_weight=W).predict_proba(X[:3]),
    "adaboost": lambda C, R: AdaBoostClassifier(C(**KW), n_estimators=2, random_state=0).fit(
        X, Y).predict_proba(X[:3]),
    "one_vs_rest": lambda C, R: OneVsRestClassifier(C(**KW)).fit(X, Y).predict_proba(X[:3]),
    "multi_output": lambda C, R: MultiOutputRegressor(R(**KW)).fit(XR, YR).predict(XR[:3]),
    "classifier_chain": lambda C, R: ClassifierChain(C(**KW), random_state=0).fit(
        X, np.c_[Y == 0, Y == 1].astype(int)).predict_proba(X[:3]),
    "transformed_target": lambda C, R: TransformedTargetRegressor(
        R(**KW), func=np.log1p, inverse_func=np.expm1).fit(XR, np.abs(YR)).predict(XR[:3]),
    "self_training": lambda C, R: SelfTrainingClassifier(C(**KW), max_iter=2).fit(
        X, np.where(np.arange(60) % 3 == 0, -1, Y)).predict_proba(X[:3]),
    "permutation_importance": lambda C, R: permutation_importance(
        C(**KW).fit(X, Y), X, Y, n_repeats=2, random_state=0).importances_mean,
    "partial_dependence": lambda C, R: partial_dependence(
        R(**KW).fit(XR, YR), XR, [0], grid_resolution=4)["average"],
    "decision_boundary": lambda C, R: DecisionBoundaryDisplay.from_estimator(
        C(**KW).fit(X[:, :2], Y), X[:, :2], grid_resolution=4,
        response_method="predict_proba", class_of_interest=1).response,
    "learning_curve": lambda C, R: learning_curve(
        _pipe(C), X, Y, train_sizes=[0.5, 1.0], cv=3)[2],
    "learning_curve_incremental": lambda C, R: learning_curve(
        C(**KW), X, Y, train_sizes=[0.5, 1.0], cv=3, exploit_incremental_learning=True)[2],
    "validation_curve": lambda C, R: validation_curve(
        C(**KW), X, Y, param_name="alpha", param_range=[1e-4, 1.0], cv=3)[1],
}


@pytest.mark.parametrize("use", sorted(USES))
def test_meta_estimators_and_inspection_give_scikit_learns_numbers(use: str) -> None:
    """Guard: the same numbers as with scikit-learn's own MLP in each tool."""
    ours = np.asarray(USES[use](MLPClassifier, MLPRegressor), dtype=float)
    theirs = np.asarray(USES[use](SkClassifier, SkRegressor), dtype=float)
    np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-12)


ROUTED: dict[str, Callable[[Any], Any]] = {
    "cross_validate": lambda C: cross_validate(
        C(**KW).set_fit_request(sample_weight=True).set_score_request(sample_weight=True),
        X, Y, cv=3, params={"sample_weight": W})["test_score"],
    "pipeline": lambda C: make_pipeline(
        StandardScaler().set_fit_request(sample_weight=False),
        C(**KW).set_fit_request(sample_weight=True)).fit(
        X, Y, sample_weight=W).predict_proba(X[:3]),
    "grid_search": lambda C: GridSearchCV(
        C(**KW).set_fit_request(sample_weight=True).set_score_request(sample_weight=True),
        {"alpha": [1e-4, 1.0]}, cv=3).fit(X, Y, sample_weight=W).cv_results_["mean_test_score"],
    "calibrated": lambda C: CalibratedClassifierCV(
        C(**KW).set_fit_request(sample_weight=True), cv=3).fit(
        X, Y, sample_weight=W).predict_proba(X[:3]),
}


@pytest.mark.parametrize("use", sorted(ROUTED))
def test_metadata_routing_routes_sample_weight_as_to_scikit_learns(use: str) -> None:
    """Guard: with routing on, ``set_fit_request`` / ``set_score_request`` route
    ``sample_weight`` through pipelines, cross-validation and searches as for scikit-learn's
    MLP (and an unrequested one is refused alike)."""
    with sklearn.config_context(enable_metadata_routing=True):
        ours, theirs = ROUTED[use](MLPClassifier), ROUTED[use](SkClassifier)
        np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-12)
        for C in (MLPClassifier, SkClassifier):
            with pytest.raises(sklearn.exceptions.UnsetMetadataPassedError):
                cross_validate(C(**KW), X, Y, cv=3, params={"sample_weight": W})


def test_a_clone_with_callbacks_leaks_no_state_into_the_others() -> None:
    """Guard: each clone, and each fit, trains its own copies of the callbacks."""

    class Count(nonlin.Callback):
        def __init__(self) -> None:
            self.epochs = 0

        def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
            self.epochs += 1

    given = Count()
    est = MLPClassifier(callbacks=[given], **KW)
    one, two = clone(est), clone(est)
    one.fit(X, Y)
    assert given.epochs == 0 and two.callbacks[0].epochs == 0 and one.callbacks[0].epochs == 0
    assert one.callbacks_[0].epochs == 15 and one.callbacks[0] is not two.callbacks[0]
    bagged = BaggingClassifier(est, n_estimators=2, random_state=0).fit(X, Y)
    assert [e.callbacks_[0].epochs for e in bagged.estimators_] == [15, 15]
    assert given.epochs == 0 and "Count" in bagged._repr_html_()


# -- the tags a loss decides ----------------------------------------------------------
@pytest.mark.parametrize("loss", [nonlin.BinaryFocalCrossentropy(),
                                  nonlin.BinaryCrossEntropy(label_smoothing=0.1)])
def test_a_loss_of_0_1_outputs_tags_the_classifier_binary_only(loss: Any) -> None:
    """Such a loss refuses a multiclass ``y``: ``multi_class`` is False, so scikit-learn's
    checks give it two classes, and its error says what that check asks (was True: the
    checks' multiclass data failed the fit)."""
    est = MLPClassifier(loss=loss, **KW)
    assert get_tags(est).classifier_tags.multi_class is False
    assert get_tags(est).classifier_tags.multi_label is True
    assert get_tags(MLPClassifier(**KW)).classifier_tags.multi_class is True
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        checks.check_classifier_not_supporting_multiclass("MLPClassifier", est)
        checks.check_classifiers_classes("MLPClassifier", est)
    with pytest.raises(ValueError, match="Only binary classification is supported"):
        MLPClassifier(loss=loss, **KW).fit(X, Y)
    ovr = OneVsRestClassifier(est).fit(X, Y)  # what the message advises
    assert ovr.predict_proba(X[:2]).shape == (2, 3)


@pytest.mark.parametrize("loss", ["poisson", nonlin.MeanSquaredLogarithmicError()])
def test_a_loss_of_targets_at_least_0_tags_the_regressor_positive_only(loss: Any) -> None:
    """``positive_only``, as scikit-learn's ``PoissonRegressor`` tags it: its checks then
    give targets > 0 (was False: they gave negative ones, which the fit refuses)."""
    est = MLPRegressor(loss=loss, **KW)
    assert get_tags(est).target_tags.positive_only is True
    assert get_tags(est).target_tags.multi_output is True
    for other in ("squared_error", nonlin.Huber(), None):
        assert get_tags(MLPRegressor(loss=other)).target_tags.positive_only is False
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        checks.check_fit_idempotent("MLPRegressor", est)
        checks.check_n_features_in("MLPRegressor", est)


# -- class_weight="balanced" under sample_weight --------------------------------------
def _repeated(kind: str) -> tuple[np.ndarray, np.ndarray]:
    y = {"binary": (Y == 0).astype(int), "multiclass": Y,
         "multilabel": np.c_[Y == 0, Y == 2, X[:, 0] > 0.5].astype(int)}[kind]
    return y, np.random.default_rng(0).integers(0, 4, len(y))


@pytest.mark.parametrize("kind", ["binary", "multiclass", "multilabel"])
def test_balanced_weights_count_a_weight_of_k_as_the_row_k_times(kind: str) -> None:
    """``class_weight="balanced"`` with an integer ``sample_weight`` trains as the rows
    repeated that many times, as ``LogisticRegression``'s (was: the classes counted
    unweighted, 0.9 apart in probability)."""
    y, sw = _repeated(kind)
    kw = {**KW, "solver": "lbfgs", "max_iter": 40, "class_weight": "balanced"}
    weighted = MLPClassifier(**kw).fit(X, y, sample_weight=sw)
    repeated = MLPClassifier(**kw).fit(np.repeat(X, sw, axis=0), np.repeat(y, sw, axis=0))
    np.testing.assert_allclose(weighted.predict_proba(X), repeated.predict_proba(X),
                               atol=1e-7)
    ones = MLPClassifier(**kw).fit(X, y, sample_weight=np.ones(len(y)))
    np.testing.assert_allclose(ones.predict_proba(X), MLPClassifier(**kw).fit(X, y)
                               .predict_proba(X), rtol=1e-12)


def test_bagging_balances_each_bag_by_its_own_draws() -> None:
    """``BaggingClassifier`` passes its bootstrap as a ``sample_weight`` of draw counts:
    each bag's estimator is the one fitted on its drawn rows (was: balanced by the whole
    training set, the rows not drawn too)."""
    y = (Y == 0).astype(int)
    est = MLPClassifier(**{**KW, "solver": "lbfgs", "alpha": 1.0, "class_weight": "balanced"})
    bagged = BaggingClassifier(est, n_estimators=2, random_state=0).fit(X, y)
    for fitted, rows, columns in zip(bagged.estimators_, bagged.estimators_samples_,
                                     bagged.estimators_features_, strict=True):
        alone = clone(est).set_params(random_state=fitted.random_state).fit(
            X[rows][:, columns], y[rows])
        np.testing.assert_allclose(fitted.predict_proba(X[:, columns]),
                                   alone.predict_proba(X[:, columns]), atol=1e-7)


def test_a_class_whose_rows_all_weigh_0_gets_no_nan() -> None:
    """A class all of whose rows weigh 0 (a bag that drew none of them) trains, finite."""
    y = (Y == 0).astype(int)
    sw = np.where(y == 1, 0.0, 1.0)
    sw[Y == 2] = 2.0
    est = MLPClassifier(**{**KW, "class_weight": "balanced"}).fit(X, y, sample_weight=sw)
    assert np.isfinite(est.loss_) and np.isfinite(est.predict_proba(X)).all()


@pytest.mark.parametrize("check", [checks.check_sample_weight_equivalence_on_dense_data,
                                   checks.check_sample_weight_equivalence_on_sparse_data])
def test_balanced_weights_pass_scikit_learns_sample_weight_equivalence_check(check: Any) -> None:
    """scikit-learn's own check: weights 0..4 against removed and repeated rows (failed
    before: the classes were counted unweighted)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check("MLPClassifier", MLPClassifier(max_iter=100, class_weight="balanced"))


def test_a_label_value_whose_rows_all_weigh_0_counts_as_removed() -> None:
    """Multilabel ``"balanced"``: a column whose 1s all weigh 0 trains as the rows removed
    (the column then holds one value, as ``compute_sample_weight`` counts it)."""
    y = np.c_[Y == 0, Y == 2].astype(int)
    sw = np.where(y[:, 1] == 1, 0, 1 + np.arange(60) % 3)
    kw = {**KW, "solver": "lbfgs", "max_iter": 40, "class_weight": "balanced"}
    weighted = MLPClassifier(**kw).fit(X, y, sample_weight=sw)
    repeated = MLPClassifier(**kw).fit(np.repeat(X, sw, axis=0), np.repeat(y, sw, axis=0))
    np.testing.assert_allclose(weighted.predict_proba(X), repeated.predict_proba(X),
                               atol=1e-7)


# -- metadata requests in a file -------------------------------------------------------
def _saved(est: Any) -> bytes:
    buffer = io.BytesIO()
    est.save(buffer)
    return buffer.getvalue()


def _requested() -> MLPClassifier:
    with sklearn.config_context(enable_metadata_routing=True):
        est = MLPClassifier(**KW).set_fit_request(sample_weight=True)
        return est.set_score_request(sample_weight="score_weight").fit(X, Y)


def test_a_saved_estimator_keeps_its_metadata_requests_as_a_pickle_does() -> None:
    """``save`` / ``load`` keep ``set_fit_request`` and ``set_score_request`` (were lost:
    the loaded estimator's routing refused the ``sample_weight`` its original took)."""
    est = _requested()
    loaded = load(io.BytesIO(_saved(est)))
    assert str(loaded.get_metadata_routing()) == str(est.get_metadata_routing())
    with sklearn.config_context(enable_metadata_routing=True):
        scores = [cross_validate(e, X, Y, cv=3, params={"sample_weight": W,
                                                        "score_weight": W[::-1]})["test_score"]
                  for e in (est, loaded)]
    np.testing.assert_array_equal(*scores)
    plain = load(io.BytesIO(_saved(MLPClassifier(**KW).fit(X, Y))))  # no record written
    assert "_metadata_request" not in plain.__dict__


@pytest.mark.parametrize(("requests", "field"), [
    ([1], "training.requests"),
    ({"predict": {"sample_weight": True}}, "training.requests.predict"),
    ({"fit": {"classes": True}}, "training.requests.fit.classes"),
    ({"fit": {"sample_weight": 1}}, "training.requests.fit.sample_weight"),
    ({"fit": {"sample_weight": "not a name"}}, "training.requests.fit.sample_weight"),
    ({"fit": []}, "training.requests.fit"),
])
def test_a_tampered_request_record_is_refused_naming_its_field(requests: Any,
                                                               field: str) -> None:
    """Each fault of the record is a ``ModelFileError`` naming the field (the record was
    ignored before)."""
    def change(meta: dict) -> dict:
        meta["training"]["requests"] = requests
        return meta

    data = edit_meta(_saved(MLPClassifier(**KW).fit(X, Y)), "metadata", change)
    with pytest.raises(ModelFileError, match=field.replace(".", r"\.")):
        load(io.BytesIO(data))
