"""Review of the session-32 imbalanced-classification warnings (``_one_class_scores``,
``metrics._warn_pooled``): false warnings on models of several outputs, metrics that read
0 without a warning."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import nonlin
from nonlin._at_metrics import SensitivityAtSpecificity, SpecificityAtSensitivity
from nonlin.metrics import AUC, Recall


def _data(n: int = 300, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 5))
    return X, (X[:, 0] > 0).astype(int) + (X[:, 1] > 0.5).astype(int)  # labels 0, 1, 2


def _softmax(k: int, X: np.ndarray, y: np.ndarray) -> nonlin.Sequential:
    model = nonlin.Sequential([nonlin.Dense(k, activation="softmax")])
    model.fit(X, y, epochs=2, batch_size=32, loss="sparse_categorical_crossentropy",
              optimizer="adam", verbose=0, seed=0)
    return model


@pytest.mark.parametrize("k", [2, 3])
def test_integer_labels_of_one_class_on_a_softmax_do_not_warn(k: int) -> None:
    # the labels are one-hot for the metrics: the pooled columns hold both classes, and
    # 'auc' and 'recall' do not read 0 (the merged check took label 0 for "no positive")
    X, y = _data()
    y = np.minimum(y, k - 1)
    model = _softmax(k, X, y)
    zeros = y == 0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        # Recall() pools both columns of a 2-softmax: that warning is another one (s33)
        warnings.filterwarnings("ignore", "The metric 'recall' counts every output column")
        scores = model.evaluate(X[zeros], y[zeros], metrics=["auc", Recall()])
        model.fit(X, y, epochs=1, verbose=0, seed=0, metrics=[AUC(), Recall()],
                  validation_data=(X[zeros], y[zeros]))
    assert scores["auc"] > 0 and scores["recall"] > 0


def _sigmoid() -> tuple[nonlin.Sequential, np.ndarray, np.ndarray]:
    X, y = _data()
    y = (y > 0).astype(int)
    model = nonlin.Sequential([nonlin.Dense(1, activation="sigmoid")])
    model.fit(X, y, epochs=2, batch_size=32, loss="binary_crossentropy", optimizer="adam",
              verbose=0, seed=0)
    return model, X, y


def test_specificity_metrics_on_rows_without_a_negative_warn() -> None:
    # a specificity of 0/0 reads 0 (Keras' divide_no_nan): both read 0 on positives alone
    model, X, y = _sigmoid()
    metrics = [SensitivityAtSpecificity(0.5, name="sens"),
               SpecificityAtSensitivity(0.5, name="spec"), AUC(curve="PR", name="prc")]
    with pytest.warns(UserWarning, match=r"hold no negative \(y <= 0\) label in their \d+ "
                      r"rows: 'sens', 'spec' read 0"):
        scores = model.evaluate(X[y == 1], y[y == 1], metrics=metrics)
    assert scores["sens"] == 0.0 and scores["spec"] == 0.0


def test_zero_weights_count_no_row_and_the_count_names_the_weighted_rows() -> None:
    # guard (passes before and after): the weight masks replaced a copy of y
    model, X, y = _sigmoid()
    w = np.where(y == 1, 0.0, 1.0)
    with pytest.warns(UserWarning, match=rf"in their {int((y == 0).sum())} rows"):
        model.evaluate(X, y, sample_weight=w, metrics=["auc"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.evaluate(X, y, sample_weight=np.zeros(len(y)), metrics=["auc"])


def _binary_softmax() -> tuple[nonlin.Sequential, np.ndarray, np.ndarray]:
    X, y = _data()
    y = (y > 0).astype(int)
    model = nonlin.Sequential([nonlin.Dense(2, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["precision"])
    return model, X, y


def test_reading_metrics_names_or_loading_a_file_does_not_warn(tmp_path: object) -> None:
    # the merged warning was given wherever a name was resolved: model.metrics_names (a
    # property) and nonlin.load of a file recording metrics=["precision"] warned too
    from pathlib import Path

    model, X, y = _binary_softmax()
    model.fit(X, y, epochs=1, verbose=0, seed=0, metrics=[Recall(class_id=1)])
    path = Path(str(tmp_path)) / "m.safetensors"
    model.save(path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert model.metrics_names == ["loss", "precision"]
        assert nonlin.load(path).metrics_names == ["loss", "precision"]


def test_two_sigmoid_outputs_under_a_categorical_loss_do_not_warn_of_the_accuracy() -> None:
    # no softmax: a row may have both or no column above 0.5, and 'precision' is not the
    # accuracy, which the merged warning said it was
    X, y = _data()
    Y = np.stack([(y > 0), (y == 0)], axis=1).astype(float)
    model = nonlin.Sequential([nonlin.Dense(2, activation="sigmoid")])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        history = model.fit(X, Y, epochs=1, verbose=0, seed=0, optimizer="adam",
                            loss="categorical_crossentropy",
                            metrics=["precision", "accuracy"]).history
    assert history["precision"] != history["accuracy"]


def test_train_on_batch_and_evaluate_still_warn_once_at_the_call() -> None:
    # guard (passes before and after): the warning, moved out of the name resolution, is
    # still given by train_on_batch (once per model and loss) and evaluate, at the call
    model, X, y = _binary_softmax()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(3):
            model.train_on_batch(X[:32], y[:32])
        model.evaluate(X, y)
    pooled = [w for w in caught if "reads the accuracy" in str(w.message)]
    assert len(pooled) == 2 and all(w.filename == __file__ for w in pooled)


def test_regression_logits_or_three_classes_do_not_warn_of_the_accuracy() -> None:
    # guard (passes before and after): test_imbalanced_s32's guard asked get_metric, which
    # no longer warns at all; here fit and evaluate, where the warning now is
    from nonlin.losses import CrossEntropy

    X, y = _data()
    cases = [(2, None, "mse", np.stack([X[:, 0], X[:, 1]], axis=1)),
             (2, None, CrossEntropy(from_logits=True), (y > 0).astype(int)),
             (3, "softmax", "sparse_categorical_crossentropy", y)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for k, activation, loss, target in cases:
            model = nonlin.Sequential([nonlin.Dense(k, activation=activation)])
            model.fit(X, target, epochs=1, verbose=0, seed=0, optimizer="adam", loss=loss,
                      metrics=["precision", "recall"])
            model.evaluate(X, target)


class _Batches:
    """A sequence of (X, y) batches: ``fit``'s source path."""

    def __init__(self, X: np.ndarray, y: np.ndarray, size: int) -> None:
        self.X, self.y, self.size = X, y, size

    def __len__(self) -> int:
        return -(-len(self.X) // self.size)

    def __getitem__(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        if i >= len(self):
            raise IndexError(i)
        rows = slice(i * self.size, (i + 1) * self.size)
        return self.X[rows], self.y[rows]


def test_a_fit_on_batches_warns_of_validation_arrays_of_one_class_and_of_pooling() -> None:
    # the source path of fit skipped the one-class check of its validation_data arrays
    X, y = _data()
    y = (y > 0).astype(int)
    zeros = y == 0
    model = nonlin.Sequential([nonlin.Dense(1, activation="sigmoid")])
    with pytest.warns(UserWarning, match=r"The validation_data rows hold no positive"):
        history = model.fit(_Batches(X, y, 50), epochs=1, verbose=0, seed=0, optimizer="adam",
                            loss="binary_crossentropy", metrics=["auc"],
                            validation_data=(X[zeros], y[zeros]))
    assert history.history["val_auc"] == [0.0]
    softmax = nonlin.Sequential([nonlin.Dense(2, activation="softmax")])
    with pytest.warns(UserWarning, match="reads the accuracy"):
        softmax.fit(_Batches(X, y, 50), epochs=1, verbose=0, seed=0, optimizer="adam",
                    loss="sparse_categorical_crossentropy", metrics=["recall"])
