"""``SwapEMAWeights``: Keras 3's callback that validates with the moving average of the weights.

Import it from ``nonlin.callbacks``. It needs an optimizer with ``use_ema=True``
(``nonlin._ema``): the weights and the average are exchanged in place, bit for bit,
so that the second exchange restores both exactly.
"""

from __future__ import annotations

from typing import Any

from ._ema import require_ema, swap_average
from ._quoting import quoted
from .callbacks import Callback
from .validation import check_bool


class SwapEMAWeights(Callback):
    """Evaluate with the optimizer's moving average of the weights (Keras 3's callback).

    In ``on_test_begin`` (``fit``'s validation, ``evaluate(callbacks=...)``) and
    ``on_predict_begin`` the weights and the average (``use_ema=True``) are exchanged,
    and exchanged back in ``on_test_end`` / ``on_predict_end``, so the validation
    metrics are those of the average and training goes on from the weights it had. Before
    the optimizer's first step there is no average: nothing is exchanged.

    With ``swap_on_epoch=True`` the average also goes into the model at each
    ``on_epoch_end`` (for the callbacks after this one: ``ModelCheckpoint`` then saves it)
    and out at the next ``on_epoch_begin``. ``fit`` ends with the average in the model, as in
    Keras: its ``finalize_variable_values`` exchanges them back first when this callback left
    the average in the model (Keras' callback instead copies the average back into the
    optimizer after the last epoch, which a checkpoint written after it then holds twice,
    the weights lost, and which an early stop misses). A checkpoint written while the model
    holds the average records so (``state_dict``): the resumed run exchanges them back
    (its ``finalize_variable_values`` too, when the checkpoint is of the last epoch). After
    ``fit`` the callback follows the optimizer: given to ``evaluate`` or ``predict`` then,
    it exchanges the average in for the pass and out after it.
    Keras 3's ``on_predict_end`` never exchanges back (its test is inverted); here it does.
    Where the average is, is noted on the optimizer, not on this callback (Keras'): the
    same callback used again after ``fit``, or a new one after a crash in a validation,
    exchanges the right way.

    Parameters
    ----------
    swap_on_epoch : bool, default False
        Also hold the average in the model from each ``on_epoch_end`` to the next
        ``on_epoch_begin``.
    """

    def __init__(self, swap_on_epoch: bool = False) -> None:
        self.swap_on_epoch = check_bool("swap_on_epoch", swap_on_epoch)

    @property
    def _ema_weights_in_model(self) -> bool:
        """Whether the model holds the average (Keras' flag): the optimizer's note, which
        every exchange keeps (this callback's, another one's, ``finalize_variable_values``'),
        so a callback used again after ``fit``, or made anew after a crash in a validation
        that had exchanged them, exchanges the right way."""
        optimizer = getattr(self.model, "optimizer", None)
        return bool(getattr(optimizer, "__dict__", {}).get("_ema_in_model", False))

    def _check_fit(self, optimizer: Any, metrics: list[Any], rng: Any) -> None:
        """An optimizer without ``use_ema``, refused before ``fit`` changes anything."""
        require_ema(optimizer, "SwapEMAWeights")

    def _swap(self, into_model: bool) -> None:
        """Exchange the weights and the average (when there is one), noted on the optimizer."""
        model = self.model
        swap_average(getattr(model, "optimizer", None), model.parameters(), into_model=into_model)

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        if self.swap_on_epoch and self._ema_weights_in_model:
            self._swap(into_model=False)

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        if self.swap_on_epoch and not self._ema_weights_in_model:
            self._swap(into_model=True)

    def on_test_begin(self, logs: dict[str, Any] | None = None) -> None:
        if not self._ema_weights_in_model:
            self._swap(into_model=True)

    def on_test_end(self, logs: dict[str, Any] | None = None) -> None:
        if self._ema_weights_in_model:
            self._swap(into_model=False)

    on_predict_begin = on_test_begin
    on_predict_end = on_test_end

    def state_dict(self) -> dict[str, Any]:
        """``{"ema_weights_in_model": 1}`` while the model holds the average (a checkpoint
        written then: the resumed run's ``on_epoch_begin`` exchanges them back, or, with no
        epoch left, ``finalize_variable_values``, told so by ``load_state_dict``); else empty."""
        return {"ema_weights_in_model": 1} if self._ema_weights_in_model else {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        value = state.get("ema_weights_in_model", 0)
        ok = isinstance(value, int | float) and not isinstance(value, bool) and value in (0, 1)
        if set(state) - {"ema_weights_in_model"} or not ok:
            raise ValueError("Expected a state {'ema_weights_in_model': 0 or 1}. "
                             f"Received: state={quoted(state, 80)}")
        optimizer: Any = getattr(self.model, "optimizer", None)  # a resumed fit's, restored
        if getattr(optimizer, "use_ema", False):  # where _ema_weights_in_model reads it
            # (no average yet, none is in the model: a file saying so would end fit reversed)
            optimizer._ema_in_model = bool(value and optimizer._param_slots.get("average"))
