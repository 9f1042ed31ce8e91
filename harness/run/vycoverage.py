"""Vyper line and branch coverage, as a coverage.py plugin built on titanoboa's.

Enable it with ``plugins = harness.run.vycoverage`` in a coverage configuration
(or ``Coverage.set_option("run:plugins", ["harness.run.vycoverage"])``), as
``boa.coverage`` is enabled; :func:`measuring` does that, and
:func:`contract_coverage` turns the data into per-file figures, for
``rpfuzz run --coverage``.

Why not ``boa.coverage`` as it is (titanoboa 0.2.8): its tracer reports each
executed AST node's whole line range, and an ``if`` node spans its body and
its ``else``, so evaluating a condition marks both branches' lines
executed; and the arcs coverage.py records from it are artefacts of the
order of program counters, so branch figures are wrong both ways. This
plugin keeps titanoboa's file reporter (which lines are statements, which
two arcs leave each ``if``) and replaces the tracer:

* **lines**: every node that ran counts for its own lines, except that an
  ``if`` or ``for`` counts only for its header and a function only for its
  ``def`` line (its entry and exit code);
* **not counted**: constants (their values are folded into the code that
  uses them) and ``pass``, for which no code runs; an external function
  whose body is only ``pass`` is left out of the functions entered;
* **branches**: the ``JUMPI`` that the compiler emits for an ``if`` jumps
  when the condition is false and falls through when it is true; each
  direction seen becomes the reporter's arc for it, ``(if line, first line
  of the body)`` or ``(if line, where the false case goes)``.

Each line range and each branch is reported once per computation, from a
Python frame of its own (:func:`_trace_line`, :func:`_trace_branch`), which
the tracer maps onto the Vyper file.
"""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import coverage
import coverage.plugin
import vyper.ast as vy_ast
from boa.coverage import TitanoboaReporter
from boa.environment import Env

PLUGIN = "harness.run.vycoverage"
JUMPI = 0x57


# --------------------------------------------------------------------------- tracing
def _line_range(node: Any) -> tuple[int, int]:
    """The source lines a node's code stands for (see the module docstring)."""
    if isinstance(node, vy_ast.If):
        return node.lineno, node.test.end_lineno or node.lineno
    if isinstance(node, vy_ast.For):
        return node.lineno, node.iter.end_lineno or node.lineno
    if isinstance(node, vy_ast.FunctionDef | vy_ast.Module):
        return node.lineno, node.lineno
    return node.lineno, node.end_lineno or node.lineno


def _trace_line(filename: str, span: tuple[int, int]) -> tuple[int, int]:
    """Called once per executed line range; coverage.py sees ``span`` of ``filename``."""
    return span


def _trace_branch(filename: str, source: int, target: int) -> int:
    """Called once per branch taken: two line events, so coverage.py records one arc."""
    line = source
    line = target
    return line


def _lines_of(fn: Any, marker: str) -> list[int]:
    """The lines of ``fn`` whose text is ``marker``."""
    lines, first = inspect.getsourcelines(fn)
    return [first + offset for offset, text in enumerate(lines) if text.strip() == marker]


_LINE_MARK = _lines_of(_trace_line, "return span")[0]
_BRANCH_SOURCE = _lines_of(_trace_branch, "line = source")[0]
_BRANCH_TARGET = _lines_of(_trace_branch, "line = target")[0]

# Per Vyper file: if line -> the reporter's arcs leaving it.
_ARCS: dict[str, dict[int, set[int]]] = {}


def _branch_targets(filename: str, node: Any) -> tuple[int, int] | None:
    """``(target when true, target when false)`` of an ``if``, as the reporter names them."""
    if filename not in _ARCS:
        arcs: dict[int, set[int]] = {}
        for source, target in TitanoboaReporter(filename).arcs():
            arcs.setdefault(source, set()).add(target)
        _ARCS[filename] = arcs
    targets = _ARCS[filename].get(node.lineno)
    if not targets:
        return None
    first = node.body[0]
    on_true = first.lineno
    if isinstance(first, vy_ast.Return) and first.value is None:
        # A bare return compiles to a jump to the function's exit (the def line).
        on_true = first.get_ancestor(vy_ast.FunctionDef).lineno
    others = targets - {on_true}
    on_false = min(others) if others else on_true
    return on_true, on_false


