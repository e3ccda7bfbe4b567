"""The random stream of ``nonlin.sklearn``'s estimators: scikit-learn's ``random_state``.

``random_state(seed)`` is scikit-learn's ``check_random_state`` as a
``ShuffleStream``, a ``RandomState`` whose epoch shuffles compose as
scikit-learn's do. Both were first defined in ``_sklearn_engine``, which still
exports them under their old names.
"""

from __future__ import annotations

from typing import Any

import numpy as np


class ShuffleStream(np.random.RandomState):
    """A ``RandomState`` whose ``permutation(n)``, while ``order`` is set, composes.

    scikit-learn reshuffles the previous epoch's order (``order = order[perm]``)
    rather than ``arange(n)``; nonlin's loop asks ``model.rng.permutation(n)``
    each epoch, so this stream answers with the composed order during ``fit``.
    """

    order: np.ndarray | None = None

    def permutation(self, x: Any) -> np.ndarray:
        order = self.order
        if order is not None and isinstance(x, int) and x == len(order):
            self.order = order = order[super().permutation(x)]
            return order
        return super().permutation(x)


def random_state(seed: Any) -> ShuffleStream:
    """scikit-learn's ``check_random_state(seed)``, as a ``ShuffleStream``.

    An int seeds a new stream. A ``RandomState`` is drawn from in place (the
    stream shares its bit generator), so it advances as scikit-learn's does;
    None is NumPy's global ``RandomState`` (``np.random``), scikit-learn's
    contract for ``random_state=None`` (so ``np.random.seed`` fixes a fit).
    """
    if seed is None:
        seed = np.random.mtrand._rand
    if isinstance(seed, np.random.RandomState):
        return ShuffleStream(seed._bit_generator)
    return ShuffleStream(int(seed))
