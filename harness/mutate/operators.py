"""The mutant generator: small, single-site edits of a contract, found on Vyper's own AST.

Every mutant is a replacement of one span of a contract's source text: the span
is located by the AST node it mutates (``lineno``/``col_offset`` ..
``end_lineno``/``end_col_offset``, which Vyper's parser already maps back
through its pre-parser's rewrites), never by pattern-matching the text, so
comments, docstrings and strings cannot produce mutants. Where a node's span
covers more than the token to change (a comparison's operator sits between its
two operands), the token is looked up in the text between the operands only.

What is mutated (:data:`OPERATORS`):

``comparison-flip``     ``<``↔``>=``, ``>``↔``<=``, ``==``↔``!=``
``boundary-shift``      ``<``↔``<=``, ``>``↔``>=``
``assert-drop``         an ``assert`` statement becomes ``pass``
``arith-swap``          ``+``↔``-``, ``*``↔``//``, ``+=``↔``-=``
``storage-write-drop``  an assignment to ``self.x`` (``self.x[k]``, ``self.x.f``) becomes ``pass``
``bool-flip``           ``True``↔``False``; ``not X`` becomes ``X``
``constant-off-by-one`` an integer literal ``N`` becomes ``N+1`` (index 0) and, for ``N>0``,
                        ``N-1`` (index 1)
``nonreentrant-drop``   a ``@nonreentrant`` decorator line, or the ``# pragma nonreentrancy on``
                        line, is removed
``sender-swap``         ``msg.sender`` in an ``assert``'s test becomes ``tx.origin``

Never mutated: interface, event, struct and flag definitions, docstrings,
imports and ``implements``/``uses``/``initializes``/``exports`` declarations,
type annotations (of state variables, locals, arguments, returns and loop
variables), type expressions in calls (``empty(DynArray[uint256, 8])``:
``DynArray``/``Bytes``/``String``/``HashMap`` subscripts) and a ``range``'s
static ``bound=``. Hex literals (addresses, selectors) and the base of a power
(``10`` in ``10**18``; its exponent is mutated) are left alone too.
"""

from __future__ import annotations

import bisect
import io
import random
import tokenize
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from vyper.ast import nodes as vy
from vyper.ast import parse_to_ast

OPERATORS: tuple[str, ...] = (
    "comparison-flip",
    "boundary-shift",
    "assert-drop",
    "arith-swap",
    "storage-write-drop",
    "bool-flip",
    "constant-off-by-one",
    "nonreentrant-drop",
    "sender-swap",
)


@dataclass(frozen=True)
class Mutant:
    """One edit of one contract: ``source[start:end]`` (== ``original``) becomes ``replacement``."""

    file: str  # path relative to the contracts dir, e.g. "RocketDepositPool.vy"
    line: int  # 1-based line where the replaced text begins
    operator: str  # one of OPERATORS
    start: int  # character offset of the replaced text in the file's source
    end: int  # one past its end
    original: str  # source[start:end]
    replacement: str  # "" only for a removed line (nonreentrant-drop)
    index: int = 0  # tells apart several mutants of one operator on one line

    @property
    def id(self) -> str:
        """Stable name, e.g. ``RocketDepositPool.vy:123:comparison-flip:0``."""
        return f"{self.file}:{self.line}:{self.operator}:{self.index}"

    def apply(self, source: str) -> str:
        """``source`` with this mutation made; ValueError if it is not the text mutated."""
        if source[self.start : self.end] != self.original:
            raise ValueError(
                f"{self.id}: expected {self.original!r} at {self.start}:{self.end}, "
                f"found {source[self.start : self.end]!r} (source changed since generation?)"
            )
        return source[: self.start] + self.replacement + source[self.end :]

    def diff(self, source: str) -> tuple[str, str]:
        """(original, mutated) text of the lines the mutation touches, each on one line.

        For a mutation within one line that is that line, stripped; a
        multi-line span's lines are stripped and joined with single spaces.
        """
        mutated = self.apply(source)
        first = source.rfind("\n", 0, self.start) + 1
        # the span's last character, not its end: a removed line ends in its newline
        last = max(self.start, self.end - 1)
        stop = source.find("\n", last)
        stop = len(source) if stop == -1 else stop
        if self.original.endswith("\n"):
            stop = self.end - 1
        delta = len(self.replacement) - (self.end - self.start)
        return _one_line(source[first:stop]), _one_line(mutated[first : stop + delta])


