"""`consign owners`: the exception owner table in force (defaults and CONSIGN_OWNERS_FILE), so
a site can check its overrides before a report or an alert uses them."""

from __future__ import annotations

import typer

from domain.owners import markdown_table
from reporting.owners_file import load_owner_table
from starter.client import expected_errors


@expected_errors
def show_owners() -> None:
    """Print who owns each exception kind, its severity and the first step (Markdown)."""
    typer.echo(markdown_table(load_owner_table()), nl=False)
