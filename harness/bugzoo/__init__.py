"""The bug zoo: planted bugs the harness must catch (``rpfuzz zoo``).

:mod:`~harness.bugzoo.catalogue` lists the bugs (each an edit of one or more
contracts, and the finding or property it imitates); :mod:`~harness.bugzoo.patch`
applies a bug to a copy of ``contracts/``; :mod:`~harness.bugzoo.runner` runs a
campaign on each copy in a fresh process and reports what found it.

May import: :mod:`harness.run` and everything below it, and itself.
"""

from harness.bugzoo.catalogue import BUGS, BY_NAME
from harness.bugzoo.patch import Bug, Edit, PatchError, apply_bug, patched_sources

__all__ = ["BUGS", "BY_NAME", "Bug", "Edit", "PatchError", "apply_bug", "patched_sources"]
