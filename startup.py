"""How long the worker took to start, phase by phase, counted from the process's own start.

A worker that replaces a killed one is only useful once it polls: bench.chaos kills every 10 s,
and a start of 3-8 s on two busy cores was most of a worker's life. Each phase is logged as
`start-up: <phase> at <s> s` so the split (imports, connection, store, workers, ensures) can be
read from any worker's log (docs/operations.md, "When a worker dies").
"""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path

log = logging.getLogger("consign.startup")
_IMPORTED = time.monotonic()


def seconds_since_process_start() -> float:
    """From /proc on Linux (the interpreter's own start and the imports included); elsewhere
    from when this module was imported."""
    try:
        stat = Path("/proc/self/stat").read_text()
        started_ticks = int(stat.rsplit(")", 1)[1].split()[19])  # field 22, starttime
        uptime = float(Path("/proc/uptime").read_text().split()[0])
        return uptime - started_ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return time.monotonic() - _IMPORTED


def mark(phase: str) -> float:
    """Log that `phase` is done, with the seconds since the process started; returns them."""
    seconds = seconds_since_process_start()
    log.info("start-up: %s at %.2f s", phase, seconds)
    return seconds
