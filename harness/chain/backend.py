"""Which EVM runs the protocol: titanoboa (py-evm, the default) or revm (the fast lane).

The facade and everything above it reach the chain only through a
*chain* object: ``p.chain`` on a deployed :class:`~harness.chain.protocol.Protocol`,
or :func:`active_chain` before there is one. Both kinds offer the same
methods: ``get_balance``, ``set_balance``, ``get_code``, ``block_number``
and ``timestamp``, ``time_travel(seconds=... | blocks=...)``, ``anchor()``,
``prank(sender)``, ``generate_address(alias)``, ``lookup_alias``,
``raw_call(to, sender=, value=)``, ``read_views([(function, args), ...])``
(many view calls' values at once: on revm one EVM call, and storage reads
for plain getters), ``logs_from(handle,
emitter)`` (the events of ``handle``'s last call that ``emitter`` emitted;
revm decodes no other), ``start_logs()`` and ``take_logs()`` (the
logs of every successful transaction in between, undecoded, as
:data:`~harness.chain.revm.RawLog`) and ``load(path)``
(a deployer with ``deploy``, ``deploy_as_blueprint`` and ``at``). A revert raises one of
:data:`Reverted`; :func:`harness.chain.reverts.revert_reason` reads either kind.

Titanoboa stays the default and the backend for debugging: its reverts
carry a Vyper source trace, and coverage and ``rpfuzz replay`` run on it.
revm (:mod:`harness.chain.revm`) runs the same bytecode many times faster
(``rpfuzz bench`` measures how much); choose it with :func:`use`
(``rpfuzz run --backend revm``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boa
from boa.contracts.base_evm_contract import BoaError

from harness.chain.revm import RawLog, RevmChain, RevmReverted, compiled
from harness.chain.revm import load as revm_load
from harness.config import BACKENDS, ConfigError
from harness.config import DEFAULT_BACKEND as DEFAULT

# What a reverted call raises, on either backend.
Reverted: tuple[type[BaseException], ...] = (BoaError, RevmReverted)


class BoaChain:
    """``boa.env`` (whichever environment is current) behind the chain interface."""

    name = "boa"

    def __init__(self) -> None:
        # While recording (start_logs): the environment patched, and its successful computations.
        self._recording: tuple[Any, list[Any]] | None = None

    @property
    def env(self) -> Any:
        return boa.env

    @property
    def block_number(self) -> int:
        return boa.env.evm.patch.block_number

    @property
    def timestamp(self) -> int:
        return boa.env.evm.patch.timestamp

    def time_travel(self, seconds: int | None = None, blocks: int | None = None) -> None:
        boa.env.time_travel(seconds=seconds, blocks=blocks)

    def get_balance(self, address: Any) -> int:
        return boa.env.get_balance(address)

    def set_balance(self, address: Any, wei: int) -> None:
        boa.env.set_balance(address, wei)

    def get_code(self, address: Any) -> bytes:
        return boa.env.get_code(address)

    def generate_address(self, alias: str | None = None) -> Any:
        return boa.env.generate_address(alias)

    def lookup_alias(self, address: Any) -> str:
        return boa.env.lookup_alias(address)

    def prank(self, sender: Any) -> contextlib.AbstractContextManager:
        return boa.env.prank(sender)

    def anchor(self) -> contextlib.AbstractContextManager:
        return boa.env.anchor()

    def raw_call(self, to: Any, sender: Any = None, value: int = 0, data: bytes = b"") -> Any:
        return boa.env.raw_call(to, sender=sender, value=value, data=data)

    def read_views(self, calls: list[tuple[Any, tuple]], key: Any = None) -> list[Any]:
        return [function(*args) for function, args in calls]

    def logs_from(self, handle: Any, emitter: Any) -> list[Any]:
        address = str(getattr(emitter, "address", emitter)).lower()
        return [log for log in handle.get_logs() if str(log.address).lower() == address]

    def start_logs(self) -> None:
        """Keep every successful transaction's computation from now on (see take_logs).

        Every call titanoboa makes goes through ``env.execute_code``; the
        environment's own method is shadowed until :meth:`take_logs`.
        """
        if self._recording is not None:
            self.take_logs()
        env, computations = boa.env, []
        original = env.execute_code

        def execute_code(*args: Any, **kwargs: Any) -> Any:
            computation = original(*args, **kwargs)
            if not computation.is_error:
                computations.append(computation)
            return computation

        env.execute_code = execute_code
        self._recording = (env, computations)

    def take_logs(self) -> list[RawLog]:
        """Stop keeping logs; those of the transactions since :meth:`start_logs`, in order."""
        if self._recording is None:
            return []
        (env, computations), self._recording = self._recording, None
        env.__dict__.pop("execute_code", None)
        out = []
        for computation in computations:
            for address, topics, data in computation.get_log_entries():
                out.append(
                    RawLog(
                        "0x" + bytes(address).hex(),
                        [t.to_bytes(32, "big") for t in topics],
                        bytes(data),
                    )
                )
        return out

    def load(self, path: str | Path) -> Any:
        # load_partial compiles once and caches the output on disk (keyed on
        # the source and its imports), so a second process skips compiling;
        # `compiled` also keeps its deployers per process, for both backends.
        return compiled(path)


class RevmChainWithLoad(RevmChain):
    """A :class:`~harness.chain.revm.RevmChain` that also compiles (``load``)."""

    name = "revm"

    def load(self, path: str | Path) -> Any:
        return revm_load(self, path)


_BOA = BoaChain()
_revm: RevmChainWithLoad | None = None
_active = DEFAULT


def check_backend(name: str) -> str:
    """``name`` when it is a backend; a :class:`ConfigError` naming the choices otherwise."""
    if name not in BACKENDS:
        raise ConfigError(
            f"--backend {name}: unknown backend; choose one of {', '.join(BACKENDS)} "
            f"(default {DEFAULT})"
        )
    return name


def new_revm_chain(timestamp: int | None = None, block_number: int = 1) -> RevmChainWithLoad:
    """A fresh revm chain, not the process's shared one (tests, differential runs)."""
    return RevmChainWithLoad(timestamp=timestamp, block_number=block_number)


def chain(name: str) -> Any:
    """The process's chain of backend ``name`` (revm's is created on first use)."""
    global _revm
    if check_backend(name) == "boa":
        return _BOA
    if _revm is None:
        _revm = new_revm_chain()
    return _revm


def use(name: str) -> Any:
    """Make ``name`` the backend new deployments go to in this process; returns its chain."""
    global _active
    selected = chain(name)
    _active = name
    return selected


def active() -> str:
    """The name of the backend new deployments go to."""
    return _active


def active_chain() -> Any:
    """The chain new deployments go to."""
    return chain(_active)


@contextlib.contextmanager
def using(name: str) -> Iterator[Any]:
    """Select backend ``name`` inside the block, the previous one after it."""
    previous = _active
    try:
        yield use(name)
    finally:
        use(previous)
