"""nonlin.sklearn: scikit-learn's interface details, and the extras beyond it."""

import inspect
import pickle
import warnings

import numpy as np
import pytest

pytest.importorskip("sklearn")

from sklearn import neural_network as skl  # noqa: E402
from sklearn.datasets import load_digits, make_regression  # noqa: E402
from sklearn.exceptions import (  # noqa: E402
    ConvergenceWarning,
    DataConversionWarning,
    NotFittedError,
)
from sklearn.utils._param_validation import InvalidParameterError  # noqa: E402
from sklearn.utils.class_weight import compute_sample_weight  # noqa: E402

import nonlin  # noqa: E402
from nonlin.callbacks import Callback  # noqa: E402
from nonlin.sklearn import MLPClassifier, MLPRegressor, load  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X[:400] / 16.0, y[:400]


def test_defaults_and_parameters_match_sklearn():
    ours, ref = MLPClassifier().get_params(), skl.MLPClassifier().get_params()
    assert {k: ours[k] for k in ref} == ref
    extras = set(ours) - set(ref)
    assert extras == {"dropout", "batch_norm", "class_weight", "dtype", "callbacks", "loss"}
    assert ours["loss"] == skl.MLPClassifier().loss == "log_loss"  # its attribute there
    ours_r, ref_r = MLPRegressor().get_params(), skl.MLPRegressor().get_params()
    assert {k: ours_r[k] for k in ref_r} == ref_r


def test_fitted_attributes_have_sklearn_shapes(digits):
    X, y = digits
    params = dict(hidden_layer_sizes=(13, 7), max_iter=3, random_state=0)
    ours, ref = MLPClassifier(**params).fit(X, y), skl.MLPClassifier(**params).fit(X, y)
    for name in ("n_layers_", "n_outputs_", "out_activation_", "n_iter_", "t_",
                 "n_features_in_", "best_validation_score_", "validation_scores_"):
        assert getattr(ours, name) == getattr(ref, name), name
    assert [w.shape for w in ours.coefs_] == [w.shape for w in ref.coefs_]
    assert [b.shape for b in ours.intercepts_] == [b.shape for b in ref.intercepts_]
    np.testing.assert_array_equal(ours.classes_, ref.classes_)
    assert len(ours.loss_curve_) == 3 and ours.best_loss_ == min(ours.loss_curve_)
    assert ours.predict_proba(X).shape == (400, 10)
    np.testing.assert_allclose(ours.predict_log_proba(X), np.log(ours.predict_proba(X)))
    assert ours.score(X, y) == np.mean(ours.predict(X) == y)


def test_string_labels_column_y_and_binary_output(digits):
    X, y = digits
    labels = np.array(["even", "odd"])[y % 2]
    with pytest.warns(DataConversionWarning):
        est = MLPClassifier((10,), max_iter=30, random_state=0).fit(X, labels[:, None])
    assert est.coefs_[-1].shape == (10, 1) and est.out_activation_ == "logistic"
    assert set(est.predict(X)) <= {"even", "odd"} and est.score(X, labels) > 0.8
    proba = est.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_array_equal(est.classes_[proba.argmax(axis=1)], est.predict(X))


def test_multilabel_targets(digits):
    X, y = digits
    Y = np.stack([y % 2, y > 4, y == 0], axis=1).astype(int)
    est = MLPClassifier((20,), max_iter=80, random_state=0).fit(X, Y)
    ref = skl.MLPClassifier((20,), max_iter=80, random_state=0).fit(X, Y)
    assert est.predict(X).shape == (400, 3) and est.predict_proba(X).shape == (400, 3)
    assert est.out_activation_ == ref.out_activation_ == "logistic"
    np.testing.assert_allclose(est.predict_proba(X), ref.predict_proba(X), rtol=1e-9)
    assert est.score(X, Y) == ref.score(X, Y) > 0.5


