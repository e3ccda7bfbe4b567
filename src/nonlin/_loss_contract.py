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
where they resolve differently, set by ``Loss.__init_subclass__`` (``sync_loss_names``,
``nonlin._method_names``, the same as an optimizer's): the training step calls
``_sample_losses`` and ``_grad_terms`` as before, so no Python call is added per step, and
``super().call(...)`` reaches the base class's. A mixin that is not a ``Loss``
(``nonlin._loss_entropy``'s) defines either name; the first class in the method resolution
order that defines one gives both.

A class body that defines both names of a pair, unlike, is a ``TypeError`` naming them, a
mixin's as the class's own; so is ``call`` set on a loss class defining the pair after it is
made (the reduction calls ``_sample_losses``: set both), when a subclass of it is made.
"""

from __future__ import annotations

from typing import Any

from ._method_names import given_name, sync_methods

PAIRS = (("call", "_sample_losses"), ("grad_terms", "_grad_terms"))


def sync_loss_names(cls: type, root: type) -> None:
    """Make each pair of ``PAIRS`` one function on ``cls``, a subclass of ``root`` (``Loss``):
    ``_method_names.sync_methods``.

    Raises
    ------
    TypeError
        For a class body (its own or a mixin's) that defines both names of a pair, to
        different functions.
    """
    sync_methods(cls, PAIRS, root)


def defined_name(loss: Any, private: str) -> str:
    """The name the class of ``loss`` gave the method ``private`` stands for, for a
    message: ``call`` or ``_sample_losses``, ``grad_terms`` or ``_grad_terms``."""
    public = dict((b, a) for a, b in PAIRS)[private]
    return given_name(type(loss), public, private)
