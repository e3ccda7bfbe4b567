"""Where ``nonlin.losses`` finds the losses defined elsewhere: its module ``__getattr__``.

``Poisson``, ``KLDivergence`` and ``LogCosh`` live in ``nonlin.losses_more``, the hinges in
``nonlin.losses_margin``, the rest in ``nonlin.losses_extra``; each imports
``nonlin.losses``, so ``nonlin.losses`` imports them on first use (``_reexport``), which
``from nonlin.losses import CosineSimilarity`` also goes through. Keras' class names
(``keras.losses.SparseCategoricalCrossentropy``) are the registry's.
"""

from __future__ import annotations

from typing import Any

from ._reexport import reexports

_HOMES = {"losses_more": "KLDivergence LogCosh Poisson",
          "losses_margin": "CategoricalHinge Hinge SquaredHinge",
          "losses_extra": "BinaryFocalCrossentropy CategoricalFocalCrossentropy CosineSimilarity "
                          "MeanAbsolutePercentageError MeanSquaredLogarithmicError"}
_reexported = reexports("nonlin.losses", **{name: home for home, names in _HOMES.items()
                                            for name in names.split()})
_KERAS_CLASS_NAMES = ("BinaryCrossentropy", "CategoricalCrossentropy",
                      "SparseCategoricalCrossentropy")


def _getattr(name: str) -> Any:
    """Keras' class names (``keras.losses.SparseCategoricalCrossentropy``) are the
    registry's; the other losses come from their homes (``_reexport``)."""
    if name in _KERAS_CLASS_NAMES:
        from .registry import lookup

        return lookup("loss", name)
    return _reexported(name)
