"""The contract: every document the client sends parses and validates against the schema
subset with Centra's names (sandbox/centra/schema.graphql)."""

from __future__ import annotations

from pathlib import Path

import graphql
import pytest

from integrations.centra import documents

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "sandbox" / "centra" / "schema.graphql"


@pytest.fixture(scope="module")
def schema() -> graphql.GraphQLSchema:
    return graphql.build_schema(SCHEMA_FILE.read_text())


def test_every_module_constant_is_listed() -> None:
    operations = {
        value
        for name, value in vars(documents).items()
        if name.isupper()
        and isinstance(value, str)
        and value.lstrip().startswith(("query", "mutation"))
    }
    assert operations == set(documents.ALL_DOCUMENTS.values())


@pytest.mark.parametrize("name", sorted(documents.ALL_DOCUMENTS))
def test_document_validates_against_the_schema(schema: graphql.GraphQLSchema, name: str) -> None:
    document = graphql.parse(documents.ALL_DOCUMENTS[name])
    assert graphql.validate(schema, document) == []
    operations = [d for d in document.definitions if isinstance(d, graphql.OperationDefinitionNode)]
    assert [op.name.value for op in operations if op.name] == [name]


@pytest.mark.parametrize("name", sorted(documents.ALL_DOCUMENTS))
def test_every_mutation_selects_user_errors_and_warnings(name: str) -> None:
    """The client checks userErrors on every payload: each mutation must ask for them."""
    operation = graphql.parse(documents.ALL_DOCUMENTS[name]).definitions[0]
    assert isinstance(operation, graphql.OperationDefinitionNode)
    if operation.operation is not graphql.OperationType.MUTATION:
        return
    for root in operation.selection_set.selections:
        assert isinstance(root, graphql.FieldNode) and root.selection_set is not None
        selected = {
            f.name.value for f in root.selection_set.selections if isinstance(f, graphql.FieldNode)
        }
        assert {"userErrors", "userWarnings"} <= selected
