"""CSV import/export of the mapping tables, for operations to edit mappings in a spreadsheet.

Headers are the domain field names. Every row is validated through the domain model before
anything is written; one bad row (named by line and column) imports nothing. SKU and carrier
kinds are upserted on their natural key; facility and buffer rules are replaced as a whole set,
and a file with no rows, which would delete the whole set, is refused unless forced. Open files
with newline="" (the csv module's rule) so quoted line breaks survive.

A text cell a spreadsheet would run as a formula (starting with = + - @, tab or carriage return,
OWASP's CSV-injection list) is exported with a leading single quote, and so is one already
starting with a quote; import removes exactly that quote, so export -> import returns every
value. Numeric columns are typed and left alone: their only such start is a minus sign."""

from __future__ import annotations

import csv
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any, BinaryIO, Literal, TextIO, get_args

from pydantic import BaseModel, ValidationError
from sqlalchemy import Engine

from domain.inventory import BufferRule
from domain.mapping import CarrierCodeMapping, CarrierServiceMapping, FacilityRule, SkuMapping
from domain.order import KNOWN_CHANNELS
from domain.returns import DispositionRule
from store import inventory, mappings, returns
from store.upsert import WriteCounts

MappingKind = Literal[
    "skus", "facilities", "carrier-services", "carrier-codes", "buffers", "dispositions"
]
MAPPING_KINDS: tuple[str, ...] = get_args(MappingKind)
MAX_REPORTED_ERRORS = 20
MAX_CSV_BYTES = 32 * 1024 * 1024  # far beyond any mapping table; refuses a wrong file early
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"
_ESCAPED = (*FORMULA_PREFIXES, QUOTE)
_NUMERIC = (int, float, Decimal, type(None))


@dataclass(frozen=True)
class _KindSpec:
    model: type[BaseModel]
    key: tuple[str, ...]  # () when rows have no natural key: the file is the whole set
    read: Callable[[Engine], Sequence[BaseModel]]
    write: Callable[[Engine, list[Any]], WriteCounts]
    noun: str  # what one row is, for messages
    # Columns no two rows of a set may share (a set has no key, but a repeat is ambiguous).
    unique: tuple[str, ...] = ()

    @property
    def replaces_set(self) -> bool:
        return not self.key

    @property
    def text_columns(self) -> frozenset[str]:
        """Columns whose cells are escaped: all but the typed numeric ones."""
        return frozenset(
            name
            for name, field in self.model.model_fields.items()
            if not all(arg in _NUMERIC for arg in get_args(field.annotation) or [field.annotation])
        )


