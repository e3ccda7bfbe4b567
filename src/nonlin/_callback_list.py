"""How ``fit`` calls its callbacks: ``CallbackList`` and ``checked_callbacks``.

``checked_callbacks`` refuses an object that is no ``Callback`` before anything changes;
``CallbackList`` binds the model and ``params`` to each callback and dispatches each hook
to the callbacks that override it (or its Keras alias: ``on_batch_begin`` /
``on_batch_end``). As Keras 3's ``CallbackList``, it also drives the callbacks of a loop
of your own (``train_on_batch``): ``add_history``, ``**params`` and a method per hook.
``nonlin.callbacks`` re-exports both.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from ._quoting import quoted
from .callbacks import _ALIASES, Callback, History
from .validation import check_bool

_HOOKS = ("on_train_begin", "on_epoch_begin", "on_train_batch_begin", "on_train_batch_end",
          "on_test_begin", "on_test_end", "on_epoch_end", "on_train_end")
# Keras 3's hooks that fit never calls (evaluate and predict call on_test_begin/_end and
# on_predict_begin/_end of their callbacks): a loop of your own may (CallbackList's methods)
_OTHER_HOOKS = ("on_test_batch_begin", "on_test_batch_end", "on_predict_begin",
                "on_predict_end", "on_predict_batch_begin", "on_predict_batch_end")


def checked_callbacks(callbacks: Iterable[Any]) -> list[Callback]:
    """``callbacks`` as a new list, or the ``TypeError`` naming the first that is no
    ``Callback`` (``fit`` checks them before anything changes)."""
    listed = list(callbacks)
    for cb in listed:
        if not isinstance(cb, Callback):
            raise TypeError(f"Expected Callback instances. Received: {quoted(cb)}")
    return listed


def pass_callbacks(callbacks: Any, model: Any, verbose: Any) -> CallbackList:
    """``evaluate``'s and ``predict``'s ``callbacks`` (None, one, or a sequence of them),
    checked and bound to ``model`` with Keras 3's ``params`` of such a pass (``steps``
    None: nonlin's chunks are not Keras' batches); a running fit's ``ModelCheckpoint`` or
    ``BackupAndRestore`` refused when ``model`` is another (``_checkpoint_clash``)."""
    from ._checkpoint_clash import check_pass_writers
    from ._resolved_args import _callback_list
    from .validation import check_verbose

    listed = _callback_list(callbacks)
    check_pass_writers(listed, model)  # not a running fit's checkpoint, bound to this model
    return CallbackList(listed, model,
                        {"verbose": check_verbose(verbose), "epochs": 1, "steps": None})


def run_pass(hooks: CallbackList, kind: str, run: Callable[[Callable[[], None]], Any]) -> Any:
    """``run(begin)``, an ``evaluate`` (``kind`` ``"test"``) or ``predict`` (``"predict"``)
    pass that calls ``begin`` once its arguments are checked: ``begin`` runs the callbacks'
    ``on_<kind>_begin``, and their ``on_<kind>_end`` follows the pass (with ``evaluate``'s
    results as logs), also when the pass fails after ``begin`` (with ``{}``; the error goes
    on), so that a callback that changed the model for the pass (``SwapEMAWeights``) puts it
    back. Keras 3 skips the end hook on an error. When a begin hook raises, only the
    callbacks whose begin hook ran to its end are ended; after a failure, every end hook
    runs and one that raises is noted on the error, which goes on."""
    begun: list[int] | None = None  # where in the list those whose begin hook ran to its end are
    every = False  # all of them did

    def begin() -> None:
        nonlocal begun, every
        begun = []
        for i, fn in _overriding(hooks, f"on_{kind}_begin"):
            fn({})
            begun.append(i)
        every = True

    try:
        result = run(begin)
    except BaseException as error:
        if begun is not None:
            for i, fn in _overriding(hooks, f"on_{kind}_end"):
                if every or i in begun:
                    _noted(error, fn, kind)
        raise
    # evaluate's results dict itself, as Keras 3 returns the one on_test_end got: a key a
    # callback adds there is in them
    hooks.call(f"on_{kind}_end", result if isinstance(result, dict) else {})
    return result


def _overriding(hooks: CallbackList, hook: str) -> list[tuple[int, Any]]:
    """``(i, its hook)`` for each callback ``hooks.callbacks[i]`` overriding ``hook``."""
    found = ((i, _hook(hook)(cb)) for i, cb in enumerate(hooks.callbacks))
    return [(i, fn) for i, fn in found if fn is not None]


def _noted(error: BaseException, fn: Any, kind: str) -> None:
    """``fn({})``, an end hook after a failed pass: an ``Exception`` it raises is noted on
    ``error`` (the pass's, which goes on) and the next end hook runs."""
    try:
        fn({})
    except Exception as hook_error:  # noqa: BLE001 (noted on the pass's error)
        note = f"on_{kind}_end also raised {hook_error!r} after the failed pass"
        notes = getattr(error, "__notes__", None)  # add_note's list (Python >= 3.11)
        vars(error)["__notes__"] = [*(notes or ()), note]  # an attribute (no add_note in 3.10)


class CallbackList:
    """Dispatches each hook to the callbacks that override it, given ``model`` and ``params``.

    Keras 3's form works too, for a training loop of your own:
    ``CallbackList(callbacks, add_history=True, model=model, verbose=0, epochs=3)``, then
    ``on_train_begin()``, ``on_epoch_begin(epoch)``, ``on_train_batch_end(batch, logs)``,
    ... (one method per hook, ``logs`` None taken as ``{}``). ``add_history=True`` appends a
    ``History`` unless the list holds one (the last, if several), and sets that one as
    ``model.history``; keyword
    arguments are the ``params`` (Keras' ``**params``). ``add_progbar=True`` (a progress bar)
    is refused: nonlin's needs ``steps`` and ``epochs``, which ``fit`` gives it.

    Parameters
    ----------
    callbacks : iterable of Callback, optional
    model : Sequential, optional
    params : dict, optional
        ``{"verbose", "epochs", "steps"}``, given to each callback's ``set_params``.
    add_history : bool, default False
    **kwargs
        More ``params`` (Keras' form).
    """

    def __init__(self, callbacks: Iterable[Callback] | None = None, model: Any = None,
                 params: dict[str, Any] | None = None, *, add_history: bool = False,
                 **kwargs: Any) -> None:
        if isinstance(model, bool):  # Keras' positional (callbacks, add_history, ...)
            raise TypeError(f"Expected a model. Received: model={model} (Keras' positional "
                            "add_history? pass add_history=True, model=model)")
        progbar = kwargs.pop("add_progbar") if "add_progbar" in kwargs else False
        if progbar:  # False, Keras 3's default, is taken
            raise TypeError("Expected add_progbar=False: CallbackList adds no progress bar "
                            "(nonlin's needs fit's steps and epochs; fit(verbose=1) shows one). "
                            f"Received: add_progbar={quoted(progbar)}")
        self.callbacks = checked_callbacks(callbacks or ())
        self.history: History | None = None  # add_history's: set as model.history
        if check_bool("add_history", add_history):
            for cb in self.callbacks:  # the last, as Keras 3's _add_default_callbacks (and fit)
                if isinstance(cb, History):
                    self.history = cb
            if self.history is None:
                self.history = History()
                self.callbacks.append(self.history)
        self.params = None if params is None and not kwargs else {**(params or {}), **kwargs}
        self.model = model
        self._bind(self.callbacks)

    def _bind(self, callbacks: list[Callback]) -> None:
        """Give ``callbacks`` the model and params, and list each hook's functions anew."""
        for cb in callbacks:
            cb.set_model(self.model)
            if self.params is not None:
                cb.set_params(dict(self.params))
        if self.model is not None and self.history is not None:
            self.model.history = self.history
        self._by_hook = {hook: [fn for fn in map(_hook(hook), self.callbacks) if fn]
                         for hook in (*_HOOKS, *_OTHER_HOOKS)}
        for hook, alias in _ALIASES.items():
            self._by_hook[alias] = self._by_hook[hook]
        self.wants_batches = bool(self._by_hook["on_train_batch_begin"]
                                  or self._by_hook["on_train_batch_end"])

    def wants_batch_logs(self) -> bool:
        """Whether a callback reads ``on_train_batch_end``'s logs (the running loss and
        metrics, built for it after each step): one overriding the hook, unless it says
        it reads none (``reads_batch_logs`` False: ``fit``'s progress bar, fed otherwise)."""
        listens = _hook("on_train_batch_end")
        return any(getattr(cb, "reads_batch_logs", True) for cb in self.callbacks
                   if listens(cb))

    def append(self, callback: Callback) -> None:
        """Add ``callback`` at the end (Keras 3's ``append``), bound as the others."""
        self.callbacks.append(checked_callbacks([callback])[0])
        self._bind([callback])

    def set_model(self, model: Any) -> None:
        """Bind ``model`` to every callback (and the ``History`` as ``model.history``)."""
        self.model = model
        self._bind(self.callbacks)

    def set_params(self, params: dict[str, Any]) -> None:
        """Give every callback ``params`` (``{"verbose", "epochs", "steps"}``)."""
        self.params = dict(params)
        self._bind(self.callbacks)

    def call(self, hook: str, *args: Any) -> None:
        """Call the method named ``hook`` with ``*args`` on each callback overriding it."""
        for fn in self._by_hook[hook]:
            fn(*args)

    # Keras 3's methods, one per hook: each calls the callbacks that override it, in order

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        """Call ``on_train_begin(logs)`` on the callbacks (``logs`` None: ``{}``)."""
        self.call("on_train_begin", {} if logs is None else logs)

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        """Call ``on_train_end(logs)`` on the callbacks (``logs`` None: ``{}``)."""
        self.call("on_train_end", {} if logs is None else logs)

    def on_test_begin(self, logs: dict[str, Any] | None = None) -> None:
        """Call ``on_test_begin(logs)`` on the callbacks (``logs`` None: ``{}``)."""
        self.call("on_test_begin", {} if logs is None else logs)

    def on_test_end(self, logs: dict[str, Any] | None = None) -> None:
        """Call ``on_test_end(logs)`` on the callbacks (``logs`` None: ``{}``)."""
        self.call("on_test_end", {} if logs is None else logs)

    def on_predict_begin(self, logs: dict[str, Any] | None = None) -> None:
        """Call ``on_predict_begin(logs)`` on the callbacks (``logs`` None: ``{}``)."""
        self.call("on_predict_begin", {} if logs is None else logs)

    def on_predict_end(self, logs: dict[str, Any] | None = None) -> None:
        """Call ``on_predict_end(logs)`` on the callbacks (``logs`` None: ``{}``)."""
        self.call("on_predict_end", {} if logs is None else logs)

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        """Call ``on_epoch_begin(epoch, logs)`` on the callbacks (``logs`` None: ``{}``)."""
        self.call("on_epoch_begin", epoch, {} if logs is None else logs)

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        """Call ``on_epoch_end(epoch, logs)`` on the callbacks (``logs`` None: ``{}``),
        the epoch's logs published on the model meanwhile as ``fit`` publishes them, so that
        a checkpoint written before ``History`` records the epoch holds it
        (``_checkpoint_history.history_now``)."""
        logs = {} if logs is None else logs
        model = self.model
        if model is None or getattr(model, "_epoch_logs", None) is not None:  # fit's own
            self.call("on_epoch_end", epoch, logs)
            return
        model._epoch_logs = (epoch, logs)
        try:
            self.call("on_epoch_end", epoch, logs)
        finally:
            model._epoch_logs = None

    def on_train_batch_begin(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        """Call ``on_train_batch_begin(batch, logs)`` on the callbacks (``logs`` None: ``{}``)."""
        self.call("on_train_batch_begin", batch, {} if logs is None else logs)

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        """Call ``on_train_batch_end(batch, logs)`` on the callbacks (``logs`` None: ``{}``)."""
        self.call("on_train_batch_end", batch, {} if logs is None else logs)

    def on_batch_begin(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        """Call ``on_batch_begin(batch, logs)`` on the callbacks (``logs`` None: ``{}``)."""
        self.call("on_batch_begin", batch, {} if logs is None else logs)

    def on_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        """Call ``on_batch_end(batch, logs)`` on the callbacks (``logs`` None: ``{}``)."""
        self.call("on_batch_end", batch, {} if logs is None else logs)

    def on_test_batch_begin(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        """Call ``on_test_batch_begin(batch, logs)`` on the callbacks (``logs`` None: ``{}``)."""
        self.call("on_test_batch_begin", batch, {} if logs is None else logs)

    def on_test_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        """Call ``on_test_batch_end(batch, logs)`` on the callbacks (``logs`` None: ``{}``)."""
        self.call("on_test_batch_end", batch, {} if logs is None else logs)

    def on_predict_batch_begin(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        """Call ``on_predict_batch_begin(batch, logs)`` on the callbacks (``logs`` None: ``{}``)."""
        self.call("on_predict_batch_begin", batch, {} if logs is None else logs)

    def on_predict_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        """Call ``on_predict_batch_end(batch, logs)`` on the callbacks (``logs`` None: ``{}``)."""
        self.call("on_predict_batch_end", batch, {} if logs is None else logs)


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
