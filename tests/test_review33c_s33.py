"""Review of multilabel33b (session 33, review33c): the weighted ranking averages of
``nonlin evaluate`` on a multilabel model leave out a label of no positive (its support,
its weight, is 0), as scikit-learn's ``roc_auc_score`` and ``average_precision_score`` do;
validation rows of one tag each (one-hot-looking) still warn of a tag they lack."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import nonlin


def _case(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    truth = (rng.random((60, 3)) < [0.3, 0.6, 0.5]).astype(int)
    proba = np.clip(truth * 0.3 + rng.random((60, 3)) * 0.7, 0, 1).round(2)  # with ties
    truth[:, 1] = 0  # label 'b': no positive
    return truth, proba, rng.integers(0, 4, size=60).astype(float)


@pytest.mark.parametrize("weighted", [False, True])
def test_weighted_average_leaves_out_a_label_of_no_positive_as_scikit_learn(
        weighted: bool) -> None:
    metrics = pytest.importorskip("sklearn.metrics")
    from nonlin.cli_multilabel_report import format_multilabel, multilabel_report

    truth, proba, w = _case(7)
    weights = w if weighted else None
    report = multilabel_report(list("abc"), [[0, 1]] * 3, truth, proba, weights)
    averages = report["auc_averages"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # scikit-learn's warning of the label of one class
        for score, name in ((metrics.roc_auc_score, "roc_auc"),
                            (metrics.average_precision_score, "average_precision")):
            assert averages["weighted"][name] == pytest.approx(
                score(truth, proba, average="weighted", sample_weight=weights), rel=1e-12)
    assert averages["macro"]["roc_auc"] is None  # session 34: AP as scikit-learn's
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # scikit-learn's "No positive class found"
        macro_ap = metrics.average_precision_score(truth, proba, sample_weight=weights)
    assert averages["macro"]["average_precision"] == pytest.approx(macro_ap, rel=1e-12)
    assert "weighted leaves out a label of no positive" in averages["note"]
    weighted_line = [line for line in format_multilabel(report).splitlines()
                     if line.startswith("weighted avg")][-1]
    assert "n/a" not in weighted_line


def test_a_label_of_no_negative_keeps_weighted_n_a_and_is_the_one_named() -> None:
    from nonlin._multilabel_auc import multilabel_auc

    truth, proba, _ = _case(8)
    truth[:, 2] = 1  # label 'c': no negative (its ROC AUC is nan in scikit-learn)
    _, averages = multilabel_auc(list("abc"), truth, proba, None)
    assert averages["weighted"]["roc_auc"] is None  # session 34: AP 1 for label 'c'
    assert averages["note"].startswith("label 'c' holds one class")


def test_validation_rows_of_one_tag_each_warn_of_the_tag_they_lack() -> None:
    rng = np.random.default_rng(4)
    X = rng.normal(size=(50, 2))
    y = (rng.random((50, 3)) < 0.5).astype(int)
    y[40:] = np.eye(3, dtype=int)[[0, 1] * 5]  # the held-out rows: one tag each, none of tag 2
    model = nonlin.Sequential([nonlin.Dense(3), nonlin.Sigmoid()])
    with pytest.warns(UserWarning, match=r"'f1_score' \(label column 2 holds no positive\)"):
        model.fit(X, y, loss="binary_crossentropy", optimizer="adam", epochs=1, seed=0,
                  verbose=0, validation_split=0.2, metrics=["f1_score"])


def test_one_hot_rows_holding_every_class_do_not_warn() -> None:
    rng = np.random.default_rng(4)
    X = rng.normal(size=(30, 2))
    y = np.eye(3, dtype=int)[[0, 1, 2] * 10]
    model = nonlin.Sequential([nonlin.Dense(3), nonlin.Softmax()])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.fit(X, y, loss="cross_entropy", optimizer="adam", epochs=1, seed=0, verbose=0,
                  validation_split=0.2, metrics=["f1_score"])


def test_a_single_column_of_class_indices_is_not_called_0_1_targets() -> None:
    from nonlin.losses import CrossEntropy

    labels = np.array([[0.0], [1.0], [2.0]])
    with pytest.raises(ValueError, match=r"single column of class indices needs a model of one "
                       r"output per class: Dense\(n_classes\) \+ Softmax\(\)") as caught:
        CrossEntropy()(labels, np.ones((3, 1)))
    assert "0/1 targets" not in str(caught.value)
    with pytest.raises(ValueError, match=r"summing to 2\.0 \(row 1\)$"):  # no class: no hint
        CrossEntropy()(np.array([[0.3], [2.0]]), np.ones((2, 1)))


def test_one_hot_rows_lacking_a_class_column_are_not_called_only_multilabel() -> None:
    # pd.get_dummies(y, drop_first=True): the first class's rows read all 0
    y = np.array([[0, 0], [1, 0], [0, 1], [0, 0]] * 5, dtype=float)
    model = nonlin.Sequential([nonlin.Dense(2), nonlin.Softmax()])
    x = np.random.default_rng(0).normal(size=(len(y), 2))
    with pytest.raises(ValueError, match=r"holding one 1 or no 1 look like a one-hot encoding "
                       r"lacking a class's column \(pd\.get_dummies\(\.\.\., drop_first=True\)"
                       r".*keep a column per class"):
        model.fit(x, y, loss="cross_entropy", optimizer="adam", epochs=1, seed=0, verbose=0)
