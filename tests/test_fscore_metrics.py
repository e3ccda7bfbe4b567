"""``F1Score`` and ``FBetaScore``: Keras 3's F-scores (``keras/src/metrics/f_score_metrics.py``),
streamed over batches, one number per epoch.

Checked against a line-by-line NumPy transcription of Keras' ``update_state`` / ``result``
(its epsilon 1e-7 included) to 1e-12, and against scikit-learn's ``f1_score`` /
``fbeta_score`` (no epsilon) to 1e-6.
"""

from __future__ import annotations

import copy
import re

import numpy as np
import pytest

pytest.importorskip("sklearn")  # the sklearn extra: skipped where it is not installed

from sklearn.metrics import f1_score, fbeta_score  # noqa: E402

import nonlin  # noqa: E402
from nonlin.callbacks import Callback  # noqa: E402
from nonlin.checkpoint import load_checkpoint, save_checkpoint  # noqa: E402
from nonlin.losses import BinaryCrossEntropy, CrossEntropy, Hinge  # noqa: E402
from nonlin.metrics import METRICS, F1Score, FBetaScore, get_metric  # noqa: E402

EPS = 1e-7


def keras_f_beta(y_true, y_pred, w, average, beta, threshold):
    """Keras 3's FBetaScore on one batch, transcribed (float64): per-class array for None."""
    y_true, y_pred = np.asarray(y_true, float), np.asarray(y_pred, float)
    if threshold is None:
        pred = (y_pred >= y_pred.max(axis=-1, keepdims=True)) & (np.abs(y_pred) > 1e-9)
    else:
        pred = y_pred > threshold
    pred = pred.astype(float)
    axis = None if average == "micro" else 0

    def weighted_sum(val):
        return np.sum(val if w is None else val * w[:, None], axis=axis)

    tp, fp = weighted_sum(pred * y_true), weighted_sum(pred * (1 - y_true))
    fn, iw = weighted_sum((1 - pred) * y_true), weighted_sum(y_true)
    precision, recall = tp / (tp + fp + EPS), tp / (tp + fn + EPS)
    f = precision * recall / (beta**2 * precision + recall + EPS) * (1 + beta**2)
    if average == "weighted":
        return np.sum(f * (iw / (np.sum(iw) + EPS)))
    return f if average is None else np.mean(f)


def _multiclass(n=60, k=4, seed=0):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, k, n)
    scores = rng.dirichlet(np.ones(k), n) + 0.3 * np.eye(k)[labels]  # better than chance
    return labels, scores, rng.uniform(0.0, 2.0, n)


def _multilabel(n=60, k=3, seed=1):
    rng = np.random.default_rng(seed)
    y = (rng.uniform(size=(n, k)) < 0.4).astype(int)
    return y, np.clip(0.35 * y + rng.uniform(size=(n, k)) * 0.7, 0, 1), rng.uniform(0, 2, n)


AVERAGES = ["micro", "macro", "weighted"]
BETAS = [0.5, 1.0, 2.0]


def _metric(average, beta, threshold=None, **kwargs):
    if beta == 1.0:
        return F1Score(average, threshold, **kwargs)
    return FBetaScore(average, beta, threshold, **kwargs)


def _sklearn(y, pred, w, average, beta):
    if beta == 1.0:
        return f1_score(y, pred, average=average, sample_weight=w, zero_division=0)
    return fbeta_score(y, pred, beta=beta, average=average, sample_weight=w, zero_division=0)


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("beta", BETAS)
@pytest.mark.parametrize("average", AVERAGES)
def test_multiclass_argmax_matches_keras_and_sklearn(average, beta, weighted):
    labels, scores, w = _multiclass()
    w = w if weighted else None
    onehot = np.eye(4)[labels]
    value = _metric(average, beta)(onehot, scores, w)
    assert value == pytest.approx(keras_f_beta(onehot, scores, w, average, beta, None),
                                  rel=1e-12, abs=1e-15)
    expected = _sklearn(labels, scores.argmax(axis=1), w, average, beta)
    assert value == pytest.approx(expected, abs=1e-6)
    assert _metric(average, beta)(labels, scores, w) == value  # integer labels: one-hot


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("beta", BETAS)
@pytest.mark.parametrize("average", AVERAGES)
def test_multilabel_threshold_matches_keras_and_sklearn(average, beta, weighted):
    y, p, w = _multilabel()
    w = w if weighted else None
    value = _metric(average, beta, 0.5)(y, p, w)
    assert value == pytest.approx(keras_f_beta(y, p, w, average, beta, 0.5),
                                  rel=1e-12, abs=1e-15)
    assert value == pytest.approx(_sklearn(y, (p > 0.5).astype(int), w, average, beta),
                                  abs=1e-6)


