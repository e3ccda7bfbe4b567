"""The public names of a loss of one's own, and the private ones they stand for.

The guide's "A custom loss" is the contract: a subclass of ``nonlin.losses.Loss`` defines
``call(y_true, y_pred)``, the per-sample losses, shape (n_samples,) (Keras 3's
``Loss.call``, which returns them unreduced too), and ``grad_terms(y_true, y_pred, out)``,
``d l_i / d y_pred`` unreduced, written into ``out`` (Keras has no such method: it
differentiates ``call``; the name says what ``Loss.grad`` makes of them: it weighs and
reduces these terms, as ``__call__`` reduces what ``call`` returns).

Each public name is the private one nonlin's own losses define and its reduction calls
(``_sample_losses``, ``_grad_terms``; a loss written against those, as the guide had it
before session 25, works unchanged). They are one function under two names in each class
where they resolve differently, set by ``Loss.__init_subclass__`` (``sync_loss_names``):
the training step calls ``_sample_losses`` and ``_grad_terms`` as before, so no Python call
is added per step, and ``super().call(...)`` reaches the base class's. A mixin that is not a
``Loss`` (``nonlin._loss_entropy``'s) defines either name; the first class in the method
resolution order that defines one gives both.

A class body that defines both names of a pair, unlike, is a ``TypeError`` naming them.
"""

from __future__ import annotations

from typing import Any

PAIRS = (("call", "_sample_losses"), ("grad_terms", "_grad_terms"))


def sync_loss_names(cls: type) -> None:
    """Make each pair of ``PAIRS`` one function on ``cls`` (module docstring).

    Raises
    ------
    TypeError
        For a class body that defines both names of a pair, to different functions.
    """
    own = vars(cls)
    for public, private in PAIRS:
        if public in own and private in own and own[public] is not own[private]:
            raise TypeError(f"Expected {cls.__name__} to define {public} (the name the guide "
                            f"gives) or {private} (its older name), not both. Received both: "
                            f"define {public} alone")
        function = _first_defined(cls, public, private)
        if getattr(cls, public) is not function:
            setattr(cls, public, function)
        if getattr(cls, private) is not function:
            setattr(cls, private, function)


def _first_defined(cls: type, public: str, private: str) -> Any:
    """The function of the first class in ``cls``'s method resolution order whose body
    defines ``public`` or ``private`` (``Loss`` defines both)."""
    for klass in cls.__mro__:
        names = vars(klass)
        if public in names:
            return names[public]
        if private in names:
            return names[private]
    raise AttributeError(f"Expected a base class of {cls.__name__} to define {public}")


def defined_name(loss: Any, private: str) -> str:
    """The name the class of ``loss`` gave the method ``private`` stands for, for a
    message: ``call`` or ``_sample_losses``, ``grad_terms`` or ``_grad_terms``."""
    public = dict((b, a) for a, b in PAIRS)[private]
    name = getattr(getattr(type(loss), private, None), "__name__", public)
    return name if name in (public, private) else public
