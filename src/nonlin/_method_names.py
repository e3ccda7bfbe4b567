"""One function under a public and a private name in each class: the method half of the
contracts for components of one's own, the same for a loss (``_loss_contract``: ``call`` and
``_sample_losses``, ``grad_terms`` and ``_grad_terms``) and an optimizer
(``_optimizer_contract``: ``compute_updates`` and ``_deltas``, ``set_settings`` and ``_set``).

``sync_methods`` runs once per class, from the base class's ``__init_subclass__``: the nearest
class of the new class's method resolution order whose body defines either name of a pair (the
class's own, a mixin that is not a loss or an optimizer, or the base it derives from) gives
both, and the new class gets that one function under both names. The training step calls the
private name as before (no Python call more per step); ``super()`` through either name reaches
the same function at every level.

A class body that defines both names of a pair, to different functions, is a ``TypeError``
naming that class (``clash``): the new class's own body, and a mixin's alike, when a class
that takes its names is made (a mixin's pair left split would have the training step call
one function and ``super()`` and the guide's name another). So is a base class that defines
the pair and whose two names were made different after it was made (``HeavyBall.compute_updates
= f`` sets one name only: the training step, which calls the private name, does not see it;
``HeavyBall.compute_updates = HeavyBall._deltas = f`` sets both), when a class deriving from it
without either name is made. (A class that inherits both names holds neither: one set on it
later is the nearest, which a class made from it then takes under both names.)
"""

from __future__ import annotations


def sync_methods(cls: type, pairs: tuple[tuple[str, str], ...], root: type) -> None:
    """Give each ``(public, private)`` of ``pairs`` on ``cls`` (a subclass of ``root``, whose
    ``__init_subclass__`` calls this) the function of the nearest class defining either.

    Raises
    ------
    TypeError
        ``clash``'s, for that class defining both names to different functions.
    """
    for public, private in pairs:
        owner = nearest(cls, public, private)
        if owner is None:
            continue
        clash(owner, public, private, made=owner is not cls and issubclass(owner, root))
        own = vars(owner)
        function = own[public] if public in own else own[private]
        for name in (public, private):
            if getattr(cls, name, None) is not function:
                setattr(cls, name, function)


def nearest(cls: type, public: str, private: str) -> type | None:
    """The first class of ``cls.__mro__`` whose body defines ``public`` or ``private``."""
    return next((k for k in cls.__mro__ if public in vars(k) or private in vars(k)), None)


def clash(owner: type, public: str, private: str, *, made: bool = False) -> None:
    """Refuse ``owner`` defining both ``public`` and ``private``, to different values.

    Parameters
    ----------
    made : bool
        ``owner`` is a class that was given one value under both names when it was made (a
        base class): its names set differently since, the message says how to set both.

    Raises
    ------
    TypeError
        Naming ``owner`` and both names.
    """
    own = vars(owner)
    if public not in own or private not in own or own[public] is own[private] \
            or own[public] == own[private]:
        return
    name = owner.__name__
    if made:
        raise TypeError(f"Expected {name}.{public} and {name}.{private} to be one, as {name} "
                        f"was made with them. Received two, one of them set on {name} since "
                        f"(nonlin reads {private}): set both, {name}.{public} = "
                        f"{name}.{private} = ..., or define {public} in a subclass")
    raise TypeError(f"Expected {name} to define {public} (the name the guide gives) or "
                    f"{private} (its older name), not both. Received both: define {public} "
                    f"alone")


def given_name(cls: type, public: str, private: str) -> str:
    """The name ``cls`` gave the method both names stand for, for a message: ``public`` or
    ``private`` as the class (or the one it takes it from) defined it."""
    name = getattr(getattr(cls, private, None), "__name__", public)
    return name if name in (public, private) else public
