"""`consign owners`: the owner tables in force (defaults and CONSIGN_OWNERS_FILE), so a site can
check its overrides before a report or an alert uses them: who owns each exception kind, and who
owns each Monitor finding that is no exception kind."""

from __future__ import annotations

import typer

from domain.owners import check_table, markdown_table
from reporting.owners_file import load_check_owners, load_owner_table
from starter.client import expected_errors


@expected_errors
def show_owners() -> None:
    """Print who owns each exception kind and each Monitor check, its severity and the first
    step (Markdown)."""
    typer.echo(markdown_table(load_owner_table()))
    typer.echo(check_table(load_check_owners()), nl=False)