def _one_line(text: str) -> str:
    return " ".join(part.strip() for part in text.split("\n") if part.strip())


# ---------------------------------------------------------------------------
# offsets


class _Text:
    """A source text, with (line, column) of Vyper's AST turned into character offsets."""

    def __init__(self, source: str):
        self.source = source
        self.line_starts = [0]
        for number, char in enumerate(source):
            if char == "\n":
                self.line_starts.append(number + 1)

    def offset(self, lineno: int, col: int) -> int:
        # The column is CPython's: a count of UTF-8 bytes into the line. Vyper
        # allows non-ASCII only in comments, which end their line, but a column
        # is a byte count all the same.
        start = self.line_starts[lineno - 1]
        line_end = self.source.find("\n", start)
        line = self.source[start : len(self.source) if line_end == -1 else line_end]
        if line.isascii():
            return start + col
        return start + len(line.encode()[:col].decode())

    def span(self, node: vy.VyperNode) -> tuple[int, int]:
        return (
            self.offset(node.lineno, node.col_offset),
            self.offset(node.end_lineno, node.end_col_offset),
        )

    def line_of(self, offset: int) -> int:
        return bisect.bisect_right(self.line_starts, offset)

    def whole_line(self, offset: int) -> tuple[int, int]:
        """Span of the line holding ``offset``, its newline included."""
        line = self.line_of(offset)
        start = self.line_starts[line - 1]
        end = self.line_starts[line] if line < len(self.line_starts) else len(self.source)
        return start, end

    def find_operator(self, lo: int, hi: int, symbol: str) -> int:
        """Offset of operator ``symbol`` in ``source[lo:hi]`` (the gap between two operands).

        The gap holds only whitespace, parentheses, line continuations,
        comments and the operator itself.
        """
        i = lo
        while i < hi:
            char = self.source[i]
            if char == "#":
                newline = self.source.find("\n", i, hi)
                i = hi if newline == -1 else newline
                continue
            if self.source.startswith(symbol, i):
                return i
            i += 1
        raise ValueError(f"operator {symbol!r} not found between offsets {lo} and {hi}")


# ---------------------------------------------------------------------------
# the AST walk

_COMPARE_SYMBOL = {vy.Lt: "<", vy.LtE: "<=", vy.Gt: ">", vy.GtE: ">=", vy.Eq: "==", vy.NotEq: "!="}
_COMPARE_FLIP = {"<": ">=", ">=": "<", ">": "<=", "<=": ">", "==": "!=", "!=": "=="}
_BOUNDARY_SHIFT = {"<": "<=", "<=": "<", ">": ">=", ">=": ">"}
_BINOP_SYMBOL = {vy.Add: "+", vy.Sub: "-", vy.Mult: "*", vy.FloorDiv: "//"}
_ARITH_SWAP = {"+": "-", "-": "+", "*": "//", "//": "*"}

# Whole definitions without executable code.
_SKIPPED_NODES = (
    vy.InterfaceDef,
    vy.EventDef,
    vy.StructDef,
    vy.FlagDef,
    vy.DocStr,
    vy._ImportStmt,
    vy.ImplementsDecl,
    vy.UsesDecl,
    vy.InitializesDecl,
    vy.ExportsDecl,
)
# Fields holding types, docstrings or decorators (decorators are handled on their own).
_SKIPPED_FIELDS = frozenset({"annotation", "returns", "decorator_list", "doc_string"})
# Subscripts that are type expressions, e.g. in empty(DynArray[uint256, 8]).
_TYPE_CONSTRUCTORS = frozenset({"DynArray", "Bytes", "String", "HashMap"})


@dataclass(frozen=True)
class _Site:
    operator: str
    start: int
    end: int
    replacement: str


