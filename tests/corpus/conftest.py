"""The corpus's fixtures, and the summary table printed at the end of the run: one row per
case (kind, surface, expected outcome, observed outcome, ok), so `pytest -q tests/corpus` shows
what every kind of bad input did, not only that the tests passed."""

from __future__ import annotations

from collections.abc import Generator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from _pytest.terminal import TerminalReporter
from sqlalchemy import Engine

from domain.mapping import FacilityRule
from sandbox.gxo.catalogue import UK_DAVENTRY
from tests.activities.conftest import dev_server as dev_server  # the shared dev server
from tests.activities.conftest import seeded_store
from tests.activities.conftest import unique as unique
from tests.corpus.cases import OBSERVED, Case, Corpus, Observed


@pytest.fixture
def corpus(request: pytest.FixtureRequest) -> Corpus:
    return Corpus(request.node)


@dataclass(frozen=True)
class Row:
    case: Case
    observed: Observed | None
    status: str


ROWS: list[Row] = []


def _status(report: pytest.TestReport) -> str:
    if hasattr(report, "wasxfail"):
        return "gap (xfail)"
    if report.failed and "XPASS(strict)" in str(report.longrepr):
        return "gap closed"
    return "ok" if report.passed else "FAILED"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, None]:
    outcome = yield
    report: pytest.TestReport = outcome.get_result()  # type: ignore[attr-defined]
    callspec = getattr(item, "callspec", None)
    case = callspec.params.get("case") if callspec is not None else None
    if not isinstance(case, Case):
        return
    if report.when == "call" or (report.when == "setup" and not report.passed):
        ROWS.append(Row(case, item.stash.get(OBSERVED, None), _status(report)))


def _cell(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text.ljust(width) if len(text) <= width else text[: width - 1] + "~"


def pytest_terminal_summary(terminalreporter: TerminalReporter) -> None:
    if not ROWS:
        return
    widths = (34, 28, 50, 12, 100)
    write = terminalreporter.write_line
    terminalreporter.write_sep("=", "bad-input corpus")
    header = ("kind", "surface", "expected outcome", "ok", "observed outcome")
    write("  ".join(_cell(h, w) for h, w in zip(header, widths, strict=True)).rstrip())
    for row in ROWS:
        observed = str(row.observed) if row.observed else "(none: the case failed first)"
        cells = (row.case.kind, row.case.surface, str(row.case.expect), row.status, observed)
        write("  ".join(_cell(c, w) for c, w in zip(cells, widths, strict=True)).rstrip())
    surfaces = len({row.case.surface for row in ROWS})
    statuses = dict.fromkeys(row.status for row in ROWS)
    tally = ", ".join(f"{sum(r.status == s for r in ROWS)} {s}" for s in statuses)
    write(f"{len(ROWS)} kinds of bad input on {surfaces} surfaces: {tally}")


@pytest.fixture
def store_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path}/corpus.db"


@pytest.fixture
def engine(store_url: str) -> Iterator[Engine]:
    """The sandbox's two mapped SKUs and Amazon's STANDARD service; routing for GB (domestic)
    and Norway (abroad, so customs data is needed) and nowhere else."""
    rules = [
        FacilityRule(facility_id=UK_DAVENTRY, destination_country=country, domestic_countries="GB")
        for country in ("GB", "NO")
    ]
    engine = seeded_store(store_url, rules)
    yield engine
    engine.dispose()
