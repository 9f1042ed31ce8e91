"""Plain helpers shared by the RPL side's unit tests (fixtures are in ``rpl_fixtures``)."""

from __future__ import annotations

import boa

from harness import Protocol
from tests.helpers import events  # noqa: F401  (re-exported for the RPL-side tests)

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
