"""The warning of ``class_weight`` on a multilabel target (``Sequential.fit``), and the
refusal of it on a regression target of several outputs (an entry outside [0, 1]).

Keras 3 weighs a row of a 2-D target ``(n, k)`` by the class of its arg-max column
(``class_weight_to_sample_weights``), and so does nonlin (``data.class_weights_for``).
That is a row's class for one-hot or probability rows; a multilabel row (several
positive labels, ``[0, 1, 1, 0]``, or none, ``[0, 0, 0, 0]``) has no single class,
and the arg-max weighs it by its first positive label, or by class 0 when it has
none, silently. This module notices such rows and warns; the text is the same for
every batch of a stream and every ``train_on_batch``, so Python's filter shows
it once per line of the user's. The weights stay Keras' (the same bits). Imported lazily,
only when ``class_weight`` meets a 2-D target.
"""

from __future__ import annotations

import warnings

import numpy as np

from ._stacklevel import user_stacklevel


def warn_multilabel_rows(y: np.ndarray) -> None:
    """Warn when the 2-D targets ``y`` (n, k), ``k >= 2``, hold multilabel rows; raise a
    ``ValueError`` for an entry outside [0, 1] (a regression target, as for one output;
    rows of -1, 0 and 1 only, a hinge's, pass).

    A row is multilabel when more than one entry exceeds 0.5 (several positive labels),
    or, with hard 0/1 targets, when no entry is 1 (no label; its arg-max is class 0).
    Probability rows with no entry above 0.5 (``[0.4, 0.3, 0.3]``) have one arg-max
    class and pass.
    """
    outside = (y < 0) | (y > 1)  # NaN is refused before: not outside
    if np.any(outside) and not np.all((y == -1) | (y == 0) | (y == 1)):  # -1/1: a hinge's
        # a regression target: no class to weigh, as for one output
        i, j = (int(k) for k in np.unravel_index(np.argmax(outside), y.shape))
        raise ValueError(
            "Expected targets in [0, 1] with class_weight for several outputs (one-hot, "
            "probability or 0/1 label rows; a row weighs by its arg-max column). Received "
            f"y[{i}, {j}]={y[i, j].item()!r}: a regression target has no class to weigh. "
            "Weigh its rows with sample_weight instead")
    positives = np.count_nonzero(y > 0.5, axis=1)
    several = positives > 1
    hard = bool(np.all((y == 0) | (y == 1)))
    odd = several | (positives == 0) if hard else several
    if not np.any(odd):
        return
    warnings.warn(  # the same text for every batch: shown once per line of the user's
        "class_weight weighs each row of a 2-D target by its arg-max column, as Keras 3 "
        "does, but y holds rows of several positive labels (y > 0.5) or, with 0/1 targets, "
        "of none (a multilabel target), and that rule weighs such a row by its first "
        "positive label, or by class 0 for a row of none. Weigh the rows with "
        "sample_weight instead: "
        "sklearn.utils.class_weight.compute_sample_weight([{0: w0, 1: w1}, ...], y) "
        "weighs each label column's 0 and 1 (a row's weight: the product), as "
        "nonlin.sklearn.MLPClassifier(class_weight=[...]) does; or pos_weight= of "
        "BinaryCrossEntropy weighs each label's positives", UserWarning,
        stacklevel=user_stacklevel())
