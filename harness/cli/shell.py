"""``rpfuzz shell``: a Python REPL with the protocol deployed and the actors in scope.

IPython is used when it is installed and stdin is a terminal; otherwise the
standard library's console, which also reads commands piped on stdin (so a
session can be scripted: ``printf 'state()\\n' | rpfuzz shell``), or runs a
script (``rpfuzz shell --script FILE``). Both show a reverted call the same
way (:func:`revert_text`: the reason and titanoboa's Vyper source trace, no
Python frames). A piped session or a script whose statement raised exits 1.
"""

from __future__ import annotations

import code
import sys
import textwrap
from pathlib import Path
from typing import Any

import boa

from harness.chain.reverts import revert_reason
from harness.cli.display import print_state
from harness.config import Config, ConfigError
from harness.units import WEI_PER_ETH, fmt_eth, to_wei
from harness.world.deploy import deploy_protocol

EXAMPLES = (
    'p.deposit(depositor_0, "10")',
    "state()",
    "help(p.create_minipool)",
)


def _actors_by_role(p: Any) -> dict[str, list[tuple[str, str]]]:
    """``(name, address)`` of every actor, by role; the name is titanoboa's alias."""
    roles = {
        "guardian": [p.guardian],
        "odao_members": p.odao_members,
        "depositors": p.depositors,
        "node_operators": p.node_operators,
    }
    out = {}
    for role, actors in roles.items():
        named = []
        for i, actor in enumerate(actors):
            try:
                name = boa.env.lookup_alias(actor)
            except KeyError:  # not made by deploy_protocol: fall back to role and index
                name = role if role == "guardian" else f"{role.removesuffix('s')}_{i}"
            named.append((name, actor))
        out[role] = named
    return out


def shell_namespace(p: Any) -> dict[str, Any]:
    """The names the shell starts with.

    ``p`` (the facade), ``boa``, the actor lists (``guardian``,
    ``odao_members``, ``depositors``, ``node_operators``), every actor by its
    alias (``depositor_0``, ``node_operator_1``, ``odao_member_2``), and the
    helpers ``to_wei``, ``fmt_eth``, ``state()`` and ``ETH`` (10**18).
    """

    def state() -> None:
        """Print the protocol's headline numbers and its minipools, in ETH."""
        print_state(p)

    namespace: dict[str, Any] = {
        "p": p,
        "boa": boa,
        "guardian": p.guardian,
        "odao_members": p.odao_members,
        "depositors": p.depositors,
        "node_operators": p.node_operators,
        "to_wei": to_wei,
        "fmt_eth": fmt_eth,
        "state": state,
        "ETH": WEI_PER_ETH,
    }
    for named in _actors_by_role(p).values():
        for name, actor in named:
            # An alias that is not a Python name, or that would hide a helper, stays out.
            if name.isidentifier() and name not in namespace:
                namespace[name] = actor
    return namespace


