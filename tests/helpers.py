"""Small helpers shared by the tests."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any


def events(called: Any, name: str, emitter: Any = None) -> list[Any]:
    """The decoded events called ``name`` emitted during the last call made on ``called``.

    Events of the contracts it called are included, so ask the contract the
    test called, not the one that emitted the event; ``emitter`` (a contract
    or address) keeps only that contract's events, for names two contracts share.
    """
    found = [log for log in called.get_logs() if type(log).__name__ == name]
    if emitter is not None:
        address = str(getattr(emitter, "address", emitter))
        found = [log for log in found if str(log.address) == address]
    return found


def only_event(called: Any, name: str, emitter: Any = None) -> Any:
    """The single event ``name`` of the last call on ``called``; fails if none or several."""
    found = events(called, name, emitter)
    assert len(found) == 1, f"expected one {name} event, got {len(found)}"
    return found[0]


def planted_copy(source: Path, file: str, correct: str, planted: str) -> Path:
    """A copy of contracts dir ``source`` with ``correct`` replaced by ``planted`` in ``file``.

    It lives at a path named by its content's hash (see :func:`content_named_copy`).
    """

    def plant(staging: Path) -> None:
        path = staging / file
        text = path.read_text()
        assert text.count(correct) == 1, f"{file}: the line the bug is planted in has changed"
        path.write_text(text.replace(correct, planted))

    return content_named_copy(source, plant)


def bug_copy(bug: Any, source: Path | None = None) -> Path:
    """A copy of ``contracts/`` (or ``source``) with the bug-zoo ``bug`` planted.

    It lives at a path named by its content's hash (see :func:`content_named_copy`).
    """
    from harness.bugzoo import apply_bug
    from harness.chain.deploy import DEFAULT_CONTRACTS_DIR

    return content_named_copy(
        Path(source or DEFAULT_CONTRACTS_DIR),
        lambda staging: apply_bug(bug, source or DEFAULT_CONTRACTS_DIR, staging),
    )


def content_named_copy(source: Path, edit: Any) -> Path:
    """A copy of contracts dir ``source`` changed by ``edit(copy)``, at a path named by its hash.

    The copy lives in the temporary directory under its content's hash:
    titanoboa's compile cache is keyed on file paths, so every later test,
    worker, subprocess and run that asks for the same copy reuses the
    compiled output instead of compiling the whole copy again (a copy in
    ``tmp_path`` is compiled afresh on every run). Concurrent callers are
    safe: each stages its own copy and the first to move it into place wins.
    Nothing may write into the copy it returns.
    """
    from harness.replay.file import contracts_sha256

    staging = Path(tempfile.mkdtemp(prefix="rpfuzz-planted-")) / "contracts"
    shutil.copytree(source, staging)
    edit(staging)
    home = Path(tempfile.gettempdir()) / f"rpfuzz-planted-{contracts_sha256(staging)[:16]}"
    home.mkdir(exist_ok=True)
    with contextlib.suppress(OSError):  # another worker's identical copy is already there
        os.rename(staging, home / "contracts")
    shutil.rmtree(staging.parent, ignore_errors=True)
    return home / "contracts"
