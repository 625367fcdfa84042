"""Who owns each exception kind, how urgent it is, and what that person does first: the table
docs/operations.md prints, the daily report groups by, and the Monitor's alerts carry. The
Monitor's findings that are no exception kind (an intake not running or silent, stock drift,
orders awaiting payment, unmatched events: `Check`) have a table of their own,
`DEFAULT_CHECK_OWNERS`; an intake paused under a kind, orders at risk (SHIP_BY_AT_RISK, once a
ship-by passed SHIP_BY_MISSED), stalled and rejected stock take their kind's row.

Every ExceptionKind and Check has an entry (tests/domain/test_owners.py fails for a new one
without). A site can change the role, severity or first step of any kind or check with a small
CSV (`kind,role,severity,first_step`; the kind cell names a kind or a check; an empty cell keeps
the default), read by `parse_overrides` and `parse_check_overrides`."""

from __future__ import annotations

import csv
import io
from enum import StrEnum
from typing import TypeVar

from pydantic import BaseModel

from domain.exceptions import ExceptionKind

K = ExceptionKind
E = TypeVar("E", bound=StrEnum)


class OwnerRole(StrEnum):
    OPERATIONS = "operations"  # the warehouse relationship, mappings, stuck orders
    ECOMMERCE = "ecommerce"  # listings, products and buyers on the channels
    ENGINEERING = "engineering"  # credentials, workers, code and interfaces
    FINANCE = "finance"  # payments, captures, payouts


class Severity(StrEnum):
    HIGH = "high"  # an order or payment is blocked until someone acts: today
    MEDIUM = "medium"  # needs a decision soon; nothing is lost meanwhile
    LOW = "low"  # a flag that usually clears by itself or needs no change in consign

    @property
    def rank(self) -> int:
        return {Severity.HIGH: 0, Severity.MEDIUM: 1, Severity.LOW: 2}[self]


class Owner(BaseModel):
    role: OwnerRole
    severity: Severity
    first_step: str  # one line: what that person does first


def _o(role: OwnerRole, severity: Severity, first_step: str) -> Owner:
    return Owner(role=role, severity=severity, first_step=first_step)


OPS, ECOM, ENG, FIN = (
    OwnerRole.OPERATIONS,
    OwnerRole.ECOMMERCE,
    OwnerRole.ENGINEERING,
    OwnerRole.FINANCE,
)
HIGH, MEDIUM, LOW = Severity.HIGH, Severity.MEDIUM, Severity.LOW

