"""A loss and a callback of your own, checked and trained with nonlin.

Run: python examples/custom_loss_and_callback.py      (NumPy only)

LogCosh behaves like half the squared error for small residuals and like the absolute error
for large ones, so a few wild targets pull the fit less. The callback records each epoch and
stops training once the validation loss is small enough.
"""

import numpy as np

import nonlin
from nonlin.losses import Loss


class LogCosh(Loss):
    """l_i = sum_j log(cosh(p_ij - y_ij)); d l_i / d p_ij = tanh(p_ij - y_ij)."""

    def _sample_losses(self, y_true, y_pred):
        # log(cosh(r)) = |r| + log(1 + exp(-2|r|)) - log(2), stable for large |r|
        r = np.abs(y_pred - y_true)
        return (r + np.log1p(np.exp(-2.0 * r)) - np.log(2.0)).sum(axis=1)  # (n_samples,)

    def _grad_terms(self, y_true, y_pred, out):
        np.subtract(y_pred, y_true, out=out)  # (n_samples, n_outputs)
        return np.tanh(out, out=out)


class StopWhenGoodEnough(nonlin.Callback):
    """Keep each epoch's validation loss; stop once it falls below `threshold`."""

    def __init__(self, threshold):
        self.threshold = threshold

    def on_train_begin(self, logs=None):
        self.val_losses = []

    def on_epoch_end(self, epoch, logs=None):
        self.val_losses.append(logs["val_loss"])
        if logs["val_loss"] < self.threshold:
            self.model.stop_training = True


# y = sin(3 x0) + x1, with noise and 5% of the targets replaced by wild values.
rng = np.random.default_rng(0)
X = rng.uniform(-1, 1, size=(1000, 2))
y = np.sin(3 * X[:, 0]) + X[:, 1] + 0.05 * rng.normal(size=1000)
wild = rng.random(1000) < 0.05
y[wild] += rng.normal(0, 10, size=wild.sum())

model = nonlin.Sequential([nonlin.Dense(32), nonlin.Tanh(), nonlin.Dense(1)]).build(2, seed=0)

# First make sure backprop and the loss agree: central differences, in float64.
error = nonlin.gradcheck(model, LogCosh(), X[:8], y[:8])
print(f"gradient check: {error:.2e} (below 1e-6 means the gradients are right)")

stopper = StopWhenGoodEnough(threshold=0.24)
model.fit(X[:800], y[:800], loss=LogCosh(), optimizer=nonlin.Adam(0.01), epochs=200,
          batch_size=32, seed=0, verbose=0, validation_data=(X[800:], y[800:]),
          callbacks=[stopper])
print(f"stopped after {len(stopper.val_losses)} epochs, val_loss {stopper.val_losses[-1]:.4f}")

# Score on clean targets: the wild values barely moved the fit.
clean = ~wild[800:]
scores = model.evaluate(X[800:][clean], y[800:][clean], metrics=["r2", "mae"])
print(f"clean r2: {scores['r2']:.4f}")
print(f"clean mae: {scores['mae']:.4f}")
