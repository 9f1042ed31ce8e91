"""The revm backend: the same sequences give the same results as on titanoboa.

The differential test records sequences with the machine (on revm, for a
fixed seed), runs each on a fresh deployment on both backends, and compares
after every step the outcome and revert reason, every public view, every
ETH balance and the events of every contract (see :mod:`harness.run.differential`).
"""

from __future__ import annotations

import json
import math
import tempfile
from pathlib import Path

import boa
import pytest

from harness.bugzoo import BY_NAME, apply_bug
from harness.chain import backend
from harness.chain.actors import REENTRANT, contract_actors
from harness.chain.deploy import DEFAULT_CONTRACTS_DIR
from harness.chain.reverts import revert_reason
from harness.chain.revm import RevmReverted, _reverted
from harness.cli.commands import main
from harness.fuzz.steps import StepContext
from harness.replay.file import ReplayFile, contracts_sha256
from harness.run.bench import NoOpMachine, _bench_job
from harness.run.campaign import run_campaign, run_worker
from harness.run.differential import differences, run_sequence
from harness.units import ETH
from harness.world.deploy import deploy_protocol, shared_protocol

# Every view after every third step (and the last): reading them all costs 0.15 s on titanoboa.
VIEWS_EVERY = 3


def test_revert_data_reads_as_titanoboa_words_it():
    message = "reth: insufficient ETH collateral"
    padded = message.encode().hex().ljust(128, "0")  # 33 bytes: two words
    data = "08c379a0" + f"{32:064x}" + f"{len(message):064x}" + padded
    reason = _reverted(RuntimeError(f"Revert {{ gas_used: 1, output: 0x{data} }}"), "reth.burn")
    assert isinstance(reason, RevmReverted)
    assert revert_reason(reason) == message
    bare = _reverted(RuntimeError("Revert { gas_used: 1, output: 0x }"), "reth.burn")
    assert revert_reason(bare) == "Revert(b'')"


def test_unknown_backend_is_refused_with_the_choices(capsys):
    assert main(["run", "--backend", "geth", "--examples", "1", "--steps", "1"]) == 2
    out = " ".join(capsys.readouterr().out.split())
    assert "--backend geth" in out and "boa, revm" in out


def _recorded_sequences() -> list[list[dict]]:
    """Two examples of the machine on revm, seed 11, reverting steps among them.

    Twelve rules an example: 66 steps in all, 9 of them reverting on titanoboa
    (20 rules made 99 steps, 16 reverting, for half as long again).
    """
    job = _bench_job(11, 2, 12, None, None, "revm")
    job.max_seconds = math.inf
    summary = run_worker(job)
    assert not summary["failures"]
    return [list(example) for example in summary["all_steps"]]


def _run_both(sequences: list[list[dict]]) -> list[tuple[list, list]]:
    """Each sequence on a fresh titanoboa deployment and a fresh revm one, same start."""
    boa_chain = backend.chain("boa")
    generator = boa.env._random.getstate()
    start = (boa_chain.timestamp, boa_chain.block_number)
    runs = []
    with boa_chain.anchor():
        p = deploy_protocol(chain=boa_chain)
        for steps in sequences:
            with p.anchor(), boa_chain.anchor():
                runs.append([run_sequence(StepContext.create(p, check=True), steps, VIEWS_EVERY)])
    revm_chain = backend.new_revm_chain(timestamp=start[0], block_number=start[1])
    revm_chain._random.setstate(generator)  # the same actor addresses as on titanoboa
    p = deploy_protocol(chain=revm_chain)
    for run, steps in zip(runs, sequences, strict=True):
        with p.anchor():
            run.append(run_sequence(StepContext.create(p, check=True), steps, VIEWS_EVERY))
    return runs


@pytest.fixture(scope="module")
def recorded():
    sequences = _recorded_sequences()
    return sequences, _run_both(sequences)