def banner(p: Any) -> str:
    """The text the shell greets its user with: what is in scope, and how to start."""
    roles = _actors_by_role(p)

    def some(role: str, what: str) -> str:
        names = [name for name, _ in roles[role]]
        shown = ", ".join(names[:3]) + (", ..." if len(names) > 3 else "")
        return f"{len(names)} {what}: {shown}"

    contracts = textwrap.wrap(
        "and every contract: " + ", ".join(f"p.{name}" for name in sorted(p.contracts)),
        width=78,
        initial_indent=" " * 18,
        subsequent_indent=" " * 18,
    )
    lines = [
        "rpfuzz shell: Rocket Pool in Vyper, deployed in titanoboa",
        f"  contracts from {p.contracts_dir}",
        f"  settings from {p.config.source}",
        "",
        "In scope:",
        "  p               the Protocol facade: p.deposit, p.burn, p.register_node,",
        "                  p.create_minipool, p.stake, p.report_balances, p.minipools(), ...",
        *contracts,
        "  boa             titanoboa (boa.env.time_travel(seconds=...), boa.env.anchor())",
        "  guardian        the guardian, who deployed everything and holds the RPL",
        "  odao_members    " + some("odao_members", "oDAO members"),
        "  depositors      " + some("depositors", "depositors"),
        "  node_operators  " + some("node_operators", "node operators"),
        "  to_wei, fmt_eth amounts: to_wei('1.5') is wei; fmt_eth(wei) is ETH; ETH = 10**18",
        "  state()         print the headline numbers and every minipool, in ETH",
        "  blocks          p.beacon.propose(p.validator(minipool), '0.5') pays a block's fees",
        "                  to its node's distributor, p.distributor(node); p.advance(days=30,",
        "                  proposals=SEED) gives blocks at the [proposals] rate as time passes;",
        "                  p.distributor(node).distribute(sender=...) splits it",
        "",
        "Try:",
        *(f"  >>> {example}" for example in EXAMPLES),
        "",
        "Amounts given as str are ETH ('10'), as int wei. A revert prints titanoboa's",
        "Vyper source trace: the reason, the contract line and its local variables.",
        "Leave with exit() or Ctrl-D.",
    ]
    return "\n".join(lines)


def revert_text(exc: BaseException) -> str:
    """How the shell shows a reverted call: the reason, then titanoboa's Vyper source trace.

    The Python frames (the facade, titanoboa's internals) say nothing about
    why the contract reverted; they stay one command away.
    """
    return (
        f"Reverted: {revert_reason(exc)}\n{str(exc).strip()}\n"
        "(Python traceback: import traceback; traceback.print_last())\n"
    )


def _remember(exc_type: Any, exc: BaseException, tb: Any) -> None:
    # What traceback.print_last() reads (sys.last_exc from Python 3.12 on).
    sys.last_type, sys.last_value, sys.last_traceback = exc_type, exc, tb
    sys.last_exc = exc


def show_reverts_cleanly(ipython: Any) -> None:
    """Make an IPython shell show a revert as :func:`revert_text`, as the plain console does."""

    def handler(self: Any, exc_type: Any, exc: BaseException, tb: Any, tb_offset: Any = None):
        _remember(exc_type, exc, tb)
        # IPython discards what a handler returns: it prints, on stderr as the console does.
        sys.stderr.write(revert_text(exc))

    ipython.set_custom_exc((boa.BoaError,), handler)


class ProtocolConsole(code.InteractiveConsole):
    """The standard library console, showing a revert as its Vyper source trace.

    The Python frames of a revert (the facade, titanoboa's internals) say
    nothing about why the contract reverted, so only titanoboa's trace is
    printed; ``import traceback; traceback.print_last()`` shows the rest.
    With ``prompts=False`` (commands piped in) no ``>>>`` prompts are
    printed, so the output holds only what the commands print. ``errors``
    counts the statements that raised.
    """

    def __init__(self, namespace: dict[str, Any], prompts: bool = True) -> None:
        super().__init__(namespace)
        self.prompts = prompts
        self.errors = 0

    def raw_input(self, prompt: str = "") -> str:
        """Read one line, showing ``prompt`` only when prompts are on."""
        return super().raw_input(prompt if self.prompts else "")

    def showtraceback(self) -> None:
        """Print the exception being handled; a revert as its Vyper trace only."""
        self.errors += 1
        exc_type, exc, tb = sys.exc_info()
        if not isinstance(exc, boa.BoaError):
            super().showtraceback()
            return
        _remember(exc_type, exc, tb)
        self.write(revert_text(exc))

    def showsyntaxerror(self, filename: str | None = None, **kwargs: Any) -> None:
        """Print the syntax error being handled, and count it."""
        self.errors += 1
        super().showsyntaxerror(filename, **kwargs)


def _ipython_available() -> bool:
    try:
        import IPython  # noqa: F401
    except ImportError:
        return False
    return True


