"""Replaying a replay file step by step, exactly as the campaign ran it.

:func:`replay` runs a :class:`~harness.replay.file.ReplayFile`'s steps on a
deployment of the contracts it names and returns a :class:`ReplayResult`:
one :class:`StepResult` per step (its outcome, the headline numbers before
and after, the economic events, the failure). The CLI printer, the pytest
emitter (:mod:`harness.replay.emit`), the minimizer (:mod:`harness.replay.minimize`) and
the tests all read that one structure.

The set-up is the machine's (``RocketPoolMachine.__init__``): an anchor over
the shared deployment, :meth:`StepContext.create` and a watcher started from
that state; the machine's opening scene is already among the recorded
steps. Steps run through the checked facade, so a call that disagrees with
the reference model fails at the step that made it.

Where the invariants run: the machine runs them after each *rule*, and one
rule can record several steps (a lifecycle move records ``advance`` then
``stake``). Running them after every step could fire one step early, on an
intermediate state the machine never checked. So the machine marks each
step its rule followed with another ``"check": false``, and the replay runs
the watcher after every other step, and always after the last one: the
failure shows at the recorded step. A hand-written file without the marks
is checked after every step, the strictest reading.

:class:`ReplaySession` is the same engine one step at a time, and
:func:`replaying` its test-facing form: an emitted regression test reads as
one ``run.<rule>(...)`` call per step.
"""

from __future__ import annotations

import contextlib
import difflib
import inspect
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boa

from harness.chain.backend import Reverted
from harness.chain.deploy import DEFAULT_CONTRACTS_DIR, CompileError
from harness.chain.protocol import Protocol
from harness.chain.reverts import revert_reason
from harness.config import ConfigError
from harness.fuzz.actions import ACTIONS, UNAUTHORISED
from harness.fuzz.invariant_runner import run_checks, start_watching
from harness.fuzz.steps import StepContext, execute
from harness.replay.file import ReplayFile, ReplayFileError
from harness.world.deploy import shared_protocol
from invariants import InvariantViolation

# The headline numbers each step row shows the change of, read through views.
HEADLINE: dict[str, Callable[[Protocol], int]] = {
    "rate": lambda p: p.reth.getExchangeRate(),
    "supply": lambda p: p.reth.totalSupply(),
    "pool": lambda p: p.deposit_pool.getBalance(),
    "collateral": lambda p: p.reth.getTotalCollateral(),
}


# --------------------------------------------------------------------------- the vocabulary
@dataclass(frozen=True)
class ArgKind:
    """What one step argument must hold: a test on its JSON value and the words for it."""

    test: Callable[[Any], bool]
    what: str


def _int(minimum: int = 0) -> Callable[[Any], bool]:
    return lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= minimum


_WEI = ArgKind(_int(), "an amount in wei: an integer >= 0 (20 ETH is 20000000000000000000)")
_ACTOR = ArgKind(
    lambda v: isinstance(v, str), 'an actor\'s role name, e.g. "depositor_0" or "node_operator_1"'
)
_BOOL = ArgKind(lambda v: isinstance(v, bool), "true or false")

# Argument names mean the same in every rule (see harness.fuzz.steps); a name not
# listed here (a rule added since) is passed through unchecked.
ARG_KINDS: dict[str, ArgKind] = {
    "who": _ACTOR,
    "to": _ACTOR,
    "by": ArgKind(
        lambda v: v is None or isinstance(v, str), "an actor's role name, or null (the node)"
    ),
    "node": _ACTOR,
    "spender": _ACTOR,
    "holder": _ACTOR,
    "caller": ArgKind(
        lambda v: isinstance(v, str), 'an actor\'s role name or a minipool, e.g. "minipool_0"'
    ),
    "timezone": ArgKind(lambda v: isinstance(v, str), 'a timezone location, e.g. "Europe/Lisbon"'),
    "confirm": _BOOL,
    "member": _ACTOR,
    "amount": _WEI,
    "inflate": _WEI,
    "price": ArgKind(_int(1), "an RPL price in wei of ETH per RPL: an integer >= 1"),
    "minipool": ArgKind(_int(), "a minipool's creation index: an integer >= 0"),
    "lot": ArgKind(_int(), "an auction lot's index: an integer >= 0"),
    "seconds": ArgKind(_int(), "a number of seconds: an integer >= 0"),
    "bond": ArgKind(_int(), "a bond in whole ETH: 8 or 16 (other integers are refused)"),
    "credit": _BOOL,
    "rewards_only": _BOOL,
    "offline": _BOOL,
    "pending": _BOOL,
    "which": ArgKind(lambda v: v in ("balances", "prices"), '"balances" or "prices"'),
    "value": ArgKind(
        lambda v: v is None or isinstance(v, bool) or _int()(v),
        "an integer >= 0, true/false (a setting) or null (the bond's own ETH)",
    ),
    "path": ArgKind(lambda v: isinstance(v, str), 'a setting path, e.g. "deposit.fee"'),
    "entry": ArgKind(
        lambda v: v in UNAUTHORISED, "one of the privileged entries: " + ", ".join(UNAUTHORISED)
    ),
}