DEFAULT_OWNERS: dict[ExceptionKind, Owner] = {
    K.UNMAPPED_SKU: _o(OPS, HIGH, "add the SKU to the skus CSV, import it, retry the order"),
    K.UNMAPPED_CARRIER: _o(
        OPS, HIGH, "add the carrier-services or carrier-codes row the message names, import, retry"
    ),
    K.NO_FACILITY: _o(OPS, HIGH, "add a facility rule (export, edit, import the set), retry"),
    K.MISSING_CUSTOMS_DATA: _o(
        OPS, HIGH, "complete the SKU's customs columns (or domestic_countries), import, retry"
    ),
    K.MISSING_ADDRESS: _o(
        ECOM,
        HIGH,
        "complete the address in the channel's admin (or grant the app the role it lacks), retry",
    ),
    K.WAREHOUSE_REJECTED: _o(
        OPS, HIGH, "read GXO's rejection code; have GXO or the mapping fixed, then retry"
    ),
    K.CHANNEL_REJECTED: _o(
        ECOM, HIGH, "read the channel's message; fix the carrier code or release the hold, retry"
    ),
    K.CHANNEL_AUTH_FAILED: _o(
        ENG, HIGH, "renew the channel credential or permission, restart workers, retry the orders"
    ),
    K.UNKNOWN_ACCOUNT: _o(
        ENG,
        HIGH,
        "give every worker the same accounts file (the account named), restart, retry the orders",
    ),
    K.WAREHOUSE_AUTH_FAILED: _o(
        ENG, HIGH, "set the right GXO_API_KEY, restart workers, retry the orders"
    ),
    K.ORDER_NOT_FOUND: _o(
        ENG, MEDIUM, "check the account's id, endpoint and marketplaces in the settings"
    ),
    K.OVER_SHIPMENT: _o(OPS, MEDIUM, "confirm with GXO what physically left, then retry"),
    K.UNKNOWN_ORDER_LINE: _o(OPS, MEDIUM, "ask GXO to correct the dispatch, then retry"),
    K.CANCEL_TOO_LATE: _o(ECOM, LOW, "refund the buyer or handle the return on the channel"),
    K.SHIP_BY_AT_RISK: _o(OPS, MEDIUM, "chase GXO about the order's dispatch"),
    K.SHIP_BY_MISSED: _o(OPS, HIGH, "chase GXO; consider telling the buyer"),
    K.TRANSPARENCY_CODES_REQUIRED: _o(
        OPS, HIGH, "ship the line by hand with its codes entered in the channel, then retry"
    ),
    K.CHANNEL_LABEL_REQUIRED: _o(
        OPS, HIGH, "ship it on the channel's own label (its shipping service), then retry"
    ),
    K.ORDER_TOO_LARGE: _o(
        ECOM, MEDIUM, "split the order on the channel or ship it by hand, then retry"
    ),
    K.INVENTORY_PUSH_REJECTED: _o(
        ECOM, MEDIUM, "fix the listing or the skus mapping, then inventory sync-now --full"
    ),
    K.INVENTORY_SYNC_STALLED: _o(
        ECOM, MEDIUM, "read `consign inventory status`: fix the rejection or last error, sync-now"
    ),
    K.CAPTURE_FAILED: _o(
        FIN,
        HIGH,
        "check the order's payment in the channel, settle it with buyer or provider, retry",
    ),
    K.ITEM_NOT_LAUNCHED: _o(
        ECOM,
        MEDIUM,
        "see `consign products status`: fix a refused product at source; the order retries itself",
    ),
    K.RETURN_NOT_ARRIVED: _o(
        OPS, MEDIUM, "ask GXO and the buyer about the parcel; retry waits again, accept closes"
    ),
    K.RETURN_MISMATCH: _o(
        OPS, MEDIUM, "check GXO's receipt against the RMA; retry with --accept closes as received"
    ),
    K.UNMAPPED_DISPOSITION: _o(
        OPS, HIGH, "add the disposition to the policy table (docs/operations.md), then retry"
    ),
    K.REFUND_REFUSED: _o(
        FIN, HIGH, "read the refusal in the channel's payment history, settle it, then retry"
    ),
    K.SETTLEMENT_UNBALANCED: _o(
        FIN, MEDIUM, "compare the report with the channel's own copy; the next run tries it again"
    ),
    K.INVALID_CHANNEL_DATA: _o(
        ENG, HIGH, "read the worker's log for the field; fix the data or deploy a fix, then retry"
    ),
    K.INVALID_WAREHOUSE_DATA: _o(
        ENG, HIGH, "raise the message with GXO; deploy a fix if the contract changed, then retry"
    ),
    K.ACTIVITY_RETRYING: _o(
        ENG, LOW, "check the channel's or GXO's status and the worker's log; it clears by itself"
    ),
    K.UNEXPECTED_ERROR: _o(ENG, HIGH, "read the worker's log, deploy the fix, then retry"),
    K.DUPLICATE_TRACKING: _o(
        OPS, MEDIUM, "ask GXO: a repeat (retry) or a real parcel of its own (reinject)"
    ),
    K.QUANTITY_OUT_OF_RANGE: _o(
        ECOM, MEDIUM, "have a typo corrected or the order cancelled on the channel, then retry"
    ),
    K.DUPLICATE_ORDER_LINE: _o(
        ENG, MEDIUM, "have the order corrected on the channel or cancel it; report the defect"
    ),
}


class Check(StrEnum):
    """A Monitor finding that is no exception kind (its owner is in DEFAULT_CHECK_OWNERS)."""

    AWAITING_PAYMENT = "awaiting-payment"  # orders waiting for payment over the threshold
    UNMATCHED = "unmatched"  # warehouse events matched to no order
    INTAKE_STOPPED = "intake-stopped"  # an intake (or a settlement schedule) not running
    INTAKE_SILENT = "intake-silent"  # an intake with no successful poll for the threshold
    STOCK_STOPPED = "stock-stopped"  # an InventorySync not running
    STOCK_DRIFT = "stock-drift"  # SKUs the channel shows differently from what consign set
    STOCK_ERROR = "stock-error"  # an InventorySync's last cycle failed