def test_average_none_with_class_id_is_one_entry_of_keras_per_class_result():
    y, p, w = _multilabel()
    per_class = keras_f_beta(y, p, w, None, 2.0, 0.3)
    sk = fbeta_score(y, (p > 0.3).astype(int), beta=2.0, average=None, sample_weight=w)
    for j in range(3):
        value = FBetaScore(None, 2.0, 0.3, class_id=j)(y, p, w)
        assert value == pytest.approx(per_class[j], rel=1e-12)
        assert value == pytest.approx(sk[j], abs=1e-6)
    # the default, macro, is the mean of Keras' default (per-class) result
    assert FBetaScore(beta=2.0, threshold=0.3)(y, p, w) == pytest.approx(np.mean(per_class),
                                                                      rel=1e-12)


def test_keras_docstring_examples():
    y = np.array([[1, 1, 1], [1, 0, 0], [1, 1, 0]])
    p = np.array([[0.2, 0.6, 0.7], [0.2, 0.6, 0.6], [0.6, 0.8, 0.0]])
    f1 = [F1Score(None, 0.5, class_id=j)(y, p) for j in range(3)]
    assert f1 == pytest.approx([0.5, 0.8, 0.6666667], abs=1e-6)
    f2 = [FBetaScore(None, 2.0, 0.5, class_id=j)(y, p) for j in range(3)]
    assert f2 == pytest.approx([0.3846154, 0.90909094, 0.8333334], abs=1e-6)


def test_argmax_mode_is_keras_rule_ties_and_zero_rows():
    y = np.eye(3)[[0, 1, 2, 0]]
    p = np.array([[0.5, 0.5, 0.0],  # a tie: both columns predicted
                  [0.0, -1.0, -2.0],  # the maximum is 0: nothing predicted
                  [-3.0, -2.0, -1.0],  # logits: the arg-max, though negative
                  [1e-10, 0.0, 0.0]])  # within 1e-9 of 0: nothing
    metric = F1Score(None, class_id=0)
    metric.update_state(y, p)
    assert metric.state_dict() == {"true_positives": [1.0, 0.0, 1.0],
                                   "false_positives": [0.0, 1.0, 0.0],
                                   "false_negatives": [1.0, 1.0, 0.0]}
    for average in AVERAGES:
        assert F1Score(average)(y, p) == pytest.approx(keras_f_beta(y, p, None, average, 1.0,
                                                                    None), rel=1e-12)


def test_threshold_mode_is_strictly_greater_and_zero_takes_logits():
    y = np.array([[1, 0], [0, 1]])
    assert F1Score("micro", 0.5)(y, np.array([[0.5, 0.0], [0.0, 0.6]])) == pytest.approx(
        2 / 3, abs=1e-6)  # 0.5 is not above 0.5
    logits = np.array([[2.0, -1.0], [-0.5, 0.1]])
    assert F1Score("macro", 0.0)(y, logits) == pytest.approx(1.0, abs=1e-6)


def test_streaming_equals_one_batch_and_reset_forgets():
    labels, scores, w = _multiclass(n=41)
    for metric in (F1Score("weighted"), FBetaScore("micro", 0.5), F1Score(None, class_id=2)):
        whole = metric(labels, scores, w)
        metric.reset_state()
        assert metric.result() == 0.0  # before any batch, as Keras' zeros
        for rows in np.split(np.arange(41), [7, 8, 30]):
            metric.update_state(labels[rows], scores[rows], sample_weight=w[rows])
        assert metric.result() == pytest.approx(whole, rel=1e-12)
        state = copy.deepcopy(metric.state_dict())
        again = copy.deepcopy(metric)
        again.reset_state()
        again.load_state_dict(state)
        assert again.result() == metric.result()
        metric.reset_state()
        metric.update_state(labels[:5], scores[:5])
        assert metric.result() == metric(labels[:5], scores[:5])


class _ValF1(Callback):
    """F1 of the validation data at each epoch's end, computed afresh."""

    def __init__(self, X, y):
        self.X, self.y, self.values = X, y, []

    def on_epoch_end(self, epoch, logs=None):
        self.values.append(F1Score("weighted")(self.y, self.model.predict(self.X)))