def holds_wei(rule: str, name: str) -> bool:
    """Whether argument ``name`` of ``rule`` is an amount in wei (``value`` is, for a minipool)."""
    return (
        name in ("amount", "inflate", "price")
        or (name == "value" and rule == "create_minipool")
        or (name == "fees" and rule == "propose")
    )


def _parameters(rule: str) -> list[inspect.Parameter]:
    return ACTIONS[rule].parameters


def validate_steps(path: str | Path, steps: list[dict[str, Any]]) -> None:
    """Check every step against the vocabulary of :mod:`harness.fuzz.steps`.

    Raises :class:`ReplayFileError` naming the file, the field
    (``steps[3].args.amount``) and the fix: an unknown rule (with the
    nearest known one), a missing or unexpected argument, a value of the
    wrong type. Actor names and minipool indices are checked as the replay
    reaches them, since which exist depends on the configuration and on the
    steps before.
    """
    for i, step in enumerate(steps):
        rule, args = step["rule"], step["args"]
        if rule not in ACTIONS:
            near = difflib.get_close_matches(rule, ACTIONS, n=1)
            hint = f"did you mean {near[0]!r}? " if near else ""
            raise ReplayFileError(
                f"{path}: field 'steps[{i}].rule' is {rule!r}, which this rpfuzz does not know; "
                f"{hint}the rules are: {', '.join(sorted(ACTIONS))}. Fix the name or remove the "
                "step"
            )
        params = _parameters(rule)
        names = [p.name for p in params]
        takes = f"rule {rule!r} takes " + (", ".join(names) if names else "no arguments")
        open_ended = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params)
        for name in args:
            if name not in names and not open_ended:
                raise ReplayFileError(
                    f"{path}: field 'steps[{i}].args.{name}' is not an argument of {takes}; "
                    "rename or remove it"
                )
        for param in params:
            if param.kind in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD):
                continue  # **args (read_view's) is no argument of that name
            if param.name not in args and param.default is inspect.Parameter.empty:
                raise ReplayFileError(
                    f"{path}: field 'steps[{i}].args.{param.name}' is missing ({takes}); add it"
                )
        for name, value in args.items():
            kind = ARG_KINDS.get(name)
            if kind is not None and not kind.test(value):
                raise ReplayFileError(
                    f"{path}: field 'steps[{i}].args.{name}' is {type(value).__name__} "
                    f"{value!r:.60}; it must be {kind.what}: fix the value or remove the step"
                )


def load_replay(path: str | Path) -> ReplayFile:
    """Read a replay file and check its steps: :meth:`ReplayFile.load` + :func:`validate_steps`."""
    replay = ReplayFile.load(path)
    validate_steps(path, replay.steps)
    return replay


class StepError(ValueError):
    """A step that cannot run here: an actor or minipool that does not exist at that point.

    ``field`` is the step's field (``args.minipool``); the message says what exists.
    """

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


# --------------------------------------------------------------------------- contracts
def contracts_for(replay: ReplayFile, path: str | Path, override: str | Path | None = None) -> Path:
    """The sources to replay on: ``override`` (``--contracts``), else the file's, else ours.

    Raises :class:`ConfigError` for an ``override`` that is not a directory
    and :class:`ReplayFileError` when the file names a directory that does
    not exist here (recorded on another machine): guessing would replay on
    other sources and could report a bug as fixed.
    """
    if override is not None:
        chosen = Path(override)
        if not chosen.is_dir():
            raise ConfigError(
                f"{override}: not a directory; point --contracts at a copy of contracts/"
            )
        return chosen.resolve()
    if replay.contracts_dir:
        chosen = Path(replay.contracts_dir)
        if not chosen.is_dir():
            sha = replay.contracts_sha256
            raise ReplayFileError(
                f"{path}: field 'contracts_dir' names {replay.contracts_dir}, which is not a "
                "directory here (was the file recorded on another machine?); pass --contracts "
                "DIR with the sources it was recorded on"
                + (f" (sha256 {sha[:16]}…)" if sha else "")
            )
        return chosen.resolve()
    return DEFAULT_CONTRACTS_DIR.resolve()


