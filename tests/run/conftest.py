"""Running campaigns (``harness.run``): ``rpfuzz run``, profiles, the benchmark, the revm
backend's differential test, and Vyper coverage.
"""