def test_fit_logs_them_per_epoch_with_validation_keys():
    labels, _, _ = _multiclass(n=90)
    X = np.random.default_rng(2).normal(size=(90, 3)) + labels[:, None] * 0.5
    model = nonlin.Sequential([nonlin.Dense(8), nonlin.Tanh(), nonlin.Dense(4),
                               nonlin.Softmax()])
    check = _ValF1(X[70:], labels[70:])
    history = model.fit(X[:70], labels[:70], loss="cross_entropy", optimizer="adam", epochs=3,
                        batch_size=16, seed=0, verbose=0, validation_data=(X[70:], labels[70:]),
                        callbacks=[check],
                        metrics=["f1_score", F1Score("weighted", name="f1w"),
                                 FBetaScore(beta=2.0), "FBetaScore"]).history
    assert {"f1_score", "val_f1_score", "f1w", "val_f1w", "fbeta_score",
            "val_fbeta_score", "FBetaScore", "val_FBetaScore"} <= set(history)
    assert history["val_f1w"] == pytest.approx(check.values, rel=1e-12)  # reset per epoch
    assert history["f1_score"] == history["FBetaScore"]  # beta 1, macro, arg-max
    logs = model.evaluate(X[70:], labels[70:], metrics=[F1Score("micro")])
    assert logs["f1_score"] == pytest.approx(F1Score("micro")(labels[70:],
                                                              model.predict(X[70:])))


def test_one_sigmoid_output_takes_the_name_and_refuses_the_arg_max_before_any_update():
    X = np.random.default_rng(0).normal(size=(20, 3))
    y = (X[:, 0] > 0).astype(int)
    model = nonlin.Sequential([nonlin.Dense(1), nonlin.Sigmoid()]).build(3, seed=0)
    weights = model.get_weights()
    with pytest.raises(ValueError, match=r"several columns for F1Score\(threshold=None\)"):
        model.fit(X, y, loss="bce", optimizer="sgd", verbose=0, metrics=[F1Score()])
    assert all(map(np.array_equal, weights, model.get_weights()))  # refused before a step
    history = model.fit(X, y, loss="bce", optimizer="sgd", verbose=0, seed=0,
                        metrics=["f1_score", F1Score(threshold=0.5, name="f")]).history
    assert history["f1_score"] == history["f"]  # the name thresholds at 0.5


def test_names_follow_the_loss_as_precision_does():
    assert get_metric("f1_score", loss=CrossEntropy(), n_outputs=3).threshold is None
    assert get_metric("f1_score", loss=BinaryCrossEntropy(), n_outputs=3).threshold == 0.5
    bce_logits = BinaryCrossEntropy(from_logits=True)
    assert get_metric("F1Score", loss=bce_logits, n_outputs=1).threshold == 0.0
    assert get_metric("fbeta_score", loss=Hinge(), n_outputs=2).threshold == 0.0
    assert get_metric("f_beta_score", n_outputs=1).threshold == 0.5
    metric = get_metric("FBetaScore")
    assert type(metric) is FBetaScore and metric.name == "FBetaScore"
    from nonlin._monitor import _direction

    assert _direction("val_f1_score", "auto", []) == "max"


def test_config_round_trips_and_f1_leaves_beta_out():
    for metric in (F1Score(), F1Score(None, 0.25, "f", class_id=1),
                   FBetaScore("weighted", 3, 1)):
        config = metric.get_config()
        assert type(metric)(**config).get_config() == config
    assert F1Score().get_config() == {"average": "macro", "threshold": None,
                                      "name": "f1_score", "class_id": None}
    assert FBetaScore(beta=2).get_config()["beta"] == 2.0
    assert F1Score.from_config(F1Score("micro", 0.5).get_config()).get_config() == {
        "average": "micro", "threshold": 0.5, "name": "f1_score", "class_id": None}


@pytest.mark.parametrize("cls", sorted(set(METRICS.values()), key=lambda cls: cls.__name__),
                         ids=lambda cls: cls.__name__)
def test_every_built_in_metric_rebuilds_from_its_config(cls):
    metric = cls()
    rebuilt = cls.from_config(metric.get_config())
    assert type(rebuilt) is cls and rebuilt.get_config() == metric.get_config()
    assert repr(F1Score("micro")) == ("F1Score(average='micro', threshold=None, "
                                      "name='f1_score', class_id=None)")