def test_both_backends_agree_step_by_step(recorded):
    sequences, runs = recorded
    outcomes = [r["outcome"] for on_boa, _ in runs for r in on_boa]
    # Reverting steps are part of the comparison: the reasons must match too.
    reverted = [
        o
        for o in outcomes
        if isinstance(o, tuple) and any(isinstance(e, tuple) and e[0] is False for e in o)
    ]
    assert len(reverted) >= 3, outcomes
    assert sum(len(s) for s in sequences) >= 30
    for steps, (on_boa, on_revm) in zip(sequences, runs, strict=True):
        assert differences(on_boa, on_revm, steps) == []


def test_the_comparison_sees_every_kind_of_difference(recorded):
    sequences, runs = recorded
    steps, (on_boa, _) = sequences[0], runs[0]
    record = on_boa[-1]
    view = next(iter(record["views"]))
    contract = (
        next(name for name, logs in record["events"].items() if logs)
        if any(record["events"].values())
        else "reth"
    )
    changed = {
        "outcome": ((False, "deposit pool: deposit below minimum"),),
        "balances": {**record["balances"], "depositor_0": record["balances"]["depositor_0"] + 1},
        "views": {**record["views"], view: ("reverted", "other")},
        "events": {**record["events"], contract: [("Other", ())]},
    }
    for key, value in changed.items():
        other = [*on_boa[:-1], {**record, key: value}]
        found = differences(on_boa, other, steps)
        assert len(found) == 1 and f"): {key}" in found[0], (key, found)


# --------------------------------------------------------------------------- found on revm
# A fixed path: titanoboa's compile cache is keyed on it, so only the first run compiles.
PLANTED_DIR = Path(tempfile.gettempdir()) / "rpfuzz-tests" / "revm-planted"


def test_a_bug_found_on_revm_replays_on_titanoboa(tmp_path, capsys):
    bug = BY_NAME["deposit-fee-minted"]
    contracts = apply_bug(bug, DEFAULT_CONTRACTS_DIR, PLANTED_DIR / bug.name / "contracts")
    result = run_campaign(
        profile="ci",
        seed=bug.seed,
        examples=50,
        steps=30,
        max_seconds=60,
        contracts_dir=contracts,
        failures_dir=tmp_path,
        backend_name="revm",
    )
    assert result.exit_code == 1
    (failure,) = result.failures
    assert failure.invariant == "call-values"
    replay = ReplayFile.load(failure.replay_file)  # the ordinary replay file
    assert replay.failure["invariant"] == "call-values"
    assert replay.contracts_sha256 == contracts_sha256(contracts)
    capsys.readouterr()
    # rpfuzz replay runs on titanoboa, the default, and fails at the recorded step.
    assert backend.active() == "boa"
    assert main(["replay", failure.replay_file]) == 1
    printed = " ".join(capsys.readouterr().out.split())
    assert "call-values" in printed
    assert f"step {replay.failure['step']}" in printed


def test_calls_are_encoded_as_eth_abi_encodes_them():
    from eth_abi import encode

    from harness.chain.revm import _encoder

    deposit = ["uint256", "uint256", "bytes", "bytes", "bytes32", "uint256", "address"]
    args = (8 * ETH, 0, b"\x11" * 48, b"\x22" * 96, b"\x33" * 32, 3, "0x" + "ab" * 20)
    assert _encoder(deposit)(args) == encode(deposit, list(args))
    # Empty and unaligned bytes are padded to whole words; a bool is a word.
    types = ["bytes", "bool", "string"]
    for value, text in ((b"", ""), (b"\x44" * 33, "deposit.pool.maximum ü")):
        assert _encoder(types)((value, True, text)) == encode(types, [value, True, text])
    # What the fast path does not take goes to eth-abi: it pads a short bytes32, and
    # refuses a negative amount.
    assert _encoder(["bytes32"])((b"\x01",)) == b"\x01" + bytes(31)
    with pytest.raises(Exception, match="cannot be encoded by UnsignedIntegerEncoder"):
        _encoder(["uint256"])((-1,))


# --------------------------------------------------------------------------- the lens
class _CountingEVM:
    """A pyrevm EVM that counts its message calls."""

    def __init__(self, evm) -> None:
        self.evm, self.calls = evm, 0

    def message_call(self, *args):
        self.calls += 1
        return self.evm.message_call(*args)

    def __getattr__(self, name):
        return getattr(self.evm, name)


