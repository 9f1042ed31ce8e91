"""The fast lane: the protocol's Vyper bytecode run on revm (pyrevm), in this process.

:class:`RevmChain` is the revm counterpart of titanoboa's ``boa.env`` for
what the harness needs: balances, time and block number, snapshots
(anchors), generated and aliased addresses, raw calls and deployments.
:class:`RevmDeployer` and :class:`RevmContract` give a compiled contract
the calling surface the harness uses on titanoboa's ``VyperContract``:
``handle.fn(*args, sender=..., value=...)``, ``handle.address``,
``handle.get_logs()`` (the last call's events, decoded into named tuples
with the same fields), ``deploy``, ``deploy_as_blueprint`` and ``at``.

The bytecode and ABI are the Vyper compiler's, taken from titanoboa's
``load_partial`` (which compiles once and keeps the output in its disk
cache); arguments and results are encoded with eth-abi, with hand-written
fast paths for the word-sized types that almost every call uses.

A call that reverts raises :class:`RevmReverted`, whose ``reason`` is the
text titanoboa's ``pretty_vm_reason`` gives for the same revert (the
``Error(string)`` message, else ``Revert(b'...')``), so checks that compare
reasons behave the same on both backends. There is no source-level trace:
replay a failure on titanoboa (``rpfuzz replay``) to read one.
"""

from __future__ import annotations

import contextlib
import hashlib
import random
import re
import time
from collections import namedtuple
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyrevm
from eth_abi import decode as abi_decode
from eth_abi import encode as abi_encode
from eth_utils import keccak, to_checksum_address
from vyper.compiler.output import build_abi_output

# Titanoboa's defaults, kept so that both backends run a sequence in the same world:
# the gas a transaction may use, the first block, and its address generator's seed.
TX_GAS = 200_000_000
FIRST_BLOCK = 1
BLOCK_SECONDS = 12
ADDRESS_SEED = "titanoboa"
ERROR_SELECTOR = bytes.fromhex("08c379a0")  # Error(string)
_REVERT_OUTPUT = re.compile(r"output: 0x([0-9a-fA-F]*)")

_checksums: dict[bytes, str] = {}


def checksum(raw: bytes) -> str:
    """The checksummed text of a 20-byte address (cached: keccak costs microseconds)."""
    text = _checksums.get(raw)
    if text is None:
        text = _checksums[raw] = to_checksum_address(raw)
    return text


class RevmReverted(Exception):
    """A call or deployment on revm reverted (or halted).

    ``reason`` is the revert reason as titanoboa words it; ``output`` the
    raw revert data; ``where`` names the contract and function called.
    """

    def __init__(self, reason: str, output: bytes, where: Any) -> None:
        where = str(where)
        super().__init__(f"{where} reverted: {reason}")
        self.reason = reason
        self.output = output
        self.where = where


def _reverted(exc: RuntimeError, where: Any) -> RevmReverted:
    """Turn pyrevm's ``RuntimeError('Revert { gas_used: .., output: 0x.. }')`` into a revert."""
    text = str(exc)
    match = _REVERT_OUTPUT.search(text)
    if text.startswith("Revert") and match is not None:
        output = bytes.fromhex(match.group(1))
        if output[:4] == ERROR_SELECTOR:
            (reason,) = abi_decode(["string"], output[4:])
        else:
            reason = f"Revert({output!r})"
        return RevmReverted(reason, output, where)
    # A halt (out of gas, invalid opcode) or a transaction-level refusal: no data.
    return RevmReverted(text, b"", where)