def _children(node: vy.VyperNode) -> Iterator[vy.VyperNode]:
    for field in sorted(node.get_fields() - _SKIPPED_FIELDS):
        value = getattr(node, field, None)
        for child in value if isinstance(value, list) else [value]:
            if isinstance(child, vy.VyperNode):
                yield child


def _is_type_expression(node: vy.VyperNode) -> bool:
    return (
        isinstance(node, vy.Subscript)
        and isinstance(node.value, vy.Name)
        and node.value.id in _TYPE_CONSTRUCTORS
    )


def _is_range_bound(node: vy.VyperNode) -> bool:
    if not (isinstance(node, vy.keyword) and node.arg == "bound"):
        return False
    call = node.get_ancestor(vy.Call)
    return isinstance(call.func, vy.Name) and call.func.id == "range"


def _writes_storage(target: vy.VyperNode) -> bool:
    """Whether ``target`` is ``self.x``, or an element or member of it."""
    node = target
    while isinstance(node, (vy.Subscript, vy.Attribute)):
        if isinstance(node, vy.Attribute) and isinstance(node.value, vy.Name):
            return node.value.id == "self"
        node = node.value
    return False


def _is_power_base(node: vy.Int) -> bool:
    """``10`` in ``10**18``: the exponent's mutants already move the scale."""
    parent = node.parent
    return isinstance(parent, vy.BinOp) and isinstance(parent.op, vy.Pow) and parent.left is node


def _is_msg_sender(node: vy.VyperNode) -> bool:
    return (
        isinstance(node, vy.Attribute)
        and node.attr == "sender"
        and isinstance(node.value, vy.Name)
        and node.value.id == "msg"
    )


def _sites_of(node: vy.VyperNode, text: _Text) -> Iterator[_Site]:
    """Mutation sites of ``node`` itself (not of its children)."""
    source = text.source

    if isinstance(node, vy.Compare) and type(node.op) in _COMPARE_SYMBOL:
        symbol = _COMPARE_SYMBOL[type(node.op)]
        at = text.find_operator(text.span(node.left)[1], text.span(node.right)[0], symbol)
        yield _Site("comparison-flip", at, at + len(symbol), _COMPARE_FLIP[symbol])
        if symbol in _BOUNDARY_SHIFT:
            yield _Site("boundary-shift", at, at + len(symbol), _BOUNDARY_SHIFT[symbol])

    elif isinstance(node, vy.BinOp) and type(node.op) in _BINOP_SYMBOL:
        symbol = _BINOP_SYMBOL[type(node.op)]
        at = text.find_operator(text.span(node.left)[1], text.span(node.right)[0], symbol)
        yield _Site("arith-swap", at, at + len(symbol), _ARITH_SWAP[symbol])

    elif isinstance(node, vy.AugAssign):
        if _writes_storage(node.target):
            yield _Site("storage-write-drop", *text.span(node), "pass")
        if type(node.op) in (vy.Add, vy.Sub):
            symbol = _BINOP_SYMBOL[type(node.op)] + "="
            at = text.find_operator(text.span(node.target)[1], text.span(node.value)[0], symbol)
            yield _Site("arith-swap", at, at + 2, _ARITH_SWAP[symbol[0]] + "=")

    elif isinstance(node, vy.Assign) and _writes_storage(node.target):
        yield _Site("storage-write-drop", *text.span(node), "pass")

    elif isinstance(node, vy.Assert):
        yield _Site("assert-drop", *text.span(node), "pass")
        for sender in node.test.get_descendants(vy.Attribute, include_self=True):
            if _is_msg_sender(sender):
                yield _Site("sender-swap", *text.span(sender), "tx.origin")

    elif isinstance(node, vy.NameConstant) and isinstance(node.value, bool):
        yield _Site("bool-flip", *text.span(node), str(not node.value))

    elif isinstance(node, vy.UnaryOp) and isinstance(node.op, vy.Not):
        start, end = text.span(node)
        assert source.startswith("not", start), source[start:end]
        operand = start + len("not")
        while source[operand] in " \t\\\n":
            operand += 1
        yield _Site("bool-flip", start, end, source[operand:end])

    elif isinstance(node, vy.Int) and not _is_power_base(node):
        start, end = text.span(node)
        yield _Site("constant-off-by-one", start, end, str(node.value + 1))
        if node.value > 0:
            yield _Site("constant-off-by-one", start, end, str(node.value - 1))

    elif isinstance(node, vy.FunctionDef):
        for decorator in node.decorator_list:
            name = decorator.func if isinstance(decorator, vy.Call) else decorator
            if isinstance(name, vy.Name) and name.id == "nonreentrant":
                yield _Site("nonreentrant-drop", *text.whole_line(text.span(decorator)[0]), "")


