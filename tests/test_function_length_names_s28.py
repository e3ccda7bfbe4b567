"""``test_function_length_s28`` measures every function, also where two share a qualified
name: a property's getter and its setter (``@x.setter``), ``typing.overload``s, a function
defined in both branches of an ``if``. It kept the last one's length only, so a getter of
any length was hidden by the short setter written after it."""

from __future__ import annotations

from pathlib import Path

import pytest

import nonlin
from test_function_length_s28 import MOST_LINES, package_lengths


def test_a_long_getter_is_not_hidden_by_its_short_setter(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "m.py").write_text(
        "class C:\n"
        "    @property\n"
        "    def x(self):\n" + "        y = 1\n" * 44 + "        return y\n"
        "\n"
        "    @x.setter\n"
        "    def x(self, value):\n"
        "        pass\n")
    monkeypatch.setattr(nonlin, "__file__", str(package / "__init__.py"))
    lengths = package_lengths()
    assert lengths["pkg.m.C.x"] == 45 > MOST_LINES
