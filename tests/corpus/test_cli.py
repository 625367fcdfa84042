"""`consign` given arguments it cannot act on: a usage error (exit 2) or one line naming the
problem (exit 1), never a traceback, and the store left as it was (before: a store URL that is
not one, a driver that is not installed or a folder that cannot be made ended in a traceback)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from domain.setaside import SetAsideFeed, SetAsideReason, SetAsideRecord
from store.set_aside import keep_set_aside
from tests.corpus import cli
from tests.corpus.cases import Case, Corpus, Outcome, missing, rows

SURFACE = "CLI arguments"
STORE = "{store}"  # replaced by the case's store URL


def bad(kind: str, args: list[str], name: str, says: str) -> tuple[Case, list[str]]:
    return Case(kind, SURFACE, " ".join(args), Outcome(name, says)), args


ROWS = [
    bad(
        "cli-unknown-mapping-kind",
        ["mappings", "import", "widgets", "w.csv", "--database-url", STORE],
        "exit 2",
        "Invalid value for 'kind'",
    ),
    bad(
        "cli-unknown-stage",
        ["orders", "--stage", "SOON"],
        "exit 1",
        "unknown stage 'SOON'; one of: RECEIVED",
    ),
    bad(
        "cli-unknown-exception-kind",
        ["orders", "--exception", "OOPS"],
        "exit 1",
        "unknown exception kind 'OOPS'",
    ),
    bad(
        "cli-bare-order-id",
        ["order", "retry", "202-1234567-1234567"],
        "exit 1",
        "give the full workflow id",
    ),
    bad(
        "cli-short-workflow-id",
        ["order", "show", "order:amazon"],
        "exit 1",
        "'order:amazon' is not a workflow id",
    ),
    bad(
        "cli-no-such-record",
        ["set-aside", "show", "999", "--database-url", STORE],
        "exit 1",
        "no set-aside record 999",
    ),
    bad(
        "cli-record-id-not-a-number",
        ["set-aside", "show", "first", "--database-url", STORE],
        "exit 2",
        "Invalid value for 'entry_id'",
    ),
    bad(
        "cli-unknown-reason-filter",
        ["set-aside", "list", "--reason", "NOPE", "--database-url", STORE],
        "exit 2",
        "Invalid value for '--reason'",
    ),
    bad(
        "cli-blank-resolve-note",
        ["set-aside", "resolve", "1", "--note", "  ", "--database-url", STORE],
        "exit 1",
        "--note must say what was done",
    ),
    bad(
        "cli-store-url-not-a-url",
        ["set-aside", "list", "--database-url", "consign.db"],
        "exit 1",
        "the store URL (DATABASE_URL or --database-url) is not a URL",
    ),
    bad(
        "cli-store-driver-missing",
        ["set-aside", "list", "--database-url", "mysql://ops:pw@db/consign"],
        "exit 1",
        "no database driver for mysql (mysql://ops:***@db/consign)",
    ),
    bad(
        "cli-store-unreachable",
        ["set-aside", "list", "--database-url", "sqlite:///{blocked}/consign.db"],
        "exit 1",
        "cannot open the store at sqlite:///",
    ),
    bad(
        "cli-temporal-unreachable",
        ["orders", "--address", "127.0.0.1:1"],
        "exit 1",
        "cannot reach Temporal at 127.0.0.1:",
    ),
]


@rows("args", ROWS)
def test_arguments_consign_cannot_act_on_are_refused_cleanly(
    case: Case, args: list[str], engine: Engine, store_url: str, tmp_path: Path, corpus: Corpus
) -> None:
    keep_set_aside(
        engine,
        [
            SetAsideRecord(
                system="gxo",
                feed=SetAsideFeed.WAREHOUSE_EVENTS,
                scope="GXO-UK-DAV",
                record_id="EV-1",
                reason=SetAsideReason.UNKNOWN_KIND,
                detail="kind 'RETURNED' is not one consign knows",
                raw='{"event_id": "EV-1", "kind": "RETURNED"}',
            )
        ],
    )
    blocked = tmp_path / "a-file"  # a store "folder" that is a file: it cannot be made
    blocked.write_text("")
    values = {"store": store_url, "blocked": blocked}
    before = cli.store_contents(engine)

    observed = cli.run([arg.format(**values) for arg in args])

    observed.lost += missing("the store", before, cli.store_contents(engine))
    corpus.check(case, observed)
