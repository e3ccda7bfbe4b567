"""nonlin's MLPClassifier in place of scikit-learn's: same code, plus a few extras.

Run: python examples/sklearn_dropin.py      (needs pip install "nonlin[sklearn]")

Swaps the import, searches two hyperparameters with a Pipeline and GridSearchCV, prints the
best parameters and the test accuracy, then saves the best estimator in nonlin's safe format.
"""

import warnings

import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

# from sklearn.neural_network import MLPClassifier      # the only line that changes
import nonlin.sklearn
from nonlin.sklearn import MLPClassifier

X, y = load_digits(return_X_y=True)  # (1797, 64), labels 0..9
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, stratify=y,
                                                    random_state=0)

pipe = make_pipeline(
    StandardScaler(),
    # dropout is a nonlin extra; every other parameter is scikit-learn's
    MLPClassifier(learning_rate_init=0.01, max_iter=20, dropout=0.1, random_state=0),
)
grid = {
    "mlpclassifier__hidden_layer_sizes": [(32,), (64,)],
    "mlpclassifier__alpha": [1e-4, 1e-2],
}
search = GridSearchCV(pipe, grid, cv=2)
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)  # max_iter=20 stops before converging
    search.fit(X_train[:600], y_train[:600])  # a subset: the search runs in seconds

print(f"best parameters: {search.best_params_}")
print(f"cross-validated accuracy: {search.best_score_:.4f}")
print(f"test accuracy: {search.score(X_test, y_test):.4f}")

# The fitted estimator saves without pickle and loads back predicting the same.
best = search.best_estimator_[-1]
scaled_test = search.best_estimator_[0].transform(X_test)
best.save("digits-mlp.safetensors")
again = nonlin.sklearn.load("digits-mlp.safetensors")
same = np.array_equal(again.predict_proba(scaled_test), best.predict_proba(scaled_test))
print(f"reloaded {type(again).__name__} predicts the same: {same}")
