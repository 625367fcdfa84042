"""Where the outside world's contracts live: reference/ in this project.

The sandboxes and the contract tests read Amazon's published models and schemas, Centra's
documented schema and examples and the X12 samples from the copies vendored in reference/
(sources and licences in reference/README.md), so a clone needs nothing beside it.
CONSIGN_REFERENCE_DIR points at another copy, e.g. a newer one to compare against."""

from __future__ import annotations

import os
from pathlib import Path

VENDORED = Path(__file__).resolve().parent.parent / "reference"


def reference_dir() -> Path:
    return Path(os.environ.get("CONSIGN_REFERENCE_DIR") or VENDORED)
