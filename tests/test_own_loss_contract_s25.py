"""The contract of a loss of one's own under public names (session 25): ``call`` (Keras 3's
``Loss.call``, the per-sample losses) and ``grad_terms`` (``d l_i / d y_pred``, unreduced), the
guide's "A custom loss"; the older private names (``_sample_losses``, ``_grad_terms``) keep
working, and nonlin's own losses answer to both."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import nonlin
from nonlin import registry
from nonlin.losses import Loss

RNG = np.random.default_rng(5)
X = RNG.normal(size=(64, 3))
Y = X @ np.array([[1.0], [-2.0], [0.5]]) + 0.1 * RNG.normal(size=(64, 1))


class PublicLogCosh(Loss):
    """The guide's LogCosh, written against the public names alone."""

    def call(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        r = np.abs(y_pred - y_true)
        return (r + np.log1p(np.exp(-2 * r)) - np.log(2)).sum(axis=1)

    def grad_terms(self, y_true: np.ndarray, y_pred: np.ndarray, out: np.ndarray) -> np.ndarray:
        np.subtract(y_pred, y_true, out=out)
        return np.tanh(out, out=out)


class PrivateLogCosh(Loss):
    """The same, written against the older private names (the guide before session 25)."""

    def _sample_losses(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        r = np.abs(y_pred - y_true)
        return (r + np.log1p(np.exp(-2 * r)) - np.log(2)).sum(axis=1)

    def _grad_terms(self, y_true: np.ndarray, y_pred: np.ndarray, out: np.ndarray) -> np.ndarray:
        np.subtract(y_pred, y_true, out=out)
        return np.tanh(out, out=out)


def _model() -> nonlin.Sequential:
    return nonlin.Sequential([nonlin.Dense(8), nonlin.Tanh(), nonlin.Dense(1)]).build(3, seed=0)


def _fit(loss: Loss) -> nonlin.Sequential:
    model = _model()
    model.fit(X, Y, loss=loss, optimizer=nonlin.SGD(0.05, momentum=0.9), epochs=15, seed=0,
              verbose=0)
    return model


def test_public_names_alone_train_and_match_the_private_ones_bit_for_bit() -> None:
    public, private = _fit(PublicLogCosh()), _fit(PrivateLogCosh())
    for a, b in zip(public.get_weights(), private.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    assert public.history.history["loss"] == private.history.history["loss"]
    assert public.history.history["loss"][-1] < 0.5 * public.history.history["loss"][0]


@pytest.mark.parametrize("cls", [PublicLogCosh, PrivateLogCosh])
def test_gradcheck_and_evaluate(cls: type[Loss]) -> None:
    assert nonlin.gradcheck(_model(), cls(), X[:8], Y[:8]) < 1e-6
    model = _fit(cls())
    scores = model.evaluate(X, Y, loss=cls(), metrics=["r2"])
    assert scores["loss"] == pytest.approx(cls()(Y, model.predict(X)))
    assert scores["r2"] > 0.9


@pytest.mark.parametrize("cls", [PublicLogCosh, PrivateLogCosh])
def test_both_names_are_one_function(cls: type[Loss]) -> None:
    assert cls.call is cls._sample_losses and cls.grad_terms is cls._grad_terms
    loss, y_pred = cls(reduction="none"), X[:5, :1]
    np.testing.assert_array_equal(loss.call(Y[:5], y_pred), loss(Y[:5], y_pred))
    out = np.empty_like(y_pred)
    np.testing.assert_array_equal(loss.grad_terms(Y[:5], y_pred, out), loss.grad(Y[:5], y_pred))


def test_nonlin_losses_answer_to_the_public_names() -> None:
    y_true, y_pred = np.array([[0.0, 1.0]]), np.array([[0.3, 0.7]])
    for loss in (nonlin.MeanSquaredError(), nonlin.Huber(), nonlin.BinaryCrossEntropy(),
                 nonlin.CrossEntropy(), nonlin.LogCosh(), nonlin.losses.Hinge()):
        kind = type(loss)
        assert kind.call is kind._sample_losses, kind
        assert kind.grad_terms is kind._grad_terms, kind
        np.testing.assert_array_equal(loss.call(y_true, y_pred),
                                      loss._sample_losses(y_true, y_pred))


def test_saved_and_loaded_with_the_model_when_registered(
        tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(registry.LOSSES, "public_log_cosh", PublicLogCosh)
    model = _model()
    model.compile(loss=PublicLogCosh(reduction="sum"), optimizer=nonlin.SGD(0.01))
    model.fit(X, Y, epochs=2, seed=0, verbose=0)
    path = tmp_path / "m.safetensors"
    model.save(path)
    back = nonlin.load(path)
    assert type(back.loss) is PublicLogCosh and back.loss.reduction == "sum"
    assert back.evaluate(X, Y)["loss"] == pytest.approx(model.evaluate(X, Y)["loss"])


class PublicBase(Loss):
    """Half the squared error, public names."""

    def call(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        return 0.5 * ((y_pred - y_true) ** 2).sum(axis=1)

    def grad_terms(self, y_true: np.ndarray, y_pred: np.ndarray, out: np.ndarray) -> np.ndarray:
        return np.subtract(y_pred, y_true, out=out)


class PrivateChild(PublicBase):
    """Three times the base's, private names, reaching the base through super()."""

    def _sample_losses(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        return 3 * super().call(y_true, y_pred)

    def _grad_terms(self, y_true: np.ndarray, y_pred: np.ndarray, out: np.ndarray) -> np.ndarray:
        return 3 * super()._grad_terms(y_true, y_pred, out)


class PrivateBase(Loss):
    _sample_losses = PublicBase.call
    _grad_terms = PublicBase.grad_terms


class PublicChild(PrivateBase):
    def call(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        return 3 * super()._sample_losses(y_true, y_pred)

    def grad_terms(self, y_true: np.ndarray, y_pred: np.ndarray, out: np.ndarray) -> np.ndarray:
        return 3 * super().grad_terms(y_true, y_pred, out)


class Grandchild(PublicChild):
    """Defines neither: both names are its base's."""


@pytest.mark.parametrize("cls", [PrivateChild, PublicChild, Grandchild])
def test_mixed_levels_of_inheritance_reach_the_base(cls: type[Loss]) -> None:
    y_true, y_pred = np.array([[1.0], [2.0]]), np.array([[0.0], [4.0]])
    for loss in (cls(reduction="sum"),):
        assert loss(y_true, y_pred) == pytest.approx(3 * (0.5 + 2.0))
        np.testing.assert_allclose(loss.grad(y_true, y_pred), [[-3.0], [6.0]])
        assert cls.call is cls._sample_losses and cls.grad_terms is cls._grad_terms
    assert nonlin.gradcheck(_model(), cls(), X[:8], Y[:8]) < 1e-6


def test_a_mixin_that_is_not_a_loss_gives_both_names() -> None:
    class Math:
        def _sample_losses(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
            return np.abs(y_pred - y_true).sum(axis=1)

    class Mixed(Math, PublicBase):
        pass

    assert Mixed.call is Math._sample_losses
    assert Mixed()(np.array([[1.0]]), np.array([[3.0]])) == 2.0


def test_both_names_of_a_pair_unlike_is_a_type_error_naming_them() -> None:
    with pytest.raises(TypeError, match="define call .* or _sample_losses"):
        class Both(Loss):
            def call(self, y_true: Any, y_pred: Any) -> Any:
                return y_pred

            def _sample_losses(self, y_true: Any, y_pred: Any) -> Any:
                return y_true

    with pytest.raises(TypeError, match="grad_terms .* _grad_terms"):
        class BothGrads(PublicBase):
            grad_terms = PublicBase.grad_terms
            _grad_terms = PublicBase.call

    class Same(Loss):  # one function under both names is no clash
        call = _sample_losses = PublicBase.call
        grad_terms = PublicBase.grad_terms

    assert Same.call is Same._sample_losses is PublicBase.call


def test_the_messages_name_the_method_the_class_defined() -> None:
    class Flat(Loss):
        def call(self, y_true: Any, y_pred: Any) -> Any:
            return np.zeros((len(y_pred), 1))

        def grad_terms(self, y_true: Any, y_pred: Any, out: Any) -> Any:
            return np.zeros(3)

    y = np.zeros((4, 1))
    with pytest.raises(ValueError, match=r"Flat\.call to return the per-sample losses"):
        Flat()(y, y)
    with pytest.raises(ValueError, match=r"Flat\.grad_terms to return"):
        Flat().grad(y, y)

    class Nothing(Loss):
        pass

    with pytest.raises(NotImplementedError, match="Nothing to define call"):
        Nothing()(y, y)
    with pytest.raises(NotImplementedError, match="Nothing to define grad_terms"):
        Nothing().grad(y, y)
