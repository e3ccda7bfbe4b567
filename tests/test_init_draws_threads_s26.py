"""An initializer of one's own is warned about for its own draws from NumPy's global random
state; with other threads running (a threaded grid search), the warning says that one of them
may have drawn meanwhile: init is called once, never again to tell."""

from __future__ import annotations

import threading
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

import nonlin


@contextmanager
def _other_thread() -> Iterator[Callable[[], None]]:
    """A running thread, and a function making it draw once from ``np.random`` (waited for)."""
    asked, done, stop = threading.Event(), threading.Event(), [False]

    def work() -> None:
        while asked.wait() and not stop[0]:
            asked.clear()
            np.random.random()  # noqa: NPY002 (the other thread's draw)
            done.set()

    thread = threading.Thread(target=work)
    thread.start()

    def draw() -> None:
        done.clear()
        asked.set()
        assert done.wait(10)

    state = np.random.get_state()  # noqa: NPY002 (restored: the test leaves it as it was)
    try:
        yield draw
    finally:
        stop[0] = True
        asked.set()
        thread.join()
        np.random.set_state(state)  # noqa: NPY002


def _warnings(init: Callable[..., Any]) -> list[str]:
    model = nonlin.Sequential([nonlin.Dense(3, init=init), nonlin.Dense(1, init=init)])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.build(2, seed=0)
    return [str(w.message) for w in caught if "global random state" in str(w.message)]


def test_another_threads_draw_meanwhile_is_warned_about_as_maybe_its_own() -> None:
    # one call of init cannot tell the two apart, and a second call (to tell) would step
    # the state of an init that has one (test_review26a_s26): the warning says which it may be
    with _other_thread() as draw:
        def own(rng: np.random.Generator, fan_in: int, fan_out: int) -> np.ndarray:
            draw()  # the other thread moves the global state while init runs
            return rng.normal(0.0, 0.1, size=(fan_in, fan_out))

        caught = _warnings(own)
        assert len(caught) == 2 and all("another thread" in text for text in caught)


def test_its_own_draws_are_warned_about_with_other_threads_running() -> None:
    with _other_thread() as draw:
        def randn(rng: np.random.Generator, fan_in: int, fan_out: int) -> np.ndarray:
            draw()
            return np.random.randn(fan_in, fan_out) * 0.1  # noqa: NPY002

        def raw(rng: np.random.Generator, fan_in: int, fan_out: int) -> np.ndarray:
            bits = np.random.mtrand._rand._bit_generator.random_raw(fan_in * fan_out)
            return (bits % 7).reshape(fan_in, fan_out) / 70.0

        assert len(_warnings(randn)) == 2 and len(_warnings(raw)) == 2


def test_init_is_called_once_per_layer_with_other_threads_running() -> None:
    calls = [0]

    def own(rng: np.random.Generator, fan_in: int, fan_out: int) -> np.ndarray:
        calls[0] += 1
        return rng.normal(0.0, 0.1, size=(fan_in, fan_out))

    assert _warnings(own) == [] and calls[0] == 2  # one thread: once per layer
    with _other_thread() as draw:
        assert _warnings(own) == [] and calls[0] == 4  # the state did not move: once per layer

        def busy(rng: np.random.Generator, fan_in: int, fan_out: int) -> np.ndarray:
            draw()
            return own(rng, fan_in, fan_out)

        assert len(_warnings(busy)) == 2 and calls[0] == 6  # moved: still once per layer
