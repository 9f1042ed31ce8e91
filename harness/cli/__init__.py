"""The command line (``rpfuzz``), the shell, the demo, and terminal display.

May import anything in the harness.
"""

from harness.cli.commands import main

__all__ = ["main"]