def test_feature_names_from_a_dataframe(digits):
    pd = pytest.importorskip("pandas")
    X, y = digits
    frame = pd.DataFrame(X, columns=[f"px{i}" for i in range(64)])
    est = MLPClassifier((8,), max_iter=3).fit(frame, y)
    assert list(est.feature_names_in_) == list(frame.columns)
    with pytest.warns(UserWarning, match="feature names"):
        est.predict(X)


def test_not_fitted_and_invalid_parameters(digits):
    X, y = digits
    with pytest.raises(NotFittedError):
        MLPClassifier().predict_proba(X)
    with pytest.raises(InvalidParameterError, match="solver"):
        MLPClassifier(solver="rmsprop").fit(X, y)
    with pytest.raises(InvalidParameterError, match="dropout"):
        MLPClassifier(dropout=1.5).fit(X, y)
    with pytest.raises(ValueError, match="hidden_layer_sizes must be > 0"):
        MLPClassifier(hidden_layer_sizes=(3, 0)).fit(X, y)
    with pytest.raises(AttributeError, match="partial_fit"):
        MLPClassifier(solver="lbfgs").partial_fit(X, y, classes=np.arange(10))
    with pytest.raises(ValueError, match="early_stopping"):
        MLPClassifier(early_stopping=True).partial_fit(X, y, classes=np.arange(10))


def test_prediction_fast_path_equals_the_validated_path(digits):
    X, y = digits
    est = MLPClassifier((16,), max_iter=5, random_state=0).fit(X, y)
    fast = est.predict_proba(X[:3])
    slow = est.predict_proba(X[:3].tolist())  # a list goes through validate_data
    np.testing.assert_array_equal(fast, slow)
    with pytest.raises(ValueError, match="NaN"):
        est.predict_proba(np.full((1, 64), np.nan))
    with pytest.raises(ValueError, match="features"):
        est.predict_proba(X[:1, :10])


def test_assigned_coefs_are_used_for_prediction(digits):
    X, y = digits
    est = MLPRegressor(hidden_layer_sizes=(4,), max_iter=2, random_state=0).fit(X, y)
    est.coefs_ = [np.zeros_like(w) for w in est.coefs_]
    est.intercepts_ = [np.zeros_like(b) for b in est.intercepts_[:-1]] + [np.array([2.5])]
    np.testing.assert_array_equal(est.predict(X[:4]), np.full(4, 2.5))


def test_non_finite_weights_raise_value_error(digits):
    X, y = digits
    with pytest.raises(ValueError, match="non-finite parameter weights"):
        MLPRegressor(solver="sgd", learning_rate_init=10.0, max_iter=5, momentum=0.99,
                     random_state=0).fit(X * 1e6, y * 1e100)


# -- extras beyond scikit-learn -------------------------------------------------------------
def test_class_weight_equals_the_matching_sample_weight(digits):
    X, y = digits
    params = dict(hidden_layer_sizes=(9,), max_iter=4, random_state=0, shuffle=False)
    balanced = MLPClassifier(class_weight="balanced", **params).fit(X[:300], y[:300] % 3)
    weights = compute_sample_weight("balanced", y[:300] % 3)
    weighted = MLPClassifier(**params).fit(X[:300], y[:300] % 3, sample_weight=weights)
    for a, b in zip(balanced.coefs_, weighted.coefs_, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12)
    plain = MLPClassifier(**params).fit(X[:300], y[:300] % 3)
    assert not np.allclose(plain.coefs_[0], balanced.coefs_[0])


def test_dropout_and_batch_norm_train_and_are_reproducible(digits):
    X, y = digits
    params = dict(hidden_layer_sizes=(32,), dropout=0.2, batch_norm=True, max_iter=40,
                  random_state=0, learning_rate_init=0.01)
    a, b = MLPClassifier(**params).fit(X, y), MLPClassifier(**params).fit(X, y)
    np.testing.assert_array_equal(a.coefs_[0], b.coefs_[0])
    assert a.score(X, y) > 0.9
    kinds = [type(layer).__name__ for layer in a.model_.layers]
    assert kinds == ["Dense", "BatchNorm", "ReLU", "Dropout", "Dense"]
    plain = MLPClassifier(**{**params, "dropout": 0.0, "batch_norm": False}).fit(X, y)
    assert not np.allclose(plain.coefs_[0], a.coefs_[0])


