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
cache); arguments, results and events are encoded by hand for the types
the protocol's calls use (words, ``bytes32``, ``bytes``, ``string``), with
eth-abi for the rest. The invariants' view reads go through the *lens*
(:meth:`RevmChain.read_views`), many in one EVM call. A *plain getter*, a
view whose whole body returns one storage word (``return self.v`` or
``return self.v[key]``, found in the contract's AST), is not run at all:
its word is read from revm's storage, which is what its code returns
(see ``_storage_getters``); most of what the invariants read is such.

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

# A log as both backends' recorders give it (``take_logs``): the emitter's
# lower-case address, its topics (32 bytes each) and its data, undecoded.
RawLog = namedtuple("RawLog", ["address", "topics", "data"])  # noqa: PYI024


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
            reason = _decode_string(output[4:])
        else:
            reason = f"Revert({output!r})"
        return RevmReverted(reason, output, where)
    # A halt (out of gas, invalid opcode) or a transaction-level refusal: no data.
    return RevmReverted(text, b"", where)


# ------------------------------------------------------------------ batched views
# The invariants read about fifty views after every step, and on revm each call
# costs a few microseconds of set-up before any contract code runs. The *lens*
# makes many such calls in one: a helper contract, written below in EVM
# assembly and placed at LENS_ADDRESS when a chain is created (no transaction,
# so no nonce or address moves and the world matches titanoboa's). Its calldata
# is a run of records, each a target address (20 bytes), a calldata length
# (1 byte) and the calldata; it STATICCALLs each target in turn and returns
# the 32-byte results one after another. Any call that reverts or returns
# other than exactly 32 bytes reverts the whole read, and the caller then
# makes the calls one by one, so an error surfaces as the single call's own.
# Inside the lens, ``msg.sender`` is the lens: views that read it cannot be
# batched. (ETH balances are not read through it: pyrevm reads one directly
# five times faster than the lens can.)
LENS_ADDRESS = "0x" + keccak(b"rpfuzz revm lens")[:20].hex()
_OPCODES = {
    "ADD": 0x01, "LT": 0x10, "EQ": 0x14, "ISZERO": 0x15, "AND": 0x16, "SHR": 0x1C,
    "CALLDATALOAD": 0x35, "CALLDATASIZE": 0x36, "CALLDATACOPY": 0x37, "RETURNDATASIZE": 0x3D,
    "POP": 0x50, "JUMP": 0x56, "JUMPI": 0x57, "GAS": 0x5A, "JUMPDEST": 0x5B, "PUSH0": 0x5F,
    "DUP1": 0x80, "DUP2": 0x81, "DUP3": 0x82, "DUP4": 0x83, "DUP5": 0x84, "DUP6": 0x85,
    "SWAP1": 0x90, "RETURN": 0xF3, "STATICCALL": 0xFA, "REVERT": 0xFD,
}  # fmt: skip
# Stack comments read bottom to top: ``o`` is where the next result goes in
# memory, ``i`` where the next record starts in calldata. Each call's calldata
# is copied to memory just past its result's word (o + 32) and overwritten by
# the next.
_LENS = [
    "PUSH0", "PUSH0",                                          # o i
    ":loop",
    "CALLDATASIZE", "DUP2", "LT", "ISZERO", "@done", "JUMPI",  # o i          (no record left?)
    "DUP1", "CALLDATALOAD", 96, "SHR",                         # o i to       (first 20 bytes)
    "DUP2", 20, "ADD", "CALLDATALOAD", 248, "SHR",             # o i to n     (the 21st byte)
    "DUP1", "DUP4", 21, "ADD", "DUP6", 32, "ADD",
    "CALLDATACOPY",                                            # mem[o+32:] = calldata
    32, "DUP5", "DUP3", "DUP2", 32, "ADD", "DUP6", "GAS",
    "STATICCALL",                                              # o i to n ok  (result at o)
    "RETURNDATASIZE", 32, "EQ", "AND", "ISZERO", "@refuse", "JUMPI",
    21, "ADD", "SWAP1", "POP", "ADD",                          # o i+21+n
    "SWAP1", 32, "ADD", "SWAP1",                               # o+32 i'
    "@loop", "JUMP",
    ":done", "POP", "PUSH0", "RETURN",                         # memory[0:o]
    ":refuse", "PUSH0", "PUSH0", "REVERT",
]  # fmt: skip


def _assemble(program: list[Any]) -> bytes:
    """Bytecode for ``program``, a list of opcode names, bytes and labels.

    An int is pushed as one byte; ``:label`` marks a jump destination and
    ``@label`` pushes its offset (two bytes).
    """
    code, labels, holes = bytearray(), {}, []
    for item in program:
        if isinstance(item, int):
            code += bytes([0x60, item])  # PUSH1
        elif item.startswith(":"):
            labels[item[1:]] = len(code)
            code.append(_OPCODES["JUMPDEST"])
        elif item.startswith("@"):
            code.append(0x61)  # PUSH2
            holes.append((len(code), item[1:]))
            code += b"\x00\x00"
        else:
            code.append(_OPCODES[item])
    for at, label in holes:
        code[at : at + 2] = labels[label].to_bytes(2, "big")
    return bytes(code)


LENS_CODE = _assemble(_LENS)


class RevmChain:
    """One revm instance and the world around it, shaped like the parts of ``boa.env`` used.

    Time and block number start where titanoboa's do (``timestamp`` is the
    wall clock at creation unless given); ``time_travel`` moves them the
    way titanoboa does (a block every 12 seconds).
    """

    # revm refuses a transaction from an address that holds code (EIP-3607), and
    # pyrevm cannot turn that off: no contract (a minipool, a contract actor) can be
    # a transaction's sender here, as on titanoboa it can.
    senders_may_have_code = False

    def __init__(self, timestamp: int | None = None, block_number: int = FIRST_BLOCK) -> None:
        self.evm = pyrevm.EVM()
        self.block_number = block_number
        self.timestamp = int(time.time()) if timestamp is None else timestamp
        self._set_block()
        # Pays for balance rises (see set_balance); its own balance is set once, here.
        self._bank = "0x" + keccak(b"rpfuzz revm bank")[:20].hex()
        self.evm.set_balance(self._bank, 2**255)
        self.evm.insert_account_info(LENS_ADDRESS, pyrevm.AccountInfo(code=LENS_CODE))
        self._lens_plans: dict[Any, tuple | None] = {}
        self._anchors = 0
        self._random = random.Random(ADDRESS_SEED)
        self._aliases: dict[str, str] = {}
        # Handles by lower-case address: which ABI decodes a log emitted there.
        self.contracts: dict[str, RevmContract] = {}
        self._code_lengths: dict[bytes, int] = {}
        # Successful transactions and deployments, and rolled-back anchors: while
        # it stands still, no storage changed (see invariants.observe.StorageWrites).
        self.state_changes = 0
        # While recording (start_logs), the result of each successful transaction.
        self._recorded: list[Any] | None = None
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
        if self._recorded is not None:
            self._recorded.append(self.evm.result)
        return out

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

    def read_views(self, calls: list[tuple[Any, tuple]], key: Any = None) -> list[Any]:
        """The value of each ``(function, args)`` view call, in order, read through the lens.

        One EVM call makes them all (see ``LENS_ADDRESS``), but for plain
        getters, whose storage word is read straight from revm (see
        ``_storage_getters``). When one of them cannot go through the lens
        (it returns more than a word, or its calldata is too long) or the
        lens refuses (a call reverted), they are made one by one: the same
        values, or the single call's error. The plan of a reading is kept
        per list of calls, under ``key`` when given (a caller that names its
        lists saves hashing them; one key, one list). As after single calls,
        each contract read has no events to show afterwards (``get_logs``:
        its last call's).
        """
        key = tuple(calls) if key is None else key
        try:
            plan = self._lens_plans[key]
        except KeyError:
            if len(self._lens_plans) >= 10_000:
                self._lens_plans.clear()  # the readings of long-gone examples
            plan = self._lens_plans[key] = self._lens_plan(calls)
        except TypeError:  # an argument that cannot be a key (a list): the single calls
            plan = None
        if plan is None:
            return [function(*args) for function, args in calls]
        payload, through_lens, special, words, contracts = plan
        values: list[Any] = [None] * len(calls)
        if payload:
            try:
                out = self.evm.message_call(
                    self.eoa, LENS_ADDRESS, payload, None, TX_GAS, None, True
                )
            except RuntimeError:
                return [function(*args) for function, args in calls]
            for j, i in enumerate(through_lens):
                values[i] = int.from_bytes(out[32 * j : 32 * j + 32], "big")
            for j, decode in special:  # the lens results that are not uints
                values[through_lens[j]] = decode(out[32 * j : 32 * j + 32])
        storage = self.evm.storage
        for i, address, slot, decode in words:
            word = storage(address, slot)
            values[i] = word if decode is None else decode(word.to_bytes(32, "big"))
        for contract in contracts:
            contract._result = None
        return values

    @staticmethod
    def _lens_plan(calls: list[tuple[Any, tuple]]) -> tuple | None:
        """How to read ``calls``: the lens's calldata and whom it calls, and the storage words.

        ``(payload, places of the lens's results, (result, decoder) for its
        non-uints, (place, address, slot, decoder or None for a uint) of
        each plain getter's word, contracts read)``; None when one of them
        can go neither through the lens nor to storage.
        """
        records, through_lens, special, words = [], [], [], []
        for i, (function, args) in enumerate(calls):
            slot = function.storage_slot(args)
            if slot is not None:
                decode = function.by_arity[len(args)][2]
                words.append(
                    (i, function.contract.address, slot, None if decode is _read_uint else decode)
                )
                continue
            entry = function.lens_entry(args)
            if entry is None:
                return None
            if entry[1] is not _read_uint:
                special.append((len(records), entry[1]))
            records.append(entry[0])
            through_lens.append(i)
        contracts = list({id(f.contract): f.contract for f, _ in calls}.values())
        return b"".join(records), through_lens, special, words, contracts

    def start_logs(self) -> None:
        """Keep the logs of every successful transaction from now on, undecoded (see take_logs)."""
        self._recorded = []

    def take_logs(self) -> list[RawLog]:
        """Stop keeping logs; those of the transactions since :meth:`start_logs`, in order."""
        results, self._recorded = self._recorded or [], None
        out = []
        for result in results:
            for log in result.logs:
                topics, data = log.data
                out.append(RawLog(log.address.lower(), [bytes(t) for t in topics], bytes(data)))
        return out

    def logs_from(self, handle: Any, emitter: Any) -> list[Any]:
        """The events of ``handle``'s last call that ``emitter`` emitted; no other is decoded."""
        return self.logs(handle._result, emitter)

    def logs(self, result: Any, emitter: Any = None) -> list[Any]:
        """A transaction's logs, every contract's, decoded where the emitter is known.

        With ``emitter`` (an address or handle), only the logs it emitted:
        the others are not decoded at all.
        """
        if result is None:
            return []
        only = None if emitter is None else str(getattr(emitter, "address", emitter)).lower()
        out = []
        for log in result.logs:
            if only is not None and log.address.lower() != only:
                continue
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
# ABI types whose value is exactly one 32-byte word.
_WORD = re.compile(r"u?int\d*|bool|address|bytes([1-9]|[12]\d|3[0-2])")
# Address text -> its ABI word: the same few dozen addresses are encoded over and over.
_address_words: dict[str, bytes] = {}


def _encoder(types: list[str]):
    """A function encoding argument tuples of ``types``: by hand where it can, else eth-abi.

    By hand: ``uint256``, ``address``, ``bool``, ``bytes32``, ``bytes`` and
    ``string``, the types of every call the harness makes.
    """
    if all(t in ("uint256", "address", "bool", "bytes32", "bytes", "string") for t in types):
        head_size = 32 * len(types)

        def encode_words(args: tuple) -> bytes:
            out, tails, offset = [], [], head_size
            for kind, value in zip(types, args, strict=True):
                if kind == "address":
                    text = str(getattr(value, "address", value))
                    word = _address_words.get(text)
                    if word is None:
                        if len(text) != 42:
                            return abi_encode(types, list(args))
                        word = _address_words[text] = b"\x00" * 12 + bytes.fromhex(text[2:])
                    out.append(word)
                    continue
                if kind == "uint256":
                    if type(value) is not int or not 0 <= value < _UINT_TOP:
                        return abi_encode(types, list(args))
                    out.append(value.to_bytes(32, "big"))
                    continue
                if kind == "bool":
                    if not isinstance(value, bool):
                        return abi_encode(types, list(args))
                    out.append(b"\x00" * 31 + (b"\x01" if value else b"\x00"))
                    continue
                if kind == "string":
                    if type(value) is not str:
                        return abi_encode(types, list(args))
                    value = value.encode()
                if type(value) is not bytes or (kind == "bytes32" and len(value) != 32):
                    return abi_encode(types, list(args))
                if kind == "bytes32":
                    out.append(value)
                    continue
                # bytes and string: the offset here; length and padded bytes after the heads.
                out.append(offset.to_bytes(32, "big"))
                padded = value + b"\x00" * (-len(value) % 32)
                tails.append(len(value).to_bytes(32, "big") + padded)
                offset += 32 + len(padded)
            return b"".join(out + tails)

        return encode_words

    def encode(args: tuple) -> bytes:
        values = [
            str(getattr(a, "address", a)) if t == "address" else a
            for t, a in zip(types, args, strict=True)
        ]
        return abi_encode(types, values)

    return encode


def _read_uint(data: bytes) -> int:
    return int.from_bytes(data[:32], "big")


def _decoder(types: list[str]):
    """A function decoding return data of ``types`` into titanoboa's Python shapes."""
    if len(types) == 1:
        kind = types[0]
        if kind.startswith("uint") and kind[4:].isdigit():
            return _read_uint
        if kind.startswith("int") and kind[3:].isdigit():
            return lambda data: int.from_bytes(data[:32], "big", signed=True)
        if kind == "bool":
            return lambda data: data[31] == 1
        if kind == "address":
            return lambda data: checksum(data[12:32])
        if kind in ("bytes", "string"):
            decode_values = _values_decoder(types)
            return lambda data: decode_values(data)[0]
        return lambda data: _pythonic(abi_decode(types, data)[0])
    if not types:
        return lambda data: None
    return lambda data: tuple(_pythonic(v) for v in abi_decode(types, data))


def _values_decoder(types: list[str]):
    """A function decoding ABI data of ``types`` into a list of titanoboa's Python values.

    By hand when every type is a word type or ``bytes``/``string`` (every
    event the protocol emits: the beacon deposit contract's logs five
    ``bytes``), else eth-abi.
    """
    words = [_decoder([t]) if _WORD.fullmatch(t) else None for t in types]
    if not all(
        w is not None or t in ("bytes", "string") for w, t in zip(words, types, strict=True)
    ):
        return lambda data: [_pythonic(v) for v in abi_decode(types, data)]

    def decode_values(data: bytes) -> list[Any]:
        out = []
        for i, (kind, word) in enumerate(zip(types, words, strict=True)):
            head = data[32 * i : 32 * i + 32]
            if word is not None:
                out.append(word(head))
                continue
            offset = int.from_bytes(head, "big")
            length = int.from_bytes(data[offset : offset + 32], "big")
            raw = data[offset + 32 : offset + 32 + length]
            if len(raw) != length:  # malformed: eth-abi says why
                return [_pythonic(v) for v in abi_decode(types, data)]
            out.append(raw if kind == "bytes" else raw.decode())
        return out

    return decode_values


_decode_string = _decoder(["string"])  # a revert reason: Error(string)'s argument


def event_decoders(abi: list[dict]) -> dict[bytes, tuple[str, list[tuple[str, str, Any]], Any]]:
    """Decoders of the events in ``abi``, by topic: ``(name, inputs, data decoder)``.

    Each input is ``(name, ABI type, topic decoder or None)`` (None: not
    indexed, its value is in the data, which the data decoder gives in order).
    """
    out = {}
    for entry in abi:
        if entry["type"] != "event":
            continue
        types = [_abi_type(i) for i in entry["inputs"]]
        topic = keccak(text=f"{entry['name']}({','.join(types)})")
        inputs = [
            (i["name"], kind, _topic_decoder(i) if i["indexed"] else None)
            for i, kind in zip(entry["inputs"], types, strict=True)
        ]
        plain = [kind for i, kind in zip(entry["inputs"], types, strict=True) if not i["indexed"]]
        out[topic] = (entry["name"], inputs, _values_decoder(plain))
    return out


def _topic_decoder(item: dict):
    """A function decoding the topic of indexed event input ``item``.

    A word type's topic is its value; any other type logs only its hash,
    which is what titanoboa gives too.
    """
    kind = _abi_type(item)
    if kind in ("string", "bytes") or kind.endswith("]") or kind.startswith("("):
        return lambda topic: topic
    return _decoder([kind])


def _pythonic(value: Any) -> Any:
    """eth-abi's decoded value as titanoboa gives it (lists for arrays, tuples for tuples)."""
    if isinstance(value, tuple):
        return [_pythonic(v) for v in value]
    return value


# Key types a plain getter may take: each is one ABI word, which is also its HashMap key.
_KEY_TYPES = ("address", "uint256", "bytes32")
# Value types whose storage word is their ABI word as it is (signed and short bytes
# types are left to the EVM: their words need the compiler's conventions).
_STORAGE_WORD = re.compile(r"uint\d*|bool|address|bytes32")
_HASHMAP = re.compile(r"HashMap\[(\w+), (\w+)\]")


def _storage_getters(compiler_data: Any) -> dict[str, tuple[int, bool]]:
    """The contract's own views that only return a storage variable: name -> (slot, keyed).

    A function qualifies when it is ``@external @view`` without default
    arguments and its whole body is ``return self.v`` (``v`` an unsigned
    int, bool, address or bytes32) or ``return self.v[k]`` (``v`` a
    ``HashMap`` of those keyed by its only argument ``k``, an address,
    uint256 or bytes32). Its
    result is then, by the compiler's construction, the word in ``v``'s slot
    (for a key, ``keccak256(slot ++ key)``), which revm reads without running
    any code. Only the contract's own module is looked at: functions and
    variables of modules it uses keep going through the EVM, and so does
    any view whose body is anything else (a planted bug in a getter too).
    The getter the compiler writes for a ``public()`` storage variable of
    such a type is plain too.
    """
    from vyper import ast as vy_ast

    layout = compiler_data.storage_layout.get("storage_layout", {})
    out: dict[str, tuple[int, bool]] = {}
    for declared in compiler_data.vyper_module.get_children(vy_ast.VariableDecl):
        if declared.is_public and not (
            declared.is_constant or declared.is_immutable or declared.is_transient
        ):
            getter = _word_variable(layout, declared.target.id)
            if getter is not None:
                out[declared.target.id] = getter[:2]
    for fn in compiler_data.vyper_module.get_children(vy_ast.FunctionDef):
        decorators = {getattr(d, "id", None) for d in fn.decorator_list}
        if decorators != {"external", "view"} or fn.args.defaults or len(fn.body) != 1:
            continue
        returned = getattr(fn.body[0], "value", None)
        if not isinstance(fn.body[0], vy_ast.Return) or returned is None:
            continue
        params = fn.args.args
        key = None
        if isinstance(returned, vy_ast.Subscript) and len(params) == 1:
            key, returned = returned.slice, returned.value
            if not (isinstance(key, vy_ast.Name) and key.id == params[0].arg):
                continue
        elif params:
            continue
        if not (
            isinstance(returned, vy_ast.Attribute)
            and isinstance(returned.value, vy_ast.Name)
            and returned.value.id == "self"
        ):
            continue
        getter = _word_variable(layout, returned.attr)
        if getter is None or getter[1] != (key is not None):
            continue
        if key is not None and getattr(params[0].annotation, "id", None) != getter[2]:
            continue  # the key's ABI word must be the argument's
        out[fn.name] = getter[:2]
    return out


def _word_variable(layout: dict, name: str) -> tuple[int, bool, str | None] | None:
    """``(slot, keyed, key type)`` of storage variable ``name`` if one word holds each value.

    An unsigned int, bool, address or bytes32, or a ``HashMap`` from an
    address, uint256 or bytes32 to one of those; None for anything else (or
    a module's variable).
    """
    variable = layout.get(name)
    if not isinstance(variable, dict) or "slot" not in variable or variable["n_slots"] != 1:
        return None
    kind = variable["type"]
    if _STORAGE_WORD.fullmatch(kind):
        return variable["slot"], False, None
    mapping = _HASHMAP.fullmatch(kind)
    if (
        mapping is not None
        and mapping.group(1) in _KEY_TYPES
        and _STORAGE_WORD.fullmatch(mapping.group(2))
    ):
        return variable["slot"], True, mapping.group(1)
    return None


def _compile_function(name: str, entries: list[dict]) -> tuple[dict, dict]:
    """An external function's calling data, per arity (Vyper's default arguments).

    ``(selector, encoder, decoder, static)`` for each arity, and whether its
    result is a single word (what the lens can return). Built once per
    deployer: built per handle, the minipool's 38 functions made each new
    handle cost 335 µs (15 µs now).
    """
    by_arity: dict[int, tuple[bytes, Any, Any, bool]] = {}
    word_result: dict[int, bool] = {}
    for entry in entries:
        types = [_abi_type(i) for i in entry["inputs"]]
        selector = keccak(text=f"{name}({','.join(types)})")[:4]
        outputs = [_abi_type(o) for o in entry.get("outputs", [])]
        static = entry.get("stateMutability") in ("view", "pure")
        by_arity[len(types)] = (selector, _encoder(types), _decoder(outputs), static)
        word_result[len(types)] = len(outputs) == 1 and _WORD.fullmatch(outputs[0]) is not None
    return by_arity, word_result


class _Function:
    """One external function (all its arities, for Vyper's default arguments)."""

    def __str__(self) -> str:
        return f"{self.contract._name}.{self.name}"

    def __init__(self, contract: RevmContract, name: str, compiled: tuple[dict, dict]) -> None:
        self.contract = contract
        self.name = name
        # Shared by every handle on the same code (see _compile_function).
        self.by_arity, self.word_result = compiled
        self._lens_entries: dict[tuple, tuple[bytes, Any] | None] = {}
        # A plain getter's (slot, keyed) (see _storage_getters), and its slot per arguments.
        self.getter = contract._deployer._storage_getters.get(name)
        self._slots: dict[tuple, int | None] = {}

    def storage_slot(self, args: tuple) -> int | None:
        """The slot whose word this call returns, when it is a plain getter's; else None.

        None too while the handle's address does not hold this contract's
        code (a minipool not created yet): only the code makes it a getter.
        """
        try:
            return self._slots[args]
        except KeyError:
            pass
        except TypeError:  # an argument that cannot be a key: not a getter's
            return None
        slot = None
        if self.getter is not None and len(args) in self.by_arity:
            base, keyed = self.getter
            if keyed and len(args) == 1:
                key = self.by_arity[1][1](args)
                slot = int.from_bytes(keccak(base.to_bytes(32, "big") + key), "big")
            elif not keyed and not args:
                slot = base
        if slot is not None and not self.contract._holds_its_code():
            return None
        self._slots[args] = slot
        return slot

    def lens_entry(self, args: tuple) -> tuple[bytes, Any] | None:
        """This view's record for the lens with ``args``, and its result's decoder.

        ``None`` when the lens cannot make the call: not a view, a result
        that is not one 32-byte word, or calldata longer than 255 bytes.
        Records are kept per argument tuple: the same reads recur every step.
        """
        try:
            if args in self._lens_entries:
                return self._lens_entries[args]
        except TypeError:  # an argument that cannot be a key (a list): made as a single call
            return None
        entry = None
        if len(args) in self.by_arity:
            selector, encode, decode, static = self.by_arity[len(args)]
            data = selector + encode(args) if args else selector
            if static and self.word_result[len(args)] and len(data) < 256:
                target = bytes.fromhex(self.contract.address[2:])
                entry = (target + bytes([len(data)]) + data, decode)
        self._lens_entries[args] = entry
        return entry

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
            # A static call straight to pyrevm: views are most of the calls a step makes.
            contract._result = None
            slot = self.storage_slot(args) if self.getter is not None else None
            if slot is not None:  # a plain getter: its storage word, no code run
                return decode(chain.evm.storage(contract.address, slot).to_bytes(32, "big"))
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
        functions: dict[str, list[dict]] = {}
        # By topic: the record type, per input a decoder of its topic (None: not
        # indexed, its value is in the data), and a decoder for the logged data.
        self._events: dict[bytes, tuple[Any, list[Any], Any]] = {}
        for entry in self.abi:
            if entry["type"] == "function":
                functions.setdefault(entry["name"], []).append(entry)
            elif entry["type"] == "event":
                types = ",".join(_abi_type(i) for i in entry["inputs"])
                topic = keccak(text=f"{entry['name']}({types})")
                fields = ["address", *(i["name"] for i in entry["inputs"])]
                record = namedtuple(entry["name"], fields, rename=True)  # noqa: PYI024
                plain = [_abi_type(i) for i in entry["inputs"] if not i["indexed"]]
                topics = [_topic_decoder(i) if i["indexed"] else None for i in entry["inputs"]]
                self._events[topic] = (record, topics, _values_decoder(plain))
        self._compiled_functions = {
            name: _compile_function(name, entries) for name, entries in functions.items()
        }
        self.runtime = compiler_data.bytecode_runtime
        self._storage_getters = _storage_getters(compiler_data)

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
        self._code_seen = False  # see _holds_its_code
        for name, compiled in deployer._compiled_functions.items():
            setattr(self, name, _Function(self, name, compiled))
        if register:
            self._chain.contracts[address.lower()] = self

    def __repr__(self) -> str:
        return f"<{self._name} at {self.address} (revm)>"

    def _holds_its_code(self) -> bool:
        """Whether the address runs this handle's compiled code (immutables may follow it)."""
        if not self._code_seen:
            runtime = self._deployer.runtime
            self._code_seen = self._chain.get_code(self.address)[: len(runtime)] == runtime
        return self._code_seen

    def get_logs(self) -> list[Any]:
        """The events of this handle's last call (every contract's), as titanoboa gives them."""
        return self._chain.logs(self._result)

    def decode_log(self, topics: list[bytes], data: bytes) -> Any:
        """A log emitted by this contract as a named tuple (``address`` first), or None."""
        if not topics or topics[0] not in self._deployer._events:
            return None
        record, topic_decoders, decode = self._deployer._events[topics[0]]
        values = iter(decode(bytes(data)))
        indexed = iter(topics[1:])
        out: list[Any] = [self.address]
        for topic_decoder in topic_decoders:
            if topic_decoder is None:
                out.append(next(values))
            else:
                out.append(topic_decoder(bytes(next(indexed))))
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
