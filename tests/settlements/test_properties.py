"""Properties over generated settlements: every file the sandbox writes parses, its rows sum
to its total in either number layout, and the attribution puts every cent somewhere."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.settlement_attribution import attribute
from integrations.amazon.settlement import parse_settlement
from sandbox.amazon.settlement_file import AmountRow, render
from tests.settlements.generated import START, settlement_rows


def _file(rows: list[AmountRow], decimal_comma: bool, grouped: bool) -> str:
    end = START + timedelta(days=14)
    return render(
        "24988110041",
        START,
        end,
        end + timedelta(days=2),
        "EUR" if decimal_comma else "USD",
        rows,
        decimal_comma=decimal_comma,
        grouped=grouped,
    )


@settings(max_examples=150, deadline=None)
@given(settlement_rows, st.booleans(), st.booleans())
def test_generated_settlements_parse_and_sum(
    rows: list[AmountRow], decimal_comma: bool, grouped: bool
) -> None:
    settlement = parse_settlement(_file(rows, decimal_comma, grouped))
    assert [row.amount for row in settlement.rows] == [row.amount for row in rows]
    assert settlement.rows_sum() == settlement.total == sum(row.amount for row in rows)
    assert [row.transaction_type for row in settlement.rows] == [
        row.transaction_type for row in rows
    ]


@settings(max_examples=150, deadline=None)
@given(settlement_rows, st.booleans())
def test_attributed_amounts_always_sum_to_the_deposit(
    rows: list[AmountRow], decimal_comma: bool
) -> None:
    attribution = attribute(parse_settlement(_file(rows, decimal_comma, False)))
    assert attribution.attributed == attribution.deposit
    assert sum(attribution.by_kind().values()) == attribution.deposit
    lines = [line for order in attribution.orders for line in order.rows]
    lines += [line.line for line in attribution.account_lines]
    assert sorted(lines) == list(range(3, 3 + len(rows)))  # each row exactly once
