"""A settlement file consign will not store: it cannot be read, or its rows do not add up to
the deposit. Both are AmazonBadResponse (INVALID_CHANNEL_DATA): the same file fails every retry,
and a person must look at it. Messages name lines and columns, never values of personal data
(a settlement file holds none, but the rule is the same everywhere)."""

from __future__ import annotations

from decimal import Decimal

from domain.exceptions import ExceptionKind
from integrations.amazon.errors import AmazonBadResponse

OPERATION = "settlement.parse"


class SettlementFileError(AmazonBadResponse):
    """The file's shape is wrong: a documented column is missing, no summary row, a number or a
    quantity that cannot be read. `line` is the 1-based line, when one is to blame."""

    def __init__(self, message: str, *, line: int | None = None) -> None:
        where = f"line {line}: " if line is not None else ""
        super().__init__(OPERATION, f"{where}{message}")
        self.line = line


class SettlementTotalMismatch(SettlementFileError):
    """The amount rows do not sum to the summary's total-amount. Amazon's files always do
    (checked on real files), so the file is truncated or was read wrongly: never store it.
    Its own kind, so the intake names it (SETTLEMENT_UNBALANCED) apart from unreadable files."""

    permanent_kind = ExceptionKind.SETTLEMENT_UNBALANCED

    def __init__(self, settlement_id: str, total: Decimal, rows_sum: Decimal) -> None:
        self.settlement_id = settlement_id
        self.total = total
        self.rows_sum = rows_sum
        self.difference = total - rows_sum
        super().__init__(
            f"settlement {settlement_id}: rows sum to {rows_sum}, total-amount is {total} "
            f"(difference {self.difference})"
        )
