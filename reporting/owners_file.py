"""The owner table in force: domain.owners' defaults with the site's CSV overrides from
CONSIGN_OWNERS_FILE applied (read here, not in config.py, so the table stays one module's
business; docs/configuration.md documents the setting)."""

from __future__ import annotations

import os
from pathlib import Path

from domain.exceptions import ExceptionKind
from domain.owners import DEFAULT_OWNERS, Owner, OwnerOverrideError, parse_overrides
from reporting.errors import ReportError

OWNERS_FILE_VARIABLE = "CONSIGN_OWNERS_FILE"


def load_owner_table(path: str | None = None) -> dict[ExceptionKind, Owner]:
    """The defaults, with `path` (default: $CONSIGN_OWNERS_FILE) applied when set; a file
    that cannot be read or used is one ReportError naming it and the line."""
    chosen = path if path is not None else os.environ.get(OWNERS_FILE_VARIABLE, "").strip()
    if not chosen:
        return dict(DEFAULT_OWNERS)
    try:
        text = Path(chosen).read_text(encoding="utf-8-sig")
    except OSError as err:
        raise ReportError(f"owner overrides {chosen}: {err.strerror or err}") from err
    try:
        return parse_overrides(text)
    except OwnerOverrideError as err:
        raise ReportError(f"owner overrides {chosen}: {err}") from err
