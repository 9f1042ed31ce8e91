"""The bug zoo (``harness.bugzoo``): planted bugs as data, patching them in, ``rpfuzz zoo``."""
