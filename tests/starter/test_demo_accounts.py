"""The demo's second accounts (issue 9 §4): its accounts file is one consign accepts, and
each account's checks read its own GXO records, even where two accounts share an order id."""

from __future__ import annotations

from pathlib import Path

import pytest

from config import read_settings
from domain.order import OrderRef
from domain.warehouse import warehouse_reference
from integrations.registry import CHANNELS, WAREHOUSE, accounts, with_accounts
from starter.demo_accounts import SECOND_SELLER, SECOND_STORE, second_sandboxes, write_accounts_file
from starter.demo_parts import GxoRecords


def test_the_demo_accounts_file_is_accepted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandboxes = second_sandboxes({"amazon-de": 18701, "centra-us": 18703}, "http://hooks")
    for name, value in write_accounts_file(tmp_path, sandboxes).items():
        monkeypatch.setenv(name, value)

    settings = with_accounts(read_settings(CHANNELS, [WAREHOUSE]))

    added = {a.name: a for a in accounts(settings) if not a.default}
    assert set(added) == {f"amazon:{SECOND_SELLER}", f"centra:{SECOND_STORE}"}
    seller = added[f"amazon:{SECOND_SELLER}"].settings
    assert seller.endpoint == "http://127.0.0.1:18701"
    assert seller.marketplace_ids == ["A1PA6795UKMFR9"]
    assert added[f"centra:{SECOND_STORE}"].settings.base_url == "http://127.0.0.1:18703/graphql"


def test_each_account_reads_its_own_gxo_records_of_a_shared_order_id() -> None:
    first = warehouse_reference(OrderRef(channel="amazon", account="A1", order_id="202-1-1"))
    second = warehouse_reference(OrderRef(channel="amazon", account="A2", order_id="202-1-1"))
    assert first != second
    gxo = GxoRecords.by_order_id(
        injections={
            first: {"channel_order_id": "202-1-1", "created": 1},
            second: {"channel_order_id": "202-1-1", "created": 1},
        },
        orders=[
            {"reference": first, "channel_order_id": "202-1-1", "parcels": [{"id": "P1"}]},
            {"reference": second, "channel_order_id": "202-1-1", "parcels": []},
        ],
        cancels=[{"reference": second, "channel_order_id": "202-1-1", "outcome": "CANCELLED"}],
    )

    mine, theirs = gxo.of_account("amazon", "A1"), gxo.of_account("amazon", "A2")

    assert gxo.injections["202-1-1"]["created"] == 2  # all together: created twice
    assert mine.injections["202-1-1"]["created"] == 1
    assert theirs.injections["202-1-1"]["created"] == 1
    assert [len(mine.parcels("202-1-1")), len(theirs.parcels("202-1-1"))] == [1, 0]
    assert (mine.cancelled(), theirs.cancelled()) == (set(), {"202-1-1"})
