"""A workflow's contract: what code outside it relies on (its type name, input model, workflow
id, signal, query and update names). Each workflow module declares its `CONTRACT` beside the class;
tests/modules/test_workflow_contracts.py checks it against the definition Temporal reads.
Running workflows and stored histories hold all of these: never rename one."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from pydantic import BaseModel


@dataclass(frozen=True)
class WorkflowContract:
    workflow: type  # the @workflow.defn class
    name: str  # its workflow type name
    input: type[BaseModel]  # the single argument of its run method
    workflow_id: Callable[..., str]  # the id one instance runs under
    signals: frozenset[str]
    queries: frozenset[str]
    updates: frozenset[str] = frozenset()

    @classmethod
    def of(
        cls,
        workflow: type,
        name: str,
        input: type[BaseModel],
        workflow_id: Callable[..., str],
        *,
        signals: tuple[str, ...] = (),
        queries: tuple[str, ...] = (),
        updates: tuple[str, ...] = (),
    ) -> WorkflowContract:
        return cls(
            workflow,
            name,
            input,
            workflow_id,
            frozenset(signals),
            frozenset(queries),
            frozenset(updates),
        )
