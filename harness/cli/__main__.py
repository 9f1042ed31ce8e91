"""``python -m harness.cli``: the same as the ``rpfuzz`` command."""

import sys

from harness.cli.commands import main

if __name__ == "__main__":
    sys.exit(main())
