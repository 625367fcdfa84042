"""`consign` with a check at exit: `python -m tests.starter.exit_check ARG...` runs the command as
the `consign` script does, and an atexit hook (atexit runs before the interpreter starts to
finalize) names on stderr every thread still alive besides the main one. The Temporal SDK's
runtime threads must be gone by then: alive, they race finalization and crash the process."""

from __future__ import annotations

import atexit
import os
import sys
from pathlib import Path

from starter.cli import app

LEFT_OVER = "threads alive at exit:"


def report_threads() -> None:
    main = str(os.getpid())
    tasks = Path("/proc/self/task")
    extra = [(tasks / tid / "comm").read_text().strip() for tid in os.listdir(tasks) if tid != main]
    if extra:
        print(LEFT_OVER, ", ".join(sorted(extra)), file=sys.stderr, flush=True)


if __name__ == "__main__":
    atexit.register(report_threads)
    app(prog_name="consign")
