"""A ``Dense`` initializer's call, ``init(rng, fan_in, fan_out)``, watched for what a function
of one's own may do wrong: draw from NumPy's global random state instead of ``rng`` (the
classic ``np.random.randn(fan_in, fan_out) * 0.01``), which ``build``'s seed does not reach,
or return numbers that are not real (complex, str), which converting to float would cut or
parse. Its shape and finiteness are checked by ``_dense_keras.drawn_weights``.
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from ._quoting import quoted
from ._sklearn_random import global_stream
from ._stacklevel import user_stacklevel


def own_draws(init: Callable[..., Any], rng: Any, fan_in: int, fan_out: int) -> np.ndarray:
    """``init(rng, fan_in, fan_out)`` as an array of real numbers (a ``TypeError`` naming
    ``init`` for another dtype), with a ``UserWarning`` when NumPy's global random state moved
    during the call: the weights then change from run to run whatever the seed.

    ``init`` is called once: one with state of its own (a generator it closes over, an
    iterator of pretrained weights) gives each layer its next weights whatever other threads
    do. With other threads running, one of which may have drawn from ``np.random`` meanwhile,
    the warning says so: a second call, to tell, would step that state twice.
    """
    before = _global_state() if _watched(init, rng) else None
    drawn = np.asarray(init(rng, fan_in, fan_out))
    if before is not None and _global_state() != before:
        others = (" (unless another thread drew from it while init ran: one call cannot "
                  "tell)" if threading.active_count() > 1 else "")
        warnings.warn(f"Expected init={quoted(init)} to draw from the generator it is given, "
                      f"init(rng, fan_in, fan_out). Received weights drawn from NumPy's global "
                      f"random state (np.random.*){others}, which the model's seed does not "
                      f"reach: they differ from run to run; draw from rng (rng.normal(...))",
                      UserWarning, stacklevel=user_stacklevel())
    if drawn.dtype.kind not in "biufO":  # complex, str, dates: not weights
        raise TypeError(f"Expected init to return real weights. Received dtype {drawn.dtype} "
                        f"from init={quoted(init)}")
    return drawn


def _watched(init: Any, rng: Any) -> bool:
    """Whether ``init``'s call is compared with NumPy's global state: not for nonlin's own
    initializers, which draw from ``rng`` alone (a thread drawing from ``np.random`` meanwhile
    would make a false warning), nor when ``rng`` itself draws from the global stream (NumPy's
    ``RandomState``, or a stream on its bit generator: scikit-learn's ``random_state=None``)."""
    nonlins = str(getattr(init, "__module__", None)).startswith("nonlin.")
    shared = getattr(rng, "_bit_generator", None) is global_stream()._bit_generator
    return not (nonlins or shared)


def _global_state() -> Any:
    """NumPy's global random state (what ``np.random.normal`` draws from), comparable: its
    bit generator's, whichever (``np.random.set_bit_generator`` may have made it a PCG64)."""
    return _comparable(global_stream().get_state(legacy=False))  # read, never drawn from


def _comparable(value: Any) -> Any:
    """A state's dict as nested tuples, its arrays (MT19937's key) as bytes."""
    if isinstance(value, dict):
        return tuple((key, _comparable(item)) for key, item in value.items())
    return value.tobytes() if isinstance(value, np.ndarray) else value
