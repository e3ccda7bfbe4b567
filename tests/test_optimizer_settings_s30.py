"""``set_settings`` refuses before it sets anything, and names an attribute (review30c).

Session 30's loop30 gave ``set_settings`` a ``KeyError`` that says what to do for a name
``setting_checks`` leaves out; it was raised after the names before it were set (and a value a
check refused, after the values before it), so a refused call changed the optimizer; and for
``lr``, an attribute of every optimizer, it said to add ``lr`` to ``setting_checks``.
"""

from __future__ import annotations

import pytest

import nonlin


@pytest.mark.parametrize("bad", [{"bogus": 1}, {"beta_2": -1.0}])
def test_a_refused_set_settings_changes_nothing(bad):
    opt = nonlin.Adam(0.1)
    with pytest.raises((KeyError, ValueError)):
        opt.set_settings(beta_1=0.5, **bad)
    assert opt.beta_1 == 0.9
    assert opt.get_config() == nonlin.Adam(0.1).get_config()


def test_an_attribute_given_to_set_settings_is_named_as_one() -> None:
    opt = nonlin.SGD(0.1)
    with pytest.raises(KeyError, match=r"lr is an attribute of SGD, not one of its settings: "
                                       r"set it as one, optimizer.lr = value"):
        opt.set_settings(lr=0.5)
    assert opt.lr == 0.1
