"""Review 23a: Keras 3 callbacks nonlin lacks (``keras.callbacks.TensorBoard``,
``ProgbarLogger``) say what to write instead, as the other Keras names do; the names it has
resolve as before."""

from __future__ import annotations

import pytest

import nonlin.callbacks


@pytest.mark.parametrize(("name", "says"), [
    ("TensorBoard", "CSVLogger"), ("ProgbarLogger", "verbose=1")])
def test_a_keras_callback_nonlin_lacks_says_what_to_use(name, says):
    with pytest.raises(AttributeError, match=says):  # before: the bare AttributeError
        getattr(nonlin.callbacks, name)
    assert not hasattr(nonlin.callbacks, name)


def test_a_from_import_says_it_too():
    with pytest.raises(ImportError, match="CSVLogger"):
        from nonlin.callbacks import TensorBoard  # noqa: F401


def test_other_names_are_as_before():
    assert nonlin.callbacks.EarlyStopping.__name__ == "EarlyStopping"
    with pytest.raises(AttributeError, match="^module 'nonlin.callbacks' has no attribute "
                                             "'NoSuchCallback'$"):
        nonlin.callbacks.NoSuchCallback  # noqa: B018