@pytest.mark.parametrize("dtype", ["float32", np.float32])
def test_dtype_float32_end_to_end(digits, dtype):
    X, y = digits
    est = MLPClassifier((12,), max_iter=5, dtype=dtype, random_state=0).fit(X, y)
    assert all(w.dtype == np.float32 for w in est.coefs_ + est.intercepts_)
    assert est.predict_proba(X).dtype == np.float32
    ref = MLPClassifier((12,), max_iter=5, random_state=0).fit(X.astype(np.float32), y)
    np.testing.assert_allclose(est.coefs_[0], ref.coefs_[0], rtol=1e-6)  # follows X like sklearn


def test_float32_fit_predicting_float64_builds_its_float64_network_once(digits, monkeypatch):
    """A float64 X on float32 weights runs a float64 copy of the network, built on the first
    prediction only; a fit, an in-place edit or an assignment of coefs_ shows in the next."""
    X, y = digits
    est = MLPClassifier((12,), batch_norm=True, max_iter=3, random_state=0)
    est.fit(X.astype(np.float32), y)

    def expected():  # the network rebuilt in float64 with the same weights and statistics
        model = est.model_
        wide = nonlin.Sequential.from_config({**model.get_config(), "dtype": "float64"})
        wide.set_weights(model.get_weights())
        wide.set_state(model.get_state())
        z = wide.forward(X)
        z = np.exp(z - z.max(axis=1, keepdims=True))
        return z / z.sum(axis=1, keepdims=True)

    builds = []
    from_config = nonlin.Sequential.from_config.__func__
    monkeypatch.setattr(nonlin.Sequential, "from_config", classmethod(
        lambda cls, *args, **kwargs: builds.append(cls) or from_config(cls, *args, **kwargs)))
    first = est.predict_proba(X)
    assert first.dtype == np.float64 and len(builds) == 1
    np.testing.assert_array_equal(first, expected())
    for change in ("in place", "partial_fit", "assigned"):
        if change == "in place":
            est.coefs_[0] *= 0.5
        elif change == "partial_fit":  # new weights and BatchNorm statistics
            est.partial_fit(X.astype(np.float32), y)
        else:
            est.coefs_ = [w + np.float32(0.01) for w in est.coefs_]
        n_builds = len(builds)
        got = est.predict_proba(X)
        assert len(builds) == n_builds, change  # no new network
        np.testing.assert_array_equal(got, expected(), err_msg=change)
        assert not np.array_equal(got, first), change


def test_regressor_losses():
    X, y = make_regression(300, 5, noise=0.1, random_state=0)
    y = y / y.std()
    y_out = y.copy()
    y_out[:15] += 40.0  # outliers
    scores = {}
    for loss in ("squared_error", "absolute_error", "huber"):
        est = MLPRegressor(loss=loss, hidden_layer_sizes=(16,), max_iter=300,
                           learning_rate_init=0.01, random_state=0).fit(X, y_out)
        assert est.loss_curve_[-1] < est.loss_curve_[0]
        scores[loss] = est.score(X[15:], y[15:])
    assert scores["absolute_error"] > scores["squared_error"]  # robust to the outliers
    assert scores["huber"] > scores["squared_error"]
    if "loss" not in inspect.signature(skl.MLPRegressor).parameters:
        pytest.skip("scikit-learn < 1.7: MLPRegressor has no loss='poisson' to compare with")
    counts = np.random.default_rng(0).poisson(np.exp(X[:, 0] / 3))
    est = MLPRegressor(loss="poisson", hidden_layer_sizes=(8,), max_iter=100,
                       learning_rate_init=0.01, random_state=0).fit(X, counts)
    ref = skl.MLPRegressor(loss="poisson", hidden_layer_sizes=(8,), max_iter=100,
                           learning_rate_init=0.01, random_state=0).fit(X, counts)
    assert est.out_activation_ == "exp" and np.all(est.predict(X) > 0)
    assert est.loss_ == pytest.approx(ref.loss_, rel=1e-9)