def _lens_world():
    """The shared revm deployment after a 20 ETH deposit and a node's 8 ETH minipool."""
    p = shared_protocol()
    depositor, node = p.depositors[0], p.node_operators[0]
    p.deposit(depositor, 20 * ETH)
    p.register_node(node)
    p.fund_rpl(node, 3_000 * ETH)
    p.stake_rpl(node, 3_000 * ETH)
    minipool = p.create_minipool(node, bond=8)
    return p, depositor, node, minipool


def test_the_lens_reads_in_one_call_what_single_calls_read():
    with backend.using("revm"):
        p = shared_protocol()
        with p.chain.anchor():
            p, depositor, node, minipool = _lens_world()
            calls = [
                (p.reth.balanceOf, (depositor,)),  # uint256
                (p.deposit_pool.getUserBalance, ()),  # int256
                (minipool.getStatus, ()),  # uint8
                (minipool.getFinalised, ()),  # bool
                (minipool.getNodeAddress, ()),  # address
                (p.minipool_manager.getNodeETHMatched, (node,)),
            ]
            evm = p.chain.evm
            p.chain.evm = counting = _CountingEVM(evm)
            try:
                values = p.chain.read_views(calls)
            finally:
                p.chain.evm = evm
            assert counting.calls == 1  # one call, through the lens
            assert values == [function(*args) for function, args in calls]
            # 20 ETH at the first rate less the 0.05% deposit fee; a fresh minipool is
            # Initialised; an 8 ETH bond is matched with 24 ETH.
            assert values[0] == 20 * ETH * 9995 // 10_000
            assert values[2:] == [0, False, node, 24 * ETH]


@pytest.mark.parametrize("name", ["boa", "revm"])
def test_logs_from_keeps_only_the_emitters_events(name):
    with backend.using(name):
        p = shared_protocol()
        with p.anchor():  # the beacon chain's ingested deposit is undone too
            p, _, _, minipool = _lens_world()
            everything = p.node_deposit.get_logs()
            mine = p.chain.logs_from(p.node_deposit, p.deposit_contract)
            pubkey = bytes(minipool.getValidatorPubkey())
    # The node's deposit: events from several contracts, one of them the beacon
    # deposit contract's 1 ETH pre-deposit of the minipool's validator key.
    assert len({str(log.address) for log in everything}) > 1
    assert [type(log).__name__ for log in mine] == ["DepositEvent"]
    assert bytes(mine[0].pubkey) == pubkey
    assert str(mine[0].address).lower() == str(p.deposit_contract.address).lower()


def _run_in_the_evm(function, *args):
    """The view's value from running its code (what a plain getter's storage read replaces)."""
    selector, encode, decode, _ = function.by_arity[len(args)]
    data = selector + encode(args) if args else selector
    chain = function.contract._chain
    return decode(
        chain.evm.message_call(chain.eoa, function.contract.address, data, None, 10**8, None, True)
    )


def test_plain_getters_are_read_from_storage_with_the_values_their_code_returns():
    with backend.using("revm"):
        p = shared_protocol()
        with p.anchor():
            p, depositor, node, minipool = _lens_world()
            manager = p.minipool_manager
            reentrant = contract_actors(p.chain)[REENTRANT]
            calls = [
                (minipool.getStatus, ()),  # uint8
                (minipool.getNodeDepositBalance, ()),
                (minipool.getFinalised, ()),  # bool
                (minipool.getNodeAddress, ()),  # address
                (manager.getNodeETHMatched, (node,)),  # HashMap[address, uint256]
                (manager.getMinipoolExists, (minipool.address,)),  # HashMap[address, bool]
                (manager.getMinipoolCount, ()),
                (p.network_balances.getTotalETHBalance, ()),
                (reentrant.reentryAttempts, ()),  # a public variable's getter
            ]
            assert all(function.storage_slot(args) is not None for function, args in calls)
            evm = p.chain.evm
            p.chain.evm = counting = _CountingEVM(evm)
            try:
                read = p.chain.read_views(calls)
                single = [function(*args) for function, args in calls]
            finally:
                p.chain.evm = evm
            assert counting.calls == 0  # no code ran
            ran = [_run_in_the_evm(function, *args) for function, args in calls]
            assert read == single == ran == [0, 8 * ETH, False, node, 24 * ETH, True, 1, 0, 0]
            # Views that compute, or live in a module the contract uses, run their code.
            assert p.deposit_pool.getExcessBalance.storage_slot(()) is None
            assert p.reth.totalSupply.storage_slot(()) is None
            # So does a getter at an address that does not hold the contract yet.
            unborn = p.minipool_at(p.expected_minipool_address(node, 77))
            assert unborn.getStatus.storage_slot(()) is None


