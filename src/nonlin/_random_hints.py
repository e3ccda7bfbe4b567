"""``RandomLike`` and ``SeedLike`` for the hints of nonlin's modules, without importing
``numpy.random`` (which ``import nonlin``, ``load`` and ``predict`` do not): at run time
they are the text of the unions, which ``typing.get_type_hints`` evaluates as forward
references in the hinted function's module (each imports ``numpy as np``), importing
``numpy.random`` then. ``nonlin.core.RandomLike`` is the union itself, made on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    RandomLike = np.random.Generator | np.random.RandomState
    SeedLike = int | np.integer | np.random.Generator | np.random.RandomState | None
else:
    RandomLike = "np.random.Generator | np.random.RandomState"
    SeedLike = "int | np.integer | np.random.Generator | np.random.RandomState | None"
