"""The shape comparison itself must be able to fail, or the examples test proves nothing."""

from __future__ import annotations

from tests.contracts.centra.shapes import differences


def test_equal_shapes_with_other_values_pass() -> None:
    documented = {"a": 1, "b": "x", "c": [{"d": True}], "e": None}
    assert (
        differences(documented, {"a": 2.5, "b": "y", "c": [{"d": False}, {"d": True}], "e": 3})
        == []
    )


def test_missing_and_extra_keys_are_named() -> None:
    [problem] = differences({"a": 1, "b": 2}, {"a": 1, "c": 2})
    assert "missing ['b']" in problem and "extra ['c']" in problem


def test_types_nulls_and_empty_lists_are_differences() -> None:
    assert differences({"a": 1}, {"a": "1"}) == ["$.a: documented number, sandbox string"]
    assert differences({"a": {"b": 1}}, {"a": None}) == ["$.a: documented object, sandbox null"]
    assert differences({"a": [1]}, {"a": []}) == [
        "$.a: documented a non-empty list, sandbox returned []"
    ]
    assert differences({"a": [{"b": 1}]}, {"a": [{"b": 1}, {"c": 1}]})  # every element checked
    assert differences({"a": True}, {"a": 1}) == ["$.a: documented boolean, sandbox number"]
