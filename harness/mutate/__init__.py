"""Mutation testing of the contracts: mutants from Vyper's AST, each fuzzed in isolation.

:mod:`~harness.mutate.operators` makes the mutants (``rpfuzz mutate``'s list of
single-site edits of ``contracts/*.vy``, found on Vyper's AST);
:mod:`~harness.mutate.runner` fuzzes the original once, then each mutant, and
scores the harness by the share it kills; :mod:`~harness.mutate.lane` is what a
warm worker's fork does per mutant (compile what changed, deploy afresh, fuzz).

May import: :mod:`harness.run` and everything below it, and itself.
"""

from harness.mutate.operators import OPERATORS, Mutant, generate, mutants_of, sample

__all__ = ["OPERATORS", "Mutant", "generate", "mutants_of", "sample"]
