"""The owner table in force: domain.owners' defaults with the site's CSV overrides from
CONSIGN_OWNERS_FILE applied (read here, not in config.py, so the table stays one module's
business; docs/configuration.md documents the setting)."""

from __future__ import annotations

import os
from pathlib import Path

from domain.exceptions import ExceptionKind
from domain.owners import (
    DEFAULT_CHECK_OWNERS,
    DEFAULT_OWNERS,
    Check,
    Owner,
    OwnerOverrideError,
    parse_check_overrides,
    parse_overrides,
)
from reporting.errors import ReportError

OWNERS_FILE_VARIABLE = "CONSIGN_OWNERS_FILE"


def _overrides(path: str | None) -> tuple[str, str] | None:
    """The override file's name and text, or None when none is set."""
    chosen = path if path is not None else os.environ.get(OWNERS_FILE_VARIABLE, "").strip()
    if not chosen:
        return None
    try:
        return chosen, Path(chosen).read_text(encoding="utf-8-sig")
    except OSError as err:
        raise ReportError(f"owner overrides {chosen}: {err.strerror or err}") from err


def load_owner_table(path: str | None = None) -> dict[ExceptionKind, Owner]:
    """The defaults, with `path` (default: $CONSIGN_OWNERS_FILE) applied when set; a file
    that cannot be read or used is one ReportError naming it and the line."""
    found = _overrides(path)
    if found is None:
        return dict(DEFAULT_OWNERS)
    try:
        return parse_overrides(found[1])
    except OwnerOverrideError as err:
        raise ReportError(f"owner overrides {found[0]}: {err}") from err


def load_check_owners(path: str | None = None) -> dict[Check, Owner]:
    """The Monitor's check owners (domain.owners.DEFAULT_CHECK_OWNERS) with the same file's
    check rows applied."""
    found = _overrides(path)
    if found is None:
        return dict(DEFAULT_CHECK_OWNERS)
    try:
        return parse_check_overrides(found[1])
    except OwnerOverrideError as err:
        raise ReportError(f"owner overrides {found[0]}: {err}") from err
