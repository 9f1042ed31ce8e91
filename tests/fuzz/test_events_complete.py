"""Every event of every deployable contract is predicted by the model, or says why not.

The events are taken from the compiled ABIs (:func:`invariants.events.abi_events`);
the predictions are the model's ``self._emit("Contract", "Event", ...)`` calls,
read from the source of :mod:`harness.model`. An event added to a contract
fails here until the model emits it or :data:`invariants.events.EXEMPT`
gives a one-line reason; a prediction naming an event or an argument the
ABI does not have fails too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import harness.model
from harness.model.tokens import TOKEN_CONTRACTS
from invariants.events import EXEMPT, abi_events

MODEL_DIR = Path(harness.model.__file__).parent


def model_emits(directory: Path = MODEL_DIR) -> dict[str, list[tuple[str, int, set[str]]]]:
    """``"Contract.Event"`` -> where the model emits it: ``(file, line, argument names)``."""
    out: dict[str, list[tuple[str, int, set[str]]]] = {}
    for path in sorted(directory.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "_emit"
            ):
                continue
            first, event = node.args[0], node.args[1].value
            # An emitter chosen among the tokens (``TOKEN_CONTRACTS[token]``) stands for each.
            if isinstance(first, ast.Subscript) and getattr(first.value, "id", "") == (
                "TOKEN_CONTRACTS"
            ):
                contracts = list(TOKEN_CONTRACTS.values())
            else:
                contracts = [first.value]
            names = {k.arg for k in node.keywords if k.arg != "at"}
            for contract in contracts:
                out.setdefault(f"{contract}.{event}", []).append((path.name, node.lineno, names))
    return out


@pytest.fixture(scope="module")
def abi() -> dict[str, list[dict]]:
    return abi_events()


@pytest.fixture(scope="module")
def emits() -> dict[str, list[tuple[str, int, set[str]]]]:
    return model_emits()


def test_the_abis_and_the_model_are_read(abi, emits):
    # The figures of today's contracts: a change shows here first.
    assert "RocketNodeDeposit.DepositCreditUsed" in abi
    assert [i["name"] for i in abi["RocketNodeDeposit.DepositCreditUsed"]] == [
        "node",
        "amount",
        "time",
    ]
    assert "RocketNodeDeposit.DepositCreditUsed" in emits
    assert len(abi) == 65 + 3  # with the fee distributors: ProxyCreated, FeesDistributed,
    # NodeShareHeld; and the penalties: PenaltySubmitted, PenaltyUpdated, MaxPenaltyRateUpdated


def test_every_event_is_predicted_by_the_model_or_exempt(abi, emits):
    missing = sorted(key for key in abi if key not in emits and key not in EXEMPT)
    assert missing == [], (
        "events no harness/model code emits (self._emit) and invariants/events.py EXEMPT "
        f"gives no reason for: {', '.join(missing)}"
    )


def test_no_exemption_is_stale(abi, emits):
    gone = sorted(key for key in EXEMPT if key not in abi)
    predicted = sorted(key for key in EXEMPT if key in emits)
    assert gone == [], f"EXEMPT names events no deployable contract has: {', '.join(gone)}"
    assert predicted == [], f"EXEMPT names events the model does predict: {', '.join(predicted)}"


def test_every_exemption_gives_a_one_line_reason():
    assert all(reason.strip() and "\n" not in reason for reason in EXEMPT.values())


def test_every_prediction_names_an_event_and_all_its_arguments(abi, emits):
    wrong = []
    for key, places in emits.items():
        if key not in abi:
            wrong += [f"{file}:{line} {key} (no such event)" for file, line, _ in places]
            continue
        inputs = {i["name"] for i in abi[key]}
        for file, line, names in places:
            if names != inputs:
                wrong.append(f"{file}:{line} {key} {sorted(names)} != {sorted(inputs)}")
    assert wrong == [], "model events that do not match the ABI: " + "; ".join(wrong)


def test_a_missing_event_and_a_stale_exemption_are_named(abi, emits, monkeypatch):
    monkeypatch.delitem(EXEMPT, "DepositContract.DepositEvent")
    monkeypatch.setitem(EXEMPT, "RocketNodeDeposit.DepositCreditUsed", "stale")
    with pytest.raises(
        AssertionError, match=r"gives no reason for: DepositContract\.DepositEvent\n"
    ):
        test_every_event_is_predicted_by_the_model_or_exempt(abi, emits)
    with pytest.raises(AssertionError, match=r"does predict: RocketNodeDeposit\.DepositCreditUsed"):
        test_no_exemption_is_stale(abi, emits)


def test_a_prediction_with_a_wrong_argument_is_named(abi, tmp_path):
    (tmp_path / "area.py").write_text(
        "def f(self):\n"
        "    self._emit('RocketNodeDeposit', 'DepositCreditUsed', node=1, amount=2, tme=3)\n"
    )
    with pytest.raises(AssertionError, match=r"area\.py:2 RocketNodeDeposit\.DepositCreditUsed"):
        test_every_prediction_names_an_event_and_all_its_arguments(abi, model_emits(tmp_path))
