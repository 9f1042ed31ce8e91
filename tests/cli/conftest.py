"""The command line (``harness.cli``): ``rpfuzz`` commands, the interactive shell, the display."""
