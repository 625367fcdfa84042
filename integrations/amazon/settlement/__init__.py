"""The V2 settlement flat file (GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2): its bytes decoded
(gzip, charset), its numbers and dates read in the marketplace's local layouts, its rows checked
against the summary's total-amount. Facts: reference/amazon-sp-api/settlement.md."""

from integrations.amazon.settlement.document import decode_document
from integrations.amazon.settlement.errors import (
    SettlementFileError,
    SettlementTotalMismatch,
)
from integrations.amazon.settlement.flat_file import REPORT_TYPE, parse_settlement

__all__ = [
    "REPORT_TYPE",
    "SettlementFileError",
    "SettlementTotalMismatch",
    "decode_document",
    "parse_settlement",
]
