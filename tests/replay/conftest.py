"""Replay files (``harness.replay``) and ``rpfuzz replay`` / ``rpfuzz minimize``.

Loading and validating files, replaying them step by step, minimising them,
and the pytest regression tests ``--emit-pytest`` writes.
"""
