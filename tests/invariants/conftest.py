"""The invariants (``invariants/``) on hand-made observations: no EVM.

Each check silent when the chain agrees with the model and precise when it
does not, and the record checks' exact messages. On the real contracts:
``tests/integration/test_invariants_live.py``.
"""
