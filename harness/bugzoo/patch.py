"""Planted bugs as data, and applying them to a copy of ``contracts/``.

A :class:`Bug` is a name, a one-line description, what it imitates (an
finding of the reference's audits or a property), and one or more
:class:`Edit` s: exact text in one contract file and what replaces it. An
edit's old text must occur exactly once in its file; when it does not, the
contracts have drifted from the zoo and :class:`PatchError` says which bug,
which file and what to update, instead of fuzzing an unpatched copy.
"""

from __future__ import annotations

import shutil
import zlib
from dataclasses import dataclass
from pathlib import Path

from harness.config import ConfigError

CATALOGUE = "harness/bugzoo/catalogue.py"


class PatchError(ConfigError):
    """A bug's edit does not apply: its old text is missing or ambiguous in the contracts."""


@dataclass(frozen=True)
class Edit:
    """Replace ``old`` (which must occur exactly once in ``file``) by ``new``.

    ``file`` is relative to the contracts directory (``RocketMinipool.vy``).
    """

    file: str
    old: str
    new: str


@dataclass(frozen=True)
class Bug:
    """One planted bug.

    ``requires`` names a module the harness needs before it can catch this
    bug (an actor or an invariant still being written); when it cannot be
    imported the zoo reports the bug as blocked instead of running it.
    """

    name: str
    description: str
    imitates: str
    edits: tuple[Edit, ...]
    requires: str | None = None
    note: str = ""

    @property
    def seed(self) -> int:
        """The bug's campaign seed: fixed by its name, so every run draws the same steps."""
        return zlib.crc32(self.name.encode())

    @property
    def files(self) -> list[str]:
        """The contract files the bug touches, in edit order, once each."""
        return list(dict.fromkeys(edit.file for edit in self.edits))


def patched_sources(bug: Bug, contracts_dir: str | Path) -> dict[str, str]:
    """The text of every file ``bug`` touches, with its edits applied in order.

    Raises :class:`PatchError` naming the bug, the file and the fix when a
    file is missing or an edit's old text occurs other than exactly once.
    """
    contracts_dir = Path(contracts_dir)
    texts: dict[str, str] = {}
    for n, edit in enumerate(bug.edits, start=1):
        path = contracts_dir / edit.file
        if edit.file not in texts:
            if not path.is_file():
                raise PatchError(
                    f"{path}: bug {bug.name!r} edits this file, but it does not exist; "
                    f"fix the bug's file name in {CATALOGUE} or point --contracts at a full "
                    "copy of contracts/"
                )
            texts[edit.file] = path.read_text(encoding="utf-8")
        count = texts[edit.file].count(edit.old)
        if count != 1:
            first = next((line.strip() for line in edit.old.splitlines() if line.strip()), "")
            found = "does not occur" if count == 0 else f"occurs {count} times"
            raise PatchError(
                f"{path}: bug {bug.name!r}, edit {n}: the text to replace {found} "
                f"(it must occur exactly once; it starts {first!r}). The contracts have "
                f"drifted from the zoo: update that edit's old text in {CATALOGUE}"
            )
        if edit.old == edit.new:
            raise PatchError(
                f"{CATALOGUE}: bug {bug.name!r}, edit {n} replaces a text by itself; "
                "give it the new text"
            )
        texts[edit.file] = texts[edit.file].replace(edit.old, edit.new)
    return texts


def apply_bug(bug: Bug, source_dir: str | Path, dest_dir: str | Path) -> Path:
    """Copy ``source_dir`` (a ``contracts/``) to ``dest_dir`` and plant ``bug`` in the copy.

    The source is never modified. Every edit is checked before anything is
    written. ``dest_dir`` may hold an earlier copy: every source file is
    written afresh, so it ends up as the source plus this bug. Returns
    ``dest_dir``.
    """
    source_dir, dest_dir = Path(source_dir), Path(dest_dir)
    if source_dir.resolve() == dest_dir.resolve():
        raise PatchError(f"{dest_dir}: the patched copy cannot be the contracts themselves")
    texts = patched_sources(bug, source_dir)
    shutil.copytree(source_dir, dest_dir, dirs_exist_ok=True)
    for file, text in texts.items():
        (dest_dir / file).write_text(text, encoding="utf-8")
    return dest_dir
