"""QA of the training API and the layers against what Keras 3 and PyTorch users expect."""

from __future__ import annotations

import numpy as np
import pytest

import nonlin
from nonlin import Identity, Sequential, Softmax


@pytest.mark.parametrize("optimizer", ["sgd", "adam", "adamw", "rmsprop", "adagrad", "adamax",
                                       "nadam", "adadelta", "lion"])
def test_a_model_without_trainable_weights_fits_as_in_keras(optimizer) -> None:
    # Keras fits a model with no trainable weights (e.g. trainable=False): the loss is
    # logged, nothing is updated. nonlin raised AttributeError '_work' from the optimizer.
    X = np.random.default_rng(0).normal(size=(6, 3))
    y = np.array([0, 1, 2, 0, 1, 2])
    model = Sequential([Identity(), Softmax()])
    history = model.fit(X, y, loss="cross_entropy", optimizer=optimizer, epochs=2,
                        batch_size=4, verbose=0, validation_data=(X, y))
    expected = nonlin.CrossEntropy()(y, model.predict(X))
    np.testing.assert_allclose(history.history["loss"], [expected, expected])
    np.testing.assert_allclose(history.history["val_loss"], [expected, expected])


class _Sizes(nonlin.Callback):
    """Records the size of every training batch."""

    def __init__(self) -> None:
        self.sizes: list[int] = []

    def on_batch_end(self, batch, logs=None) -> None:
        self.sizes.append(logs["size"])


@pytest.mark.parametrize(("n", "split", "n_train"), [(10, 0.25, 7), (3, 0.2, 2), (4, 0.1, 3),
                                                      (100, 0.2, 80), (7, 0.5, 3)])
def test_validation_split_holds_out_rows_as_keras_does(n, split, n_train) -> None:
    # Keras: split_at = floor(n * (1 - validation_split)); the rows from split_at validate.
    # nonlin held out floor(n * split) rows: 8/2 for 10 rows at 0.25 (Keras 7/3), and
    # refused 3 rows at 0.2 or 4 rows at 0.1, which Keras splits.
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(n, 2)), np.arange(n) % 2
    sizes = _Sizes()
    model = Sequential([nonlin.Dense(2), Softmax()])
    history = model.fit(X, y, loss="cross_entropy", optimizer="sgd", batch_size=n, verbose=0,
                        validation_split=split, callbacks=[sizes], shuffle=False, seed=0)
    assert sizes.sizes == [n_train]
    val = model.evaluate(X[n_train:], y[n_train:])
    assert history.history["val_loss"] == [val["loss"]]


@pytest.mark.parametrize(("init", "received"), [
    (lambda rng, fan_in, fan_out: rng.normal(size=(fan_out, fan_in)), r"shape \(3, 2\)"),
    (lambda rng, fan_in, fan_out: 0.5, r"shape \(\)"),
    (lambda rng, fan_in, fan_out: np.full((fan_in, fan_out), np.nan), "NaN or inf"),
])
def test_dense_refuses_an_initializer_of_the_wrong_shape_at_build(init, received) -> None:
    # A PyTorch-style (fan_out, fan_in) initializer built silently and failed later inside
    # matmul; a NaN one surfaced as a DivergenceError advising a lower learning rate.
    with pytest.raises(ValueError, match=r"Expected init to return finite weights of shape "
                                         r"\(fan_in, fan_out\) = \(2, 3\)\. Received " + received):
        Sequential([nonlin.Dense(3, init=init)]).build(2, seed=0)


@pytest.mark.parametrize("loss", [nonlin.CrossEntropy(), nonlin.BinaryCrossEntropy(),
                                  nonlin.MeanSquaredError()])
def test_a_loss_scores_float16_predictions_in_float64(loss) -> None:
    # float16 kept its dtype, so the clipping eps (1e-15) rounded to 0: log(0) warned and
    # a confident wrong prediction cost inf instead of -log(1e-15).
    y = np.array([[1.0, 0.0], [1.0, 0.0]])
    p = np.array([[1.0, 0.0], [0.0, 1.0]])
    assert loss(y, p.astype(np.float16)) == loss(y, p)
    grad = loss.grad(y, p.astype(np.float16))
    assert grad.dtype == np.float64
    np.testing.assert_array_equal(grad, loss.grad(y, p))
    assert loss.grad(y, p.astype(np.float32)).dtype == np.float32


@pytest.mark.parametrize("metrics", [["accuracy"], ["auc", "precision"]])
def test_metrics_observe_training_without_changing_its_bits(metrics) -> None:
    # With integer labels and a fused Softmax, asking for metrics switched the gradient to
    # another order of operations: the trained weights differed in the last bits (1e-12
    # after three epochs through a BatchNorm), so a metric changed the model it measured.
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    y = (X[:, 0] > 0).astype(int) + (X[:, 1] > 0.5).astype(int)
    sample_weight = rng.random(40) + 0.5
    weights = []
    for extra in ([], metrics):
        model = Sequential([nonlin.Dense(8), nonlin.BatchNorm(), nonlin.ReLU(),
                            nonlin.Dense(3), Softmax()])
        model.fit(X, y, loss="cross_entropy", optimizer="adam", epochs=3, batch_size=8,
                  verbose=0, seed=1, metrics=extra, sample_weight=sample_weight)
        weights.append([w.copy() for w in model.get_weights()])
    for with_metrics, without in zip(weights[1], weights[0], strict=True):
        np.testing.assert_array_equal(with_metrics, without)
