"""Plain helpers shared by the RPL side's unit tests (fixtures are in ``rpl_fixtures``)."""

from __future__ import annotations

from typing import Any

import boa

from harness import Protocol

ONE = 10**18


def set_node_eth(p: Protocol, node: str, matched: int, provided: int) -> None:
    """The guardian sets a node's matched and provided ETH on the minipool manager double."""
    manager = p.minipool_manager
    with boa.env.prank(p.guardian):
        manager.setNodeETHMatched(node, matched)
        manager.setNodeETHProvided(node, provided)


def set_setting(p: Protocol, path: str, value: int | bool) -> None:
    """The guardian changes one protocol setting."""
    with boa.env.prank(p.guardian):
        if isinstance(value, bool):
            p.settings.setSettingBool(path, value)
        else:
            p.settings.setSettingUint(path, value)


def events(contract: Any, name: str) -> list[Any]:
    """The decoded ``name`` events of ``contract``'s last call, its sub-calls included.

    Call it straight after the call: any later call to ``contract``, a view
    included, becomes its last call.
    """
    # strict=False: the vault's events index strings, which titanoboa cannot
    # decode back; they come out raw and are skipped here.
    logs = contract.get_logs(strict=False)
    return [e for e in logs if type(e).__name__ == name]
