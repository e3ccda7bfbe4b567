"""``from nonlin.losses import *`` gives every loss, those that ``nonlin.losses`` imports on
first use from ``losses_more``, ``losses_margin`` and ``losses_extra`` too (session 22: they
were left out, the module having no ``__all__``); a plain import still defers them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import nonlin.losses
from nonlin._loss_homes import _HOMES

SRC = str(Path(nonlin.losses.__file__).parents[1])  # the code under test


def test_all_names_every_loss_of_the_module_and_of_its_homes() -> None:
    deferred = {name for names in _HOMES.values() for name in names.split()}
    here = {name for name, value in vars(nonlin.losses).items()
            if isinstance(value, type) and issubclass(value, nonlin.losses.Loss)
            and value.__module__ == "nonlin.losses"}
    assert set(nonlin.losses.__all__) == deferred | here


def test_star_import_gives_them_and_a_plain_import_defers_them() -> None:
    code = ("import sys; import nonlin.losses; "
            "assert 'nonlin.losses_extra' not in sys.modules; "
            "from nonlin.losses import *; "
            "print(Poisson.__name__, SquaredHinge.__name__, CosineSimilarity.__name__, "
            "MeanSquaredError.__name__)")
    env = {**os.environ, "PYTHONPATH": SRC}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True).stdout
    assert out.split() == ["Poisson", "SquaredHinge", "CosineSimilarity", "MeanSquaredError"]
