"""Contract actors: withdrawal addresses that are contracts, and behave badly.

A node's withdrawal address may be a contract, and a contract decides what
happens when ETH arrives. The machine names two such actors next to the
role-named EOAs:

* ``"refuser"`` (``contracts/mocks/RefusingWithdrawalAddress.vy``) reverts on
  every payment, so any minipool payment to it must revert with the
  minipool's reason and change nothing;
* ``"reentrant"`` (``contracts/mocks/ReentrantWithdrawalAddress.vy``) calls
  the paying contract back (``distributeBalance(false)``, which a minipool
  accepts from its withdrawal address) before keeping the ETH, and counts
  its attempts and successes; the reentrancy locks must refuse every one.

They take no constructor arguments and read nothing from the protocol, so
one pair serves every protocol in the process: deployed once, and again only
when an anchor has rolled them away.
"""

from __future__ import annotations

from typing import Any

from harness.chain import backend
from harness.config import PROJECT_ROOT

REFUSER = "refuser"
REENTRANT = "reentrant"
MOCKS_DIR = PROJECT_ROOT / "contracts" / "mocks"
SOURCES = {
    REFUSER: MOCKS_DIR / "RefusingWithdrawalAddress.vy",
    REENTRANT: MOCKS_DIR / "ReentrantWithdrawalAddress.vy",
}

# (id of the chain's environment, role) -> (handle, runtime code it was deployed with)
_DEPLOYED: dict[tuple[int, str], tuple[Any, bytes]] = {}


def contract_actors(chain: Any = None) -> dict[str, Any]:
    """Handles on the contract actors by role name, deploying those not (or no longer) on chain.

    A handle is reused while its address still holds its code: an anchor
    that rolled the deployment back (or a later deployment at the same
    address) makes it deploy afresh, with fresh counters. Deploy outside any
    anchor to deploy once per process. ``chain``: the EVM (see
    :mod:`harness.chain.backend`), by default the active backend's.
    """
    chain = chain if chain is not None else backend.active_chain()
    # titanoboa's chain object stands for whichever boa.env is current.
    key = id(getattr(chain, "env", chain))
    out = {}
    for role, source in SOURCES.items():
        cached = _DEPLOYED.get((key, role))
        if cached is None or chain.get_code(cached[0].address) != cached[1]:
            handle = chain.load(source).deploy()
            cached = _DEPLOYED[(key, role)] = (handle, chain.get_code(handle.address))
        out[role] = cached[0]
    return out


def reentry_counters(reentrant: Any, chain: Any = None) -> tuple[int, int]:
    """``(attempts, successes)`` of a re-entrant withdrawal address, read from the chain.

    Given the ``chain`` (see :mod:`harness.chain.backend`), both in one reading:
    on revm two storage words, as they are public variables (the invariants
    read them after most steps).
    """
    if chain is None:
        return reentrant.reentryAttempts(), reentrant.reentrySuccesses()
    calls = [(reentrant.reentryAttempts, ()), (reentrant.reentrySuccesses, ())]
    attempts, successes = chain.read_views(calls, ("reentry", str(reentrant.address)))
    return attempts, successes
