"""The bug zoo: planted bugs the harness must catch (``rpfuzz zoo``)."""

from harness.bugzoo.catalogue import BUGS, BY_NAME
from harness.bugzoo.patch import Bug, Edit, PatchError, apply_bug, patched_sources

__all__ = ["BUGS", "BY_NAME", "Bug", "Edit", "PatchError", "apply_bug", "patched_sources"]