def _trace_computation(self: Env, computation: Any, contract: Any = None) -> None:
    """Replaces ``Env._trace_computation``: reports lines and branches of one computation."""
    if contract is not None and hasattr(contract, "source_map"):
        ast_map = contract.source_map["pc_raw_ast_map"]
        code = computation.code._raw_code_bytes
        trace = computation.code._trace
        lines: set[tuple[str, tuple[int, int]]] = set()
        branches: set[tuple[str, int, int]] = set()
        for i, pc in enumerate(trace):
            node = ast_map.get(pc)
            if node is None:
                continue
            filename = node.module_node.resolved_path
            lines.add((filename, _line_range(node)))
            if isinstance(node, vy_ast.If) and code[pc] == JUMPI and i + 1 < len(trace):
                targets = _branch_targets(filename, node)
                if targets is not None:
                    fell_through = trace[i + 1] == pc + 1
                    branches.add((filename, node.lineno, targets[0 if fell_through else 1]))
        for filename, span in lines:
            _trace_line(filename, span)
        for filename, source, target in branches:
            _trace_branch(filename, source, target)
    for child in computation.children:
        if child.msg.code_address == b"":
            continue
        self._trace_computation(child, self._lookup_contract_fast(child.msg.code_address))


_TRACED = {_trace_line.__code__, _trace_branch.__code__}


class _Tracer(coverage.plugin.FileTracer):
    def has_dynamic_source_filename(self) -> bool:
        return True

    def dynamic_source_filename(self, filename: str, frame: Any) -> str | None:
        if frame.f_code not in _TRACED:
            return None
        name = frame.f_locals.get("filename")
        return name if name and name.endswith(".vy") else None

    def line_number_range(self, frame: Any) -> tuple[int, int]:
        code, line = frame.f_code, frame.f_lineno
        if code is _trace_line.__code__ and line == _LINE_MARK:
            return frame.f_locals["span"]
        if code is _trace_branch.__code__ and line == _BRANCH_SOURCE:
            return frame.f_locals["source"], frame.f_locals["source"]
        if code is _trace_branch.__code__ and line == _BRANCH_TARGET:
            return frame.f_locals["target"], frame.f_locals["target"]
        return -1, -1


class VyperCoveragePlugin(coverage.plugin.CoveragePlugin):
    """Traces Vyper files through this module's frames; reports them with titanoboa's reporter."""

    def configure(self, config: Any) -> None:
        # Only this module's frames need tracing; coverage.py then skips the rest.
        config.get_option("run:source_pkgs").append(PLUGIN)

    def file_tracer(self, filename: str) -> coverage.plugin.FileTracer | None:
        if Path(filename).resolve() == Path(__file__).resolve():
            return _Tracer()
        return None

    def file_reporter(self, filename: str) -> coverage.plugin.FileReporter | None:
        if filename.endswith(".vy"):
            return TitanoboaReporter(filename)
        return None


_ORIGINAL = (Env._coverage_enabled, Env._trace_computation)


def coverage_init(registry: Any, options: dict[str, Any]) -> None:
    """coverage.py's entry point for ``plugins = harness.run.vycoverage``."""
    plugin = VyperCoveragePlugin()
    registry.add_file_tracer(plugin)
    registry.add_configurer(plugin)
    # On the class, as titanoboa does, so a reset environment keeps tracing.
    Env._coverage_enabled = True
    Env._trace_computation = _trace_computation


@contextlib.contextmanager
def measuring(data_file: str | Path) -> Iterator[coverage.Coverage]:
    """Measure Vyper coverage inside the block; the data is saved to ``data_file`` at the end.

    Branch coverage on, no configuration file read. On leaving, titanoboa's
    tracing is switched off again, so the rest of the process runs at full
    speed.
    """
    cov = coverage.Coverage(data_file=str(data_file), branch=True, config_file=False)
    cov.set_option("run:plugins", [PLUGIN])
    cov.start()
    try:
        yield cov
    finally:
        cov.stop()
        cov.save()
        Env._coverage_enabled, Env._trace_computation = _ORIGINAL


