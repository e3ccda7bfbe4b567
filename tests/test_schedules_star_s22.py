"""``from nonlin.schedules import *`` left out the schedules imported on first use through the
module ``__getattr__`` (``CosineDecayRestarts``, ``OneCycle``, ``schedules_more``'s): it names
every public schedule now (``__all__``), while a plain import still defers them (session 22)."""

from __future__ import annotations

import json
import subprocess
import sys

import nonlin.schedules
from cli_helpers import cli_env


def test_star_import_gives_every_schedule() -> None:
    names: dict = {}
    exec("from nonlin.schedules import *", names)
    assert set(nonlin.schedules.SCHEDULES) | {"Schedule", "schedule_from_config"} <= set(names)
    assert names["OneCycle"] is nonlin.schedules.OneCycle
    assert not {"math", "quoted", "real", "UNSET"} & set(names)  # helpers stay out


def test_a_plain_import_still_defers_the_other_schedule_modules() -> None:
    code = ("import json, sys, nonlin, nonlin.schedules; "
            "print(json.dumps(sorted(m for m in sys.modules if m.startswith('nonlin.sched'))))")
    out = subprocess.run([sys.executable, "-c", code], env=cli_env(), capture_output=True,
                         text=True, timeout=60, check=True).stdout
    assert json.loads(out.splitlines()[-1]) == ["nonlin.schedules"]
