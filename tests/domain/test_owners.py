"""The owner table: complete, overridable by CSV, and the one docs/operations.md prints."""

from __future__ import annotations

from pathlib import Path

import pytest

from domain.exceptions import ExceptionKind
from domain.owners import (
    DEFAULT_CHECK_OWNERS,
    DEFAULT_OWNERS,
    Check,
    OwnerOverrideError,
    OwnerRole,
    Severity,
    check_table,
    markdown_table,
    parse_check_overrides,
    parse_overrides,
)
from reporting.errors import ReportError
from reporting.owners_file import load_owner_table

DOCS = Path(__file__).resolve().parents[2] / "docs" / "operations.md"


def test_every_exception_kind_has_an_owner() -> None:
    missing = [kind.value for kind in ExceptionKind if kind not in DEFAULT_OWNERS]
    assert missing == [], f"add an owner to domain/owners.py for {missing}"
    assert all(
        owner.first_step and "\n" not in owner.first_step for owner in DEFAULT_OWNERS.values()
    )


def test_overrides_change_only_the_cells_given() -> None:
    text = (
        "kind,role,severity,first_step\nunmapped_sku,ecommerce,,\nCAPTURE_FAILED,,low,call Adyen\n"
    )
    table = parse_overrides(text)
    sku = table[ExceptionKind.UNMAPPED_SKU]
    assert sku.role is OwnerRole.ECOMMERCE
    assert sku.severity is DEFAULT_OWNERS[ExceptionKind.UNMAPPED_SKU].severity
    assert sku.first_step == DEFAULT_OWNERS[ExceptionKind.UNMAPPED_SKU].first_step
    capture = table[ExceptionKind.CAPTURE_FAILED]
    assert (capture.role, capture.severity, capture.first_step) == (
        OwnerRole.FINANCE,
        Severity.LOW,
        "call Adyen",
    )
    assert table[ExceptionKind.NO_FACILITY] == DEFAULT_OWNERS[ExceptionKind.NO_FACILITY]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("kind,owner\nUNMAPPED_SKU,x\n", "line 1: expected the columns"),
        ("kind,role\nNOT_A_KIND,finance\n", "line 2: unknown kind 'NOT_A_KIND'"),
        ("kind,role\nUNMAPPED_SKU,marketing\n", "line 2: unknown role 'marketing'"),
        ("kind,severity\n\nUNMAPPED_SKU,urgent\n", "line 3: unknown severity 'urgent'"),
    ],
)
def test_a_bad_override_names_its_line(text: str, message: str) -> None:
    with pytest.raises(OwnerOverrideError, match=message):
        parse_overrides(text)


def test_the_file_comes_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("CONSIGN_OWNERS_FILE", raising=False)
    assert load_owner_table() == DEFAULT_OWNERS
    overrides = tmp_path / "owners.csv"
    overrides.write_text("kind,role\nORDER_NOT_FOUND,operations\n")
    monkeypatch.setenv("CONSIGN_OWNERS_FILE", str(overrides))
    assert load_owner_table()[ExceptionKind.ORDER_NOT_FOUND].role is OwnerRole.OPERATIONS
    monkeypatch.setenv("CONSIGN_OWNERS_FILE", str(tmp_path / "missing.csv"))
    with pytest.raises(ReportError, match=r"missing\.csv"):
        load_owner_table()


def test_the_operations_manual_prints_the_table() -> None:
    assert markdown_table(DEFAULT_OWNERS) in DOCS.read_text(), (
        "docs/operations.md must carry domain.owners.markdown_table(DEFAULT_OWNERS) verbatim: "
        ".venv/bin/python -c 'from domain.owners import *; print(markdown_table(DEFAULT_OWNERS))'"
    )


def test_every_monitor_check_has_an_owner_and_the_manual_prints_them() -> None:
    assert set(DEFAULT_CHECK_OWNERS) == set(Check)
    assert check_table(DEFAULT_CHECK_OWNERS) in DOCS.read_text(), (
        "docs/operations.md must carry domain.owners.check_table(DEFAULT_CHECK_OWNERS) verbatim"
    )


def test_one_file_overrides_kinds_and_checks() -> None:
    text = "kind,role,first_step\nunmatched,finance,ask GXO for credit\nUNMAPPED_SKU,ecommerce,\n"
    checks = parse_check_overrides(text)
    assert (checks[Check.UNMATCHED].role, checks[Check.UNMATCHED].first_step) == (
        OwnerRole.FINANCE,
        "ask GXO for credit",
    )
    assert parse_overrides(text)[ExceptionKind.UNMAPPED_SKU].role is OwnerRole.ECOMMERCE
    with pytest.raises(OwnerOverrideError, match="line 2: unknown kind 'unmatchd'"):
        parse_check_overrides("kind,role\nunmatchd,finance\n")