# --------------------------------------------------------------------------- reporting
@dataclass
class FileCoverage:
    """Line and branch coverage of one Vyper file, and its external functions never entered."""

    path: str
    lines: int
    lines_hit: int
    branches: int
    branches_hit: int
    missed_lines: list[int] = field(default_factory=list)
    missed_branches: list[tuple[int, int]] = field(default_factory=list)
    functions: list[str] = field(default_factory=list)
    functions_missed: list[str] = field(default_factory=list)

    @property
    def line_percent(self) -> float:
        return 100.0 * self.lines_hit / self.lines if self.lines else 100.0

    @property
    def branch_percent(self) -> float:
        return 100.0 * self.branches_hit / self.branches if self.branches else 100.0


def _external_functions(reporter: TitanoboaReporter) -> list[vy_ast.FunctionDef]:
    out = []
    for fn in reporter._ast.get_children(vy_ast.FunctionDef):
        names = {d.id for d in fn.decorator_list if isinstance(d, vy_ast.Name)}
        if "external" in names:
            out.append(fn)
    return out


def _codeless_lines(reporter: TitanoboaReporter) -> set[int]:
    """Lines titanoboa counts as statements although no code runs for them.

    A constant's value is folded into the code that uses it, and ``pass``
    compiles to nothing: neither can ever be seen executing.
    """
    out: set[int] = set()
    for node in reporter._ast.get_descendants(vy_ast.VariableDecl):
        if node.is_constant:
            out.update(range(node.lineno, (node.end_lineno or node.lineno) + 1))
    out.update(node.lineno for node in reporter._ast.get_descendants(vy_ast.Pass))
    return out


def file_coverage(
    path: str | Path, lines: Iterable[int], arcs: Iterable[tuple[int, int]]
) -> FileCoverage:
    """Figures for one file from the lines and arcs coverage.py recorded for it."""
    reporter = TitanoboaReporter(str(path))
    statements = set(reporter.lines()) - _codeless_lines(reporter)
    executed = set(lines) & statements
    possible = set(reporter.arcs())
    taken = set(arcs) & possible
    result = FileCoverage(
        path=str(path),
        lines=len(statements),
        lines_hit=len(executed),
        branches=len(possible),
        branches_hit=len(taken),
        missed_lines=sorted(statements - executed),
        missed_branches=sorted(possible - taken),
    )
    for fn in _external_functions(reporter):
        body = {n.lineno for stmt in fn.body for n in [stmt, *stmt.get_descendants()]}
        if not body & statements:
            # Only `pass` (say, a payable __default__): no code of its own to see run.
            continue
        result.functions.append(fn.name)
        if not body & executed:
            result.functions_missed.append(fn.name)
    return result


def contract_coverage(
    data_files: Iterable[str | Path], contracts_dir: str | Path
) -> list[FileCoverage]:
    """Per-file coverage of every ``.vy`` file directly in ``contracts_dir``, from data files.

    The data files (one per worker) are merged. Modules count as files of
    their own; mocks and interfaces are left out. Files no step reached are
    listed with nothing hit.
    """
    lines: dict[str, set[int]] = {}
    arcs: dict[str, set[tuple[int, int]]] = {}
    for data_file in data_files:
        data = coverage.CoverageData(basename=str(data_file))
        data.read()
        for name in data.measured_files():
            key = str(Path(name).resolve())
            lines.setdefault(key, set()).update(data.lines(name) or ())
            arcs.setdefault(key, set()).update(data.arcs(name) or ())
    out = []
    for path in sorted(Path(contracts_dir).resolve().glob("*.vy")):
        key = str(path)
        out.append(file_coverage(path, lines.get(key, ()), arcs.get(key, ())))
    return out
