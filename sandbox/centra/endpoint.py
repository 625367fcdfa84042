"""POST /graphql: authenticate, parse and validate, charge the rate-limit buckets, execute.

Syntax and validation errors are answered HTTP 200 with errors[] (the usual GraphQL-over-HTTP
behaviour for application/json; Centra's facts only name 401 and 429 as HTTP-level failures).
A body that is not a JSON object with a `query` string is a 400."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, BackgroundTasks, Request, Response
from graphql import (
    DocumentNode,
    ExecutionResult,
    GraphQLError,
    OperationDefinitionNode,
    OperationType,
    Visitor,
    execute,
    get_operation_ast,
    parse,
    validate,
    visit,
)

from sandbox.centra.context import Context
from sandbox.centra.errors import error_response
from sandbox.centra.ratelimits import COMPLEXITY, MUTATIONS, REQUESTS
from sandbox.centra.resolvers import schema_with_resolvers
from sandbox.centra.state import CentraSandbox
from sandbox.faults import FaultInjector, json_error


class _FieldCounter(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.fields = 0

    def enter_field(self, *_args: object) -> None:
        self.fields += 1


def complexity(document: DocumentNode) -> int:
    """Approximate query complexity: the number of selected fields."""
    counter = _FieldCounter()
    visit(document, counter)
    return counter.fields


def mutation_count(operation: OperationDefinitionNode | None) -> int:
    if operation is None or operation.operation is not OperationType.MUTATION:
        return 0
    return len(operation.selection_set.selections)


def _body(raw: bytes) -> dict[str, Any] | None:
    try:
        body = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(body, dict) or not isinstance(body.get("query"), str):
        return None
    variables = body.get("variables")
    if variables is not None and not isinstance(variables, dict):
        return None
    return body


def _answer(result: ExecutionResult, ctx: Context | None) -> dict[str, Any]:
    """A request that never executed (syntax or validation errors) has no `data` key."""
    out: dict[str, Any] = {"data": result.data} if ctx is not None else {}
    if result.errors:
        out["errors"] = [error.formatted for error in result.errors]
    out["extensions"] = {"permissionsUsed": sorted(ctx.used) if ctx else []}
    return out


def router(sandbox: CentraSandbox, faults: FaultInjector) -> APIRouter:
    api = APIRouter()
    schema = schema_with_resolvers()

    @api.post("/graphql")
    async def graphql_endpoint(request: Request, background: BackgroundTasks) -> Response:
        sandbox.count("calls")
        body = _body(await request.body())
        if body is None:
            return json_error(400, {"errors": [{"message": "Expected a JSON object with query"}]})
        access = sandbox.tokens.permissions(request.headers.get("authorization"))
        if access is None:
            sandbox.count("unauthorized")
            return error_response(401)
        token, permissions = access
        document: DocumentNode | None
        errors: list[GraphQLError]
        try:
            parsed = parse(body["query"])
        except GraphQLError as exc:
            document, errors = None, [exc]
        else:
            document, errors = parsed, list(validate(schema, parsed))
        operation = (
            get_operation_ast(document, body.get("operationName"))
            if document is not None and not errors
            else None
        )
        costs = {
            REQUESTS: 1,
            COMPLEXITY: complexity(document) if document is not None and not errors else 0,
            MUTATIONS: mutation_count(operation),
        }
        with sandbox.lock:
            retry_after = sandbox.limits.admit(token, costs)
        if retry_after is not None:
            sandbox.count("throttled")
            return error_response(429, retry_after)
        if errors or document is None:
            return json_error(200, _answer(ExecutionResult(None, errors), None))
        sandbox.count("mutations", costs[MUTATIONS])
        ctx = Context(sandbox, token, permissions, faults)
        result = execute(
            schema,
            document,
            context_value=ctx,
            variable_values=body.get("variables"),
            operation_name=body.get("operationName"),
        )
        assert isinstance(result, ExecutionResult)  # every resolver is synchronous
        sandbox.count("userErrors", ctx.user_errors)
        background.add_task(sandbox.deliver_webhooks)
        return json_error(200, _answer(result, ctx))

    return api
