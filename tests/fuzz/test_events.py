"""The ``events`` invariant: every event a checked step emits is the one the model predicts.

The comparison itself (:func:`invariants.events.check_events`), the logs each
backend records during a step, the script of every checked action with all
its events compared, and planted bugs that change nothing but an event: one
the script meets, one a short campaign finds.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.bugzoo.patch import Bug, Edit
from harness.chain import backend
from harness.chain.deploy import NETWORK_CONTRACTS
from harness.cli.commands import main
from harness.fuzz import checked
from harness.fuzz.steps import StepContext, execute
from harness.units import ETH
from harness.world.deploy import deploy_protocol
from invariants import InvariantViolation
from invariants.events import EXEMPT, Event, EventDecoder, check_events
from tests.fuzz.test_entry_points import SCRIPT
from tests.helpers import bug_copy

NODE = "0x" + "11" * 20
POOL = "0x" + "22" * 20


def _credit_used(amount: int, time: int = 100) -> Event:
    return Event(
        "RocketNodeDeposit",
        POOL,
        "DepositCreditUsed",
        {"node": NODE, "amount": amount, "time": time},
    )


# --------------------------------------------------------------------------- the comparison
def test_the_same_events_in_the_same_order_pass():
    check_events("create_minipool", [_credit_used(5)], [_credit_used(5)])


def test_an_extra_event_is_named_with_its_position():
    with pytest.raises(InvariantViolation) as caught:
        check_events("create_minipool", [], [_credit_used(0)])
    assert caught.value.name == "events"
    assert caught.value.message.startswith(
        "create_minipool: event 0 was RocketNodeDeposit.DepositCreditUsed(node="
    )
    assert caught.value.message.endswith("the model expected no more events")
    assert caught.value.details["expected"] is None
    assert "amount=0" in caught.value.details["actual"]


def test_a_missing_event_is_named():
    with pytest.raises(InvariantViolation, match="event 0 should have been .*none was emitted"):
        check_events("create_minipool", [_credit_used(5)], [])


def test_a_wrong_argument_is_named_with_both_values():
    with pytest.raises(InvariantViolation) as caught:
        check_events("create_minipool", [_credit_used(5)], [_credit_used(6)])
    assert caught.value.message == (
        f"create_minipool: event 0 RocketNodeDeposit.DepositCreditUsed at {POOL}: "
        "argument amount was 6, the model expected 5"
    )
    assert caught.value.details["argument"] == "amount"


def test_events_out_of_order_are_a_violation():
    first, second = _credit_used(5), _credit_used(5, time=101)
    with pytest.raises(InvariantViolation, match="argument time was 101, the model expected 100"):
        check_events("create_minipool", [first, second], [second, first])


def test_exempt_events_the_model_emits_are_left_out():
    registered = Event("RocketStorage", POOL, "ContractRegistered", {"name": "x", "addr": NODE})
    assert "RocketStorage.ContractRegistered" in EXEMPT
    check_events("deposit", [registered, _credit_used(1)], [_credit_used(1)])


# --------------------------------------------------------------------------- the recorders
def test_titanoboa_records_every_transaction_of_a_step_and_then_stops(p):
    chain = p.chain
    decoder = EventDecoder(
        {
            str(p.deposit_pool.address).lower(): "RocketDepositPool",
            str(p.reth.address).lower(): "RocketTokenRETH",
        }
    )
    depositor = p.depositors[0]
    chain.start_logs()
    p.deposit(depositor, 2 * ETH)
    p.deposit(depositor, 3 * ETH)
    events = decoder.decode(chain.take_logs())
    assert "execute_code" not in vars(chain.env)  # the environment's own method again
    received = [e.args["amount"] for e in events if e.name == "DepositReceived"]
    assert received == [2 * ETH, 3 * ETH]
    assert [e.name for e in events] == ["Transfer", "TokensMinted", "DepositReceived"] * 2
    assert events[2].args["sender"] == depositor.lower()
    assert events[2].args["time"] == p.now()
    p.deposit(depositor, ETH)  # not recording any more
    assert chain.take_logs() == []


@pytest.fixture(scope="module")
def revm_protocol():
    return deploy_protocol(chain=backend.new_revm_chain())


def test_revm_records_the_same_logs_as_titanoboa(p, revm_protocol):
    logs = {}
    for name, protocol in (("boa", p), ("revm", revm_protocol)):
        with protocol.anchor():
            protocol.chain.start_logs()
            protocol.register_node(protocol.node_operators[0])
            protocol.deposit(protocol.depositors[0], 2 * ETH)
            logs[name] = protocol.chain.take_logs()

    # The same deployment on both backends: the same emitters and topics, in order
    # (the data differ in the timestamps only: the two chains started at other times).
    # Emitters by contract name, and each event's signature (its first topic): a test
    # worker's titanoboa chain may have deployed other contracts and actors first,
    # which moves every address, indexed ones included.
    def emitters(protocol):
        return {
            str(getattr(protocol, spec.attr).address).lower(): spec.name
            for spec in NETWORK_CONTRACTS
        }

    named = {
        name: [
            (emitters(protocol).get(str(log.address).lower()), log.topics[0]) for log in logs[name]
        ]
        for name, protocol in (("boa", p), ("revm", revm_protocol))
    }
    assert named["revm"] == named["boa"]
    assert None not in {emitter for emitter, _ in named["boa"]}
    assert len(logs["boa"]) >= 4  # NodeRegistered, TokensMinted, Transfer, DepositReceived, ...


def test_the_unchecked_facade_records_and_decodes_nothing(revm_protocol, monkeypatch):
    def refuse() -> None:
        raise AssertionError("an unchecked step recorded logs")

    monkeypatch.setattr(revm_protocol.chain, "start_logs", refuse)
    with revm_protocol.anchor():
        ctx = StepContext.create(revm_protocol, check=False)
        execute(ctx, "register_node", {"node": "node_operator_0"})
        execute(ctx, "deposit", {"who": "depositor_0", "amount": 40 * ETH})


# --------------------------------------------------------------------------- every action
def test_every_checked_action_emits_the_events_the_model_predicts(revm_protocol, monkeypatch):
    compared: dict[str, set[str]] = {}
    original = checked.check_events

    def counting(action: str, expected: list, actual: list) -> None:
        original(action, expected, actual)
        compared.setdefault(action, set()).update(e.key for e in actual)

    monkeypatch.setattr(checked, "check_events", counting)
    with revm_protocol.anchor():
        ctx = StepContext.create(revm_protocol, check=True)
        for rule, args in SCRIPT:
            execute(ctx, rule, args)
    seen = set().union(*compared.values())
    # What the script's steps emit, each compared with the model's prediction.
    assert compared["deposit"] >= {
        "RocketTokenRETH.TokensMinted",
        "RocketDepositPool.DepositReceived",
    }
    assert compared["create_minipool"] >= {
        "RocketNodeDeposit.DepositReceived",
        "RocketMinipool.StatusUpdated",
        "RocketMinipoolManager.MinipoolCreated",
        "RocketMinipoolQueue.MinipoolEnqueued",
    }
    assert compared["vote_scrub"] == {"RocketMinipool.ScrubVoted"}  # one vote: no quorum
    assert compared["stake_rpl"] == {
        "RocketNodeStaking.RPLStaked",
        "RocketTokenRPL.Approval",
        "RocketTokenRPL.Transfer",
        "RocketVault.TokenDeposited",
    }
    assert "RocketMinipool.EtherWithdrawalProcessed" in compared["distribute"]
    assert "RocketNodeDistributorFactory.ProxyCreated" in compared["register_node"]
    assert compared["distribute_fees"] == {
        "RocketTokenRETH.EtherDeposited",
        "RocketNodeDistributorDelegate.FeesDistributed",
    }
    assert compared["set_max_penalty_rate"] == {"RocketMinipoolPenalty.MaxPenaltyRateUpdated"}
    assert compared["submit_penalty"] == {"RocketNetworkPenalties.PenaltySubmitted"}
    assert len(seen) == 40, sorted(seen)


# A bond reduced from 16 to 8 ETH, then its credit spent on a new minipool.
REDUCTION: list[tuple[str, dict]] = [
    ("register_node", {"node": "node_operator_0"}),
    ("stake_rpl", {"node": "node_operator_0", "amount": 5_000 * ETH}),
    ("create_minipool", {"node": "node_operator_0", "bond": 16, "credit": False, "value": None}),
    ("deposit", {"who": "depositor_0", "amount": 40 * ETH}),
    ("advance", {"seconds": 13 * 3_600}),
    ("stake", {"minipool": 0}),
    ("begin_reduce_bond", {"minipool": 0}),
    ("advance", {"seconds": 3 * 86_400}),
    ("reduce_bond", {"minipool": 0}),
    ("create_minipool", {"node": "node_operator_0", "bond": 8, "credit": True, "value": 4 * ETH}),
]


def test_a_bond_reduction_and_the_credit_it_gives_emit_the_predicted_events(
    revm_protocol, monkeypatch
):
    compared: dict[str, list[Event]] = {}
    original = checked.check_events

    def keeping(action: str, expected: list, actual: list) -> None:
        original(action, expected, actual)
        compared[action] = actual

    monkeypatch.setattr(checked, "check_events", keeping)
    with revm_protocol.anchor():
        ctx = StepContext.create(revm_protocol, check=True)
        for rule, args in REDUCTION:
            execute(ctx, rule, args)
        node = revm_protocol.node_operators[0].lower()
    assert [e.key for e in compared["reduce_bond"]][-4:] == [
        "RocketMinipool.BondReduced",
        "RocketMinipoolManager.MinipoolBondUpdated",
        "RocketNodeDeposit.DepositCreditIncreased",
        "RocketMinipoolBondReducer.BondReductionCompleted",
    ]
    increased = compared["reduce_bond"][-2]
    assert increased.args["node"] == node
    assert increased.args["amount"] == 8 * ETH
    used = compared["create_minipool"][0]
    assert used.key == "RocketNodeDeposit.DepositCreditUsed"
    assert (used.args["node"], used.args["amount"]) == (node, 4 * ETH)
    received = compared["create_minipool"][1]
    assert (received.key, received.args["amount"]) == ("RocketNodeDeposit.DepositReceived", 4 * ETH)


# --------------------------------------------------------------------------- planted bugs
def _credit_mutant(tmp_path: Path) -> Path:
    """The mutation survivor: ``shortfall > 0`` -> ``>= 0`` logs a credit use of 0."""
    bug = Bug(
        "credit-used-zero",
        "a deposit with credit logs DepositCreditUsed even when no credit was used",
        "mutation survivor: a comparison that only guards an event",
        (
            Edit(
                "RocketNodeDeposit.vy",
                "    if shortfall > 0:\n        self._deposit_credit",
                "    if shortfall >= 0:\n        self._deposit_credit",
            ),
        ),
    )
    return bug_copy(bug)


def test_a_credit_use_of_zero_logged_is_caught_by_the_events_invariant(tmp_path: Path):
    contracts = _credit_mutant(tmp_path)
    mutant = deploy_protocol(
        replace={"rocketNodeDeposit": contracts / "RocketNodeDeposit.vy"},
        chain=backend.new_revm_chain(),
    )
    ctx = StepContext.create(mutant, check=True)
    with pytest.raises(InvariantViolation) as caught:
        for rule, args in SCRIPT:
            execute(ctx, rule, args)
    assert caught.value.name == "events"
    assert caught.value.details["action"] == "create_minipool"
    assert "RocketNodeDeposit.DepositCreditUsed(" in caught.value.details["actual"]
    assert "amount=0" in caught.value.details["actual"]


@pytest.mark.ignore_isolation
def test_a_short_campaign_finds_a_deposit_logged_net_of_its_fee(tmp_path, monkeypatch):
    bug = Bug(
        "deposit-logged-net",
        "the deposit pool logs a deposit net of its fee",
        "an event argument wrong, every balance right",
        (
            Edit(
                "RocketDepositPool.vy",
                "    log DepositReceived(\n        sender=msg.sender, amount=msg.value,",
                "    log DepositReceived(\n        sender=msg.sender, amount=msg.value - fee,",
            ),
        ),
    )
    contracts = bug_copy(bug)
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "campaign.json"
    argv = ["run", "--profile", "ci", "--seed", "1", "--backend", "revm"]
    argv += ["--contracts", str(contracts), "--json", str(out)]
    code = main([*argv, "--failures-dir", str(tmp_path / "failures")])
    report = json.loads(out.read_text())
    assert code == 1
    failure = report["failures"][0]
    assert failure["invariant"] == "events"
    assert "RocketDepositPool.DepositReceived" in failure["message"]
    assert "argument amount was" in failure["message"]
    replay = json.loads((tmp_path / failure["replay_file"]).read_text())
    assert replay["failure"]["invariant"] == "events"


# A minipool scrubbed with the penalty on (part of its bond to the pool), then closed.
SCRUB: list[tuple[str, dict]] = [
    ("register_node", {"node": "node_operator_0"}),
    ("stake_rpl", {"node": "node_operator_0", "amount": 5_000 * ETH}),
    ("set_setting", {"path": "minipool.scrub.penalty.enabled", "value": True}),
    ("create_minipool", {"node": "node_operator_0", "bond": 8, "credit": False, "value": None}),
    ("deposit", {"who": "depositor_0", "amount": 40 * ETH}),
    ("vote_scrub", {"member": "odao_member_0", "minipool": 0}),
    ("vote_scrub", {"member": "odao_member_1", "minipool": 0}),
    ("close", {"minipool": 0}),
]


def test_a_scrub_and_a_close_emit_the_predicted_events(revm_protocol, monkeypatch):
    compared: dict[str, list[Event]] = {}
    original = checked.check_events

    def keeping(action: str, expected: list, actual: list) -> None:
        original(action, expected, actual)
        compared[action] = actual

    monkeypatch.setattr(checked, "check_events", keeping)
    with revm_protocol.anchor():
        ctx = StepContext.create(revm_protocol, check=True)
        for rule, args in SCRUB:
            execute(ctx, rule, args)
        penalty = min(ctx.cp.model.settings["minipool.scrub.penalty"], 7 * ETH)
    keys = {action: [e.key for e in events] for action, events in compared.items()}
    minipool = ctx.minipools[0].lower()
    scrubbed = keys["vote_scrub"]  # the second vote carries the quorum
    assert (scrubbed[0], scrubbed[-1]) == (
        "RocketMinipool.ScrubVoted",
        "RocketMinipool.MinipoolScrubbed",
    )
    assert "RocketNodeStaking.RPLSlashed" not in scrubbed  # the v1.3.1 penalty is ETH
    [recycled] = [e for e in compared["vote_scrub"] if e.name == "DepositRecycled"]
    assert (recycled.args["sender"], recycled.args["amount"]) == (minipool, 24 * ETH + penalty)
    assert keys["close"] == [
        "RocketMinipoolManager.MinipoolDestroyed",
        "RocketMinipool.EtherWithdrawn",
    ]
    paid = compared["close"][1]
    assert (paid.emitter, paid.args["to"]) == (minipool, revm_protocol.node_operators[0].lower())
    assert paid.args["amount"] == 7 * ETH - penalty
