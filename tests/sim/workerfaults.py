"""Worker targets that fail on purpose, importable by spawned worker processes (the test puts this folder on
sys.path, which a spawned child inherits)."""

from __future__ import annotations

import os
from multiprocessing.connection import Connection

from sim.analysis.batch import Runner, RunTask


def always_dies(task: RunTask, runner: Runner, conn: Connection) -> None:
    os._exit(3)
