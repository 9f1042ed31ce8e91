"""The simulated world, deployed: contracts, beacon chain and the honest oDAO.

:func:`deploy_protocol` is what a test, the shell and the campaign machine
start from; :func:`shared_protocol` keeps one deployment per process.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from harness.chain import backend
from harness.chain.actors import contract_actors
from harness.chain.deploy import deploy_contracts
from harness.chain.protocol import Protocol
from harness.config import Config
from harness.world.oracle import HonestOracle


def deploy_protocol(
    config: Config | dict | str | Path | None = None,
    contracts_dir: str | Path | None = None,
    replace: dict[str, str | Path] | None = None,
    chain: Any = None,
) -> Protocol:
    """Deploy the contracts (:func:`harness.chain.deploy.deploy_contracts`, same arguments)
    and attach the honest oDAO that reports on them."""
    protocol = deploy_contracts(config, contracts_dir, replace, chain)
    protocol.oracle = HonestOracle(protocol, protocol.config.oracle)
    return protocol


_WORLD: dict[tuple, Protocol] = {}


def shared_protocol(config: Any = None, contracts_dir: Any = None) -> Protocol:
    """One deployment per process, configuration and backend (see :mod:`harness.chain.backend`).

    Deploying costs seconds, an anchor nothing.
    """
    chain = backend.active_chain()
    key = (repr(config), str(contracts_dir), chain.name)
    cached = _WORLD.get(key)
    # A deployment made inside an anchor (a pytest test, an example) is gone
    # once the anchor closes: redeploy rather than drive vanished contracts.
    if cached is None or not chain.get_code(cached.storage.address):
        _WORLD[key] = deploy_protocol(config=config, contracts_dir=contracts_dir, chain=chain)
    # The machine's contract actors too, here, outside the examples' anchors.
    contract_actors(chain)
    return _WORLD[key]
