"""Review 23h: ``repr(LambdaCallback(...))`` names every function given, those taken by
``**hooks`` (Keras 3's ``**kwargs``: ``on_test_end``, ``on_batch_end``, ``on_predict_*``)
too, as it named ``on_test_end`` and ``on_batch_end`` before they moved to ``**hooks``;
the repr is what error messages and a scikit-learn estimator's repr show of it."""

from __future__ import annotations

from typing import Any

from nonlin.callbacks import LambdaCallback


def _note(*args: Any) -> None:
    """A hook that does nothing."""


def test_hooks_given_by_keyword_are_in_the_repr() -> None:
    callback = LambdaCallback(on_epoch_end=_note, on_test_end=_note, on_batch_end=_note,
                              on_predict_end=_note)
    shown = repr(callback)
    assert shown.startswith("LambdaCallback(on_epoch_end=<function _note")
    for name in ("on_test_end", "on_batch_end", "on_predict_end"):  # before: left out
        assert f"{name}=<function _note" in shown
    assert repr(LambdaCallback()) == "LambdaCallback()"


def test_a_subclass_keeps_its_own_arguments_in_the_repr() -> None:
    class Named(LambdaCallback):
        def __init__(self, tag: str = "", **hooks: Any) -> None:
            super().__init__(**hooks)
            self.tag = tag

    assert repr(Named("a", on_test_begin=_note)).startswith(
        "Named(tag='a', on_test_begin=<function _note")
