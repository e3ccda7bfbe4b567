"""The epochs of an estimator's SGD or Adam fit: one call of nonlin's ``Sequential.fit``.

Around that call, what scikit-learn's ``_fit_stochastic`` loop does at its ends: the
``batch_size`` it trains with, and its ``ConvergenceWarning`` once ``max_iter`` epochs
have run, raised after the last epoch has ended for every callback (after their
``on_epoch_end`` and ``on_train_end``: a ``CSVLogger`` has written and closed its last
row), whatever ``verbose`` is, so that with the warning turned into an error
(``warnings.simplefilter("error", ConvergenceWarning)``) the callbacks see the same epochs
as without it; scikit-learn's warning, too, comes after its last iteration. The network
forgets the fit's callbacks when it ends, also when an error or a Ctrl-C cut it short
(``Sequential.fit`` keeps them then, for a checkpoint to resume, which an estimator does
not write): a later fit, ``pickle`` or ``copy.deepcopy`` of the estimator does not carry
the scikit-learn schedule (which holds the early-stopping scorer, a local function
``pickle`` cannot write). This module does not import scikit-learn.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._sklearn_rules import BatchObjective, PenalizedOptimizer
from ._sklearn_schedule import SklearnSchedule
from ._sklearn_sparse import shown
from ._sklearn_warn import warn_as_sklearn


def batch_size(est: Any, n_samples: int) -> int:
    """scikit-learn's batch size for ``n_samples`` rows (``"auto"``: at most 200; clipped
    to ``[1, n_samples]`` with its warning)."""
    if est.batch_size == "auto":
        return min(200, n_samples)
    if est.batch_size > n_samples:
        warn_as_sklearn(
            "Got `batch_size` less than 1 or larger than sample size. It is going to be clipped"
        )
    return int(np.clip(est.batch_size, 1, n_samples))


def run(est: Any, X: np.ndarray, Y: np.ndarray, sample_weight: np.ndarray | None,
        objective: BatchObjective, optimizer: PenalizedOptimizer, schedule: SklearnSchedule,
        incremental: bool) -> None:
    """One call of nonlin's ``Sequential.fit``; shuffles compose as scikit-learn's do.
    Then the ``ConvergenceWarning`` of a fit that ran ``max_iter`` epochs (see above)."""
    rng = est._random_state
    rng.order = np.arange(X.shape[0])
    epochs = 1 if incremental else int(est.max_iter)  # int: scikit-learn lets True through
    try:
        est.model_.fit(
            X, Y, loss=objective, optimizer=optimizer, epochs=epochs,
            batch_size=batch_size(est, X.shape[0]), shuffle=est.shuffle, seed=rng,
            callbacks=[*schedule.after_bar(), schedule, *shown(est.model_, est.callbacks_)],
            sample_weight=sample_weight,
            verbose=1 if est.verbose == 2 else 0,  # other values: scikit-learn's lines only
        )
    finally:
        rng.order = None
        est.model_._fit_callbacks = []  # as a fit that ended: none kept to resume
        schedule.show_pending()  # verbose=2: lines held of an epoch a Ctrl-C or error cut
    schedule.warn_unconverged()
