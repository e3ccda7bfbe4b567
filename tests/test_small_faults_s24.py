"""Session 24's small faults: each test failed on the code before its fix."""

from __future__ import annotations

import pytest

import nonlin.optimizers as opt


def test_ema_overwrite_frequency_message_names_the_range_it_accepts() -> None:
    # 0 is accepted (Keras 3 takes it as "never"), so the message may not say ">= 1"
    assert opt.SGD(use_ema=True, ema_overwrite_frequency=0).ema_overwrite_frequency is None
    with pytest.raises(ValueError) as info:
        opt.SGD(use_ema=True, ema_overwrite_frequency=-1)
    assert str(info.value) == ("Expected ema_overwrite_frequency, an integer >= 0 or None "
                               "(0 or None: never overwrite). "
                               "Received: ema_overwrite_frequency=-1")