REFUSED = [
    (lambda: FBetaScore(beta=0.0), r"Expected beta > 0.*Received: beta=0\.0"),
    (lambda: FBetaScore(beta=-1), r"Expected beta > 0.*Received: beta=-1"),
    (lambda: FBetaScore(beta=float("nan")), r"Expected beta > 0.*Received: beta=nan"),
    (lambda: FBetaScore(beta=1e200), r"Expected beta > 0.*Received: beta=1e\+200"),
    (lambda: FBetaScore(beta=True), r"Expected beta > 0.*Received: beta=True"),
    (lambda: F1Score(threshold=1.5), r"Expected a threshold in \[0, 1\].*Received: thr"),
    (lambda: F1Score(threshold=-0.1), r"Expected a threshold in \[0, 1\].*Received: thr"),
    (lambda: F1Score(threshold=float("nan")), r"threshold in \[0, 1\].*threshold=nan"),
    (lambda: F1Score(threshold="0.5"), r"threshold in \[0, 1\].*threshold='0.5'"),
    (lambda: F1Score("samples"), r"Expected average one of 'macro', 'micro', 'weighted' or "
                                 r"None. Received: average='samples'"),
    (lambda: F1Score("Macro"), r"Expected average one of.*Received: average='Macro'"),
    # F1Score(None): Keras' per-class array since session 34 (tests/test_numerics_s34.py)
    (lambda: F1Score(class_id=1), r"Expected class_id only with average=None.*Received: "
                                  r"average='macro', class_id=1"),
    (lambda: F1Score(None, class_id=-1), r"Expected an integer >= 0.*Received: class_id=-1"),
    (lambda: F1Score(name=""), r"Expected a non-empty str name. Received: name=''"),
]


@pytest.mark.parametrize("make, message", REFUSED)
def test_bad_arguments_are_refused_naming_them(make, message):
    with pytest.raises((ValueError, TypeError), match=message):
        make()


def test_bad_batches_are_refused_and_change_nothing():
    metric = F1Score(None, class_id=3)
    with pytest.raises(ValueError, match=r"Expected class_id in \[0, 3\).*class_id=3"):
        metric(np.eye(3), np.eye(3))
    one_column = re.escape("Expected y_pred with several columns for F1Score(threshold=None)")
    with pytest.raises(ValueError, match=one_column + r".*Received y_pred of shape \(2, 1\)"):
        F1Score()(np.array([0, 1]), np.array([0.2, 0.9]))
    metric = F1Score()
    metric.update_state(np.eye(3), np.eye(3))
    before = metric.state_dict()
    with pytest.raises(ValueError, match=r"Expected y_pred with 3 columns, as the batches "
                                         r"before.*Received y_pred of shape \(2, 2\)"):
        metric.update_state(np.eye(2), np.eye(2))
    assert metric.state_dict() == before
    for bad in ({"true_positives": [1.0]}, {**before, "false_negatives": [1.0]},
                {**before, "true_positives": [-1.0, 0.0, 0.0]}):
        with pytest.raises(ValueError, match="Expected F1Score state"):
            metric.load_state_dict(bad)
    assert metric.state_dict() == before


def test_a_saved_model_keeps_its_f_score_metrics(tmp_path):
    labels, _, _ = _multiclass(n=32, k=2)
    X = np.random.default_rng(3).normal(size=(32, 3))
    metrics = ["f1_score", F1Score("weighted", 0.3, "f1w"), FBetaScore(None, 2.0, class_id=1)]
    model = nonlin.Sequential([nonlin.Dense(2), nonlin.Softmax()])
    model.compile("sgd", "cross_entropy", metrics)
    model.fit(X, labels, epochs=1, verbose=0, seed=0)
    model.save(tmp_path / "m.safetensors")
    loaded = nonlin.load(tmp_path / "m.safetensors")
    assert loaded._metrics[0] == "f1_score"
    assert [(type(m), m.get_config()) for m in loaded._metrics[1:]] == [
        (type(m), m.get_config()) for m in metrics[1:]]
    assert {"f1_score", "f1w", "fbeta_score"} <= set(loaded.fit(X, labels, verbose=0).history)


@pytest.mark.filterwarnings("ignore:.*CrossEntropy takes probabilities:UserWarning")
@pytest.mark.filterwarnings("error:.*starts again from its first batch")  # the state is taken
def test_a_run_stopped_mid_epoch_resumes_its_f_scores_exactly(tmp_path):
    from test_checkpoint_partial import _assert_same_run, _fit, _layers, _StopAt

    fit = {"metrics": [F1Score("weighted"), "fbeta_score"]}
    straight = _fit(nonlin.Sequential(_layers()), "adam", 4, seed=7, fit=fit)
    model = nonlin.Sequential(_layers())
    with pytest.raises(KeyboardInterrupt):
        _fit(model, "adam", 4, seed=7, callbacks=[_StopAt(2, 1)], fit=fit)
    path = tmp_path / "stopped.safetensors"
    save_checkpoint(model, path, epoch=model.history.epoch[-1] + 1)
    partial = load_checkpoint(path).partial
    assert partial["metric_names"] == ["f1_score", "fbeta_score"]
    assert len(partial["metrics"][0]["true_positives"]) == 3
    resumed = _fit(nonlin.Sequential(_layers()), "adam", 4, optimizer="adam",
                   resume_from=path, fit=fit)
    _assert_same_run(resumed, straight)
