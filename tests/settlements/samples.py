"""The authored V2 sample (reference/amazon-sp-api/samples-authored) and variants of it."""

from __future__ import annotations

from pathlib import Path

from sandbox.reference import reference_dir

AUTHORED = reference_dir() / "amazon-sp-api" / "samples-authored" / "settlement-v2-mfn-AUTHORED.tsv"


def authored_text() -> str:
    return Path(AUTHORED).read_text(encoding="iso-8859-1")


def table(text: str) -> list[list[str]]:
    return [line.split("\t") for line in text.rstrip("\n").split("\n")]


def untable(rows: list[list[str]]) -> str:
    return "\n".join("\t".join(row) for row in rows) + "\n"


def without_column(text: str, name: str) -> str:
    rows = table(text)
    index = rows[0].index(name)
    return untable([row[:index] + row[index + 1 :] for row in rows])


def with_cell(text: str, line: int, column: str, value: str) -> str:
    """`line` is 1-based, as in the parser's errors."""
    rows = table(text)
    rows[line - 1][rows[0].index(column)] = value
    return untable(rows)