class RevmChain:
    """One revm instance and the world around it, shaped like the parts of ``boa.env`` used.

    Time and block number start where titanoboa's do (``timestamp`` is the
    wall clock at creation unless given); ``time_travel`` moves them the
    way titanoboa does (a block every 12 seconds).
    """

    def __init__(self, timestamp: int | None = None, block_number: int = FIRST_BLOCK) -> None:
        self.evm = pyrevm.EVM()
        self.block_number = block_number
        self.timestamp = int(time.time()) if timestamp is None else timestamp
        self._set_block()
        # Pays for balance rises (see set_balance); its own balance is set once, here.
        self._bank = "0x" + keccak(b"rpfuzz revm bank")[:20].hex()
        self.evm.set_balance(self._bank, 2**255)
        self._anchors = 0
        self._random = random.Random(ADDRESS_SEED)
        self._aliases: dict[str, str] = {}
        # Handles by lower-case address: which ABI decodes a log emitted there.
        self.contracts: dict[str, RevmContract] = {}
        self._code_lengths: dict[bytes, int] = {}
        # Successful transactions and deployments, and rolled-back anchors: while
        # it stands still, no storage changed (see invariants.observe.StorageWrites).
        self.state_changes = 0
        # Titanoboa spends its first generated address on its default sender.
        self.eoa = self.generate_address("eoa")

    # ------------------------------------------------------------------ world
    def _set_block(self) -> None:
        self.evm.set_block_env(pyrevm.BlockEnv(number=self.block_number, timestamp=self.timestamp))

    def time_travel(self, seconds: int | None = None, blocks: int | None = None) -> None:
        """Move time and the block number forward, as ``boa.env.time_travel`` does."""
        if (seconds is None) == (blocks is None):
            raise ValueError("give seconds or blocks, not both")
        if seconds is not None:
            blocks = seconds // BLOCK_SECONDS
        else:
            seconds = blocks * BLOCK_SECONDS
        self.timestamp += seconds
        self.block_number += blocks
        self._set_block()

    def get_balance(self, address: Any) -> int:
        """ETH balance in wei."""
        return self.evm.get_balance(str(address))

    def set_balance(self, address: Any, wei: int) -> None:
        """Set an account's balance (no code runs); undone by an enclosing :meth:`anchor`.

        pyrevm's own ``set_balance`` writes past revm's journal, so a snapshot
        would not undo it. A rise is made instead as a journaled transfer: a
        throwaway contract, created with the difference by a funded bank
        account, self-destructs to ``address`` (which runs none of its code).
        A fall is only allowed outside anchors, where nothing must undo it.
        """
        address = str(address)
        current = self.evm.get_balance(address)
        if wei > current:
            initcode = b"\x73" + bytes.fromhex(address[2:]) + b"\xff"  # PUSH20 address SELFDESTRUCT
            self.evm.deploy(self._bank, initcode, wei - current, TX_GAS)
        elif wei < current:
            if self._anchors:
                raise ValueError(
                    f"lowering the balance of {address} inside an anchor: revm could not undo it; "
                    "lower it before opening the anchor"
                )
            self.evm.set_balance(address, wei)

    def get_code(self, address: Any) -> bytes:
        """The runtime code at ``address`` (empty when none), as it was deployed.

        revm keeps code padded with zero bytes for its jump analysis; the
        account's code hash says where the real code ends.
        """
        padded = self.evm.get_code(str(address))
        if not padded:
            return b""
        code_hash = bytes(self.evm.basic(str(address)).code_hash)
        length = self._code_lengths.get(code_hash)
        if length is None:
            length = self._code_lengths[code_hash] = _unpadded_length(padded, code_hash)
        return padded[:length]

    def generate_address(self, alias: str | None = None) -> str:
        """A fresh address from the same generator titanoboa uses, optionally named."""
        address = checksum(self._random.randbytes(20))
        if alias is not None:
            self._aliases[address.lower()] = alias
        return address

    def lookup_alias(self, address: Any) -> str:
        """The name an address was generated with; KeyError when it has none."""
        return self._aliases[str(address).lower()]

    @contextlib.contextmanager
    def prank(self, sender: Any) -> Iterator[None]:
        """Calls without ``sender=`` inside the block come from ``sender``."""
        saved, self.eoa = self.eoa, str(sender)
        try:
            yield
        finally:
            self.eoa = saved

    @contextlib.contextmanager
    def anchor(self) -> Iterator[None]:
        """Everything inside the block is undone afterwards: state, time and block number."""
        checkpoint = self.evm.snapshot()
        saved = (self.block_number, self.timestamp)
        self._anchors += 1
        try:
            yield
        finally:
            self._anchors -= 1
            self.evm.revert(checkpoint)
            self.state_changes += 1
            self.block_number, self.timestamp = saved
            self._set_block()

    # ------------------------------------------------------------------ transactions
    def transact(
        self, sender: str, to: str, data: bytes, value: int = 0, where: Any = "call"
    ) -> bytes:
        """A transaction: its return data, or :class:`RevmReverted`."""
        try:
            out = self.evm.message_call(sender, to, data, value, TX_GAS)
        except RuntimeError as exc:
            raise _reverted(exc, where) from None
        finally:
            # Transient storage lives for one transaction.
            self.evm.reset_transient_storage()
        self.state_changes += 1
        return out

    def static_call(self, sender: str, to: str, data: bytes, where: Any = "view") -> bytes:
        """A call that may not change state (a view): its return data, or a revert."""
        try:
            return self.evm.message_call(sender, to, data, None, TX_GAS, None, True)
        except RuntimeError as exc:
            raise _reverted(exc, where) from None

    def raw_call(self, to: Any, sender: Any = None, value: int = 0, data: bytes = b"") -> bytes:
        """Send ``value`` wei and ``data`` to ``to`` in a transaction (``boa.env.raw_call``)."""
        return self.transact(str(sender or self.eoa), str(to), data, value, f"raw call to {to}")

    def deploy_code(self, sender: str, initcode: bytes, value: int = 0, where: str = "") -> str:
        """Run ``initcode`` as a creation transaction; the new contract's checksummed address."""
        try:
            address = self.evm.deploy(sender, initcode, value, TX_GAS)
        except RuntimeError as exc:
            raise _reverted(exc, f"deploying {where}") from None
        finally:
            self.evm.reset_transient_storage()
        self.state_changes += 1
        return checksum(bytes.fromhex(address[2:]))

    def logs(self, result: Any) -> list[Any]:
        """A transaction's logs, every contract's, decoded where the emitter is known."""
        if result is None:
            return []
        out = []
        for log in result.logs:
            topics, data = log.data
            handle = self.contracts.get(log.address.lower())
            decoded = handle.decode_log(topics, data) if handle is not None else None
            out.append(decoded if decoded is not None else _raw_log(log.address, topics, data))
        return out