def protocol_for(config: Any, contracts_dir: str | Path | None) -> Protocol:
    """The process's deployment for ``config`` on ``contracts_dir`` (deployed once, then shared).

    The project's own ``contracts/`` is always keyed as ``None``, so a replay
    shares its deployment with the campaign machine's in the same process.
    """
    if contracts_dir is not None:
        resolved = Path(contracts_dir).resolve()
        contracts_dir = None if resolved == DEFAULT_CONTRACTS_DIR.resolve() else str(resolved)
    return shared_protocol(config, contracts_dir)


# --------------------------------------------------------------------------- results
@dataclass
class StepResult:
    """One replayed step: what ran, what came of it, and what it changed.

    ``outcome`` is ``"ok"``, ``"reverted"`` (as the model expected: ``reason``
    says why) or ``"failed"`` (``failure`` holds the exception: an
    :class:`InvariantViolation`, or the error the step raised). ``before`` and
    ``after`` hold the :data:`HEADLINE` numbers in wei (``None`` where a view
    reverted); ``checked`` says whether the invariants ran after the step.
    """

    index: int
    rule: str
    args: dict[str, Any]
    checked: bool
    outcome: str
    reason: str | None = None
    before: dict[str, int | None] = field(default_factory=dict)
    after: dict[str, int | None] = field(default_factory=dict)
    events: list[str] = field(default_factory=list)
    failure: BaseException | None = None

    @property
    def failed(self) -> bool:
        """Whether this step failed (a call or an invariant)."""
        return self.failure is not None

    @property
    def invariant(self) -> str | None:
        """The failure's name: the invariant, or the exception's type (as the campaign names it)."""
        return failure_name(self.failure) if self.failure is not None else None

    def change(self, key: str) -> int | None:
        """``after - before`` of headline number ``key``; ``None`` when either is unknown."""
        before, after = self.before.get(key), self.after.get(key)
        return None if before is None or after is None else after - before

    @property
    def revert_trace(self) -> str | None:
        """Titanoboa's Vyper source trace, when the failure involves a revert."""
        exc = self.failure
        if exc is None:
            return None
        if isinstance(exc, InvariantViolation) and "trace" in exc.details:
            return str(exc.details["trace"])
        for candidate in (exc, exc.__cause__, exc.__context__):
            if isinstance(candidate, boa.BoaError):
                return str(candidate).strip()
        return None


def failure_name(exc: BaseException) -> str:
    """The name a failure is known by: the invariant's, else the exception's type."""
    return exc.name if isinstance(exc, InvariantViolation) else type(exc).__name__


def failure_message(exc: BaseException) -> str:
    """What went wrong, in words."""
    return exc.message if isinstance(exc, InvariantViolation) else str(exc)


def failure_summary(step: StepResult) -> str:
    """A failing step's failure in one sentence: a bare revert as its reason and location."""
    exc = step.failure
    if isinstance(exc, boa.BoaError):
        trace = step.revert_trace or ""
        where = next((ln[4:] for ln in trace.splitlines() if ln.startswith("[E] ")), "?")
        return (
            f"a call reverted ({step.reason}) where nothing expected a revert (a call outside "
            f"the checked facade, or a view the invariants read), at {where}"
        )
    return failure_message(exc) if exc is not None else ""


@dataclass
class ReplayResult:
    """A replay: every step run, and where it stopped.

    ``total`` is the number of steps in the file; ``until`` the step it was
    asked to stop before (``None``: run them all).
    """

    steps: list[StepResult]
    total: int
    until: int | None = None

    @property
    def failure(self) -> StepResult | None:
        """The step that failed, if one did (the replay stops there)."""
        return self.steps[-1] if self.steps and self.steps[-1].failed else None

    @property
    def failed(self) -> bool:
        """Whether a step failed."""
        return self.failure is not None

    def reproduces(self, recorded: dict[str, Any]) -> bool:
        """Whether it failed as ``recorded`` (a file's ``failure``): same invariant, same step."""
        failure = self.failure
        return (
            failure is not None
            and failure.invariant == recorded.get("invariant")
            and failure.index == recorded.get("step")
        )


