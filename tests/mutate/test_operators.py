"""The mutant generator: each operator on small inline sources, then the real contracts.

The inline sources are only parsed, never compiled; the real contracts'
mutants are checked against the files' text, and a few of RocketVault's are
re-parsed to show the edits leave valid Vyper.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from vyper.ast import parse_to_ast

from harness.mutate import OPERATORS, Mutant, generate, mutants_of, sample

CONTRACTS = Path(__file__).resolve().parents[2] / "contracts"

HEADER = "# pragma version ~=0.4.3\n"


def found(source: str, operator: str) -> list[tuple[int, str, str, int]]:
    """``(line, original, replacement, index)`` of each ``operator`` mutant of ``source``."""
    return [
        (m.line, m.original, m.replacement, m.index)
        for m in mutants_of("T.vy", source)
        if m.operator == operator
    ]


def test_operator_names():
    assert OPERATORS == (
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


COMPARISONS = (
    HEADER
    + """
@external
def f(a: uint256, b: uint256) -> bool:
    # a < b in a comment is not mutated
    if (a) < (b):
        return a >= b
    x: bool = a > b or a <= b
    return a == b and a != (
        b  # a != b
    )
"""
)


def test_comparison_flip():
    assert found(COMPARISONS, "comparison-flip") == [
        (6, "<", ">=", 0),
        (7, ">=", "<", 0),
        (8, ">", "<=", 0),
        (8, "<=", ">", 1),
        (9, "==", "!=", 0),
        (9, "!=", "==", 1),
    ]


def test_boundary_shift():
    assert found(COMPARISONS, "boundary-shift") == [
        (6, "<", "<=", 0),
        (7, ">=", ">", 0),
        (8, ">", ">=", 0),
        (8, "<=", "<", 1),
    ]


ASSERTS = (
    HEADER
    + """
owner: address

@external
def f(a: uint256):
    assert a > 0, "positive"
    if a == 1:
        assert (
            msg.sender == self.owner
        ), "owner"
    assert msg.sender == tx.origin or msg.sender != empty(address)
    x: address = msg.sender
"""
)


def test_assert_drop_replaces_exactly_the_statement():
    assert found(ASSERTS, "assert-drop") == [
        (7, 'assert a > 0, "positive"', "pass", 0),
        (9, 'assert (\n            msg.sender == self.owner\n        ), "owner"', "pass", 0),
        (12, "assert msg.sender == tx.origin or msg.sender != empty(address)", "pass", 0),
    ]
    dropped = next(m for m in mutants_of("T.vy", ASSERTS) if m.id == "T.vy:9:assert-drop:0")
    assert "    if a == 1:\n        pass\n    assert msg.sender" in dropped.apply(ASSERTS)
    parse_to_ast(dropped.apply(ASSERTS))


def test_sender_swap_only_in_asserts_one_mutant_per_occurrence():
    assert found(ASSERTS, "sender-swap") == [
        (10, "msg.sender", "tx.origin", 0),
        (12, "msg.sender", "tx.origin", 0),
        (12, "msg.sender", "tx.origin", 1),
    ]
    second = next(m for m in mutants_of("T.vy", ASSERTS) if m.id == "T.vy:12:sender-swap:1")
    assert second.diff(ASSERTS) == (
        "assert msg.sender == tx.origin or msg.sender != empty(address)",
        "assert msg.sender == tx.origin or tx.origin != empty(address)",
    )


ARITHMETIC = (
    HEADER
    + """
total: uint256

@external
def f(a: uint256, b: uint256) -> uint256:
    self.total += a * b // 3
    c: uint256 = a - b
    c -= a ** b
    c = a % b
    return c
"""
)


def test_arith_swap():
    assert found(ARITHMETIC, "arith-swap") == [
        (7, "+=", "-=", 0),
        (7, "*", "//", 1),
        (7, "//", "*", 2),
        (8, "-", "+", 0),
        (9, "-=", "+=", 0),
    ]


STORAGE = (
    HEADER
    + """
struct Pair:
    a: uint256
    b: uint256

count: uint256
pairs: HashMap[address, Pair]
items: DynArray[uint256, 8]

@external
def f(a: uint256):
    self.count = a
    self.count += 1
    self.pairs[msg.sender].b = a
    self.items[0] = a
    local: uint256 = a
    local = 2
    local += 3
"""
)


def test_storage_write_drop():
    assert found(STORAGE, "storage-write-drop") == [
        (13, "self.count = a", "pass", 0),
        (14, "self.count += 1", "pass", 0),
        (15, "self.pairs[msg.sender].b = a", "pass", 0),
        (16, "self.items[0] = a", "pass", 0),
    ]


BOOLS = (
    HEADER
    + '''
flag Role:
    ADMIN

paused: bool

@external
def f(a: bool) -> bool:
    """True in a docstring is not mutated."""
    self.paused = True
    if not (a and self.paused):
        return False
    return not a
'''
)


def test_bool_flip():
    assert found(BOOLS, "bool-flip") == [
        (11, "True", "False", 0),
        (12, "not (a and self.paused)", "(a and self.paused)", 0),
        (13, "False", "True", 0),
        (14, "not a", "a", 0),
    ]


CONSTANTS = (
    HEADER
    + """
interface Token:
    def f(x: uint256) -> uint256: view

event Moved:
    amount: uint256

struct S:
    a: uint256

ONE: constant(uint256) = 10**18
values: DynArray[uint256, 8]
data: Bytes[32]

@external
def f(x: uint256, y: int256) -> uint256:
    a: DynArray[uint256, 4] = empty(DynArray[uint256, 4])
    for i: uint256 in range(x, bound=16):
        pass
    for j: uint256 in range(3):
        pass
    z: int256 = y - -1
    return x * 0 + 7
