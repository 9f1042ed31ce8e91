"""Regression tests emitted by ``rpfuzz replay FILE --emit-pytest`` from ``tests/data/replays``.

Generated code: regenerate rather than edit (each runs standalone, so it
keeps its own unit constants).
"""
