"""How ``fit`` calls its callbacks: ``CallbackList`` and ``checked_callbacks``.

``checked_callbacks`` refuses an object that is no ``Callback`` before anything changes;
``CallbackList`` binds the model and ``params`` to each callback and dispatches each hook
to the callbacks that override it (or its Keras alias: ``on_batch_begin`` /
``on_batch_end``). ``nonlin.callbacks`` re-exports both.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from ._quoting import quoted
from .callbacks import _ALIASES, Callback

_HOOKS = ("on_train_begin", "on_epoch_begin", "on_train_batch_begin", "on_train_batch_end",
          "on_test_begin", "on_test_end", "on_epoch_end", "on_train_end")


def checked_callbacks(callbacks: Iterable[Any]) -> list[Callback]:
    """``callbacks`` as a new list, or the ``TypeError`` naming the first that is no
    ``Callback`` (``fit`` checks them before anything changes)."""
    listed = list(callbacks)
    for cb in listed:
        if not isinstance(cb, Callback):
            raise TypeError(f"Expected Callback instances. Received: {quoted(cb)}")
    return listed


class CallbackList:
    """Dispatches each hook to the callbacks that override it, given ``model`` and ``params``."""

    def __init__(self, callbacks: Iterable[Callback], model: Any,
                 params: dict[str, Any] | None = None) -> None:
        self.callbacks = checked_callbacks(callbacks)
        for cb in self.callbacks:
            cb.set_model(model)
            if params is not None:
                cb.set_params(dict(params))
        self._by_hook = {hook: [fn for fn in map(_hook(hook), self.callbacks) if fn]
                         for hook in _HOOKS}
        for hook, alias in _ALIASES.items():
            self._by_hook[alias] = self._by_hook[hook]
        self.wants_batches = bool(self._by_hook["on_train_batch_begin"]
                                  or self._by_hook["on_train_batch_end"])

    def call(self, hook: str, *args: Any) -> None:
        """Call the method named ``hook`` with ``*args`` on each callback overriding it."""
        for fn in self._by_hook[hook]:
            fn(*args)


def _hook(hook: str) -> Callable[[Callback], Any]:
    """``cb ->`` its ``hook`` if overridden (by its class, or set on it as Keras'
    ``LambdaCallback`` does), else its overridden alias, or None."""
    def bound(cb: Callback) -> Any:
        for name in (hook, _ALIASES.get(hook, hook)):
            if name in getattr(cb, "__dict__", ()) or (
                    getattr(type(cb), name) is not getattr(Callback, name)):
                return getattr(cb, name)
        return None
    return bound