"""
)


def test_constant_off_by_one_skips_types_and_bounds():
    assert found(CONSTANTS, "constant-off-by-one") == [
        (12, "18", "19", 0),
        (12, "18", "17", 1),
        (21, "3", "4", 0),
        (21, "3", "2", 1),
        (23, "-1", "0", 0),
        (24, "0", "1", 0),
        (24, "7", "8", 1),
        (24, "7", "6", 2),
    ]


NONREENTRANT = (
    HEADER
    + """# pragma nonreentrancy on

@external
@nonreentrant
def f():
    pass
"""
)


def test_nonreentrant_drop_removes_the_line():
    mutants = [m for m in mutants_of("T.vy", NONREENTRANT) if m.operator == "nonreentrant-drop"]
    assert [(m.line, m.original, m.replacement, m.index) for m in mutants] == [
        (2, "# pragma nonreentrancy on\n", "", 0),
        (5, "@nonreentrant\n", "", 0),
    ]
    assert mutants[0].apply(NONREENTRANT) == NONREENTRANT.replace("# pragma nonreentrancy on\n", "")
    assert mutants[1].apply(NONREENTRANT) == NONREENTRANT.replace("@nonreentrant\n", "")
    assert mutants[0].diff(NONREENTRANT) == ("# pragma nonreentrancy on", "")
    for mutant in mutants:
        parse_to_ast(mutant.apply(NONREENTRANT))


def test_no_pragma_no_pragma_mutant():
    assert found(HEADER + "@external\ndef f():\n    pass\n", "nonreentrant-drop") == []


def test_apply_diff_and_stale_source():
    mutant = next(m for m in mutants_of("T.vy", COMPARISONS) if m.id == "T.vy:7:comparison-flip:0")
    assert mutant.apply(COMPARISONS) == COMPARISONS.replace("return a >= b", "return a < b")
    assert mutant.diff(COMPARISONS) == ("return a >= b", "return a < b")
    stale = COMPARISONS.replace("# a < b", "# a<b")
    with pytest.raises(ValueError, match="comparison-flip"):
        mutant.apply(stale)


def test_id_format():
    mutant = Mutant("RocketDepositPool.vy", 123, "comparison-flip", 10, 11, "<", ">=")
    assert mutant.id == "RocketDepositPool.vy:123:comparison-flip:0"


@pytest.mark.parametrize(
    "source", [COMPARISONS, ASSERTS, ARITHMETIC, STORAGE, BOOLS, CONSTANTS, NONREENTRANT]
)
def test_inline_mutants_are_consistent(source):
    mutants = mutants_of("T.vy", source)
    assert mutants == mutants_of("T.vy", source)
    assert len({m.id for m in mutants}) == len(mutants)
    assert mutants == sorted(mutants, key=lambda m: (m.start, m.operator, m.index))
    for m in mutants:
        assert m.operator in OPERATORS
        assert source[m.start : m.end] == m.original
        assert m.replacement != m.original
        assert m.replacement or m.operator == "nonreentrant-drop"
        assert source.count("\n", 0, m.start) + 1 == m.line


# --- the real contracts -----------------------------------------------------


@pytest.fixture(scope="module")
def real() -> list[Mutant]:
    return generate(CONTRACTS)


def test_generate_is_deterministic_and_complete(real):
    assert real == generate(CONTRACTS)
    assert set(Counter(m.operator for m in real)) == set(OPERATORS)
    assert len({m.id for m in real}) == len(real)
    assert real == sorted(real, key=lambda m: (m.file, m.start, m.operator, m.index))


def test_generate_reads_only_top_level_contracts(real):
    files = {m.file for m in real}
    assert files <= {p.name for p in CONTRACTS.glob("*.vy")}
    assert "RocketVault.vy" in files


def test_every_original_is_the_file_text(real):
    sources = {name: (CONTRACTS / name).read_text() for name in {m.file for m in real}}
    for m in real:
        assert sources[m.file][m.start : m.end] == m.original, m.id
        assert sources[m.file].count("\n", 0, m.start) + 1 == m.line, m.id
        assert m.replacement != m.original, m.id


def test_only_file_and_line(real):
    vault = [m for m in real if m.file == "RocketVault.vy"]
    assert generate(CONTRACTS, only="RocketVault.vy") == vault
    line = next(m.line for m in vault if m.operator == "assert-drop")
    on_line = generate(CONTRACTS, only=f"RocketVault.vy:{line}")
    assert on_line == [m for m in vault if m.line == line]
    assert {m.operator for m in on_line} >= {"assert-drop"}
    with pytest.raises(ValueError, match="not a contract"):
        generate(CONTRACTS, only="NoSuch.vy")
    with pytest.raises(ValueError, match="not a contract"):
        generate(CONTRACTS, only="interfaces/IRocketVault.vyi")


def test_sample(real):
    picked = sample(real, 25, seed=7)
    assert picked == sample(real, 25, seed=7)
    assert len(picked) == 25 and len(set(picked)) == 25
    assert set(picked) <= set(real)
    assert picked == [m for m in real if m in set(picked)]  # generate order
    assert sample(real, 25, seed=8) != picked
    assert sample(real, len(real) + 5, seed=1) == real
    assert sample(real, 0, seed=1) == []


def test_some_rocket_vault_mutants_still_parse():
    source = (CONTRACTS / "RocketVault.vy").read_text()
    mutants = generate(CONTRACTS, only="RocketVault.vy")
    one_per_operator = list({m.operator: m for m in mutants}.values())
    for mutant in one_per_operator + sample(mutants, 8, seed=3):
        parse_to_ast(mutant.apply(source))