DEFAULT_CHECK_OWNERS: dict[Check, Owner] = {
    Check.AWAITING_PAYMENT: _o(
        ECOM, MEDIUM, "release the hold or cancel the order in the channel's admin"
    ),
    Check.UNMATCHED: _o(
        OPS, MEDIUM, "consign unmatched list; find the order, ask GXO to correct it"
    ),
    Check.INTAKE_STOPPED: _o(
        ENG, HIGH, "start the workers (they start every intake), read the worker's log"
    ),
    Check.INTAKE_SILENT: _o(
        ENG, HIGH, "consign intakes; check the worker runs and the system it reads answers"
    ),
    Check.STOCK_STOPPED: _o(
        ENG, HIGH, "start the workers (they start every sync), read the worker's log"
    ),
    Check.STOCK_DRIFT: _o(
        ECOM, LOW, "read `consign inventory status`; inventory sync-now --full if it persists"
    ),
    Check.STOCK_ERROR: _o(
        ENG, HIGH, "read `consign inventory status` and the worker's log; fix, then sync-now"
    ),
}

OVERRIDE_COLUMNS = ("kind", "role", "severity", "first_step")


class OwnerOverrideError(ValueError):
    """An override file consign cannot use; the message names the line and the cell."""


def _member(enum: type[E], value: str, what: str, line: int) -> E:
    for member in enum:
        if member.value.lower() == value.strip().lower():
            return member
    valid = ", ".join(m.value for m in enum)
    raise OwnerOverrideError(f"line {line}: unknown {what} {value!r}; one of: {valid}")


def _rows(text: str) -> list[tuple[int, dict[str, str]]]:
    """The CSV's non-empty rows with their line numbers, after checking the header."""
    reader = csv.DictReader(io.StringIO(text))
    header = [name.strip() for name in reader.fieldnames or []]
    if "kind" not in header or not set(header) <= set(OVERRIDE_COLUMNS):
        raise OwnerOverrideError(
            f"line 1: expected the columns {', '.join(OVERRIDE_COLUMNS)} (kind required), "
            f"found {', '.join(header) or 'none'}"
        )
    found = []
    for row in reader:
        number = reader.line_num  # physical line: blank lines are skipped, not counted
        cells = {(k or "").strip(): (v or "").strip() for k, v in row.items()}
        if any(cells.values()):
            found.append((number, cells))
    return found


def _check_of(value: str) -> Check | None:
    return next((c for c in Check if c.value == value.strip().lower()), None)


def _applied(current: Owner, cells: dict[str, str], number: int) -> Owner:
    return Owner(
        role=_member(OwnerRole, cells["role"], "role", number)
        if cells.get("role")
        else current.role,
        severity=_member(Severity, cells["severity"], "severity", number)
        if cells.get("severity")
        else current.severity,
        first_step=cells.get("first_step") or current.first_step,
    )


def parse_overrides(
    text: str, table: dict[ExceptionKind, Owner] | None = None
) -> dict[ExceptionKind, Owner]:
    """The table with the CSV's kind rows applied over it (`DEFAULT_OWNERS` when none is
    given); rows naming a check are parse_check_overrides' business."""
    result = dict(DEFAULT_OWNERS if table is None else table)
    for number, cells in _rows(text):
        if _check_of(cells.get("kind", "")) is not None:
            continue
        kind = _member(ExceptionKind, cells.get("kind", ""), "kind", number)
        result[kind] = _applied(result[kind], cells, number)
    return result


def parse_check_overrides(text: str, table: dict[Check, Owner] | None = None) -> dict[Check, Owner]:
    """The check table with the CSV's check rows applied (the same file as the kinds')."""
    parse_overrides(text)  # one file, one validation: a bad kind row fails here too
    result = dict(DEFAULT_CHECK_OWNERS if table is None else table)
    for number, cells in _rows(text):
        check = _check_of(cells.get("kind", ""))
        if check is not None:
            result[check] = _applied(result[check], cells, number)
    return result


def markdown_table(table: dict[ExceptionKind, Owner]) -> str:
    """The table as docs/operations.md prints it: by role, then severity, then kind."""
    rows = sorted(
        table.items(), key=lambda item: (item[1].role.value, item[1].severity.rank, item[0].value)
    )
    lines = ["| kind | owner | severity | what they do first |", "|---|---|---|---|"]
    lines += [
        f"| `{kind.value}` | {owner.role.value} | {owner.severity.value} | {owner.first_step} |"
        for kind, owner in rows
    ]
    return "\n".join(lines) + "\n"


def check_table(table: dict[Check, Owner]) -> str:
    """The check table as docs/operations.md prints it, in Check's order."""
    lines = ["| finding | owner | severity | what they do first |", "|---|---|---|---|"]
    lines += [
        f"| `{check.value}` | {table[check].role.value} | {table[check].severity.value} | "
        f"{table[check].first_step} |"
        for check in Check
    ]
    return "\n".join(lines) + "\n"