def _unpadded_length(padded: bytes, code_hash: bytes) -> int:
    """How much of revm's padded code is the deployed code: the prefix ``code_hash`` hashes."""
    # revm pads with 33 bytes; look near there first, then anywhere in the zero tail.
    tail = len(padded) - len(padded.rstrip(b"\x00"))
    for pad in (33, *range(tail + 1)):
        length = len(padded) - pad
        if length >= 0 and keccak(padded[:length]) == code_hash:
            return length
    raise ValueError("revm's code does not hash to the account's code hash")


def _raw_log(address: str, topics: list[bytes], data: bytes) -> Any:
    """A log nobody can decode, in titanoboa's ``RawLogEntry`` shape (without its py-evm id)."""
    from boa.contracts.event_decoder import RawLogEntry

    return RawLogEntry(
        0, bytes.fromhex(address[2:]), [int.from_bytes(t, "big") for t in topics], bytes(data)
    )


# ---------------------------------------------------------------------- encoding
def _abi_type(item: dict) -> str:
    kind = item["type"]
    if kind.startswith("tuple"):
        inner = ",".join(_abi_type(c) for c in item["components"])
        return f"({inner}){kind[5:]}"
    return kind


_UINT_TOP = 2**256
# Address text -> its ABI word: the same few dozen addresses are encoded over and over.
_address_words: dict[str, bytes] = {}


def _encoder(types: list[str]):
    """A function encoding argument tuples of ``types``: by hand for word types, else eth-abi."""
    if all(t in ("uint256", "address", "bool") for t in types):

        def encode_words(args: tuple) -> bytes:
            out = []
            for kind, value in zip(types, args, strict=True):
                if kind == "address":
                    text = str(getattr(value, "address", value))
                    word = _address_words.get(text)
                    if word is None:
                        if len(text) != 42:
                            return abi_encode(types, list(args))
                        word = _address_words[text] = b"\x00" * 12 + bytes.fromhex(text[2:])
                    out.append(word)
                elif kind == "bool":
                    if not isinstance(value, bool):
                        return abi_encode(types, list(args))
                    out.append(b"\x00" * 31 + (b"\x01" if value else b"\x00"))
                else:
                    if type(value) is not int or not 0 <= value < _UINT_TOP:
                        return abi_encode(types, list(args))
                    out.append(value.to_bytes(32, "big"))
            return b"".join(out)

        return encode_words

    def encode(args: tuple) -> bytes:
        values = [
            str(getattr(a, "address", a)) if t == "address" else a
            for t, a in zip(types, args, strict=True)
        ]
        return abi_encode(types, values)

    return encode


