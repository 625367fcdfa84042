"""Running `consign` in-process (typer's runner, the real commands) and reading what it told
the operator: an `error: ...` line and its exit code, a usage error, or a traceback (a defect)."""

from __future__ import annotations

import io
import re

from sqlalchemy import Engine
from typer.testing import CliRunner, Result

from starter.cli import app
from store.csv_io import MAPPING_KINDS, export_csv
from store.set_aside import list_set_aside
from tests.corpus.cases import Observed

runner = CliRunner()
_BOX = re.compile(r"[╭╮╰╯│─]")


def run(args: list[str], env: dict[str, str] | None = None) -> Observed:
    return observe(runner.invoke(app, args, env=env))


def observe(result: Result) -> Observed:
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        return Observed("traceback", f"{type(result.exception).__name__}: {result.exception}")
    code = result.exit_code
    text = result.stderr.strip()
    if code == 2:  # click's usage error: the command never ran
        words = " ".join(_BOX.sub(" ", text).split())
        return Observed("exit 2", words.partition(" Error ")[2] or words)
    if code == 0:
        output = result.stdout.strip().splitlines()
        return Observed("exit 0", output[-1] if output else "")
    lines = text.splitlines()
    if len(lines) == 1 and lines[0].startswith("error: "):
        return Observed(f"exit {code}", lines[0].removeprefix("error: "))
    return Observed(f"exit {code}, not one line", " | ".join(lines))


def store_contents(engine: Engine) -> dict[str, str]:
    """Every mapping table as its CSV, and the set-aside records: what a refused command must
    leave exactly as it was."""
    tables = {}
    for kind in MAPPING_KINDS:
        stream = io.StringIO()
        export_csv(engine, kind, stream)
        tables[kind] = stream.getvalue()
    kept = list_set_aside(engine, include_resolved=True)
    tables["set-aside"] = "\n".join(f"{e.id} {e.resolved} {e.record_id}" for e in kept)
    return tables
