"""Multilabel review (session 33, multilabel33b): ``class_weight`` on a multilabel target in
``Sequential.fit`` warns (Keras' arg-max weighs a row of several labels by its first one),
keeping Keras' weights."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import nonlin

_Y = np.array([[1, 1, 0], [0, 0, 1], [1, 0, 1], [0, 1, 0]] * 5)
_X = np.random.default_rng(0).normal(size=(len(_Y), 2))


def _model() -> nonlin.Sequential:
    return nonlin.Sequential([nonlin.Dense(3), nonlin.Sigmoid()])


def _fit(y: np.ndarray, **kwargs: object) -> nonlin.Sequential:
    model = _model()
    model.fit(_X, y, loss="binary_crossentropy", optimizer="adam", epochs=2, seed=0,
              verbose=0, **kwargs)
    return model


def test_class_weight_on_multilabel_rows_warns_naming_the_way_out() -> None:
    with pytest.warns(UserWarning, match=r"arg-max column, as Keras 3 does.*several positive "
                      r"labels.*compute_sample_weight") as caught:
        _fit(_Y, class_weight={0: 1.0, 1: 3.0})
    assert caught[0].filename == __file__  # points at the user's fit


def test_class_weight_on_rows_of_no_label_warns() -> None:
    y = np.array([[0, 0, 0], [0, 1, 0], [1, 0, 0], [0, 0, 1]] * 5)
    with pytest.warns(UserWarning, match=r"with 0/1 targets, of none"):
        _fit(y, class_weight={2: 2.0})


def test_class_weight_on_multilabel_rows_keeps_keras_arg_max_weights() -> None:
    with pytest.warns(UserWarning, match="arg-max"):
        weighted = _fit(_Y, class_weight={0: 1.0, 1: 3.0, 2: 0.5})
    table = np.array([1.0, 3.0, 0.5])
    by_hand = _fit(_Y, sample_weight=table[_Y.argmax(axis=1)])
    for a, b in zip(weighted.get_weights(), by_hand.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_class_weight_on_multilabel_rows_warns_in_train_on_batch_once_per_line() -> None:
    model = _model()
    model.compile(optimizer="adam", loss="binary_crossentropy")
    with pytest.warns(UserWarning, match="arg-max column"):
        model.train_on_batch(_X, _Y, class_weight={1: 2.0})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("default")  # Python's own: once per text and line
        for start in range(0, 20, 4):  # batches of other rows: the same text
            model.train_on_batch(_X[start:start + 4], _Y[start:start + 4],
                                 class_weight={1: 2.0})
    assert len(caught) == 1


def test_one_hot_and_probability_rows_do_not_warn() -> None:
    one_hot = np.eye(3)[[0, 1, 2, 1] * 5]
    soft = np.array([[0.4, 0.3, 0.3], [0.1, 0.8, 0.1]] * 10)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _fit(one_hot, class_weight={1: 2.0})
        _fit(soft, class_weight={1: 2.0})


# --- nonlin evaluate of a multilabel classifier: ROC AUC and PR AUC per label and averaged


def _ranking_case(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    truth = (rng.random((80, 4)) < [0.2, 0.5, 0.7, 0.4]).astype(int)
    proba = np.clip(truth * 0.3 + rng.random((80, 4)) * 0.7, 0, 1).round(2)  # with ties
    return truth, proba, rng.integers(0, 4, size=80).astype(float)


@pytest.mark.parametrize("weighted", [False, True])
def test_multilabel_report_ranks_as_scikit_learn(weighted: bool) -> None:
    metrics = pytest.importorskip("sklearn.metrics")
    from nonlin.cli_multilabel_report import multilabel_report

    truth, proba, w = _ranking_case(1)
    weights = w if weighted else None
    report = multilabel_report(list("abcd"), [[0, 1]] * 4, truth, proba, weights)
    for score, name in ((metrics.roc_auc_score, "roc_auc"),
                        (metrics.average_precision_score, "average_precision")):
        per_label = score(truth, proba, average=None, sample_weight=weights)
        assert [r[name] for r in report["labels"]] == pytest.approx(per_label, rel=1e-12)
        for average in ("micro", "macro", "weighted"):
            assert report["auc_averages"][average][name] == pytest.approx(
                score(truth, proba, average=average, sample_weight=weights), rel=1e-12)


def test_multilabel_report_of_a_label_of_one_class_says_n_a() -> None:
    from nonlin.cli_multilabel_report import format_multilabel, multilabel_report

    truth, proba, _ = _ranking_case(2)
    truth[:, 1] = 0
    report = multilabel_report(list("abcd"), [[0, 1]] * 4, truth, proba, None)
    assert report["labels"][1]["roc_auc"] is None
    # session 34: average precision as scikit-learn's, 0 for a label of no positive
    assert report["labels"][1]["average_precision"] == 0.0
    assert report["auc_averages"]["macro"]["roc_auc"] is None
    assert report["auc_averages"]["micro"]["roc_auc"] is not None
    text = format_multilabel(report)
    assert "(n/a: label 'b' holds one class in the rows; its ROC AUC" in text
    assert [line.split()[:3] for line in text.splitlines() if line.startswith("macro avg")][-1] \
        == ["macro", "avg", "n/a"]


def test_evaluate_prints_the_ranking_scores_of_a_multilabel_model(
        tmp_path: object, capsys: pytest.CaptureFixture[str]) -> None:
    import json
    from pathlib import Path

    from nonlin import cli

    folder = Path(str(tmp_path))
    rng = np.random.default_rng(3)
    X = rng.normal(size=(60, 2)).round(3)
    lines = ["x1,x2,a,b"] + [f"{x1},{x2},{'yes' if x1 > 0 else 'no'},{int(x1 + x2 > 0)}"
                             for x1, x2 in X]
    (folder / "d.csv").write_text("\n".join(lines) + "\n")
    model, data = str(folder / "m.safetensors"), str(folder / "d.csv")
    assert cli.main(["train", data, "--target", "a,b", "--hidden", "4", "--epochs", "3",
                     "--quiet", "-o", model]) == 0
    assert cli.main(["evaluate", model, data]) == 0
    table = capsys.readouterr().out.splitlines()
    start = table.index(next(line for line in table if "ROC AUC" in line))
    assert table[start].split() == ["label", "ROC", "AUC", "PR", "AUC"]
    assert [line.split()[0] for line in table[start + 1:start + 3]] == ["a", "b"]
    assert [" ".join(line.split()[:2]) for line in table[start + 4:start + 7]] == [
        "micro avg", "macro avg", "weighted avg"]
    assert cli.main(["evaluate", model, data, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert set(report["auc_averages"]) == {"micro", "macro", "weighted"}
    assert all(0 <= r["roc_auc"] <= 1 and 0 <= r["average_precision"] <= 1
               for r in report["labels"])


# --- a validation share missing a tag: the metrics scored label by label read 0 there


def _tags_missing_one() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(5)
    X = rng.normal(size=(100, 3))
    y = (X[:, :3] > 0).astype(int)  # rows of several tags and of none
    y[80:, 2] = 0  # the last fifth (validation_split=0.2) holds no positive of tag 2
    return X, y


def test_validation_rows_missing_a_tag_warn_for_per_label_metrics() -> None:
    from nonlin.metrics import AUC, Recall

    X, y = _tags_missing_one()
    model = _model()
    with pytest.warns(UserWarning, match=r"validation_split rows \(20 rows\) lack a class in a "
                      r"label column.*'mlauc' \(label column 2 holds no positive\), 'f1_score' "
                      r"\(label column 2 holds no positive\), 'recall' .*pooled metric"):
        model.fit(X, y, loss="binary_crossentropy", optimizer="adam", epochs=1, seed=0,
                  verbose=0, validation_split=0.2,
                  metrics=[AUC(multi_label=True, name="mlauc"), "f1_score", "auc",
                           Recall(class_id=2), Recall(class_id=0, name="r0")])
    with pytest.warns(UserWarning, match=r"The evaluated rows \(20 rows\).*'f1_score'"):
        model.evaluate(X[80:], y[80:], metrics=["f1_score"])


def test_pooled_metrics_and_rows_holding_every_tag_do_not_warn() -> None:
    X, y = _tags_missing_one()
    model = _model()
    model.fit(X, y, loss="binary_crossentropy", optimizer="adam", epochs=1, seed=0, verbose=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.evaluate(X[80:], y[80:], metrics=["auc", "precision", "recall", "accuracy"])
        model.evaluate(X[:80], y[:80], metrics=["f1_score"])


def test_rows_of_weight_zero_do_not_count_as_holding_a_tag() -> None:
    X, y = _tags_missing_one()
    model = _model()
    model.fit(X, y, loss="binary_crossentropy", optimizer="adam", epochs=1, seed=0, verbose=0)
    weight = np.where(y[:, 2] > 0, 0.0, 1.0)  # every row of tag 2 weighs 0
    with pytest.warns(UserWarning, match=r"label column 2 holds no positive"):
        model.evaluate(X, y, sample_weight=weight, metrics=["f1_score"])


# --- a softmax and cross-entropy given multi-hot rows: the error names the multilabel recipe


@pytest.mark.parametrize(("y", "holding"), [(_Y, "several 1s"), (0 * _Y, "no 1")])
def test_cross_entropy_on_multilabel_rows_names_sigmoid_and_binary_cross_entropy(
        y: np.ndarray, holding: str) -> None:
    model = nonlin.Sequential([nonlin.Dense(3), nonlin.Softmax()])
    with pytest.raises(ValueError, match=rf"row summing to .*rows of 0s and 1s holding {holding} "
                       r"make a multilabel target.*Sigmoid output of one unit per label and "
                       r"loss='binary_crossentropy'"):
        model.fit(_X, y, loss="cross_entropy", optimizer="adam", epochs=1, seed=0, verbose=0)


def test_cross_entropy_on_probability_rows_off_by_much_has_no_multilabel_hint() -> None:
    from nonlin.losses import CrossEntropy

    with pytest.raises(ValueError, match=r"summing to 1\.5 \(row 0\)$"):
        CrossEntropy()(np.array([[0.5, 1.0, 0.0]]), np.full((1, 3), 1 / 3))


# --- plot_history of a multilabel history of many metrics: panels wrap into rows of 4


def test_plot_history_of_many_metrics_wraps_into_rows_of_four(tmp_path: object) -> None:
    pytest.importorskip("matplotlib")
    from pathlib import Path

    from matplotlib.image import imread

    from nonlin import plots

    names = ["loss", "accuracy", "f1_score", "auc", "precision", "recall"]
    history = {name: [0.5, 0.4, 0.3] for name in names}
    path = plots.plot_history(history, Path(str(tmp_path)) / "h.png")
    assert imread(path).shape[:2] == (900, 2400)  # 2 rows of at most 4 panels of 600 x 450
    small = plots.plot_history({"loss": [1.0, 0.5], "auc": [0.6, 0.7]},
                               Path(str(tmp_path)) / "s.png")
    assert imread(small).shape[:2] == (450, 1200)  # one row, as before
