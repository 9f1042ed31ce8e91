"""Outsiders calling the beacon deposit contract with a flawed deposit.

Minipools are the contract's only legitimate depositors here (a node's
1 ETH prestake, the 31 ETH stake); anyone may call it, and each of its
checks refuses one kind of flaw. ``beacon_deposit`` sends a stranger's
deposit with one flaw (a short pubkey, credentials or signature, too little
ETH, an amount that is not whole gwei, a root that does not match) and the
model predicts the exact refusal from the arguments, in the contract's
order. Valid outsider deposits are not drawn: they would make validators
no minipool owns.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st
from hypothesis.stateful import rule

from harness.chain.deposit_data import deposit_data_root, make_deposit_data
from harness.fuzz.actions.base import Action, declare, machine_rule
from harness.units import ETH

# The flaws, each refused by one check of the contract.
FLAWS = (
    "short-pubkey",
    "short-credentials",
    "short-signature",
    "too-little",
    "not-whole-gwei",
    "wrong-root",
)


def flawed_deposit(flaw: str) -> dict[str, Any]:
    """The arguments and value of a 1 ETH outsider deposit with ``flaw``."""
    data = make_deposit_data(f"outsider-{flaw}", b"\x01" + bytes(11) + b"\xee" * 20, ETH)
    args = {
        "pubkey": data.pubkey,
        "withdrawal_credentials": data.withdrawal_credentials,
        "signature": data.signature,
        "root": data.root,
        "value": ETH,
    }
    if flaw == "short-pubkey":
        args["pubkey"] = data.pubkey[:-1]
    elif flaw == "short-credentials":
        args["withdrawal_credentials"] = data.withdrawal_credentials[:-1]
    elif flaw == "short-signature":
        args["signature"] = data.signature[:-1]
    elif flaw == "too-little":
        args["value"] = ETH // 2
        args["root"] = deposit_data_root(
            data.pubkey, data.withdrawal_credentials, ETH // 2, data.signature
        )
    elif flaw == "not-whole-gwei":
        args["value"] = ETH + 1
    elif flaw == "wrong-root":
        args["root"] = deposit_data_root(
            data.pubkey, data.withdrawal_credentials, 2 * ETH, data.signature
        )
    else:
        raise ValueError(f"beacon_deposit: no flaw {flaw!r}; the flaws are {', '.join(FLAWS)}")
    return args


def _call(p: Any, sender: str, pubkey, withdrawal_credentials, signature, root, value) -> Any:
    return p.deposit_contract.deposit(
        pubkey, withdrawal_credentials, signature, root, value=value, sender=sender
    )


declare(
    Action(
        "beacon_deposit",
        step=lambda ctx, flaw: ctx.cp.beacon_deposit(ctx.who("stranger"), **flawed_deposit(flaw)),
        expect=lambda m, cp, sender, **args: m.beacon_deposit(
            args["pubkey"],
            args["withdrawal_credentials"],
            args["signature"],
            args["root"],
            args["value"],
        ),
        call=_call,
        entries=("deposit_contract.deposit",),
    )
)


# --------------------------------------------------------------------------- machine rules
@machine_rule
@rule(flaw=st.sampled_from(FLAWS))
def beacon_deposit(self, flaw: str) -> None:
    """A stranger sends the beacon deposit contract a deposit with one flaw: refused."""
    self.do("beacon_deposit", flaw=flaw)
