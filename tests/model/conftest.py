"""The reference model (``harness.model``) on its own: pure Python, no EVM.

Its rules with exact numbers worked out by hand, the per-minipool shares it
sums for the invariants, the checkpoint a refusable payment takes, and
withdrawal addresses that refuse ETH or re-enter.
"""
