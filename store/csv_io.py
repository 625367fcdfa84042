"""CSV import/export of the mapping tables, for operations to edit mappings in a spreadsheet.

Headers are the domain field names. Every row is validated through the domain model before
anything is written; one bad row (named by line and column) imports nothing. SKU and carrier
kinds are upserted on their natural key; facility rules are replaced as a whole set. Open files
with newline="" (the csv module's rule) so quoted line breaks survive."""

from __future__ import annotations

import csv
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from typing import Any, Literal, TextIO, get_args

from pydantic import BaseModel, ValidationError
from sqlalchemy import Engine

from domain.inventory import BufferRule
from domain.mapping import CarrierCodeMapping, CarrierServiceMapping, FacilityRule, SkuMapping
from store import inventory, mappings
from store.upsert import WriteCounts

MappingKind = Literal["skus", "facilities", "carrier-services", "carrier-codes", "buffers"]
MAPPING_KINDS: tuple[str, ...] = get_args(MappingKind)
MAX_REPORTED_ERRORS = 20


@dataclass(frozen=True)
class _KindSpec:
    model: type[BaseModel]
    key: tuple[str, ...]  # () when rows have no natural key
    read: Callable[[Engine], Sequence[BaseModel]]
    write: Callable[[Engine, list[Any]], WriteCounts]


_SPECS: dict[str, _KindSpec] = {
    "skus": _KindSpec(
        SkuMapping, mappings.SKU_KEY, mappings.list_sku_mappings, mappings.upsert_sku_mappings
    ),
    "facilities": _KindSpec(
        FacilityRule, (), mappings.list_facility_rules, mappings.replace_facility_rules
    ),
    "carrier-services": _KindSpec(
        CarrierServiceMapping,
        mappings.CARRIER_SERVICE_KEY,
        mappings.list_carrier_services,
        mappings.upsert_carrier_services,
    ),
    "carrier-codes": _KindSpec(
        CarrierCodeMapping,
        mappings.CARRIER_CODE_KEY,
        mappings.list_carrier_codes,
        mappings.upsert_carrier_codes,
    ),
    "buffers": _KindSpec(
        BufferRule, (), inventory.list_buffer_rules, inventory.replace_buffer_rules
    ),
}


@dataclass(frozen=True)
class ImportReport:
    kind: str
    rows: int
    created: int
    updated: int
    removed: int


@dataclass(frozen=True)
class CsvRowError:
    line: int  # 1-based physical line in the file, the header being line 1
    column: str | None
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}" + (f", column '{self.column}'" if self.column else "")
        return f"{where}: {self.message}"


class CsvImportError(ValueError):
    """The file was rejected; nothing was imported."""

    def __init__(self, kind: str, errors: list[CsvRowError]) -> None:
        shown = "\n".join(f"  {error}" for error in errors[:MAX_REPORTED_ERRORS])
        more = len(errors) - MAX_REPORTED_ERRORS
        suffix = f"\n  ... and {more} more" if more > 0 else ""
        super().__init__(
            f"{kind} CSV rejected, nothing imported ({len(errors)} error(s)):\n{shown}{suffix}"
        )
        self.kind = kind
        self.errors = errors


def _spec(kind: str) -> _KindSpec:
    if kind not in _SPECS:
        raise ValueError(f"unknown mapping kind {kind!r}; expected one of {', '.join(_SPECS)}")
    return _SPECS[kind]


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, Decimal):
        return format(value, "f")  # never exponent notation, which spreadsheets mangle
    return str(value)


def export_csv(engine: Engine, kind: str, stream: TextIO) -> int:
    """Write every mapping of a kind as CSV; returns the number of data rows."""
    spec = _spec(kind)
    header = list(spec.model.model_fields)
    writer = csv.writer(stream)
    writer.writerow(header)
    rows = spec.read(engine)
    for model in rows:
        writer.writerow([_cell(getattr(model, name)) for name in header])
    return len(rows)


def _check_header(spec: _KindSpec, header: list[str]) -> list[CsvRowError]:
    fields = spec.model.model_fields
    expected = ", ".join(fields)
    errors = [
        CsvRowError(1, name, f"unknown column; expected some of: {expected}")
        for name in header
        if name not in fields
    ]
    errors += [
        CsvRowError(1, name, "column appears more than once")
        for name in sorted({n for n in header if header.count(n) > 1})
    ]
    errors += [
        CsvRowError(1, name, "required column is missing")
        for name, field in fields.items()
        if field.is_required() and name not in header
    ]
    return errors


def _validate_row(
    spec: _KindSpec, header: list[str], cells: list[str], line: int
) -> BaseModel | list[CsvRowError]:
    if len(cells) != len(header):
        return [CsvRowError(line, None, f"expected {len(header)} cells, found {len(cells)}")]
    # An empty cell means "not given": the model's default applies, or "Field required".
    data = {name: cell for name, cell in zip(header, cells, strict=True) if cell != ""}
    try:
        return spec.model.model_validate(data)
    except ValidationError as exc:
        return [
            CsvRowError(
                line,
                str(error["loc"][0]) if error["loc"] else None,
                f"{error['msg']} (got {str(error.get('input', ''))[:40]!r})"
                if error["type"] != "missing"
                else "a value is required",
            )
            for error in exc.errors()
        ]


def _duplicate(
    spec: _KindSpec, model: BaseModel, line: int, first_seen: dict[tuple[str, ...], int]
) -> CsvRowError | None:
    """Two rows for one natural key would make the result depend on row order: refuse."""
    if not spec.key:
        return None
    key = tuple(_cell(getattr(model, name)) for name in spec.key)
    if key in first_seen:
        where = "+".join(spec.key)
        return CsvRowError(line, None, f"duplicate {where} {key}, first on line {first_seen[key]}")
    first_seen[key] = line
    return None


def parse_csv(kind: str, stream: TextIO) -> list[BaseModel]:
    """Validate a whole file into domain models; raises CsvImportError listing every problem."""
    spec = _spec(kind)
    reader = csv.reader(stream)
    try:
        header = [name.strip().lstrip("\ufeff") for name in next(reader, [])]
    except csv.Error as exc:
        raise CsvImportError(kind, [CsvRowError(1, None, f"unreadable CSV: {exc}")]) from exc
    if not header:
        raise CsvImportError(kind, [CsvRowError(1, None, "empty file: expected a header row")])
    errors = _check_header(spec, header)
    if errors:
        raise CsvImportError(kind, errors)
    models: list[BaseModel] = []
    first_seen: dict[tuple[str, ...], int] = {}
    last_line = 1
    try:
        for cells in reader:
            line, last_line = last_line + 1, reader.line_num
            if not cells:
                continue  # a blank line
            result = _validate_row(spec, header, cells, line)
            if isinstance(result, list):
                errors += result
                continue
            duplicate = _duplicate(spec, result, line, first_seen)
            if duplicate is not None:
                errors.append(duplicate)
                continue
            models.append(result)
    except csv.Error as exc:
        errors.append(CsvRowError(reader.line_num, None, f"unreadable CSV: {exc}"))
    if errors:
        raise CsvImportError(kind, errors)
    return models


def import_csv(engine: Engine, kind: str, stream: TextIO) -> ImportReport:
    """Validate the whole file, then write it in one transaction: all rows or none."""
    models = parse_csv(kind, stream)
    counts = _spec(kind).write(engine, models)
    return ImportReport(
        kind=kind,
        rows=len(models),
        created=counts.created,
        updated=counts.updated,
        removed=counts.removed,
    )
