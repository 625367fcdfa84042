"""consign's GraphQL documents against Centra's documented schema (the vendored
reference/centra/schema-documented.graphql), with graphql-core directly: any validation error
fails, nothing is skipped."""

from __future__ import annotations

import graphql
import pytest

from integrations.centra import documents
from sandbox.reference import VENDORED

SCHEMA_FILE = VENDORED / "centra" / "schema-documented.graphql"


@pytest.fixture(scope="module")
def schema() -> graphql.GraphQLSchema:
    built = graphql.build_schema(SCHEMA_FILE.read_text())
    assert graphql.validate_schema(built) == []
    return built


def test_every_document_constant_is_listed() -> None:
    operations = {
        value
        for name, value in vars(documents).items()
        if name.isupper()
        and isinstance(value, str)
        and value.lstrip().startswith(("query", "mutation"))
    }
    assert operations == set(documents.ALL_DOCUMENTS.values())


def test_every_document_validates_against_the_documented_schema(
    schema: graphql.GraphQLSchema,
) -> None:
    problems = {
        name: [error.message for error in graphql.validate(schema, graphql.parse(text))]
        for name, text in documents.ALL_DOCUMENTS.items()
    }
    assert {name: errors for name, errors in problems.items() if errors} == {}


@pytest.mark.parametrize("name", sorted(documents.ALL_DOCUMENTS))
def test_one_named_operation_per_document(name: str) -> None:
    document = graphql.parse(documents.ALL_DOCUMENTS[name])
    operations = [d for d in document.definitions if isinstance(d, graphql.OperationDefinitionNode)]
    assert [op.name.value for op in operations if op.name] == [name]


@pytest.mark.parametrize("name", sorted(documents.ALL_DOCUMENTS))
def test_every_mutation_selects_user_errors_and_warnings(name: str) -> None:
    """The client checks userErrors and logs userWarnings on every payload (a failed capture of
    createShipment(capture: true) is only a userWarning)."""
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


def test_date_variables_are_datetimetz() -> None:
    """Typing date variables as String (or an unknown DateTime) is deprecated or invalid."""
    for name, text in documents.ALL_DOCUMENTS.items():
        operation = graphql.parse(text).definitions[0]
        assert isinstance(operation, graphql.OperationDefinitionNode)
        for variable in operation.variable_definitions or ():
            if "since" in variable.variable.name.value.lower():
                assert graphql.print_ast(variable.type).rstrip("!") == "DateTimeTz", name