_SPECS: dict[str, _KindSpec] = {
    "skus": _KindSpec(
        SkuMapping,
        mappings.SKU_KEY,
        mappings.list_sku_mappings,
        mappings.upsert_sku_mappings,
        "SKU mapping",
    ),
    "facilities": _KindSpec(
        FacilityRule,
        (),
        mappings.list_facility_rules,
        mappings.replace_facility_rules,
        "facility routing rule",
    ),
    "carrier-services": _KindSpec(
        CarrierServiceMapping,
        mappings.CARRIER_SERVICE_KEY,
        mappings.list_carrier_services,
        mappings.upsert_carrier_services,
        "carrier service mapping",
    ),
    "carrier-codes": _KindSpec(
        CarrierCodeMapping,
        mappings.CARRIER_CODE_KEY,
        mappings.list_carrier_codes,
        mappings.upsert_carrier_codes,
        "carrier code mapping",
    ),
    "buffers": _KindSpec(
        BufferRule, (), inventory.list_buffer_rules, inventory.replace_buffer_rules, "buffer rule"
    ),
    # Export shows the policy in force (the default while the table is empty).
    "dispositions": _KindSpec(
        DispositionRule,
        (),
        returns.disposition_policy,
        returns.replace_disposition_policy,
        "disposition rule",
        unique=("channel", "disposition"),
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
    """The file was rejected; nothing was imported. One error reads as one line."""

    def __init__(self, kind: str, errors: list[CsvRowError]) -> None:
        if len(errors) == 1:
            message = f"{kind} CSV rejected, nothing imported: {errors[0]}"
        else:
            shown = "\n".join(f"  {error}" for error in errors[:MAX_REPORTED_ERRORS])
            more = len(errors) - MAX_REPORTED_ERRORS
            suffix = f"\n  ... and {more} more" if more > 0 else ""
            message = (
                f"{kind} CSV rejected, nothing imported ({len(errors)} errors):\n{shown}{suffix}"
            )
        super().__init__(message)
        self.kind = kind
        self.errors = errors


class UnreadableCsv(ValueError):
    """The input is not CSV text consign can read (missing, a directory, binary, not UTF-8,
    too large); the message says why in one line."""


class ImportRefused(ValueError):
    """A valid file with no rows for a kind replaced as a whole set: importing it would delete
    every row. Refused unless forced; nothing was changed."""

    def __init__(self, kind: str, noun: str, current: Sequence[BaseModel]) -> None:
        shown = "; ".join(_describe(model) for model in current[:5])
        more = f"; and {len(current) - 5} more" if len(current) > 5 else ""
        super().__init__(
            f"the {kind} file has no rows: importing it would delete all {len(current)} "
            f"{noun}(s) ({shown}{more}); nothing was changed"
        )
        self.current = list(current)


def _describe(model: BaseModel) -> str:
    """One row as `column=value` for the columns that differ from their default."""
    fields = type(model).model_fields
    return " ".join(
        f"{name}={_cell(getattr(model, name))}"
        for name, field in fields.items()
        if field.is_required() or getattr(model, name) != field.default
    )


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


def escape_formula(text: str) -> str:
    """Quote a cell a spreadsheet would run as a formula (and one already starting with the
    quote, so that `unescape_formula` is exact)."""
    return QUOTE + text if text.startswith(_ESCAPED) else text


def unescape_formula(cell: str) -> str:
    """Undo `escape_formula`: drop a leading quote only where export would have added it."""
    return cell[1:] if cell.startswith(QUOTE) and cell[1:].startswith(_ESCAPED) else cell


def export_csv(engine: Engine, kind: str, stream: TextIO) -> int:
    """Write every mapping of a kind as CSV, text cells formula-escaped; returns the number of
    data rows."""
    spec = _spec(kind)
    header = list(spec.model.model_fields)
    text = spec.text_columns
    writer = csv.writer(stream)
    writer.writerow(header)
    rows = spec.read(engine)
    for model in rows:
        cells = [(name, _cell(getattr(model, name))) for name in header]
        writer.writerow([escape_formula(cell) if name in text else cell for name, cell in cells])
    return len(rows)


def read_csv_bytes(stream: BinaryIO) -> str:
    """The text of a CSV input: UTF-8 (a BOM is dropped) and at most MAX_CSV_BYTES."""
    data = stream.read(MAX_CSV_BYTES + 1)
    if len(data) > MAX_CSV_BYTES:
        raise UnreadableCsv(f"larger than {MAX_CSV_BYTES // 2**20} MiB: not a mapping file")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise UnreadableCsv("UTF-16 text: save it as CSV UTF-8")
    if b"\x00" in data:
        workbook = " (an Excel workbook?)" if data.startswith((b"PK\x03\x04", b"\xd0\xcf")) else ""
        raise UnreadableCsv(f"binary data{workbook}, not CSV text: save it as CSV UTF-8")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise UnreadableCsv(
            f"not UTF-8 text (byte 0x{data[err.start]:02x} at offset {err.start}): "
            "save it as CSV UTF-8"
        ) from err


def read_csv_file(path: Path) -> str:
    """`read_csv_bytes` for a path, with missing files, directories and devices named."""
    if path.is_dir():
        raise UnreadableCsv("is a directory, not a CSV file")
    if not path.exists():
        raise UnreadableCsv("no such file")
    if not path.is_file():
        raise UnreadableCsv("not a regular file")
    try:
        with path.open("rb") as stream:
            return read_csv_bytes(stream)
    except OSError as err:
        raise UnreadableCsv(f"cannot read it: {err.strerror or err}") from err


def _names(names: Sequence[str]) -> str:
    return ", ".join(repr(name[:40]) for name in names)


def _check_header(spec: _KindSpec, header: list[str]) -> CsvRowError | None:
    """Every problem with the header row, as one error: a file that is not this kind's CSV
    (another kind, a report, not CSV at all) gets one line, not one per column."""
    fields = spec.model.model_fields
    unknown = [name for name in header if name not in fields]
    repeated = sorted({name for name in header if header.count(name) > 1})
    missing = [n for n, field in fields.items() if field.is_required() and n not in header]
    problems = [
        f"{label} {_names(names)}"
        for label, names in (
            ("missing column(s)", missing),
            ("unknown column(s)", unknown),
            ("repeated column(s)", repeated),
        )
        if names
    ]
    if not problems:
        return None
    expected = ", ".join(fields)
    return CsvRowError(
        1, None, f"not a {spec.noun} header: {'; '.join(problems)} (columns: {expected})"
    )


def _validate_row(
    spec: _KindSpec, header: list[str], cells: list[str], line: int, channels: Collection[str]
) -> BaseModel | list[CsvRowError]:
    if len(cells) != len(header):
        return [CsvRowError(line, None, f"expected {len(header)} cells, found {len(cells)}")]
    # An empty cell means "not given": the model's default applies, or "Field required".
    text = spec.text_columns
    data = {
        name: unescape_formula(cell) if name in text else cell
        for name, cell in zip(header, cells, strict=True)
        if cell != ""
    }
    try:
        return spec.model.model_validate(data, context={KNOWN_CHANNELS: sorted(channels)})
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
    names = spec.key or spec.unique
    if not names:
        return None
    key = tuple(_cell(getattr(model, name)) for name in names)
    if key in first_seen:
        where = "+".join(names)
        return CsvRowError(line, None, f"duplicate {where} {key}, first on line {first_seen[key]}")
    first_seen[key] = line
    return None


def parse_csv(kind: str, stream: TextIO, channels: Collection[str]) -> list[BaseModel]:
    """Validate a whole file into domain models, each channel one of `channels` (the
    registry's); raises CsvImportError listing every problem."""
    spec = _spec(kind)
    reader = csv.reader(stream)
    try:
        header = [name.strip().lstrip("\ufeff") for name in next(reader, [])]
    except csv.Error as exc:
        raise CsvImportError(kind, [CsvRowError(1, None, f"unreadable CSV: {exc}")]) from exc
    if not header:
        raise CsvImportError(kind, [CsvRowError(1, None, "empty file: expected a header row")])
    header_error = _check_header(spec, header)
    if header_error is not None:
        raise CsvImportError(kind, [header_error])
    errors: list[CsvRowError] = []
    models: list[BaseModel] = []
    first_seen: dict[tuple[str, ...], int] = {}
    last_line = 1
    try:
        for cells in reader:
            line, last_line = last_line + 1, reader.line_num
            if not cells:
                continue  # a blank line
            result = _validate_row(spec, header, cells, line, channels)
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


def import_csv(
    engine: Engine,
    kind: str,
    stream: TextIO,
    *,
    channels: Collection[str],
    force: bool = False,
) -> ImportReport:
    """Validate the whole file, then write it in one transaction: all rows or none. A file
    with no rows for a kind replaced as a whole set is refused (ImportRefused) while rows
    exist, unless `force`: an empty export or a truncated file must not wipe the routing."""
    spec = _spec(kind)
    models = parse_csv(kind, stream, channels)
    if not models and spec.replaces_set and not force:
        current = spec.read(engine)
        if current:
            raise ImportRefused(kind, spec.noun, current)
    counts = spec.write(engine, models)
    return ImportReport(
        kind=kind,
        rows=len(models),
        created=counts.created,
        updated=counts.updated,
        removed=counts.removed,
    )
