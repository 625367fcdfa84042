"""Carrier codes confirmShipment accepts: Amazon's legacy XSD list plus today's additions.

The list is read from the vendored reference (the XSD extract), so the sandbox rejects exactly
the codes Amazon's published list does not know."""

from __future__ import annotations

from pathlib import Path

from sandbox.reference import reference_dir

OTHER = "Other"
MODERN_CARRIERS: frozenset[str] = frozenset(
    {"Evri", "DHL", "DHL Express", "UPS", "Royal Mail", "DPD", "Yodel", "Parcelforce", "GLS"}
)
_LEGACY_FILE = Path("amazon-sp-api") / "carrier-codes-legacy-xsd-4.1.txt"


def load_carrier_codes(path: Path | None = None) -> frozenset[str]:
    """Legacy codes from the reference file plus the modern ones; fails loudly if the file
    is missing, since a silently shorter list would reject valid confirmations."""
    source = path or reference_dir() / _LEGACY_FILE
    codes = {line.strip() for line in source.read_text(encoding="utf-8").splitlines()}
    return frozenset(code for code in codes if code) | MODERN_CARRIERS | {OTHER}
