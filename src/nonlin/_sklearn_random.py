"""The random stream of ``nonlin.sklearn``'s estimators: scikit-learn's ``random_state``.

``random_state(seed)`` is scikit-learn's ``check_random_state`` as a
``ShuffleStream``, a ``RandomState`` whose epoch shuffles compose as
scikit-learn's do. Both were first defined in ``_sklearn_engine``, which still
exports them under their old names. ``state_record`` and ``from_record``: a
``RandomState`` parameter in a model file, its state as pickle keeps it.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ._quoting import quoted


class ShuffleStream(np.random.RandomState):
    """A ``RandomState`` whose ``permutation(n)``, while ``order`` is set, composes.

    scikit-learn reshuffles the previous epoch's order (``order = order[perm]``)
    rather than ``arange(n)``; nonlin's loop asks ``model.rng.permutation(n)``
    each epoch, so this stream answers with the composed order during ``fit``.
    """

    order: np.ndarray | None = None
    seeded_here: bool = False  # set by random_state on a stream it seeded from an int

    def permutation(self, x: Any) -> np.ndarray:
        order = self.order
        if order is not None and isinstance(x, int) and x == len(order):
            self.order = order = order[super().permutation(x)]
            return order
        return super().permutation(x)


def global_stream() -> np.random.RandomState:
    """NumPy's global ``RandomState``, what ``np.random.normal`` draws from: scikit-learn's
    ``random_state=None`` (``random_state``), the one module that names it; nonlin draws from
    it only there (``_init_draws`` reads its state, to warn of an initializer that draws)."""
    return np.random.mtrand._rand


def random_state(seed: Any, previous: Any = None) -> ShuffleStream:
    """scikit-learn's ``check_random_state(seed)``, as a ``ShuffleStream``.

    An int seeds a new stream (or ``previous`` again: below). A ``RandomState`` is drawn
    from in place (the stream shares its bit generator), so it advances as scikit-learn's does;
    None is NumPy's global ``RandomState`` (``np.random``), scikit-learn's
    contract for ``random_state=None`` (so ``np.random.seed`` fixes a fit).

    ``previous``, the estimator's stream of its last fit when this one continues it
    (``partial_fit``, a warm start; a fit that starts anew passes None, so the network a
    user kept keeps its ``rng``): for an int it is seeded
    again and returned, in the state a new one would have (``RandomState.seed``, as
    ``RandomState(seed)`` seeds), when it is one this function seeded from an int
    (never a stream sharing NumPy's global or the user's generator). Making a
    ``RandomState`` costs ~80 us (NumPy draws entropy first), seeding one ~1.5 us:
    most of a small ``partial_fit``'s own time.
    """
    if seed is None:
        seed = global_stream()
    if isinstance(seed, np.random.RandomState):
        return ShuffleStream(seed._bit_generator)
    if isinstance(previous, ShuffleStream) and previous.__dict__.get("seeded_here"):
        previous.seed(int(seed))
        previous.order = None
        return previous
    stream = ShuffleStream(int(seed))
    stream.seeded_here = True  # its own bit generator: seeding it again touches no other
    return stream


_RECORD = ("{'RandomState': {'key': [624 ints in [0, 2**32)], 'pos': int in [0, 624], "
           "'has_gauss': 0 or 1, 'gauss': number}}")


def state_record(rng: np.random.RandomState) -> dict[str, Any]:
    """A ``random_state`` given as a ``RandomState``, for a file: its state now (JSON), as
    pickle keeps it, so a refit of the loaded estimator draws what one of this estimator
    would. Only ``MT19937``'s, what ``RandomState(seed)`` makes (``ValueError`` else)."""
    state = rng.get_state(legacy=False)
    if state["bit_generator"] != "MT19937":
        raise ValueError(
            f"Expected random_state an int, None or a RandomState on MT19937 (as "
            f"RandomState(seed) makes) to save. Received a RandomState on "
            f"{state['bit_generator']}, whose state a file does not keep: set an int with "
            "est.set_params(random_state=...) before saving.")
    return {"RandomState": {"key": state["state"]["key"].tolist(),
                            "pos": int(state["state"]["pos"]),
                            "has_gauss": int(state["has_gauss"]), "gauss": float(state["gauss"])}}


def from_record(value: dict[str, Any]) -> np.random.RandomState:
    """``state_record``'s ``RandomState`` back, each field checked: a ``ValueError`` names
    the first field that is wrong (the record is 7 KB, too long to show whole)."""
    wrong = _first_wrong(value)
    if wrong is not None:
        raise ValueError(f"Expected random_state as {_RECORD}. Received {wrong}")
    record = value["RandomState"]
    rng = np.random.RandomState(0)
    rng.set_state(("MT19937", np.array(record["key"], dtype=np.uint32), record["pos"],
                   record["has_gauss"], float(record["gauss"])))
    return rng


def _first_wrong(value: dict[str, Any]) -> str | None:
    """What is wrong with a ``state_record`` read from a file, as ``name=value``, or None."""
    if set(value) != {"RandomState"}:
        return f"the keys {quoted(sorted(map(str, value)), 40)}"  # {'RandomState': {...}}
    record, fields = value["RandomState"], ("key", "pos", "has_gauss", "gauss")
    if not isinstance(record, dict):
        return f"RandomState={quoted(record, 40)}"
    if set(record) != set(fields):
        odd = sorted(map(str, set(record) ^ set(fields)))
        return f"the keys extra or missing {quoted(odd, 40)}"
    key, gauss = record["key"], record["gauss"]
    if not isinstance(key, list) or len(key) != 624:  # a file's message shows 200 characters
        return f"key with {len(key)} entries" if isinstance(key, list) else f"key={quoted(key, 40)}"
    bad = next((i for i, k in enumerate(key) if not _int(k, 2**32 - 1)), None)
    if bad is not None:
        return f"key[{bad}]={quoted(key[bad], 40)}"
    for name, top in (("pos", 624), ("has_gauss", 1)):
        if not _int(record[name], top):
            return f"{name}={quoted(record[name], 40)}"
    if isinstance(gauss, bool) or not isinstance(gauss, int | float) or not math.isfinite(gauss):
        return f"gauss={quoted(gauss, 40)}"
    return None


def _int(value: Any, top: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= top
