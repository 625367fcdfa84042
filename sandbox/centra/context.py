"""Per-request execution context: who is calling, what their token may do, and which
permissions the response used (Centra reports them in extensions.permissionsUsed)."""

from __future__ import annotations

from dataclasses import dataclass, field

from graphql import GraphQLError, GraphQLResolveInfo

from sandbox.centra.state import CentraSandbox
from sandbox.faults import FaultInjector


@dataclass
class Context:
    sandbox: CentraSandbox
    token: str
    permissions: frozenset[str]
    faults: FaultInjector
    used: set[str] = field(default_factory=set)
    user_errors: int = 0

    def require(self, permission: str, action: str, *alternatives: str) -> None:
        """Fail this field (not the request) when the token lacks `permission` (or one of the
        older names it had, `alternatives`)."""
        for name in (permission, *alternatives):
            if name in self.permissions:
                self.used.add(name)
                return
        raise GraphQLError(
            f"You need {permission} permission to {action}",
            extensions={"category": "authorization"},
        )


def context_of(info: GraphQLResolveInfo) -> Context:
    ctx = info.context
    assert isinstance(ctx, Context)
    return ctx
