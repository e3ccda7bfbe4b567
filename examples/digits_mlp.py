"""Train an MLP on the 8x8 digits with nonlin's Python API.

Run: python examples/digits_mlp.py
(the data comes through scikit-learn: pip install "nonlin[sklearn]")

Holds out a test set, trains with a validation split and early stopping, and prints the
test accuracy (about 0.98).
"""

import numpy as np

import nonlin
from nonlin import datasets

X, y = datasets.digits()  # X (1797, 64) grey levels 0..16, y (1797,) labels 0..9
X = X / 16.0  # scale the pixels to [0, 1]

# Shuffle once with a seeded generator, then keep the last 400 rows as a test set.
order = np.random.default_rng(0).permutation(len(y))
X, y = X[order], y[order]
X_train, y_train, X_test, y_test = X[:-400], y[:-400], X[-400:], y[-400:]

model = nonlin.Sequential([
    nonlin.Dense(64), nonlin.ReLU(), nonlin.Dropout(0.1),  # 64 -> 64
    nonlin.Dense(10), nonlin.Softmax(),                      # 64 -> 10 class probabilities
])
history = model.fit(
    X_train, y_train,
    loss="cross_entropy",                # integer labels; fused with the Softmax: grad = p - y
    optimizer=nonlin.Adam(3e-3),
    epochs=40, batch_size=32, seed=0, verbose=0,
    validation_split=0.2,                # the last 20% of the training rows
    metrics=["accuracy"],
    callbacks=[nonlin.EarlyStopping(monitor="val_loss", patience=4, restore_best_weights=True)],
)

print(model.summary())
print(f"epochs run: {len(history.epoch)}")
print(f"best val_accuracy: {max(history.history['val_accuracy']):.4f}")
scores = model.evaluate(X_test, y_test, metrics=["accuracy"])
print(f"test loss: {scores['loss']:.4f}")
print(f"test accuracy: {scores['accuracy']:.4f}")