def test_only_a_bare_return_of_a_storage_word_is_a_plain_getter(tmp_path):
    from harness.chain.revm import _storage_getters

    source = tmp_path / "Getters.vy"
    source.write_text(
        "# pragma version ~=0.4.3\n"
        "x: uint256\n"
        "m: HashMap[address, uint256]\n"
        "name: String[10]\n"
        "count: public(uint256)\n"
        "owners: public(HashMap[uint256, address])\n"
        "note: public(Bytes[40])\n"
        "LIMIT: public(constant(uint256)) = 3\n"
        "@external\n@view\ndef getX() -> uint256:\n    return self.x\n"
        "@external\n@view\ndef getM(a: address) -> uint256:\n    return self.m[a]\n"
        "@external\n@view\ndef getXPlusOne() -> uint256:\n    return self.x + 1\n"
        "@external\n@view\ndef getMOf(a: address) -> uint256:\n"
        "    b: address = a\n    return self.m[b]\n"
        "@external\n@view\ndef getName() -> String[10]:\n    return self.name\n"
        "@external\ndef setX(v: uint256) -> uint256:\n    self.x = v\n    return self.x\n"
    )
    getters = _storage_getters(boa.load_partial(str(source)).compiler_data)
    # The compiler's getters of public variables: count and owners (after the string's
    # two slots), not a Bytes or a constant.
    assert getters == {
        "getX": (0, False),
        "getM": (1, True),
        "count": (4, False),
        "owners": (5, True),
    }


def test_the_lens_falls_back_to_single_calls_for_long_results_and_reverts():
    with backend.using("revm"):
        p = shared_protocol()
        with p.chain.anchor():
            p, depositor, _, _ = _lens_world()
            # A string is more than a word: the lens cannot return it, single calls can.
            assert p.chain.read_views([(p.reth.totalSupply, ()), (p.reth.name, ())]) == [
                p.reth.totalSupply(),
                p.reth.name(),
            ]
            with pytest.raises(RevmReverted) as single:
                p.minipool_queue.getMinipoolAt(5)
            # A reverting view among others: the error is the single call's own.
            with pytest.raises(RevmReverted) as batched:
                p.chain.read_views(
                    [(p.reth.balanceOf, (depositor,)), (p.minipool_queue.getMinipoolAt, (5,))]
                )
            assert batched.value.reason == single.value.reason
            assert "getMinipoolAt" in str(batched.value)


def test_storage_writes_on_revm_are_nothing_after_reverts_and_unknown_after_changes():
    from harness.chain.actors import REFUSER, SOURCES
    from invariants.observe import StorageWrites

    chain = backend.new_revm_chain()
    refuser = chain.load(SOURCES[REFUSER]).deploy()
    payer = chain.generate_address("payer")
    chain.set_balance(payer, ETH)
    writes = StorageWrites(chain)
    assert writes.take() == set()  # nothing happened
    with pytest.raises(RevmReverted):
        chain.raw_call(refuser.address, sender=payer, value=1)  # it refuses every payment
    assert writes.take() == set()  # a reverted call writes nothing
    assert chain.get_balance(payer) == ETH
    chain.load(SOURCES[REFUSER]).deploy()
    assert writes.take() is None  # a deployment (like any transaction) may write anything
    assert writes.take() == set()
    with chain.anchor():
        pass
    assert writes.take() is None  # a rolled-back anchor changes state too


