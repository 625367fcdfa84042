"""The JSON examples of docs/gxo-interface.md are bodies of the committed contract: each one
marked `<!-- wire: Name -->` must validate as that definition."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.contracts.gxo.schema import problems

DOC = Path(__file__).resolve().parents[3] / "docs" / "gxo-interface.md"
EXAMPLE = re.compile(r"<!-- wire: (\w+) -->\n```json\n(.*?)\n```", re.DOTALL)
EXAMPLES = [(name, body) for name, body in EXAMPLE.findall(DOC.read_text())]


def test_the_page_shows_an_example_of_every_main_body() -> None:
    shown = {name for name, _ in EXAMPLES}
    assert shown >= {
        "OrderRequest",
        "ErrorBody",
        "OrderState",
        "Event",
        "InventorySnapshot",
        "StockChangePage",
    }


@pytest.mark.parametrize(("name", "body"), EXAMPLES, ids=[name for name, _ in EXAMPLES])
def test_an_example_is_a_valid_body(name: str, body: str) -> None:
    assert problems(name, json.loads(body)) == []