def _decoder(types: list[str]):
    """A function decoding return data of ``types`` into titanoboa's Python shapes."""
    if len(types) == 1:
        kind = types[0]
        if kind.startswith("uint") and kind[4:].isdigit():
            return lambda data: int.from_bytes(data[:32], "big")
        if kind == "bool":
            return lambda data: data[31] == 1
        if kind == "address":
            return lambda data: checksum(data[12:32])
        if kind in ("bytes", "string"):
            # One dynamic value: its offset (always 32 here), its length, its bytes.
            def decode_dynamic(data: bytes) -> Any:
                offset = int.from_bytes(data[:32], "big")
                if offset != 32:
                    return abi_decode(types, data)[0]
                length = int.from_bytes(data[32:64], "big")
                raw = data[64 : 64 + length]
                return raw if kind == "bytes" else raw.decode()

            return decode_dynamic
        return lambda data: _pythonic(abi_decode(types, data)[0])
    if not types:
        return lambda data: None
    return lambda data: tuple(_pythonic(v) for v in abi_decode(types, data))


def _pythonic(value: Any) -> Any:
    """eth-abi's decoded value as titanoboa gives it (lists for arrays, tuples for tuples)."""
    if isinstance(value, tuple):
        return [_pythonic(v) for v in value]
    return value


class _Function:
    """One external function (all its arities, for Vyper's default arguments)."""

    def __str__(self) -> str:
        return f"{self.contract._name}.{self.name}"

    def __init__(self, contract: RevmContract, name: str, entries: list[dict]) -> None:
        self.contract = contract
        self.name = name
        self.by_arity: dict[int, tuple[bytes, Any, Any, bool]] = {}
        for entry in entries:
            types = [_abi_type(i) for i in entry["inputs"]]
            selector = keccak(text=f"{name}({','.join(types)})")[:4]
            outputs = [_abi_type(o) for o in entry.get("outputs", [])]
            static = entry.get("stateMutability") in ("view", "pure")
            self.by_arity[len(types)] = (selector, _encoder(types), _decoder(outputs), static)

    def __call__(self, *args: Any, sender: Any = None, value: int = 0) -> Any:
        try:
            selector, encode, decode, static = self.by_arity[len(args)]
        except KeyError:
            raise TypeError(
                f"{self.contract._name}.{self.name} takes {sorted(self.by_arity)} arguments, "
                f"got {len(args)}"
            ) from None
        contract = self.contract
        chain = contract._chain
        data = selector + encode(args) if args else selector
        caller = str(sender) if sender is not None else chain.eoa
        if static and not value:
            # chain.static_call inlined: views are most of the calls a step makes.
            contract._result = None
            try:
                out = chain.evm.message_call(
                    caller, contract.address, data, None, TX_GAS, None, True
                )
            except RuntimeError as exc:
                raise _reverted(exc, self) from None
        else:
            try:
                out = chain.transact(caller, contract.address, data, value, self)
            finally:
                # Decoded only if asked for (get_logs): most calls' events are not.
                contract._result = chain.evm.result
        return decode(out)