def test_an_anchor_undoes_balance_changes_and_a_credit_runs_no_code():
    from harness.chain.actors import REFUSER, SOURCES

    chain = backend.new_revm_chain()
    depositor = chain.generate_address("depositor")
    chain.set_balance(depositor, 5)
    refuser = chain.load(SOURCES[REFUSER]).deploy()
    with chain.anchor():
        chain.set_balance(depositor, 100)
        # The refuser reverts on every payment, yet a credit reaches it: no code runs.
        chain.set_balance(refuser.address, 7)
        assert (chain.get_balance(depositor), chain.get_balance(refuser.address)) == (100, 7)
        with pytest.raises(ValueError, match="inside an anchor"):
            chain.set_balance(depositor, 1)
    assert (chain.get_balance(depositor), chain.get_balance(refuser.address)) == (5, 0)


def test_bench_measures_revm_and_the_no_op_machine_runs_nothing(tmp_path, capsys):
    out = tmp_path / "bench.json"
    argv = ["bench", "--backend", "revm", "--examples", "2", "--steps", "5", "--json", str(out)]
    assert main([*argv, "--workers", "2"]) == 0
    figures = json.loads(out.read_text())
    assert figures["backend"] == "revm"
    assert figures["machine_steps"] == figures["replay_steps"] >= 18  # 9 set-up steps each
    # Two spawned workers (seeds 0 and 1) met at the start line, then each ran its examples.
    assert figures["workers"]["workers"] == 2
    # Each ran for the time budget (the one-worker run lasted less than three seconds).
    assert figures["workers"]["budget_seconds"] == 3.0
    assert min(figures["workers"]["seconds"]) >= 3.0
    # ... and are compared with one worker run alone just before them.
    workers = figures["workers"]
    speedup = workers["steps_per_second"] / workers["one_worker_steps_per_second"]
    assert figures["comparisons"]["workers_2_over_1"] == pytest.approx(speedup, abs=1e-3)
    assert [n >= 18 for n in figures["workers"]["steps"]] == [True, True]
    assert list(figures["backends"]) == ["revm"]
    assert "Throughput on revm" in " ".join(capsys.readouterr().out.split())
    # The ceiling's machine draws and records steps, and the chain does not move.
    with backend.using("revm"):
        p = shared_protocol()
    job = _bench_job(3, 3, 10, None, None, "revm")
    run_worker(job, machine_cls=NoOpMachine)  # the first builds its context, in an anchor
    before = (p.reth.totalSupply(), p.deposit_pool.getBalance(), p.chain.state_changes)
    summary = run_worker(job, machine_cls=NoOpMachine)
    assert summary["steps"] >= 27 and summary["failures"] == []
    assert all(steps[0]["rule"] == "register_node" for steps in summary["all_steps"])
    assert (p.reth.totalSupply(), p.deposit_pool.getBalance(), p.chain.state_changes) == before


def test_bench_repeat_takes_medians_and_pairs_the_ceiling_runs(tmp_path, capsys):
    import statistics

    out = tmp_path / "bench.json"
    argv = ["bench", "--backend", "revm", "--examples", "2", "--steps", "5", "--json", str(out)]
    assert main([*argv, "--repeat", "3"]) == 0
    figures = json.loads(out.read_text())
    runs = figures["machine_runs"]
    assert len(runs) == 3
    assert figures["machine_steps_per_second"] == sorted(runs)[1]
    assert "the median counts" in " ".join(capsys.readouterr().out.split())
    # With the ceiling, the machine and the no-op machine also run in turns.
    assert main([*argv, "--repeat", "2", "--ceiling"]) == 0
    figures = json.loads(out.read_text())
    pairs = figures["ceiling"]["pairs"]
    assert len(pairs) == 2 and all(m > 0 and n > 0 for m, n in pairs)
    share = statistics.median(m / n for m, n in pairs)
    assert figures["comparisons"]["revm_over_ceiling"] == pytest.approx(share, abs=1e-3)
    assert "the median share is" in " ".join(capsys.readouterr().out.split())
    # Zero runs is refused by the flag's parser.
    assert main([*argv, "--repeat", "0"]) == 2
    assert "argument --repeat: 0 must be at least 1" in capsys.readouterr().err


def test_bench_refuses_an_unknown_backend_naming_the_flag(capsys):
    assert main(["bench", "--backend", "boa,geth", "--examples", "1", "--steps", "1"]) == 2
    assert "--backend geth" in " ".join(capsys.readouterr().out.split())
