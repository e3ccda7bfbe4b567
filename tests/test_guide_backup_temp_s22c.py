"""Session 22 (left22c): the guide's BackupAndRestore paragraph named only the temporary
files of the latest backup, ``.latest...tmp``, though those of the previous one
(``._latest...tmp``, with ``double_checkpoint``) are removed too (``_backup_temp``)."""

from __future__ import annotations

import re
from pathlib import Path

from nonlin._backup_temp import _STALE_NAME

GUIDE = Path(__file__).resolve().parents[1] / "docs" / "guide.md"


def _paragraph() -> str:
    text = GUIDE.read_text(encoding="utf-8")
    start = text.index("- Each backup is written atomically")
    return " ".join(text[start:text.index("\n- ", start + 1)].split())


def test_the_guide_names_both_patterns_the_callback_removes() -> None:
    paragraph = _paragraph()
    named = re.findall(r"`(\._?latest\.safetensors\.X{8}\.tmp)`", paragraph)
    assert sorted(named) == ["._latest.safetensors.XXXXXXXX.tmp",
                             ".latest.safetensors.XXXXXXXX.tmp"]
    for pattern in named:  # each one the callback's rule removes (mkstemp's 8 characters)
        assert _STALE_NAME.fullmatch(pattern.replace("XXXXXXXX", "ab_3x9yz"))
    assert "those two exact patterns" in paragraph