def _walk(node: vy.VyperNode, text: _Text) -> Iterator[_Site]:
    if isinstance(node, _SKIPPED_NODES) or _is_type_expression(node) or _is_range_bound(node):
        return
    yield from _sites_of(node, text)
    for child in _children(node):
        yield from _walk(child, text)


def _pragma_sites(module: vy.Module, text: _Text) -> Iterator[_Site]:
    """The ``# pragma nonreentrancy on`` line, when the file has it."""
    if not module.settings.nonreentrancy_by_default:
        return
    for token in tokenize.generate_tokens(io.StringIO(text.source).readline):
        if token.type != tokenize.COMMENT:
            continue
        words = token.string[1:].split()
        if words == ["pragma", "nonreentrancy", "on"]:
            start = text.offset(token.start[0], 0)
            yield _Site("nonreentrant-drop", *text.whole_line(start), "")


# ---------------------------------------------------------------------------
# the public API


def mutants_of(file: str, source: str) -> list[Mutant]:
    """Every mutant of one contract, ``file`` naming it, in source order."""
    module = parse_to_ast(source)
    text = _Text(source)
    sites = [*_walk(module, text), *_pragma_sites(module, text)]
    # source order; at one offset, the order the walk found them in (stable sort)
    sites.sort(key=lambda s: s.start)
    counters: dict[tuple[int, str], int] = defaultdict(int)
    mutants = []
    for site in sites:
        line = text.line_of(site.start)
        original = source[site.start : site.end]
        if site.replacement == original:
            raise AssertionError(f"{file}:{line}: {site.operator} mutant equals its original")
        mutants.append(
            Mutant(
                file=file,
                line=line,
                operator=site.operator,
                start=site.start,
                end=site.end,
                original=original,
                replacement=site.replacement,
                index=counters[line, site.operator],
            )
        )
        counters[line, site.operator] += 1
    mutants.sort(key=lambda m: (m.start, m.operator, m.index))
    return mutants


def generate(contracts_dir: Path, only: str | None = None) -> list[Mutant]:
    """Every mutant of every ``*.vy`` directly in ``contracts_dir``.

    Interfaces (``*.vyi``) and subdirectories (``mocks/``) are not mutated.
    ``only`` is ``"FILE"`` or ``"FILE:LINE"`` (FILE relative to
    ``contracts_dir``) and keeps just that file's, or that line's, mutants.
    ValueError if FILE is not a contract there.
    """
    contracts_dir = Path(contracts_dir)
    files = sorted(p.name for p in contracts_dir.glob("*.vy") if p.is_file())
    line: int | None = None
    if only is not None:
        name, _, tail = only.rpartition(":")
        if name and tail.isdigit():
            only, line = name, int(tail)
        if only not in files:
            raise ValueError(f"{only!r} is not a contract in {contracts_dir} ({', '.join(files)})")
        files = [only]
    mutants = []
    for name in files:
        source = (contracts_dir / name).read_text()
        mutants += [m for m in mutants_of(name, source) if line is None or m.line == line]
    mutants.sort(key=lambda m: (m.file, m.start, m.operator, m.index))
    return mutants


def sample(mutants: list[Mutant], n: int, seed: int) -> list[Mutant]:
    """``n`` of ``mutants`` chosen by ``seed`` (all if ``n`` is not smaller), in their order."""
    if n < 0:
        raise ValueError(f"cannot sample {n} mutants")
    if n >= len(mutants):
        return list(mutants)
    chosen = sorted(random.Random(seed).sample(range(len(mutants)), n))
    return [mutants[i] for i in chosen]
