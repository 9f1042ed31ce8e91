"""The harness's one direction of imports (docs/architecture.md, "The import rule").

Each package has a rank; a module may import from its own package and from
packages of a lower rank, never from a higher one nor from a sibling of the
same rank. Checked statically, on every import statement of every module
(function-level ones too; only ``if TYPE_CHECKING:`` blocks are exempt, as
they never run), so a wrong arrow fails here with its file and line before
it can make a cycle.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Bottom to top. Packages of the same rank must not import each other.
RANKS: dict[str, int] = {
    "harness.units": 0,
    "harness.config": 1,
    "harness.chain": 2,
    "harness.world": 3,
    "harness.model": 3,
    "invariants": 4,
    "harness.fuzz": 5,
    "harness.replay": 6,
    "harness.run": 7,
    "harness.bugzoo": 8,
    "harness.mutate": 8,
    # The report pages draw a replay (harness.replay) and a campaign's JSON document;
    # only the CLI writes them, so they sit beside bugzoo and mutate, importing neither.
    "harness.report": 8,
    "harness.cli": 9,
}


def _modules() -> list[str]:
    names = []
    for top in ("harness", "invariants"):
        for path in sorted((ROOT / top).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            names.append(".".join(parts))
    return names


MODULES = _modules()


def package_of(module: str) -> str | None:
    """The ranked package ``module`` belongs to (``harness.fuzz.steps`` → ``harness.fuzz``)."""
    for package in sorted(RANKS, key=len, reverse=True):
        if module == package or module.startswith(package + "."):
            return package
    return None


def _type_checking_lines(tree: ast.Module) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and ast.unparse(node.test).endswith("TYPE_CHECKING"):
            for child in node.body:
                lines.update(range(child.lineno, (child.end_lineno or child.lineno) + 1))
    return lines


def imports_of(module: str) -> list[tuple[int, str]]:
    """Every ``(line, imported module)`` of ``module``'s source that runs."""
    path = ROOT / Path(*module.split("."))
    path = path / "__init__.py" if path.is_dir() else path.with_suffix(".py")
    tree = ast.parse(path.read_text(), str(path))
    skipped = _type_checking_lines(tree)
    found = []
    for node in ast.walk(tree):
        if getattr(node, "lineno", None) in skipped:
            continue
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
            # `from harness.chain import backend` imports harness.chain.backend
            found += [(node.lineno, f"{node.module}.{a.name}") for a in node.names]
    return [
        (line, name)
        for line, name in found
        if name == "harness" or name.startswith(("harness.", "invariants"))
    ]


def violations(module: str, imports: list[tuple[int, str]]) -> list[str]:
    """What in ``imports`` runs against the direction, for ``module``."""
    own = package_of(module)
    if own is None:  # the root package, the front door: it may import anything
        return []
    out = []
    for line, name in imports:
        if name == "harness":
            out.append(f"{module}:{line} imports the root package; name the subpackage")
            continue
        target = package_of(name)
        if target is None or target == own:
            continue
        if RANKS[target] >= RANKS[own]:
            out.append(
                f"{module}:{line} imports {name}: {own} (rank {RANKS[own]}) may import only "
                f"from packages below it, and {target} has rank {RANKS[target]}"
            )
    return out


def test_every_module_belongs_to_a_ranked_package():
    unranked = [m for m in MODULES if package_of(m) is None and m != "harness"]
    assert unranked == []


@pytest.mark.parametrize("module", MODULES)
def test_imports_run_one_way(module):
    assert violations(module, imports_of(module)) == []


@pytest.mark.parametrize("module", MODULES)
def test_module_imports(module):
    importlib.import_module(module)


def test_the_check_catches_an_upward_import():
    bad = [(7, "harness.cli.display"), (9, "harness.world.oracle"), (11, "harness.units")]
    assert violations("harness.chain.protocol", bad) == [
        "harness.chain.protocol:7 imports harness.cli.display: harness.chain (rank 2) may "
        "import only from packages below it, and harness.cli has rank 9",
        "harness.chain.protocol:9 imports harness.world.oracle: harness.chain (rank 2) may "
        "import only from packages below it, and harness.world has rank 3",
    ]


def test_the_check_catches_a_sibling_import():
    assert violations("harness.model.economics", [(3, "harness.world.oracle")]) == [
        "harness.model.economics:3 imports harness.world.oracle: harness.model (rank 3) may "
        "import only from packages below it, and harness.world has rank 3"
    ]