# --------------------------------------------------------------------------- the engine
class ReplaySession:
    """Steps run one at a time on an anchored copy of the deployment, as the machine runs them.

    Use it as a context manager (or call :meth:`close`): everything it did
    is undone when it closes. :meth:`run_step` runs one step and returns
    its :class:`StepResult` without raising for a failure; :class:`Runner`
    is the form an emitted regression test uses.
    """

    def __init__(self, p: Protocol) -> None:
        self.p = p
        self._state = p.python_state()
        # As the machine: the anchor first, so the stranger's funding is undone with it.
        self._anchor = p.chain.anchor()
        self._anchor.__enter__()
        self._open = True
        try:
            self.ctx = StepContext.create(p, check=True)
            self.watcher = start_watching(self)
        except BaseException:
            self.close()
            raise
        self.results: list[StepResult] = []
        self._headline = self._read_headline()

    # ------------------------------------------------------------------ lifetime
    @property
    def model(self) -> Any:
        """The reference model attached to the facade."""
        return self.p.model

    def close(self) -> None:
        """Undo everything the session did: the EVM through its anchor, the rest by snapshot."""
        if not self._open:
            return
        self._open = False
        self._anchor.__exit__(None, None, None)
        self.p.restore_python_state(self._state)

    def __enter__(self) -> ReplaySession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def failed(self) -> StepResult | None:
        """The step that failed, if one did: the session runs no step after it."""
        return self.results[-1] if self.results and self.results[-1].failed else None

    # ------------------------------------------------------------------ steps
    def _read_headline(self) -> dict[str, int | None]:
        out: dict[str, int | None] = {}
        for key, read in HEADLINE.items():
            try:
                out[key] = read(self.p)
            except Reverted:  # a view that reverts shows as unknown, not as a crash
                out[key] = None
        return out

    def _resolve(self, rule: str, args: dict[str, Any]) -> None:
        """Raise :class:`StepError` for an actor or minipool that does not exist here."""
        for name, value in args.items():
            is_actor = ARG_KINDS.get(name) is _ACTOR or (name == "by" and value is not None)
            if is_actor and value not in self.ctx.actors:
                if name == "who" and value == "owner" and rule == "distribute":
                    continue
                raise StepError(
                    f"args.{name}",
                    f"is {value!r}, which is no actor here; the actors are "
                    f"{', '.join(self.ctx.actors)}",
                )
            if name == "minipool" and value >= len(self.ctx.minipools):
                made = len(self.ctx.minipools)
                raise StepError(
                    "args.minipool",
                    f"is {value}, but only {made} minipool{'s' if made != 1 else ''} "
                    f"exist{'s' if made == 1 else ''} at this step (indices from 0, in creation "
                    "order)",
                )

    def run_step(self, rule: str, args: dict[str, Any], check: bool = True) -> StepResult:
        """Run one step, then the invariants if ``check``; returns what happened.

        A failure (a call that disagrees with the model, an invariant, an
        error the step raised) is returned in the result, not raised; the
        session runs no step after one. Raises :class:`StepError` for a step
        that names what does not exist, and ``KeyError`` for an unknown rule.
        """
        if self.failed is not None:
            raise RuntimeError(
                f"the replay already failed at step {self.failed.index} "
                f"({self.failed.invariant}): its state is the failure's, run no more steps"
            )
        if rule not in ACTIONS:
            raise KeyError(f"unknown rule {rule!r}")
        self._resolve(rule, args)
        result = StepResult(len(self.results), rule, dict(args), check, "ok")
        result.before = self._headline
        try:
            outcome = execute(self.ctx, rule, args)
            expects = outcome if isinstance(outcome, tuple) else (outcome,)
            refused = [e for e in expects if getattr(e, "ok", True) is False]
            if refused:
                result.outcome, result.reason = "reverted", refused[0].reason
            if check:
                result.events = self.check()
        except Exception as exc:  # noqa: BLE001 - the campaign reports any step error as a failure
            result.outcome, result.failure = "failed", exc
            if isinstance(exc, boa.BoaError):
                result.reason = revert_reason(exc)  # before str(exc), which rewrites the error
        result.after = self._headline = self._read_headline()
        self.results.append(result)
        return result

    def check(self) -> list[str]:
        """Run every invariant on the state now, as the machine does after a rule.

        Raises the violation; returns the names of the economic events.
        """
        return [event.name for event in run_checks(self)]


