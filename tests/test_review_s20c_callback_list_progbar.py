"""Review s20c: ``CallbackList(..., add_progbar=False)``, Keras 3's default and what its
custom-loop code passes (``add_progbar=verbose != 0``), is taken and is no ``param``; only
``add_progbar=True`` is refused, with what was expected and received (was: any
``add_progbar``, False too, a ``TypeError``)."""

import pytest

import nonlin
from nonlin.callbacks import CallbackList


def _model():
    model = nonlin.Sequential([nonlin.Dense(1)])
    model.build(2)
    return model


def test_add_progbar_false_is_taken_and_no_param():
    seen = []
    cb = nonlin.LambdaCallback(on_train_begin=lambda logs: seen.append(logs))
    cbs = CallbackList([cb], add_history=True, add_progbar=False, model=_model(), verbose=0,
                       epochs=2)
    cbs.on_train_begin()
    assert seen == [{}] and cb.params == {"verbose": 0, "epochs": 2}


def test_add_progbar_true_is_refused_naming_it():
    with pytest.raises(TypeError, match=r"Expected add_progbar=False.*Received: add_progbar="
                                        r"True"):
        CallbackList([], add_progbar=True, model=_model())
