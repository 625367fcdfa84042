"""The V2 flat-file parser against the authored sample and its variants: columns by name, the
summary row apart, local numbers, charsets and gzip, and the named refusals."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from integrations.amazon.settlement import (
    SettlementFileError,
    SettlementTotalMismatch,
    decode_document,
    parse_settlement,
)
from integrations.amazon.settlement.document import charset_of
from tests.settlements.samples import (
    authored_text,
    table,
    untable,
    with_cell,
    without_column,
)


def test_the_authored_sample_parses_and_sums_to_its_total() -> None:
    settlement = parse_settlement(authored_text())
    assert settlement.settlement_id == "24988110041"
    assert settlement.currency == "USD"
    assert settlement.total == Decimal("88.74")
    assert len(settlement.rows) == 38
    assert settlement.rows_sum() == Decimal("88.74")
    assert settlement.start == datetime(2026, 7, 2, 7, 14, 55, tzinfo=UTC)
    assert settlement.deposit_date == datetime(2026, 7, 18, 7, 14, 55, tzinfo=UTC)
    promotion = settlement.rows[14]
    assert promotion.line == 17
    assert promotion.amount_type == "Promotion"
    assert promotion.amount == Decimal("-5.00")
    assert promotion.promotion_id == "SUMMER-5OFF 1783002245512"
    assert promotion.posted_at == datetime(2026, 7, 6, 18, 47, 12, tzinfo=UTC)
    assert promotion.posted_date == "07/06/26"
    reserve = settlement.rows[-1]
    assert reserve.order_id is None
    assert reserve.amount_description == "Current Reserve Amount"


def test_a_file_without_promotion_id_parses() -> None:
    settlement = parse_settlement(without_column(authored_text(), "promotion-id"))
    assert settlement.total == Decimal("88.74")
    assert all(row.promotion_id is None for row in settlement.rows)


def test_columns_are_read_by_name_in_any_order_and_unknown_ones_kept() -> None:
    rows = table(authored_text())
    rows = [list(reversed(row)) for row in rows]
    rows[0].append("future-column")
    for row in rows[1:]:
        row.append("x")
    settlement = parse_settlement(untable(rows))
    assert settlement.total == Decimal("88.74")
    assert settlement.rows[0].sku == "MUG-BLU-12"
    assert settlement.rows[0].extra == {"future-column": "x"}


def test_fields_are_trimmed_and_crlf_read() -> None:
    text = with_cell(authored_text(), 3, "amount", "24.99    ").replace("\n", "\r\n")
    assert parse_settlement(text).rows[0].amount == Decimal("24.99")


def test_a_file_whose_rows_do_not_sum_names_the_difference() -> None:
    text = with_cell(authored_text(), 3, "amount", "24.90")
    with pytest.raises(SettlementTotalMismatch) as caught:
        parse_settlement(text)
    assert caught.value.difference == Decimal("0.09")
    assert caught.value.rows_sum == Decimal("88.65")
    assert "difference 0.09" in str(caught.value)
    assert caught.value.exception_kind is not None  # permanent: INVALID_CHANNEL_DATA


def test_a_missing_documented_column_is_refused() -> None:
    with pytest.raises(SettlementFileError, match=r"line 1: .*'quantity-purchased'"):
        parse_settlement(without_column(authored_text(), "quantity-purchased"))


def test_a_malformed_amount_names_its_line() -> None:
    with pytest.raises(SettlementFileError, match="line 5: amount"):
        parse_settlement(with_cell(authored_text(), 5, "amount", "2.0.6"))


def test_a_row_without_amount_type_is_refused() -> None:
    with pytest.raises(SettlementFileError, match=r"line 6: empty \['amount-type'\]"):
        parse_settlement(with_cell(authored_text(), 6, "amount-type", ""))


def test_no_summary_row_is_refused() -> None:
    rows = table(authored_text())
    with pytest.raises(SettlementFileError, match="no summary row"):
        parse_settlement(untable([rows[0], *rows[2:]]))


def test_a_truncated_file_is_a_mismatch() -> None:
    rows = table(authored_text())
    with pytest.raises(SettlementTotalMismatch):
        parse_settlement(untable(rows[:-3]))


def test_eu_amounts_with_decimal_comma_and_thousands() -> None:
    text = authored_text()
    rows = table(text)
    column = rows[0].index("amount")
    for row in rows[2:]:
        row[column] = row[column].replace(".", ",")
    rows[1][rows[0].index("total-amount")] = "88,74"
    assert parse_settlement(untable(rows)).total == Decimal("88.74")
    rows[2][column] = "1.024,99"
    rows[1][rows[0].index("total-amount")] = "1.088,74"
    settlement = parse_settlement(untable(rows))
    assert settlement.rows[0].amount == Decimal("1024.99")
    assert settlement.total == Decimal("1088.74")


def test_gzip_and_charsets() -> None:
    text = with_cell(authored_text(), 3, "sku", "MUG-CAFÉ")
    latin = text.encode("iso-8859-1")
    assert decode_document(gzip.compress(latin), compression="GZIP") == text
    assert decode_document(latin) == text  # no charset: ISO-8859-1
    utf8 = decode_document(text.encode("utf-8"), content_type="text/plain; charset=UTF-8")
    assert parse_settlement(utf8).rows[0].sku == "MUG-CAFÉ"
    japanese = with_cell(authored_text(), 3, "sku", "マグ")
    raw = japanese.encode("cp932")
    assert decode_document(raw, content_type="text/plain;charset=Windows-31J") == japanese
    # An HTTP client that already inflated a GZIP document: taken as it is.
    assert decode_document(latin, compression="GZIP") == text


def test_broken_documents_are_named() -> None:
    with pytest.raises(SettlementFileError, match="not valid gzip"):
        decode_document(b"\x1f\x8b\x08garbage", compression="GZIP")
    with pytest.raises(SettlementFileError, match="not valid utf-8"):
        decode_document(b"\xff\xfe", content_type="text/plain; charset=utf-8")
    with pytest.raises(SettlementFileError, match="unknown charset"):
        decode_document(b"x", content_type="text/plain; charset=klingon")
    with pytest.raises(SettlementFileError, match="empty"):
        parse_settlement("")


@pytest.mark.parametrize(
    ("content_type", "charset"),
    [
        (None, "iso-8859-1"),
        ("text/plain", "iso-8859-1"),
        ('text/plain; charset="UTF-8"', "utf-8"),
        ("text/tab-separated-values;charset=Windows-31J", "cp932"),
    ],
)
def test_charset_of(content_type: str | None, charset: str) -> None:
    assert charset_of(content_type) == charset