def test_callbacks_and_verbose_progress(digits, capsys):
    X, y = digits

    class Counter(Callback):
        def __init__(self):
            self.epochs = 0

        def on_epoch_end(self, epoch, logs=None):
            self.epochs += 1
            self.last_loss = logs["loss"]

    counter = Counter()
    est = MLPClassifier((8,), max_iter=4, callbacks=[counter], verbose=True).fit(X, y)
    trained = est.callbacks_[0]  # a copy trains; the one given stays as it was
    assert trained.epochs == 4 and trained.last_loss == est.loss_ and counter.epochs == 0
    lines = capsys.readouterr().out.splitlines()  # scikit-learn's verbose lines
    assert lines == [f"Iteration {i + 1}, loss = {v:.8f}" for i, v in enumerate(est.loss_curve_)]
    MLPClassifier((8,), max_iter=4, verbose=2).fit(X, y)  # plus nonlin's progress bar
    captured = capsys.readouterr()
    assert "Iteration 4" in captured.out and "4/4" in captured.out + captured.err


def test_a_model_checkpoint_callback_is_refused_before_anything_changes(digits, tmp_path):
    """It crashed in the first epoch on the estimator's RandomState shuffling stream
    (TypeError naming the internal ShuffleStream)."""
    import nonlin

    X, y = digits
    checkpoint = nonlin.ModelCheckpoint(str(tmp_path / "ck-{epoch}.safetensors"))
    est = MLPClassifier((8,), max_iter=2, callbacks=[checkpoint])
    for fit in (est.fit, lambda X, y: est.partial_fit(X, y, classes=np.unique(y))):
        with pytest.raises(ValueError, match=r"Received a ModelCheckpoint \(callbacks\[0\]\).*"
                                             r"est.save\(path\)"):
            fit(X, y)
        assert not hasattr(est, "coefs_") and not list(tmp_path.iterdir())


def test_save_and_load_in_the_safe_format(digits, tmp_path):
    X, y = digits
    labels = np.array(["a", "b", "c"])[y % 3]
    est = MLPClassifier((10,), batch_norm=True, max_iter=5, random_state=0).fit(X, labels)
    path = tmp_path / "clf.safetensors"
    est.save(path)
    again = load(path)
    np.testing.assert_array_equal(again.predict_proba(X), est.predict_proba(X))
    np.testing.assert_array_equal(again.predict(X), est.predict(X))
    assert again.get_params() == est.get_params() and again.loss_curve_ == est.loss_curve_
    network = nonlin.load(path)
    np.testing.assert_allclose(network.predict(X), est.predict_proba(X), rtol=1e-12)
    assert network.metadata["classes"] == ["a", "b", "c"]
    with open(path, "rb") as handle:
        assert b"pickle" not in handle.read() and pickle  # a safetensors file, no pickle
    again.set_params(warm_start=True, max_iter=2).fit(X, labels)  # still trainable
    reg = MLPRegressor(hidden_layer_sizes=(6,), solver="lbfgs", max_iter=20).fit(X, y / 9)
    reg.save(tmp_path / "reg.safetensors")
    reg_again = load(tmp_path / "reg.safetensors")
    np.testing.assert_array_equal(reg_again.predict(X), reg.predict(X))
    assert not hasattr(reg_again, "loss_curve_")