class Runner:
    """The test-facing form of a session: one ``run.<rule>(**args)`` call per step.

    ``run.deposit(who="depositor_0", amount=20 * ETH)`` runs step
    ``deposit`` with those arguments (the names of :data:`harness.fuzz.actions.ACTIONS`),
    then the invariants, and raises the step's failure: an
    :class:`InvariantViolation` is an ``AssertionError``, so pytest reports
    it as a failed assertion. Inside ``with run.rule():`` the invariants wait
    for the block's end, as the machine waits for the end of a rule.
    ``run.session`` is the :class:`ReplaySession` underneath.
    """

    def __init__(self, session: ReplaySession) -> None:
        self.session = session
        self._in_rule = False

    def __getattr__(self, name: str) -> Callable[..., StepResult]:
        if name.startswith("_") or name not in ACTIONS:
            raise AttributeError(f"no rule {name!r}; the rules are: {', '.join(sorted(ACTIONS))}")

        def step(**args: Any) -> StepResult:
            result = self.session.run_step(name, args, check=not self._in_rule)
            if result.failure is not None:
                raise result.failure
            return result

        step.__name__ = name
        step.__doc__ = f"Run step {name!r} (see harness.fuzz.actions.ACTIONS); raise its failure."
        return step

    @contextlib.contextmanager
    def rule(self) -> Iterator[Runner]:
        """Steps of one machine rule: the invariants run once, after the block's last step."""
        self._in_rule = True
        try:
            yield self
        finally:
            self._in_rule = False
        self.session.check()

    def assert_invariants(self) -> None:
        """Every invariant holds on the state now (raises the violation otherwise)."""
        self.session.check()


@contextlib.contextmanager
def replaying(config: Any = None, contracts_dir: str | Path | None = None) -> Iterator[Runner]:
    """A :class:`Runner` on a fresh session over the deployment for ``config``, ``contracts_dir``.

    Everything the steps do is undone when the block ends. Under pytest (an
    emitted test), sources that do not compile end the session with exit
    code 2 and the compiler's message (file, line), not a traceback per test.
    """
    try:
        protocol = protocol_for(config, contracts_dir)
    except CompileError as exc:
        if "PYTEST_CURRENT_TEST" not in os.environ:
            raise
        import pytest

        pytest.exit(f"rpfuzz: {exc}", returncode=2)
    with ReplaySession(protocol) as session:
        yield Runner(session)


def checks_after(steps: list[dict[str, Any]], index: int) -> bool:
    """Whether the invariants run after step ``index``: unless marked not to, and always last."""
    return index == len(steps) - 1 or steps[index].get("check", True) is not False


def run_steps(
    session: ReplaySession,
    steps: list[dict[str, Any]],
    until: int | None = None,
    on_step: Callable[[StepResult], None] | None = None,
) -> ReplayResult:
    """Run ``steps`` (all, or those before index ``until``) on an open session.

    Stops at the first failure. A step that cannot run here raises
    :class:`StepError` with the step's index in its field
    (``steps[4].args.minipool``).
    """
    stop = len(steps) if until is None else min(until, len(steps))
    for index in range(stop):
        step = steps[index]
        try:
            result = session.run_step(step["rule"], step["args"], check=checks_after(steps, index))
        except StepError as exc:
            raise StepError(f"steps[{index}].{exc.field}", exc.message) from exc
        if on_step is not None:
            on_step(result)
        if result.failed:
            break
    return ReplayResult(list(session.results), len(steps), until)


def replay(
    replay_file: ReplayFile,
    contracts_dir: str | Path | None = None,
    until: int | None = None,
    on_step: Callable[[StepResult], None] | None = None,
) -> ReplayResult:
    """Replay ``replay_file`` on ``contracts_dir`` (default: the project's) and undo it after.

    Deploys once per process and configuration (see :func:`protocol_for`);
    every replay starts from the deployed state, so replaying twice gives
    the same result.
    """
    with ReplaySession(protocol_for(replay_file.config, contracts_dir)) as session:
        return run_steps(session, replay_file.steps, until=until, on_step=on_step)


__all__ = [
    "ARG_KINDS",
    "HEADLINE",
    "ReplayResult",
    "ReplaySession",
    "Runner",
    "StepError",
    "StepResult",
    "checks_after",
    "contracts_for",
    "failure_message",
    "failure_name",
    "failure_summary",
    "holds_wei",
    "load_replay",
    "protocol_for",
    "replay",
    "replaying",
    "run_steps",
    "validate_steps",
]
