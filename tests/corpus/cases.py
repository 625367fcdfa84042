"""The corpus's rows: a kind of bad input, the surface it arrives on, the named outcome consign
must give it, and what the real code path gave.

A case passes when the observed outcome has the expected name, its message carries the words
the expectation names (a variable, a field, a reason), and nothing was lost: the good records
sent with the bad one flowed, and a bad one that was kept can be found where it was kept.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest

# Valid JSON's start, nested past what Python's parser can follow (RecursionError, not a
# ValueError): bad input any JSON reader meets.
NESTED_JSON = b"[" * 10_000


@dataclass(frozen=True)
class Outcome:
    """A named outcome: `name` is what a person or a sender acts on ("set aside UNKNOWN_KIND",
    "non-retryable UNMAPPED_SKU" (the kind an activity fails with and the order parks with),
    "parks OVER_SHIPMENT", "HTTP 401", "exit 1"); `says` are words its message must carry (the
    variable, the field, the limit)."""

    name: str
    says: str = ""

    def __str__(self) -> str:
        return f"{self.name} ({self.says})" if self.says else self.name


@dataclass
class Observed:
    """What the real code path did with the input. `lost` names anything that went missing:
    a good record that did not flow, a kept record that cannot be found."""

    name: str
    message: str = ""
    lost: list[str] = field(default_factory=list)

    def meets(self, expected: Outcome) -> bool:
        return self.name == expected.name and expected.says in self.message and not self.lost

    def __str__(self) -> str:
        text = f"{self.name}: {self.message}" if self.message else self.name
        return text + (f" LOST {'; '.join(self.lost)}" if self.lost else "")


@dataclass(frozen=True)
class Case:
    kind: str  # unique across the corpus
    surface: str
    bad_input: str  # in words
    expect: Outcome
    # Why the code has no named outcome for this input yet: the case runs as xfail(strict),
    # so it fails the suite the day the gap is closed and the mark is not removed.
    gap: str | None = None

    def marks(self) -> list[pytest.MarkDecorator]:
        return [pytest.mark.xfail(strict=True, reason=self.gap)] if self.gap else []


OBSERVED = pytest.StashKey[Observed]()


class Corpus:
    """What a case hands back: its observed outcome is kept for the table, then checked."""

    def __init__(self, item: pytest.Item) -> None:
        self.item = item

    def check(self, case: Case, observed: Observed) -> None:
        self.item.stash[OBSERVED] = observed
        assert observed.name == case.expect.name, f"expected {case.expect}, got {observed}"
        assert case.expect.says in observed.message, f"expected {case.expect}, got {observed}"
        assert not observed.lost, f"lost: {observed.lost}"


def rows(argument: str, table: Sequence[tuple[Case, Any]]) -> pytest.MarkDecorator:
    """Run the test once per (case, input) row of `table`, `argument` naming the input; each
    run is named by its kind and marked xfail(strict) when its case names a gap."""
    kinds = [case.kind for case, _ in table]
    assert len(kinds) == len(set(kinds)), "corpus kinds must be unique"
    runs = [pytest.param(case, given, id=case.kind, marks=case.marks()) for case, given in table]
    return pytest.mark.parametrize(("case", argument), runs)


def one(case: Case) -> pytest.MarkDecorator:
    """Run the test for one case."""
    return pytest.mark.parametrize("case", [pytest.param(case, id=case.kind, marks=case.marks())])


def missing(what: str, expected: object, found: object) -> list[str]:
    """`[]` when `found == expected`, else one line saying what was lost."""
    return [] if found == expected else [f"{what}: expected {expected!r}, found {found!r}"]