class RevmDeployer:
    """A compiled contract, ready to deploy on (or attach to) a :class:`RevmChain`."""

    def __init__(self, chain: RevmChain, compiler_data: Any, name: str) -> None:
        self.chain = chain
        self.name = name
        self.bytecode = compiler_data.bytecode
        self.blueprint_bytecode = compiler_data.blueprint_bytecode
        self.abi = build_abi_output(compiler_data)
        self._constructor = next(
            ([_abi_type(i) for i in e["inputs"]] for e in self.abi if e["type"] == "constructor"),
            [],
        )
        self._functions: dict[str, list[dict]] = {}
        self._events: dict[bytes, tuple[Any, list[dict]]] = {}
        for entry in self.abi:
            if entry["type"] == "function":
                self._functions.setdefault(entry["name"], []).append(entry)
            elif entry["type"] == "event":
                types = ",".join(_abi_type(i) for i in entry["inputs"])
                topic = keccak(text=f"{entry['name']}({types})")
                fields = ["address", *(i["name"] for i in entry["inputs"])]
                record = namedtuple(entry["name"], fields, rename=True)  # noqa: PYI024
                self._events[topic] = (record, entry["inputs"])

    def deploy(self, *args: Any, sender: Any = None, value: int = 0) -> RevmContract:
        """Deploy with constructor ``args``; the handle."""
        initcode = self.bytecode + (abi_encode(self._constructor, list(args)) if args else b"")
        address = self.chain.deploy_code(
            str(sender or self.chain.eoa), initcode, value, where=self.name
        )
        handle = self.at(address)
        handle._result = self.chain.evm.result  # get_logs(): the constructor's events
        return handle

    def deploy_as_blueprint(self, sender: Any = None) -> RevmContract:
        """Deploy as an EIP-5202 blueprint (the compiler's preamble before the initcode)."""
        address = self.chain.deploy_code(
            str(sender or self.chain.eoa), self.blueprint_bytecode, where=f"{self.name} blueprint"
        )
        return RevmContract(self, address, register=False)

    def at(self, address: Any) -> RevmContract:
        """A handle on the contract already at ``address``."""
        return RevmContract(self, checksum(bytes.fromhex(str(address)[2:])))


class RevmContract:
    """A deployed contract: its external functions as methods, ``address``, ``get_logs()``."""

    def __init__(self, deployer: RevmDeployer, address: str, register: bool = True) -> None:
        # Underscored: the ABI's functions become attributes too (an ERC-20 has `name`).
        self._deployer = deployer
        self._chain = deployer.chain
        self._name = deployer.name
        self.address = address
        self._result: Any = None
        for name, entries in deployer._functions.items():
            setattr(self, name, _Function(self, name, entries))
        if register:
            self._chain.contracts[address.lower()] = self

    def __repr__(self) -> str:
        return f"<{self._name} at {self.address} (revm)>"

    def get_logs(self) -> list[Any]:
        """The events of this handle's last call (every contract's), as titanoboa gives them."""
        return self._chain.logs(self._result)

    def decode_log(self, topics: list[bytes], data: bytes) -> Any:
        """A log emitted by this contract as a named tuple (``address`` first), or None."""
        if not topics or topics[0] not in self._deployer._events:
            return None
        record, inputs = self._deployer._events[topics[0]]
        plain = [i for i in inputs if not i["indexed"]]
        values = iter(abi_decode([_abi_type(i) for i in plain], bytes(data)))
        indexed = iter(topics[1:])
        out: list[Any] = [self.address]
        for item in inputs:
            if not item["indexed"]:
                out.append(_pythonic(next(values)))
                continue
            topic = bytes(next(indexed))
            kind = _abi_type(item)
            if kind in ("string", "bytes") or kind.endswith("]") or kind.startswith("("):
                out.append(topic)  # only the hash is logged
            else:
                out.append(_pythonic(abi_decode([kind], topic)[0]))
        return record(*out)


def load(chain: RevmChain, path: str | Path) -> RevmDeployer:
    """The contract at ``path``, compiled (see :func:`compiled`), ready for ``chain``."""
    resolved = Path(path).resolve()
    return RevmDeployer(chain, compiled(resolved).compiler_data, resolved.stem)


# titanoboa's deployers by file and the contents of every source beside it.
_compiled: dict[tuple[str, bytes], Any] = {}


def compiled(path: str | Path) -> Any:
    """titanoboa's ``load_partial(path)``, kept per process while no source changed.

    titanoboa compiles once and keeps the output in its disk cache, but
    loading it from there still costs a quarter of a second per contract,
    for every deployment. The key is the file and a digest of every Vyper
    source under its contracts directory (the file's own, or its parent's
    for ``mocks/`` and ``interfaces/``), so an edited import is a new key
    even when a copy kept the old modification times.
    """
    import boa

    resolved = Path(path).resolve()
    root = resolved.parent
    if root.name in ("mocks", "interfaces"):
        root = root.parent
    digest = hashlib.sha256()
    for source in sorted(root.rglob("*.vy*")):
        digest.update(str(source.relative_to(root)).encode() + b"\0" + source.read_bytes())
    key = (str(resolved), digest.digest())
    deployer = _compiled.get(key)
    if deployer is None:
        deployer = _compiled[key] = boa.load_partial(str(resolved))
    return deployer
