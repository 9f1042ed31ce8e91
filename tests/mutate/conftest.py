"""The mutant generator (``harness.mutate.operators``): operators, generate, sample."""