def _enable_completion(namespace: dict[str, Any]) -> None:
    # Tab completion on the shell's names, where readline exists (not on Windows).
    try:
        import readline
        import rlcompleter
    except ImportError:  # pragma: no cover - platform dependent
        return
    readline.set_completer(rlcompleter.Completer(namespace).complete)
    readline.parse_and_bind("tab: complete")


def _exit_code(exc: SystemExit, errors: int = 0) -> int:
    if exc.code is None:  # exit(): 1 if a statement raised before it
        return 1 if errors else 0
    if isinstance(exc.code, int):
        return exc.code
    print(exc.code, file=sys.stderr)
    return 1


def run_repl(namespace: dict[str, Any], banner_text: str) -> int:
    """Run a REPL on ``namespace`` until the user leaves; returns an exit code.

    IPython when it is importable and stdin is a terminal. Otherwise the
    standard library console, which reads piped stdin line by line (IPython
    would not: it wants a terminal).
    """
    interactive = sys.stdin.isatty()
    if interactive and _ipython_available():
        print(banner_text)
        _launch_ipython(namespace)
        return 0
    if interactive:
        _enable_completion(namespace)
    console = ProtocolConsole(namespace, prompts=interactive)
    try:
        console.interact(banner=banner_text, exitmsg="")
    except SystemExit as exc:  # exit() raises it through interact() before Python 3.13
        return _exit_code(exc, 0 if interactive else console.errors)
    if console.buffer and not interactive:  # the input ended inside a statement
        console.errors += 1
        console.write(f"SyntaxError: the input ended inside {' '.join(console.buffer)!r}\n")
    # Piped commands are a script: one that raised fails, as `python script.py` would.
    return 1 if console.errors and not interactive else 0


def _launch_ipython(namespace: dict[str, Any]) -> None:
    """IPython's terminal shell on ``namespace``, showing reverts as the plain console does."""
    from IPython.terminal.ipapp import TerminalIPythonApp

    # What IPython.start_ipython does, with the revert display installed before it starts.
    app = TerminalIPythonApp.instance(user_ns=namespace)
    app.initialize(["--no-banner"])
    show_reverts_cleanly(app.shell)
    app.start()


def run_script(namespace: dict[str, Any], path: str | Path) -> int:
    """Run the Python file at ``path`` in ``namespace``; its exit code.

    Stops at the first statement that raises, shown as in the shell (a revert
    as its Vyper trace), and returns 1; ``exit(N)`` returns N.
    """
    console = ProtocolConsole(namespace, prompts=False)
    source = Path(path).read_text(encoding="utf-8")
    try:
        compiled = compile(source, str(path), "exec")
    except SyntaxError:
        console.showsyntaxerror(str(path))
        return 1
    try:
        console.runcode(compiled)
    except SystemExit as exc:
        return _exit_code(exc, console.errors)
    return 1 if console.errors else 0


def start_shell(
    contracts_dir: str | Path | None = None,
    config: Config | dict | str | Path | None = None,
    banner_extra: str = "",
    script: str | Path | None = None,
) -> int:
    """Deploy the protocol and open a REPL on it (or run ``script`` in it); returns an exit code.

    ``contracts_dir`` and ``config`` are passed to
    :func:`harness.world.deploy.deploy_protocol` (a bad one raises
    :class:`~harness.config.ConfigError`, as does a ``script`` that is not a
    readable file); ``banner_extra`` is appended to the greeting.
    """
    if script is not None and not Path(script).is_file():
        raise ConfigError(f"--script {script}: file not found; pass a Python file to run")
    p = deploy_protocol(config=config, contracts_dir=contracts_dir)
    if script is not None:
        return run_script(shell_namespace(p), script)
    text = banner(p)
    if banner_extra:
        text += "\n" + banner_extra
    return run_repl(shell_namespace(p), text)
