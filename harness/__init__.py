"""rpfuzz: Rocket Pool in Vyper under Titanoboa, and the harness that fuzzes it.

Start with :func:`harness.world.deploy.deploy_protocol`, which returns a
:class:`harness.chain.protocol.Protocol` facade. The subpackages, from the
bottom up (each imports only from those below it; ``docs/architecture.md``):

- :mod:`harness.units`, :mod:`harness.config`: amounts, durations, ``boa_config.toml``;
- :mod:`harness.chain`: the EVM backends, the contracts deployed, the facade,
  the simulated beacon chain beside the EVM;
- :mod:`harness.world`: the honest oDAO, and the whole world deployed;
- :mod:`harness.model`: the independent reference model;
- :mod:`invariants`: what must hold after every step, judged against the model;
- :mod:`harness.fuzz`: actions, the checked facade, views, the stateful machine;
- :mod:`harness.replay`: replay files, replaying, minimising, emitting tests;
- :mod:`harness.run`: campaigns, workers, bench, coverage, profiles, differential;
- :mod:`harness.bugzoo`: planted bugs and the zoo runner;
- :mod:`harness.cli`: ``rpfuzz``, the shell, the demo, terminal display.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from harness.chain.protocol import Protocol
    from harness.world.deploy import deploy_protocol

__all__ = ["Protocol", "deploy_protocol"]


def __getattr__(name: str) -> Any:
    # Imported on first use, not with the package: importing titanoboa takes
    # seconds, and `rpfuzz --help` (which imports harness.cli) needs none of it.
    if name == "Protocol":
        from harness.chain.protocol import Protocol

        return Protocol
    if name == "deploy_protocol":
        from harness.world.deploy import deploy_protocol

        return deploy_protocol
    raise AttributeError(f"module 'harness' has no attribute {name!r}")
