"""Replay files: a failing campaign example as JSON, enough to reproduce it exactly.

The format (``format`` 1)::

    {"format": 1, "seed": ..., "config": {...}, "contracts_dir": "...",
     "contracts_sha256": "...",
     "steps": [{"rule": "deposit", "args": {...}}, ...],
     "failure": {"step": N, "invariant": "...", "message": "..."}}

``failure.step`` is the index in ``steps`` of the step whose call raised or
after which an invariant fired. ``contracts_sha256`` pins the sources the
failure was found on, so a replay on edited contracts can say so.

A file written by hand needs only ``steps``: ``format`` defaults to 1,
``seed`` to null, ``config`` to ``{}`` (the configuration of the command
that replays it), ``contracts_sha256`` to null and ``failure`` to ``{}``
(nothing recorded: a replay runs the steps on the current contracts and says
so). A ``failure`` that is given must be complete.

Two optional additions, which a reader of format 1 may ignore:
``contracts_dir`` is the directory the campaign fuzzed (absolute; ``null``
or absent: the project's ``contracts/``), so ``rpfuzz replay`` finds the
sources the file names; a step's ``"check": false`` says the campaign did
not run the invariants after it (its rule went on with another step), so a
replay runs them exactly where the campaign did. A step without it is
checked.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

FORMAT = 1
_FIELDS = ("format", "seed", "config", "contracts_dir", "contracts_sha256", "steps", "failure")
# What a field that is left out means (a hand-written file needs only "steps").
_OPTIONAL_FIELDS: dict[str, Any] = {
    "format": FORMAT,
    "seed": None,
    "config": {},
    "contracts_dir": None,
    "contracts_sha256": None,
    "failure": {},
}
_FAILURE_FIELDS = ("step", "invariant", "message")
_STEP_KEYS = ("rule", "args", "check")


class ReplayFileError(ValueError):
    """A replay file that cannot be read, with the file, the field and the fix in its message."""


def contracts_sha256(contracts_dir: str | Path) -> str:
    """SHA-256 over every source in ``contracts_dir``: relative paths and contents, sorted.

    Any edit, addition, removal or rename of a ``.vy`` / ``.vyi`` file changes it.
    """
    root = Path(contracts_dir)
    digest = hashlib.sha256()
    sources = sorted(p for p in root.rglob("*") if p.is_file() and p.suffix in (".vy", ".vyi"))
    for path in sources:
        rel = path.relative_to(root).as_posix().encode()
        content = path.read_bytes()
        # Lengths first, so no two different trees hash the same concatenation.
        digest.update(len(rel).to_bytes(8, "big") + rel)
        digest.update(len(content).to_bytes(8, "big") + content)
    return digest.hexdigest()


@dataclass
class ReplayFile:
    """A failing example: the seed and config it ran with, its steps, and how it failed."""

    seed: int | None
    config: dict[str, Any]
    contracts_sha256: str | None
    steps: list[dict[str, Any]]
    failure: dict[str, Any] = field(default_factory=dict)
    format: int = FORMAT
    contracts_dir: str | None = None

    @property
    def recorded(self) -> bool:
        """Whether the file records a failure (a hand-written one may not)."""
        return bool(self.failure)

    def to_json(self) -> str:
        """The file's text: keys in the documented order, indented for diffs and eyes."""
        data = asdict(self)
        return json.dumps({key: data[key] for key in _FIELDS}, indent=2) + "\n"

    def write(self, path: str | Path) -> Path:
        """Write atomically: a temporary file in the same directory, then a rename.

        A reader never sees a half-written file, even if the campaign is
        killed mid-write. Creates the parent directory. Returns the path.
        """
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Same directory, so the rename is atomic; the pid keeps workers apart.
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            with open(tmp, "w", encoding="utf-8") as fh:
                fh.write(self.to_json())
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise
        return path

    @classmethod
    def load(cls, path: str | Path) -> ReplayFile:
        """Read and validate a replay file; raises :class:`ReplayFileError` saying what to fix."""
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError as exc:
            raise ReplayFileError(
                f"{path}: file not found; pass a replay file written under failures/"
            ) from exc
        except (OSError, UnicodeDecodeError) as exc:
            raise ReplayFileError(f"{path}: cannot be read ({exc}); pass a replay file") from exc
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            # A replay file is one object: if it does not end with "}", it was cut short.
            what = "not valid JSON" if text.rstrip().endswith("}") else "truncated"
            raise ReplayFileError(
                f"{path}: {what} at line {exc.lineno} column {exc.colno} ({exc.msg}); "
                "the file was cut short or edited by hand: restore it from the campaign's "
                "failures/ directory or re-run the campaign"
            ) from exc
        if not isinstance(data, dict):
            raise ReplayFileError(
                f"{path}: the top level is a {type(data).__name__}, not an object; "
                "a replay file is a JSON object with " + ", ".join(_FIELDS)
            )
        for name in data:
            if name not in _FIELDS:
                raise ReplayFileError(
                    f"{path}: field {name!r} is not a replay file field; a replay file has "
                    f"{', '.join(_FIELDS)} (only steps is required): rename or remove it"
                )
        fmt = data.get("format", FORMAT)
        if fmt != FORMAT:
            raise ReplayFileError(
                f"{path}: field 'format' is {fmt!r}, this rpfuzz reads format {FORMAT} only; "
                "replay it with the rpfuzz version that wrote it, or re-run the campaign"
            )
        if "steps" not in data:
            raise _missing(
                path,
                "steps",
                'a replay file needs at least "steps": [{"rule": ..., "args": {...}}, ...]; '
                "re-run the campaign to write a complete file",
            )
        data = {**copy.deepcopy(_OPTIONAL_FIELDS), **data}
        _expect_type(path, "seed", data["seed"], (int, type(None)), "an integer or null")
        _expect_type(path, "config", data["config"], dict, "an object")
        _expect_type(
            path, "contracts_dir", data["contracts_dir"], (str, type(None)), "a path or null"
        )
        _expect_type(
            path,
            "contracts_sha256",
            data["contracts_sha256"],
            (str, type(None)),
            "a hex string or null",
        )
        _expect_type(path, "steps", data["steps"], list, "a list of steps")
        _expect_type(path, "failure", data["failure"], dict, "an object")
        for i, step in enumerate(data["steps"]):
            if (
                not isinstance(step, dict)
                or not isinstance(step.get("rule"), str)
                or not isinstance(step.get("args"), dict)
            ):
                raise ReplayFileError(
                    f"{path}: field 'steps[{i}]' is {step!r:.120}; each step is "
                    '{"rule": name, "args": {...}}: fix or remove it'
                )
            for key in step:
                if key not in _STEP_KEYS:
                    raise ReplayFileError(
                        f"{path}: field 'steps[{i}].{key}' is not a step field; a step has "
                        f"{', '.join(_STEP_KEYS)} (check optional): rename or remove it"
                    )
            if "check" in step and not isinstance(step["check"], bool):
                raise ReplayFileError(
                    f"{path}: field 'steps[{i}].check' is {step['check']!r}; it must be "
                    "true or false (false: the invariants did not run after this step)"
                )
        if not data["failure"]:  # nothing recorded: the steps alone
            return cls(**{name: data[name] for name in _FIELDS})
        for name in _FAILURE_FIELDS:
            if name not in data["failure"]:
                raise _missing(
                    path,
                    f"failure.{name}",
                    "re-run the campaign, or remove 'failure' to replay the steps alone",
                )
        step = data["failure"]["step"]
        if (
            isinstance(step, bool)
            or not isinstance(step, int)
            or not -1 <= step < len(data["steps"])
        ):
            raise ReplayFileError(
                f"{path}: field 'failure.step' is {step!r}; it must index 'steps' "
                f"(0 to {len(data['steps']) - 1})"
            )
        return cls(**{name: data[name] for name in _FIELDS})


def _missing(path: Path, name: str, fix: str) -> ReplayFileError:
    return ReplayFileError(f"{path}: field {name!r} is missing; {fix}")


def _expect_type(path: Path, name: str, value: Any, types: Any, what: str) -> None:
    if isinstance(value, bool) and bool not in (types if isinstance(types, tuple) else (types,)):
        value_ok = False
    else:
        value_ok = isinstance(value, types)
    if not value_ok:
        raise ReplayFileError(
            f"{path}: field {name!r} is {type(value).__name__} {value!r:.60}; it must be {what}"
        )