def test_the_network_config_names_the_initializer_its_weights_came_from(digits, tmp_path):
    """The Dense layers used to say init='zeros' (they are built without a draw): a network
    rebuilt from the saved config then started from zeros, and its ReLU layers never learned."""
    X, y = digits
    est = MLPClassifier((10,), max_iter=5, random_state=0).fit(X, y)
    est.save(tmp_path / "clf.safetensors")
    config = nonlin.load(tmp_path / "clf.safetensors").get_config()
    assert [item["config"]["init"] for item in config["layers"] if item["class_name"] == "Dense"
            ] == ["glorot_uniform", "glorot_uniform"]
    fresh = nonlin.Sequential.from_config(config, seed=0)
    assert all(np.abs(p.value).max() > 0 for p in fresh.parameters() if p.value.ndim == 2)


def test_a_saved_poisson_regressor_loads_as_a_network_predicting_rates(digits, tmp_path):
    X, y = digits
    est = MLPRegressor("poisson", hidden_layer_sizes=(6,), solver="lbfgs", max_iter=20,
                       random_state=0).fit(X, y % 4)
    est.save(tmp_path / "poisson.safetensors")
    network = nonlin.load(tmp_path / "poisson.safetensors")
    np.testing.assert_allclose(network.predict(X).ravel(), est.predict(X), rtol=1e-12)
    np.testing.assert_array_equal(load(tmp_path / "poisson.safetensors").predict(X), est.predict(X))


def test_load_rejects_a_plain_model_file(tmp_path):
    model = nonlin.Sequential([nonlin.Dense(2)]).build(3, seed=0)
    nonlin.save(model, tmp_path / "plain.safetensors")
    with pytest.raises(ValueError, match="saved by nonlin.sklearn"):
        load(tmp_path / "plain.safetensors")


def test_warm_start_with_other_classes_raises(digits):
    X, y = digits
    est = MLPClassifier((5,), max_iter=2, warm_start=True).fit(X, y)
    with pytest.raises(ValueError, match="warm_start can only be used"), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, y % 3)


def test_missing_sklearn_names_the_extra(monkeypatch):
    import importlib
    import sys

    from nonlin._optional import MissingExtraError

    monkeypatch.setitem(sys.modules, "sklearn", None)  # as if not installed
    monkeypatch.delitem(sys.modules, "nonlin.sklearn")
    with pytest.raises(MissingExtraError, match=r"nonlin\[sklearn\]"):
        importlib.import_module("nonlin.sklearn")


def test_refit_trains_the_new_network_from_scratch(digits):
    """A second fit (no warm start) equals a fresh fit: the flat buffer follows the new network."""
    X, y = digits
    est = MLPClassifier((9,), max_iter=3, random_state=0).fit(X, y)
    first = est.predict_proba(X)
    est.fit(X, y)
    np.testing.assert_array_equal(est.predict_proba(X), first)
    np.testing.assert_array_equal(
        MLPClassifier((9,), max_iter=3, random_state=0).fit(X, y).coefs_[0], est.coefs_[0]
    )
    assert est.coefs_[0] is est.model_.layers[0].W.value


def test_early_stopping_logs_the_validation_score_for_callbacks(digits):
    """Callbacks saw only loss and lr: EarlyStopping(monitor="val_score") warned each
    epoch that the key was missing and never stopped."""
    import warnings

    import nonlin

    X, y = digits
    seen = []

    class Record(Callback):
        def on_epoch_end(self, epoch, logs=None):
            seen.append(logs["val_score"])

    stop = nonlin.EarlyStopping(monitor="val_score", patience=1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "val_score not available", no ConvergenceWarning
        est = MLPClassifier((16,), early_stopping=True, max_iter=200, n_iter_no_change=200,
                            random_state=0, callbacks=[Record(), stop]).fit(X, y)
    assert seen == est.validation_scores_ and est.n_iter_ < 200
    stopped = est.callbacks_[1]  # the trained copy of stop
    assert stopped.best == max(seen[: stopped.stopped_epoch]) and stop.best is None
