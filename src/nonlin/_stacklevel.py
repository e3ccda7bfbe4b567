"""Where a warning points: the first frame outside nonlin, the user's call.

A warning raised deep inside ``fit`` (a callback's, a checkpoint writer's) is about the
user's call, not about nonlin's line that noticed; the depth between them varies, so it is
counted, frame by frame, rather than fixed.
"""

from __future__ import annotations

import os
import sys
from types import FrameType

_PACKAGE = os.path.dirname(os.path.abspath(__file__)) + os.sep


def user_stacklevel() -> int:
    """``warnings.warn``'s ``stacklevel`` counted from the caller of this function (1: that
    caller's line) that names the first frame outside nonlin's package."""
    frame: FrameType | None = sys._getframe(1)
    level = 1
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE):
        frame, level = frame.f_back, level + 1
    return level
