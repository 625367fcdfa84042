"""Same shape, values free: what "the sandbox answers like Centra's documented response" means."""

from __future__ import annotations

from typing import Any


def kind(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "list"
    if isinstance(value, dict):
        return "object"
    return "null"


def differences(documented: Any, ours: Any, path: str = "$") -> list[str]:
    """Where `ours` differs in shape from `documented`: the same keys in every object, the same
    JSON type in every value, a list where the docs show one (each element shaped like the
    documented ones). A documented null only says the field is nullable, so anything matches
    it; a documented value must not come back null."""
    if documented is None:
        return []
    if kind(ours) != kind(documented):
        return [f"{path}: documented {kind(documented)}, sandbox {kind(ours)}"]
    if isinstance(documented, dict):
        found = (
            [
                f"{path}: keys differ: missing {sorted(set(documented) - set(ours))}, "
                f"extra {sorted(set(ours) - set(documented))}"
            ]
            if set(documented) != set(ours)
            else []
        )
        for key in set(documented) & set(ours):
            found += differences(documented[key], ours[key], f"{path}.{key}")
        return found
    if isinstance(documented, list):
        if documented and not ours:
            return [f"{path}: documented a non-empty list, sandbox returned []"]
        found = []
        for index, item in enumerate(ours):
            model = documented[min(index, len(documented) - 1)] if documented else None
            found += differences(model, item, f"{path}[{index}]")
        return found
    return []
